// Reads {skeletons, requests} as JSON on stdin; for each request {runs, options} writes the browser's
// logit-paths and readings figures (figures/paths.js) as JSON on stdout. tests/test_web_paths.py compares
// them with softmaxlab.figures.logit_paths and readings.
import { logitPaths, readings } from "../../src/softmaxlab/web/static/js/figures/paths.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { skeletons, requests } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const asRun = (r) => ({
  logits: Float32Array.from(r.logits.flat(2)), shape: [r.logits.length, r.logits[0].length, r.logits[0][0].length],
  steps: Int32Array.from(r.steps), labels: Int32Array.from(r.labels), inputs: Float32Array.from(r.inputs.flat()),
  dim: r.inputs[0].length, loss: Float32Array.from(r.loss), accuracy: Float32Array.from(r.accuracy),
});
const plain = (key, value) => (ArrayBuffer.isView(value) ? Array.from(value, (v) => (Number.isFinite(v) ? v : null)) : value);
const out = requests.map(({ runs, options }) => {
  try {
    runs = runs.map(asRun);
    const k = String(runs[0].shape[2]);
    return {
      paths: logitPaths(skeletons["logit-paths"][k], runs, options),
      readings: readings(skeletons.readings[k], runs, { titles: options.titles, step: options.step, palette: skeletons.palette }),
    };
  } catch (e) {
    return { error: e.stack };
  }
});
process.stdout.write(JSON.stringify(out, plain));
