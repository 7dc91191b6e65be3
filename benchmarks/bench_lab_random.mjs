// The lab's generator in node (static/js/lab/): an Experiment's data, init and batches, and the generator's
// own log against Math.log in the same process. Run: node benchmarks/bench_lab_random.mjs
import { log } from "../src/softmaxlab/web/static/js/lab/random.js";
import { batchIndices, makeData } from "../src/softmaxlab/web/static/js/lab/datasets.js";
import { initParams } from "../src/softmaxlab/web/static/js/lab/init.js";

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function ms(fn, repeats) {
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const began = performance.now();
    fn();
    times.push(performance.now() - began);
  }
  return median(times);
}

const reference = { dataset: "reference", classes: 3, dim: 3, samples_per_class: 20, noise: 1, frequencies: [],
  model: "mlp", hidden: [32, 32], feature_dim: 16, init: "zeros", seed: 0, batch_size: 16 };
const big = { ...reference, dataset: "blobs", classes: 10, dim: 64, samples_per_class: 5000, hidden: [512, 512],
  init: "default", batch_size: 256 };
for (const [name, e, repeats] of [["reference (60 x 3, MLP 3-32-32-3)", reference, 21], ["blobs 50000 x 64, MLP 64-512-512-10", big, 3]]) {
  const data = makeData(e);
  const tData = ms(() => makeData(e), repeats);
  const tInit = ms(() => initParams(e, data), repeats);
  const tBatch = ms(() => { for (let s = 0; s < 100; s++) batchIndices(e, s); }, repeats) / 100;
  console.log(`${name}: makeData ${tData.toFixed(2)} ms, initParams ${tInit.toFixed(2)} ms, ` +
    `batchIndices ${tBatch.toFixed(3)} ms per step`);
}
const xs = Float64Array.from({ length: 1_000_000 }, (_, i) => (i + 1) * 1e-6);
let sink = 0;
const tOurs = ms(() => { for (const x of xs) sink += log(x); }, 7);
const tMath = ms(() => { for (const x of xs) sink += Math.log(x); }, 7);
console.log(`1e6 logs: ours ${tOurs.toFixed(1)} ms, Math.log ${tMath.toFixed(1)} ms, ratio ${(tOurs / tMath).toFixed(1)}${Number.isFinite(sink) ? "" : " (?)"}`);
