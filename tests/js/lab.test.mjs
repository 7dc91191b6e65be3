// static/js/lab/ (random.js, datasets.js, init.js) against softmaxlab.lab: the same float32 bits, the same batches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.mjs";
import { Stream, log, normal, sincos } from "../../src/softmaxlab/web/static/js/lab/random.js";
import { batchIndices, makeData, numSamples } from "../../src/softmaxlab/web/static/js/lab/datasets.js";
import { initParams } from "../../src/softmaxlab/web/static/js/lab/init.js";

const bits = (f32) => Array.from(new Uint32Array(f32.buffer, f32.byteOffset, f32.length));
const name = (e) => JSON.stringify(e);

test("log, sincos and the normals are Python's float64 values bit for bit", () => {
  const g = fixture("lab_generator");
  g.log.x.forEach((x, i) => assert.ok(Object.is(log(x), g.log.y[i]), `log(${x}) = ${log(x)}, Python ${g.log.y[i]}`));
  g.sincos.x.forEach((x, i) => assert.deepEqual(sincos(x), [g.sincos.sin[i], g.sincos.cos[i]], `sincos(${x})`));
  for (const s of g.streams) {
    const where = `stream (${s.seed}, ${s.stream}) from ${s.start}`;
    assert.deepEqual(Array.from(normal(s.seed, s.stream, s.normal.length, s.start)), s.normal, `normals of ${where}`);
    const stream = new Stream(s.seed, s.stream);
    stream.position = s.start;
    assert.deepEqual([...stream.random(20), ...stream.random(30)], s.uniform, `uniforms of ${where}`);
  }
});

test("every experiment's inputs and labels are softmaxlab.lab's bit for bit", () => {
  for (const c of fixture("lab")) {
    const data = makeData(c.experiment);
    assert.equal(numSamples(c.experiment), c.samples, name(c.experiment));
    assert.deepEqual([data.samples, data.dim], [c.samples, c.experiment.dim], name(c.experiment));
    assert.deepEqual(Array.from(data.labels), c.labels, `labels of ${name(c.experiment)}`);
    assert.deepEqual(bits(data.inputs), c.inputs, `inputs of ${name(c.experiment)}`);
  }
});

test("every experiment's initial parameters are softmaxlab.lab's bit for bit, with the same names", () => {
  for (const c of fixture("lab")) {
    const params = initParams(c.experiment, makeData(c.experiment));
    assert.deepEqual(Object.keys(params), Object.keys(c.params), name(c.experiment));
    for (const [key, p] of Object.entries(c.params)) {
      assert.deepEqual(params[key].shape, p.shape, `${key} of ${name(c.experiment)}`);
      assert.deepEqual(bits(params[key].data), p.bits, `${key} of ${name(c.experiment)}`);
    }
  }
});

test("every mini-batch is the one the lab's engine draws (null for full batch)", () => {
  for (const c of fixture("lab")) {
    if (!c.batches) {
      assert.equal(batchIndices(c.experiment, 0), null, name(c.experiment));
      continue;
    }
    for (const [step, expected] of Object.entries(c.batches)) {
      const got = Array.from(batchIndices(c.experiment, Number(step)));
      assert.deepEqual(got, expected, `step ${step} of ${name(c.experiment)}`);
    }
  }
});

test("a bad dataset, model or init is named", () => {
  const e = fixture("lab")[0].experiment;
  assert.throws(() => makeData({ ...e, dataset: "moons" }), /dataset: "moons"/);
  assert.throws(() => initParams({ ...e, model: "cnn" }, makeData(e)), /model: "cnn"/);
  assert.throws(() => initParams({ ...e, init: "xavier" }, makeData(e)), /init: "xavier"/);
});
