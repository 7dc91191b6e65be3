// kernel/random.js and kernel/sampling.js against softmaxlab.core.random and core.sampling.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, allClose } from "./helpers.mjs";
import { Threefry, filter_logits, sample, threefry2x32, uniform } from "../../src/softmaxlab/web/static/js/kernel/index.js";

test("threefry2x32 gives Python's words and uniforms bit for bit", () => {
  const { words, streams } = fixture("random");
  for (const w of words) {
    w.c0.forEach((c0, i) => assert.deepEqual(threefry2x32(w.key[0], w.key[1], c0, w.c1[i]), [w.x0[i], w.x1[i]], `key ${w.key} counter ${c0},${w.c1[i]}`));
  }
  for (const s of streams) assert.deepEqual(Array.from(uniform(s.seed, s.stream, s.u.length, s.start)), s.u);
});

test("the filters keep what Python keeps, ties and -inf included, and the draws are Python's draws", () => {
  for (const c of fixture("sampling")) {
    const where = `z=${c.z} ${JSON.stringify(c.options)}`;
    const x = filter_logits(c.z, c.options);
    assert.deepEqual(Array.from(x, Number.isFinite), c.x.map(Number.isFinite), `${where} mask`);
    allClose(Array.from(x, (v) => (Number.isFinite(v) ? v : -1e300)), c.x.map((v) => (Number.isFinite(v) ? v : -1e300)), 1e-12, where);
    assert.deepEqual(Array.from(sample(c.z, c.draws.length, { rng: new Threefry(c.seed), ...c.options })), c.draws, `${where} draws`);
  }
});
