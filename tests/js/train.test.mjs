// web/static/js/lab/train.js against softmaxlab.lab.train: from the lab's own start (data, initial parameters,
// mini-batch indices), the JS trainer must record the lab's logits, loss and accuracy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.mjs";
import { train, trainFrom } from "../../src/softmaxlab/web/static/js/lab/train.js";
import { train as trainLink } from "../../src/softmaxlab/web/static/js/app/train_link.js";

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

// max |a - b| / max |b| of each record
function perRecord(actual, expected, [records, samples, K]) {
  const n = samples * K;
  return Array.from({ length: records }, (_, r) => relative(actual.subarray(r * n, (r + 1) * n), expected.subarray(r * n, (r + 1) * n)));
}

test("200 reference steps follow the lab to 1e-4 until one ulp on the start would move the run itself more", (t) => {
  for (const c of fixture("train_parity")) {
    const result = trainFrom(c.experiment, startOf(c));
    const err = perRecord(result.logits, Float32Array.from(c.logits), c.shape);
    // the second float32 reference (PyTorch's loop from the same start): where it and the lab part (a near-tie
    // that rounding decides, which differs between CPUs), the JS run may follow either
    const torch32 = Float32Array.from(c.torch32);
    const errTorch = perRecord(result.logits, torch32, c.shape);
    const parted = perRecord(Float32Array.from(c.logits), torch32, c.shape).findIndex((e) => e > 1e-4);
    // the JS run from a start moved by one ulp on every 7th parameter: how sensitive the run itself is
    const nudged = startOf(c);
    for (const p of Object.values(nudged.params)) for (let i = 3; i < p.data.length; i += 7) p.data[i] *= 1 + 2 ** -23;
    const spread = perRecord(trainFrom(c.experiment, nudged).logits, result.logits, c.shape);
    const departs = spread.findIndex((s) => s > 1e-5); // from here rounding decides (e.g. a ReLU at a near-tie)
    if (departs >= 0) t.diagnostic(`${c.name}: sensitive from record ${departs}: ${err.at(-1).toExponential(2)} ` +
                                   `from the lab, ${spread.at(-1).toExponential(2)} from one ulp`);
    if (parted >= 0) t.diagnostic(`${c.name}: the lab and PyTorch float32 part at record ${parted}; JS is then ` +
                                  `${err.at(-1).toExponential(2)} from the lab, ${errTorch.at(-1).toExponential(2)} from PyTorch`);
    err.forEach((e, r) => {
      const tol = departs >= 0 && r >= departs ? 10 * Math.max(...spread.slice(departs, r + 1)) : 1e-4;
      const either = parted >= 0 && r >= parted && errTorch[r] <= tol;
      assert.ok(e <= tol || either, `${c.name}: record ${r} differs by ${e.toExponential(2)} from the lab and ` +
                                    `${errTorch[r].toExponential(2)} from PyTorch float32 (tol ${tol.toExponential(2)})`);
    });
    if (["sgd-zeros", "momentum-zeros"].includes(c.name)) check(c, 1e-4); // no near-tie: 1e-4 outright, with loss and accuracy
  }
});

test("every optimiser, loss, activation, model, init and mini-batching follows the lab", () => {
  for (const c of fixture("train_short")) check(c, 1e-4);
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

test("train(experiment) makes the lab's start from the seed and records the lab's run", async () => {
  for (const c of fixture("train_from_seed")) {
    const result = await train(c.experiment);
    assert.deepEqual(result.shape, c.shape, `${c.name}: shape`);
    const err = relative(result.logits, c.logits);
    assert.ok(err <= 1e-4, `${c.name}: logits differ by ${err.toExponential(2)} of their size`);
  }
  await assert.rejects(train("optimizer=adam"), /pass an experiment object/);
});

test("softmaxlab.train(query) reads the link as Python does and trains the lab's run", async () => {
  const { spec, reads, limits } = fixture("experiment");
  for (const c of fixture("train_from_seed")) {
    const result = await trainLink(`?${c.query}`, { spec });
    assert.deepEqual(result.shape, c.shape, `${c.name}: shape`);
    assert.ok(result.logits instanceof Float32Array && result.steps.length === c.shape[0], c.name);
    const err = relative(result.logits, c.logits);
    assert.ok(err <= 1e-4, `${c.name}: logits of the link differ by ${err.toExponential(2)} of their size`);
  }
  // a bad link is one error listing every problem Python's Experiment.read_query lists, before any training
  const bad = reads.find((c) => c.errors.length > 1);
  await assert.rejects(trainLink(bad.query, { spec }), (e) => bad.errors.every((m) => e.message.includes(m)));
  // a link past the browser's limits names softmaxlab train (Python's Experiment.browser_errors' messages)
  const big = limits.find((c) => c.errors.length);
  const { toQuery } = await import("../../src/softmaxlab/web/static/js/app/experiment.js");
  await assert.rejects(trainLink(toQuery(spec, big.values), { spec }), (e) => e.message.includes(big.errors[0]) && /softmaxlab train/.test(e.message));
  await assert.rejects(trainLink("steps=10"), /needs the Experiment spec/);
});

test("a bad start or experiment is one error naming the problem, before any training", () => {
  const [c] = fixture("train_parity");
  const bad = (change, pattern) => {
    const start = startOf(c), e = { ...c.experiment };
    change(start, e);
    assert.throws(() => trainFrom(e, start), pattern);
  };
  bad((s) => { delete s.params.w1; }, /params: w1 is missing/);
  bad((s) => { s.params.w0.data = s.params.w0.data.subarray(1); }, /params: w0 holds 95 numbers, expected 3 x 32/);
  bad((s, e) => { e.optimizer = "lbfgs"; }, /optimizer: unknown optimizer "lbfgs"/);
  bad((s, e) => { e.loss = "kl"; }, /loss: unknown loss "kl"/);
  bad((s, e) => { e.batch_size = 8; }, /start.batches: batch_size is 8 but no batch indices were given/);
  bad((s) => { s.labels = s.labels.subarray(1); }, /start: inputs\/labels do not hold 60 samples of dimension 3/);
  bad((s, e) => { e.batch_size = 8; s.batches = () => Int32Array.of(1, 2); }, /start.batches\(0\): expected 8 sample indices, got 2/);
  bad((s, e) => { e.batch_size = 2; s.batches = () => Int32Array.of(1, 60); }, /start.batches\(0\): index 60 is not a sample \(0-59\)/);
});

test("onRecord sees each record as it is made; recordEvery overrides record_every", () => {
  const c = fixture("train_short").find((x) => x.name === "batch-record-every-4"); // 26 steps, every 4
  const seen = [];
  const result = trainFrom(c.experiment, startOf(c), {
    onRecord: (r, logits, { step, loss, accuracy }) => seen.push({ r, step, loss, accuracy, logits: logits.slice() }),
  });
  assert.deepEqual(seen.map((s) => s.step), [0, 4, 8, 12, 16, 20, 24, 26]);
  seen.forEach((s, i) => {
    assert.equal(s.r, i);
    assert.equal(s.loss, result.loss[i]);
    assert.deepEqual(s.logits, result.logits.subarray(i * s.logits.length, (i + 1) * s.logits.length));
  });
  const every10 = trainFrom(c.experiment, startOf(c), { recordEvery: 10 });
  assert.deepEqual(Array.from(every10.steps), [0, 10, 20, 26]);
  const n = c.shape[1] * c.shape[2]; // the same run, read less often: record 2 (step 20) is record 5 above
  assert.deepEqual(every10.logits.subarray(2 * n, 3 * n), result.logits.subarray(5 * n, 6 * n));
});
