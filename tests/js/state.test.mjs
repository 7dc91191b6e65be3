// app/state.js against softmaxlab.spec: the same values and the same messages for the same URL query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.mjs";
import { pyReprFloat, readQuery, writeQuery } from "../../src/softmaxlab/web/static/js/app/state.js";

const { spec, reads, writes, floats } = fixture("state");

test("a query reads to Python's values and Python's messages, every problem listed", () => {
  for (const c of reads) {
    const { values, errors } = readQuery(spec, c.query);
    assert.deepEqual(errors, c.errors, `errors of ${JSON.stringify(c.query.slice(0, 80))}`);
    assert.deepEqual(values, c.values, `values of ${JSON.stringify(c.query.slice(0, 80))}`);
  }
});

test("values write the query Python writes (only what differs from the defaults), and read back", () => {
  for (const c of writes) {
    assert.equal(writeQuery(spec, c.values), c.query, JSON.stringify(c.values));
    assert.deepEqual(readQuery(spec, c.query).values, c.back);
  }
});

test("floats are written as Python's repr writes them, so a link keeps every digit", () => {
  for (const c of floats) assert.equal(pyReprFloat(c.x), c.repr, `repr(${c.x})`);
});
