// web/static/js/lab/train.js against softmaxlab.lab.train: from the lab's own start (data, initial parameters,
// mini-batch indices), the JS trainer must record the lab's logits, loss and accuracy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.mjs";
import { trainFrom } from "../../src/softmaxlab/web/static/js/lab/train.js";

// the lab's start as the trainer takes it
export function startOf(c) {
  const params = {};
  for (const [name, p] of Object.entries(c.params)) params[name] = { data: Float32Array.from(p.data), shape: p.shape };
  const batches = c.batches && c.batches.map((b) => Int32Array.from(b));
  return { inputs: Float32Array.from(c.inputs), labels: Int32Array.from(c.labels), samples: c.samples, dim: c.dim,
           params, batches: batches && ((step) => batches[step]) };
}

// max |a - b| / max |b|: the error relative to the logits' size
function relative(actual, expected) {
  let diff = 0, size = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    size = Math.max(size, Math.abs(expected[i]));
  }
  return diff / Math.max(size, 1e-30);
}

function check(c, tol) {
  const result = trainFrom(c.experiment, startOf(c));
  assert.deepEqual(result.shape, c.shape, `${c.name}: shape`);
  assert.deepEqual(Array.from(result.steps), c.steps, `${c.name}: steps`);
  const err = relative(result.logits, c.logits);
  assert.ok(err <= tol, `${c.name}: logits differ by ${err.toExponential(2)} of their size (tol ${tol})`);
  for (const name of ["loss", "accuracy"]) {
    const e = relative(result[name], c[name]);
    assert.ok(e <= tol, `${c.name}: ${name} differs by ${e.toExponential(2)} (tol ${tol})`);
  }
  for (const [name, values] of Object.entries(c.extras)) {
    assert.ok(result[name], `${c.name}: no ${name} in the result`);
    const e = relative(result[name], values);
    assert.ok(e <= tol, `${c.name}: ${name} differs by ${e.toExponential(2)} (tol ${tol})`);
  }
  return err;
}

test("200 steps of the reference experiment follow the lab to 1e-4 of the logits' size", () => {
  for (const c of fixture("train_parity")) check(c, 1e-4);
});

test("every optimiser, loss, activation, model, init and mini-batching follows the lab", () => {
  for (const c of fixture("train_short")) check(c, 1e-4);
});

// the logits of records [from, to) of a result (or fixture) as one flat view
const records = (logits, shape, from, to) => logits.subarray(from * shape[1] * shape[2], to * shape[1] * shape[2]);

test("RMSprop from the default init follows the lab to step 190; at step 199 a ReLU kink sits at rounding level", () => {
  const [c] = fixture("train_kinked");
  const result = trainFrom(c.experiment, startOf(c));
  const err = relative(records(result.logits, c.shape, 0, 20), records(Float32Array.from(c.logits), c.shape, 0, 20));
  assert.ok(err <= 1e-4, `${c.name}: steps 0-190 differ by ${err.toExponential(2)}`);
  // after 199 steps some sample's hidden pre-activation is within rounding of 0: its ReLU's side is a coin toss
  const at199 = trainFrom({ ...c.experiment, steps: 199 }, startOf(c)).params;
  const views = Object.fromEntries(Object.entries(at199).map(([k, v]) => [k, v.data]));
  const [h0, h1] = c.experiment.hidden, n = c.samples;
  let nearest = Infinity; // the smallest |pre-activation| of the second hidden layer, through the first's ReLU
  const x = Float32Array.from(c.inputs), w0 = views.w0, b0 = views.b0, w1 = views.w1, b1 = views.b1;
  for (let r = 0; r < n; r++) {
    const h = Array.from({ length: h0 }, (_, j) => Math.max(0, b0[j] + [0, 1, 2].reduce((s, k) => s + x[r * 3 + k] * w0[k * h0 + j], 0)));  // (h0,) in float64
    for (let j = 0; j < h1; j++) nearest = Math.min(nearest, Math.abs(h.reduce((s, hk, k) => s + hk * w1[k * h1 + j], b1[j])));
  }
  assert.ok(nearest < 1e-6, `no pre-activation near 0 after step 199 (nearest ${nearest}): the kink explanation fails`);
});

test("RMSprop at its default lr follows the lab until its run turns chaotic, where one ulp moves it as much", () => {
  const [c] = fixture("train_chaotic");
  const result = trainFrom(c.experiment, startOf(c));
  const lab = Float32Array.from(c.logits), last = c.shape[0];
  const early = relative(records(result.logits, c.shape, 0, 16), records(lab, c.shape, 0, 16)); // steps 0..150
  assert.ok(early <= 1e-4, `rmsprop: steps 0-150 differ by ${early.toExponential(2)}`);
  const late = relative(records(result.logits, c.shape, last - 1, last), records(lab, c.shape, last - 1, last));
  // the JS trainer against itself from a start moved by one ulp on every 7th parameter
  const nudged = startOf(c);
  for (const p of Object.values(nudged.params)) for (let i = 3; i < p.data.length; i += 7) p.data[i] *= 1 + 2 ** -23;
  const other = trainFrom(c.experiment, nudged);
  const spread = relative(records(other.logits, c.shape, last - 1, last), records(result.logits, c.shape, last - 1, last));
  assert.ok(spread > 1e-4, `one ulp moved step 200 by only ${spread.toExponential(2)}: then parity to 1e-4 should hold`);
  assert.ok(late <= 10 * spread, `rmsprop: step 200 differs by ${late.toExponential(2)}, one ulp by ${spread.toExponential(2)}`);
});

test("Adam from a zero last layer: the lab and JS differ only by b_out's first step, a normalised rounding error", () => {
  const [one, long] = fixture("train_adam_zero");
  const result = trainFrom(one.experiment, startOf(one));
  const [, samples, K] = one.shape, lr = 1e-3;
  // after step 1 the difference is one vector for every sample: only b_out differs (its gradient is 0 in exact
  // arithmetic, ~1e-8 of rounding that Adam divides by its own size), by at most 2 lr per class
  const diff = (r, j) => result.logits[(samples + r) * K + j] - one.logits[(samples + r) * K + j];
  for (let j = 0; j < K; j++) {
    assert.ok(Math.abs(diff(0, j)) <= 2 * lr, `class ${j}: step-1 difference ${diff(0, j)} is more than 2 lr`);
    for (let r = 1; r < samples; r++) {
      assert.ok(Math.abs(diff(r, j) - diff(0, j)) <= 1e-6, `sample ${r} class ${j}: ${diff(r, j)} vs ${diff(0, j)}`);
    }
  }
  const longRun = trainFrom(long.experiment, startOf(long));
  const err = relative(longRun.logits, long.logits);
  assert.ok(err <= 1e-2, `adam from zeros: 200 steps differ by ${err.toExponential(2)} of the logits' size`);
});
