// kernel/geometry.js against softmaxlab.core.geometry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture, allClose } from "./helpers.mjs";
import * as kernel from "../../src/softmaxlab/web/static/js/kernel/index.js";

const TOL = 1e-12;
const { bases, vertices, points, ties } = fixture("geometry");

test("the Helmert basis and the simplex vertices equal the core's for every K", () => {
  for (const k of Object.keys(bases)) {
    allClose(kernel.sum_zero_basis(Number(k)), bases[k], TOL, `basis ${k}`);
    allClose(kernel.simplex_vertices(Number(k)), vertices[k], TOL, `vertices ${k}`);
  }
});

test("to and from the subspace, the winner and the Gaussian posterior (with priors) equal the core's", () => {
  for (const c of points) {
    const scale = Math.max(1, ...c.z.map(Math.abs));
    allClose(Array.from(kernel.to_subspace(c.z), (v) => v / scale), c.u.map((v) => v / scale), TOL, `to_subspace ${c.z}`);
    allClose(Array.from(kernel.from_subspace(c.u), (v) => v / scale), c.back.map((v) => v / scale), TOL, `from_subspace ${c.z}`);
    assert.equal(kernel.winning_class(c.z), c.winner);
    allClose(kernel.gaussian_posterior(c.z), c.posterior, TOL, `posterior ${c.z}`);
    allClose(kernel.gaussian_posterior(c.z, { priors: c.priors }), c.posterior_priors, TOL, `posterior with priors ${c.z}`);
  }
  for (const c of ties) assert.equal(kernel.winning_class(c.z), c.winner, `tie ${c.z}`);
});
