// kernel/softmax.js and format.js against the fixtures softmaxlab.core and Python's format() wrote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, allClose, close } from "./helpers.mjs";
import * as kernel from "../../src/softmaxlab/web/static/js/kernel/index.js";
import { format } from "../../src/softmaxlab/web/static/js/format.js";

const TOL = 1e-12;

test("softmax, log_softmax and the Jacobian equal the core's, extreme rows included", () => {
  for (const [n, c] of fixture("softmax").entries()) {
    const where = `case ${n} z=${JSON.stringify(c.z)} T=${c.t}`;
    allClose(kernel.softmax(c.z, { temperature: c.t }), c.softmax, TOL, `${where} softmax`);
    allClose(kernel.log_softmax(c.z, { temperature: c.t }), c.log_softmax, TOL, `${where} log_softmax`);
    if (c.jacobian) allClose(kernel.softmax_jacobian(c.z, { temperature: c.t }), c.jacobian, TOL, `${where} jacobian`);
  }
});

test("logsumexp and sigmoid equal the core's", () => {
  for (const c of fixture("logsumexp")) close(kernel.logsumexp(c.z), c.lse, TOL, `logsumexp ${JSON.stringify(c.z)}`);
  for (const c of fixture("sigmoid")) close(kernel.sigmoid(c.x), c.y, TOL, `sigmoid(${c.x})`);
});

test("entropy in nats and bits, and effective choices, equal the core's", () => {
  for (const c of fixture("entropy")) {
    close(kernel.entropy(c.p), c.nats, TOL, `entropy ${c.p}`);
    close(kernel.entropy(c.p, { base: 2 }), c.bits, TOL, `bits ${c.p}`);
    close(kernel.effective_choices(c.p), c.choices, TOL, `choices ${c.p}`);
  }
});

test("a temperature that is not finite and > 0 is refused", () => {
  for (const t of [0, -1, NaN, Infinity, "2"]) assert.throws(() => kernel.softmax([1, 2], { temperature: t }), /temperature/);
});

test("format() writes what Python's format() writes, ties rounded half to even", () => {
  for (const c of fixture("format")) assert.equal(format(c.x, c.spec), c.text, `format(${c.x}, "${c.spec}")`);
});
