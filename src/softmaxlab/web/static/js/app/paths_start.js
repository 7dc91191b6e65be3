// What a run starts from: {inputs, labels, samples, dim, params, batches}, the `start` of lab/train.js's
// trainFrom. STAND-IN until lab/{datasets,init}.js (makeData, initParams, batchIndices, bit-identical to the
// Python lab) are merged: the same distributions drawn from kernel/random.js's Threefry, so a run looks like
// the Python lab's run of the link but is not the same run. Only the page's worker imports this module.
import { Threefry } from "../kernel/random.js";

// standard normals from a Threefry stream by Box-Muller (the lab's own recipe will replace this)
function normals(stream, n) {
  const u = stream.random(2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - u[2 * i])) * Math.cos(2 * Math.PI * u[2 * i + 1]);
  return out;
}

function counts(e) {
  let f = e.dataset === "reference" ? [] : e.frequencies;
  if (e.dataset === "imbalanced" && !f.length) f = Array.from({ length: e.classes }, (_, k) => 2 ** -k);
  if (!f.length) return Array(e.classes).fill(e.samples_per_class);
  const total = f.reduce((a, b) => a + b, 0);
  return f.map((v) => Math.max(1, Math.round((e.classes * e.samples_per_class * v) / total)));
}

/** The inputs (samples x dim) and labels of the experiment's dataset (reference, blobs, imbalanced; shells
 * and spirals as noisy blobs, which is what the stand-in draws). */
export function makeData(e) {
  const rng = new Threefry(e.seed, 1);
  const sizes = counts(e);
  const samples = sizes.reduce((a, b) => a + b, 0);
  const labels = new Int32Array(samples);
  let at = 0;
  sizes.forEach((n, c) => labels.fill(c, at, (at += n)));
  const inputs = new Float32Array(samples * e.dim);
  if (e.dataset === "reference") {
    const g = normals(rng, samples * 3);
    for (let s = 0; s < samples; s++) {
      const row = g.subarray(s * 3, s * 3 + 3);
      if (labels[s] === 2) {
        const r = Math.hypot(...row) || 1;
        for (let j = 0; j < 3; j++) inputs[s * 3 + j] = (4 * row[j]) / r; // on the sphere of radius 4
      } else {
        for (let j = 0; j < 3; j++) inputs[s * 3 + j] = e.noise * row[j] + (j === 0 ? (labels[s] === 0 ? 2 : -2) : 0);
      }
    }
  } else {
    const centres = normals(rng, e.classes * e.dim);
    const g = normals(rng, samples * e.dim);
    for (let s = 0; s < samples; s++) for (let j = 0; j < e.dim; j++) inputs[s * e.dim + j] = 3 * centres[labels[s] * e.dim + j] + e.noise * g[s * e.dim + j];
  }
  return { inputs, labels, samples, dim: e.dim };
}

function uniform(rng, n, fanIn) {
  const bound = 1 / Math.sqrt(fanIn);
  return Float32Array.from(rng.random(n), (u) => (2 * u - 1) * bound);
}

function lastLayer(rng, e, fanIn, labels) {
  const K = e.classes;
  if (e.init === "default") return { w_out: { data: uniform(rng, fanIn * K, fanIn), shape: [fanIn, K] }, b_out: { data: uniform(rng, K, fanIn), shape: [K] } };
  const b = new Float32Array(K);
  if (e.init === "prior") {
    const n = new Float64Array(K);
    labels.forEach((y) => (n[y] += 1));
    for (let k = 0; k < K; k++) b[k] = Math.log(Math.max(n[k], 0.5) / labels.length);
  }
  return { w_out: { data: new Float32Array(fanIn * K), shape: [fanIn, K] }, b_out: { data: b, shape: [K] } };
}

/** The parameters {name: {data, shape}} of the experiment's model, as lab/models.py names them. */
export function initParams(e, data) {
  const rng = new Threefry(e.seed, 2);
  const K = e.classes;
  if (e.model === "free-logits") {
    const logits = e.init === "default" ? uniform(rng, data.samples * K, 1) : new Float32Array(data.samples * K);
    if (e.init === "prior") {
      const b = lastLayer(rng, e, 1, data.labels).b_out.data;
      for (let s = 0; s < data.samples; s++) logits.set(b, s * K);
    }
    return { logits: { data: logits, shape: [data.samples, K] } };
  }
  if (e.model === "free-features") {
    const features = Float32Array.from(normals(rng, data.samples * e.feature_dim));
    return { features: { data: features, shape: [data.samples, e.feature_dim] }, ...lastLayer(rng, e, e.feature_dim, data.labels) };
  }
  const params = {};
  let fanIn = data.dim;
  e.hidden.forEach((width, i) => {
    params[`w${i}`] = { data: uniform(rng, fanIn * width, fanIn), shape: [fanIn, width] };
    params[`b${i}`] = { data: uniform(rng, width, fanIn), shape: [width] };
    fanIn = width;
  });
  return { ...params, ...lastLayer(rng, e, fanIn, data.labels) };
}

/** The step-t mini-batch: `size` distinct samples drawn from a Threefry stream of (seed, step). */
export function batchIndices(e, step, samples) {
  const u = new Threefry(e.seed, 1000 + step).random(samples);
  const order = Array.from({ length: samples }, (_, i) => i).sort((a, b) => u[a] - u[b]);
  return Int32Array.from(order.slice(0, e.batch_size));
}
