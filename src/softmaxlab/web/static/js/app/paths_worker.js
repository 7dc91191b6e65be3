// The Logit paths page's Web Worker: trains one experiment with lab/train.js and sends the records back
// as they are made, so the page draws the paths growing while the network trains and never freezes.
// Messages in: {experiment} (Experiment's fields, defaults applied). Out: {type: "start", ...the data},
// {type: "records", from, logits, loss, accuracy, steps} at most every `every` ms, {type: "done", ms},
// {type: "error", message}. The page cancels a run by terminating the worker.
import { trainFrom } from "../lab/train.js";
import { batchIndices, makeData } from "../lab/datasets.js";
import { initParams } from "../lab/init.js";

const EVERY_MS = 40; // how often records are sent: a frame or two, so the paths grow smoothly

function run(e) {
  const data = makeData(e);
  const params = initParams(e, data);
  const K = e.classes, size = data.samples * K;
  const records = 1 + Math.ceil(e.steps / e.record_every);
  postMessage({ type: "start", inputs: data.inputs, labels: data.labels, samples: data.samples, dim: data.dim, records, classes: K });
  const logits = new Float32Array(records * size);
  const loss = new Float32Array(records), accuracy = new Float32Array(records), steps = new Int32Array(records);
  let sent = 0, last = performance.now();
  const flush = (upTo) => {
    postMessage({ type: "records", from: sent, logits: logits.slice(sent * size, upTo * size), loss: loss.slice(sent, upTo),
      accuracy: accuracy.slice(sent, upTo), steps: steps.slice(sent, upTo) });
    sent = upTo;
    last = performance.now();
  };
  const start = { ...data, params, batches: e.batch_size ? (t) => batchIndices(e, t) : null };
  const result = trainFrom(e, start, {
    onRecord(r, z, reading) {
      logits.set(z, r * size);
      loss[r] = reading.loss;
      accuracy[r] = reading.accuracy;
      steps[r] = reading.step;
      if (performance.now() - last >= EVERY_MS || r === 0) flush(r + 1);
    },
  });
  if (sent < records) flush(records);
  postMessage({ type: "done", ms: result.ms });
}

self.onmessage = (message) => {
  try {
    run(message.data.experiment);
  } catch (err) {
    postMessage({ type: "error", message: err.message });
  }
};
