// The lab's training loop in the browser, mirroring softmaxlab.lab.engine: `steps` updates of the optimiser on
// loss(z / T), recording every sample's logits (with the loss and the accuracy over all samples) before step 0,
// after every `record_every`-th step and after the last. Float32 throughout; nothing is allocated in the loop.
import { MODELS, paramShapes } from "./models.js";
import { LOSSES, accuracy } from "./losses.js";
import { OPTIMIZERS } from "./optimizers.js";
import { batchIndices, makeData } from "./datasets.js";
import { initParams } from "./init.js";

const f = Math.fround;

/** Steps taken before each record after the first: k, k, ..., and the remainder (engine.schedule). */
export function schedule(steps, every) {
  const out = Array(Math.floor(steps / every)).fill(every);
  if (steps % every) out.push(steps % every);
  return out;
}

/** The traced hyperparameters of lab/hyperparameters.py, as float32 numbers; lr null is the optimiser's default. */
export function hyperparameters(e) {
  const opt = OPTIMIZERS[e.optimizer];
  if (!opt) throw new Error(`optimizer: unknown optimizer ${JSON.stringify(e.optimizer)}`);
  return {
    lr: f(e.lr ?? opt.default_lr), weight_decay: f(e.weight_decay), momentum: f(e.momentum),
    label_smoothing: f(e.label_smoothing), focal_gamma: f(e.focal_gamma), temperature: f(e.temperature),
  };
}

// every parameter in one Float32Array (what the optimiser walks), with a named view of each; a missing or
// misshapen parameter is refused by name
function flatten(shapes, params) {
  const names = Object.keys(shapes);
  const sizes = names.map((name) => {
    const size = shapes[name].reduce((a, b) => a * b, 1), p = params[name];
    if (!p) throw new Error(`params: ${name} is missing`);
    if (p.data.length !== size) throw new Error(`params: ${name} holds ${p.data.length} numbers, expected ${shapes[name].join(" x ")}`);
    return size;
  });
  const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  const grads = new Float32Array(flat.length);
  const views = {}, gradViews = {};
  let at = 0;
  names.forEach((name, i) => {
    flat.set(params[name].data, at);
    views[name] = flat.subarray(at, at + sizes[i]);
    gradViews[name] = grads.subarray(at, at + sizes[i]);
    at += sizes[i];
  });
  return { names, flat, grads, views, gradViews };
}

/**
 * Train `experiment` (Experiment's field names, defaults applied) from `start` = {inputs, labels, samples, dim,
 * params: {name: {data, shape}}, batches: null | (step) => Int32Array}; the step-t mini-batch is batches(t).
 * onRecord(record, logits, {step, loss, accuracy}) is called as each record is made (logits: that record's
 * view into the result's logits). Returns {logits (records*samples*classes), shape, steps (Int32Array, the step of each record),
 * loss, accuracy (Float32Array per record), ms}, and with record_features also features (records*samples*width)
 * and weights (records*classes*width, W_out^T), the lab's extras; params holds the parameters after the last step.
 */
export function trainFrom(experiment, start, { onRecord, recordEvery } = {}) {
  const began = performance.now();
  const e = experiment, K = e.classes, { samples, dim, inputs, labels } = start;
  const every = recordEvery ?? e.record_every;
  const lossFn = LOSSES[e.loss], build = MODELS[e.model];
  if (!lossFn) throw new Error(`loss: unknown loss ${JSON.stringify(e.loss)}`);
  if (!build) throw new Error(`model: unknown model ${JSON.stringify(e.model)}`);
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`recordEvery: expected an integer >= 1, got ${every}`);
  if (inputs.length !== samples * dim || labels.length !== samples) {
    throw new Error(`start: inputs/labels do not hold ${samples} samples of dimension ${dim}`);
  }
  const batch = e.batch_size || 0;
  if (batch && typeof start.batches !== "function") {
    throw new Error(`start.batches: batch_size is ${batch} but no batch indices were given`);
  }
  const hp = hyperparameters(e), opt = OPTIMIZERS[e.optimizer];

  const shapes = paramShapes(e, { samples, dim });
  const { names, flat, grads, views, gradViews } = flatten(shapes, start.params);
  const model = build(e, views, gradViews, { samples, dim });
  const state = opt.init(flat.length);

  const counts = schedule(e.steps, every), records = counts.length + 1;
  const logits = new Float32Array(records * samples * K);
  const loss = new Float32Array(records), acc = new Float32Array(records), steps = new Int32Array(records);
  const width = model.width, features = e.record_features && width;
  const extras = features ? { features: new Float32Array(records * samples * width),
                              weights: new Float32Array(records * K * width) } : {};
  const z = new Float32Array(samples * K), dz = new Float32Array(samples * K);
  const y = new Int32Array(samples);

  // full batch: a step's forward pass is the last record's, when no update came between (the model keeps it)
  let recorded = null;

  function record(r, step) {
    const out = logits.subarray(r * samples * K, (r + 1) * samples * K);
    model.forward(inputs, null, samples, out);
    loss[r] = lossFn(out, labels, samples, K, hp, null);
    acc[r] = accuracy(out, labels, samples, K);
    steps[r] = step;
    if (features) {
      extras.features.set(model.features(samples), r * samples * width);
      const w = views.w_out, at = r * K * width; // (width, K) -> (K, width)
      for (let k = 0; k < width; k++) for (let j = 0; j < K; j++) extras.weights[at + j * width + k] = w[k * K + j];
    }
    if (onRecord) onRecord(r, out, { step, loss: loss[r], accuracy: acc[r] });
    recorded = out;
  }

  function step(t) {
    let index = null, n = samples, yb = labels, zs = recorded;
    if (batch) {
      index = start.batches(t);
      n = index?.length;
      if (n !== batch) throw new Error(`start.batches(${t}): expected ${batch} sample indices, got ${n}`);
      for (let r = 0; r < n; r++) {
        const i = index[r];
        if (!(i >= 0 && i < samples)) throw new Error(`start.batches(${t}): index ${i} is not a sample (0-${samples - 1})`);
        y[r] = labels[i];
      }
      yb = y;
      zs = null;
    }
    if (!zs) model.forward(inputs, index, n, (zs = z));
    grads.fill(0);
    lossFn(zs, yb, n, K, hp, dz);
    model.backward(dz, index, n);
    opt.update(flat, grads, state, hp);
    recorded = null;
  }

  record(0, 0);
  let t = 0;
  counts.forEach((count, i) => {
    for (let s = 0; s < count; s++) step(t++);
    record(i + 1, t);
  });
  const final = Object.fromEntries(names.map((name) => [name, { data: views[name], shape: shapes[name] }]));
  return { logits, shape: [records, samples, K], steps, loss, accuracy: acc, ...extras, params: final,
           ms: performance.now() - began };
}

/**
 * Train an experiment from its seed: the data, the initial parameters and the mini-batches the lab makes
 * (datasets.js, init.js), then trainFrom. `experiment` is a plain object with Experiment's fields, defaults
 * applied; a link's query is read by `softmaxlab.train` (app/train_link.js), which knows the Experiment spec.
 */
export async function train(experiment, options = {}) {
  if (typeof experiment === "string") {
    throw new Error("train: pass an experiment object (defaults applied), or call softmaxlab.train(query), which reads a link");
  }
  const data = makeData(experiment);
  const batches = experiment.batch_size ? (step) => batchIndices(experiment, step) : null;
  return trainFrom(experiment, { ...data, params: initParams(experiment, data), batches }, options);
}
