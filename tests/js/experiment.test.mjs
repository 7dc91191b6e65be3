// app/experiment.js against softmaxlab.lab.Experiment: the same values and messages for the same link.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.mjs";
import { browserErrors, fromQuery, learningRate, numSamples, toQuery } from "../../src/softmaxlab/web/static/js/app/experiment.js";

const { spec, reads, writes, limits } = fixture("experiment");

test("a link reads to Experiment.read_query's values and messages, every problem listed", () => {
  for (const c of reads) {
    const { values, errors } = fromQuery(spec, c.query);
    const where = JSON.stringify(c.query.slice(0, 80));
    assert.deepEqual(errors, c.errors, `errors of ${where}`);
    if (c.values) assert.deepEqual(values, c.values, `values of ${where}`);
  }
});

test("an experiment writes the link Experiment.to_query writes, and reads back", () => {
  for (const c of writes) {
    assert.equal(toQuery(spec, c.values), c.query, JSON.stringify(c.values));
    assert.deepEqual(fromQuery(spec, c.query), { values: c.values, errors: [] });
  }
});

test("the browser's limits and the sizes they read agree with Python's", () => {
  for (const c of limits) {
    assert.deepEqual(browserErrors(spec, c.values), c.errors, JSON.stringify(c.values));
    assert.equal(numSamples(c.values), c.samples);
    assert.equal(learningRate(spec, c.values), c.learning_rate);
  }
});
