// The lab's five datasets, mirroring softmaxlab.lab.datasets: the same normals of the stream
// (seed, STREAMS.data) in the same order, the same float64 arithmetic, one rounding to float32 at the end.
import { STREAMS, Stream, batchOrder, sincos } from "./random.js";

/** Python's np.rint: the nearest integer, ties to even. */
function roundHalfEven(x) {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The class frequencies a dataset uses: none for reference, 1 : 1/2 : 1/4 ... for imbalanced by default. */
function frequenciesOf(e) {
  if (e.dataset === "reference") return [];
  if (e.dataset === "imbalanced" && !(e.frequencies && e.frequencies.length)) {
    const f = [1];
    while (f.length < e.classes) f.push(f[f.length - 1] / 2);
    return f;
  }
  return e.frequencies || [];
}

/** Samples per class, as lab.datasets.class_counts: n each, or max(1, rint(K n f_k / sum f)). */
export function classCounts(e) {
  const frequencies = frequenciesOf(e);
  const { classes, samples_per_class: n } = e;
  if (!frequencies.length) return Array(classes).fill(n);
  let total = 0;
  for (const f of frequencies) total += f;
  return frequencies.map((f) => Math.max(1, roundHalfEven(classes * n * (f / total))));
}

/** The number of samples of an experiment's dataset (Experiment.num_samples). */
export const numSamples = (e) => classCounts(e).reduce((a, b) => a + b, 0);

function labelsOf(counts) {
  const labels = new Int32Array(counts.reduce((a, b) => a + b, 0));
  let i = 0;
  counts.forEach((c, k) => labels.fill(k, i, (i += c)));
  return labels;
}

/** n points on the unit sphere in dim dimensions, row by row: normals over their norm (summed column by column). */
function directions(rng, n, dim) {
  const g = rng.normal(n * dim);
  for (let i = 0; i < n; i++) {
    let squares = g[i * dim] * g[i * dim];
    for (let j = 1; j < dim; j++) squares = squares + g[i * dim + j] * g[i * dim + j];
    const norm = Math.sqrt(squares) || 1;
    for (let j = 0; j < dim; j++) g[i * dim + j] = g[i * dim + j] / norm;
  }
  return g;
}

function reference(rng, e) {
  const n = e.samples_per_class;
  const shift = [2, 0, 0];
  const x = new Float64Array(3 * n * 3);
  const class0 = rng.normal(n * 3);
  const class1 = rng.normal(n * 3);
  const class2 = directions(rng, n, 3);
  for (let i = 0; i < n * 3; i++) {
    x[i] = e.noise * class0[i] + shift[i % 3];
    x[n * 3 + i] = e.noise * class1[i] - shift[i % 3];
    x[2 * n * 3 + i] = 4 * class2[i];
  }
  return [x, [n, n, n]];
}

function blobs(rng, e) {
  const counts = classCounts(e);
  const { classes, dim } = e;
  const centres = rng.normal(classes * dim).map((v) => 3 * v);
  const labels = labelsOf(counts);
  const g = rng.normal(labels.length * dim);
  const x = g.map((v, i) => centres[labels[Math.floor(i / dim)] * dim + (i % dim)] + e.noise * v);
  return [x, counts];
}

function shells(rng, e) {
  const counts = classCounts(e);
  const labels = labelsOf(counts);
  const dim = e.dim;
  const d = directions(rng, labels.length, dim);
  const g = rng.normal(labels.length * dim);
  const x = d.map((v, i) => (labels[Math.floor(i / dim)] + 1) * v + 0.1 * e.noise * g[i]);
  return [x, counts];
}

function spirals(rng, e) {
  const counts = classCounts(e);
  const dim = e.dim;
  const x = new Float64Array(counts.reduce((a, b) => a + b, 0) * dim);
  let i = 0;
  counts.forEach((c, k) => {
    for (let j = 0; j < c; j++, i++) {
      const t = 0.1 + ((1.0 - 0.1) * j) / Math.max(c - 1, 1); // lab.datasets.linspace(0.1, 1, c)
      const [sin, cos] = sincos(4 * Math.PI * t + (2 * Math.PI * k) / e.classes);
      x[i * dim] = t * cos;
      x[i * dim + 1] = t * sin;
    }
  });
  const g = rng.normal(x.length);
  const scale = 0.05 * e.noise;
  for (let m = 0; m < x.length; m++) x[m] = x[m] + scale * g[m];
  return [x, counts];
}

const MAKERS = { reference, blobs, shells, spirals, imbalanced: blobs }; // imbalanced: blobs with frequencies

/** The inputs (float32, samples x dim, row by row) and labels of an experiment, as softmaxlab.lab's prepare. */
export function makeData(e) {
  const maker = MAKERS[e.dataset];
  if (!maker) throw new Error(`dataset: ${JSON.stringify(e.dataset)} is not one of ${Object.keys(MAKERS).join(", ")}`);
  const [x, counts] = maker(new Stream(e.seed, STREAMS.data), e);
  const labels = labelsOf(counts);
  return { inputs: Float32Array.from(x), labels, samples: labels.length, dim: e.dataset === "reference" ? 3 : e.dim };
}

/** The sample indices of step `step`'s mini-batch (0 for the first update), or null for full batch. */
export function batchIndices(e, step) {
  return e.batch_size ? batchOrder(e.seed, step, numSamples(e), e.batch_size) : null;
}
