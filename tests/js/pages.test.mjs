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

test("moving the 3-class marker to a point gives its logits B u, plus the marker's shift where the bounds let it", () => {
  const { pick, MARKER_RANGE } = PAGES.surfaces;
  for (const c of fixture("surfaces_pick")) {
    const next = pick.value(c.values, { x: c.x, y: c.y });
    const m = [next.m0, next.m1, next.m2];
    const shift = (m[0] + m[1] + m[2]) / 3;
    m.forEach((v, i) => assert.ok(Math.abs(v - shift - c.logits[i]) < 2e-3, `${JSON.stringify(c)} -> ${m}`));
    assert.ok(m.every((v) => Math.abs(v) <= MARKER_RANGE), `${m}`);
    const before = c.values.m0 + c.values.m1 + c.values.m2;
    const room = m.every((v) => Math.abs(v) < MARKER_RANGE - 0.01);
    if (room) assert.ok(Math.abs(m[0] + m[1] + m[2] - before) < 1e-9, `the shift moved: ${m} from ${JSON.stringify(c.values)}`);
  }
});
