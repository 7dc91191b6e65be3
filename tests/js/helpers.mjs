// What every JS test shares: the fixtures Python wrote, and closeness checks that name what differs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const NON_FINITE = { Infinity: Infinity, "-Infinity": -Infinity, NaN: NaN };

/** The fixture `name` written by tests/js/fixtures.py (the folder is $SOFTMAXLAB_FIXTURES). */
export function fixture(name) {
  const folder = process.env.SOFTMAXLAB_FIXTURES;
  if (!folder) throw new Error("SOFTMAXLAB_FIXTURES is not set: run these tests through tests/test_js.py");
  const text = readFileSync(join(folder, `${name}.json`), "utf8");
  return JSON.parse(text, (_key, value) => (typeof value === "string" && value in NON_FINITE ? NON_FINITE[value] : value));
}

/** Two numbers equal to `tol` relative to max(1, |expected|); NaN equals NaN, infinities must match. */
export function close(actual, expected, tol, where) {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    assert.ok(Object.is(actual, expected) || (Number.isNaN(actual) && Number.isNaN(expected)),
      `${where}: got ${actual}, expected ${expected}`);
    return;
  }
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol * scale, `${where}: got ${actual}, expected ${expected} (tol ${tol})`);
}

/** Nested arrays (or typed arrays) equal element by element to `tol`. */
export function allClose(actual, expected, tol, where = "value") {
  if (typeof expected === "number") return close(actual, expected, tol, where);
  assert.equal(actual.length, expected.length, `${where}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) allClose(actual[i], expected[i], tol, `${where}[${i}]`);
}
