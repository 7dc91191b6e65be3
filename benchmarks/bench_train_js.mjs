// The JS trainer's side of benchmarks/bench_train_js.py: trains the reference experiment from start.json (the
// lab's start, written by the Python side) and answers each request (an optimiser's name) with the run's ms.
// In node it reads requests from stdin, one per line; in a module Web Worker, from messages.
import { trainFrom } from "./js/lab/train.js";

function runner({ experiment, start }) {
  const params = {};
  for (const [name, p] of Object.entries(start.params)) params[name] = { data: Float32Array.from(p.data), shape: p.shape };
  const begin = { inputs: Float32Array.from(start.inputs), labels: Int32Array.from(start.labels), samples: start.samples,
                  dim: start.dim, params, batches: null };
  // trainFrom copies the parameters, so one start serves every run
  return (optimizer) => trainFrom({ ...experiment, optimizer }, begin).ms;
}

if (typeof process !== "undefined" && process.versions?.node) {
  const { readFileSync } = await import("node:fs");
  const { createInterface } = await import("node:readline");
  const run = runner(JSON.parse(readFileSync(new URL("./start.json", import.meta.url), "utf8")));
  for await (const line of createInterface({ input: process.stdin })) console.log(run(line.trim()));
} else {
  const run = runner(await (await fetch("start.json")).json());
  self.onmessage = (event) => self.postMessage(run(event.data));
  self.postMessage("ready");
}
