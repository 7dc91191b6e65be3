// app/pages/*.js against softmaxlab.web.pages: the same figures with the same options, the same messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./helpers.mjs";
import { PAGES } from "../../src/softmaxlab/web/static/js/app/pages/index.js";

test("every page plans the figures and options Python plans, or the same message", () => {
  for (const c of fixture("pages")) {
    const { plan, errors } = PAGES[c.page].plan(c.values);
    assert.deepEqual(errors, c.errors, `${c.page} ${JSON.stringify(c.values)}`);
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), c.plan, `${c.page} ${JSON.stringify(c.values)}`);
  }
});
