// The Surfaces page: mirrors softmaxlab.web.pages.surfaces_plan.
import { cameraErrors } from "../camera.js";
import { from_subspace } from "../../kernel/index.js";
export const SURFACE_RESOLUTION = 41;
export const MARKER_RANGE = 6; // pages.MARKER_RANGE: the 2-class plane's extent

export const threeD = true;

export function plan(values) {
  const k = values.classes;
  const options = {
    temperature: values.t, derivatives: values.derivatives, gaussians: values.gaussians,
    marker: Array.from({ length: k }, (_, i) => values[`m${i}`]), resolution: SURFACE_RESOLUTION,
  };
  const errors = cameraErrors(values);
  if (k === 2) return { plan: [["surfaces-2", { ...options, shift_line: values.shift }]], errors };
  return { plan: [["surfaces-3", options]], errors };
}

export function visible(values, name) {
  if (name === "shift") return values.classes === 2;
  if (name === "m2") return values.classes === 3;
  return true;
}

export const actions = [];

// a moved marker lands on 0.01 steps inside the page's range (short links; the 2-class grid is on them)
const onGrid = (z, step = 100) => Math.round(Math.min(MARKER_RANGE, Math.max(-MARKER_RANGE, z)) * step) / step;

/**
 * Move the marker to a point of the surfaces (app/pick.js): {x, y} is (z0, z1) for 2 classes and the
 * sum-zero plane's (u1, u2) for 3, whose logits are B u plus the marker's own shift along (1, 1, 1).
 */
export const pick = {
  label: "move the marker",
  value(values, { x, y }) {
    if (values.classes === 2) return { m0: onGrid(x), m1: onGrid(y) };
    const z = from_subspace([x, y]);
    // softmax ignores the shift, so keep the marker's, moved only as far as the bounds need
    const sum = values.m0 + values.m1 + values.m2;
    const c = Math.min(MARKER_RANGE - Math.max(...z), Math.max(-MARKER_RANGE - Math.min(...z), sum / 3));
    // 0.001 steps, the last logit taking what the sum needs: move after move, the shift does not drift
    const m0 = onGrid(z[0] + c, 1000), m1 = onGrid(z[1] + c, 1000);
    const total = Math.round(3 * c * 1000) / 1000; // the sum, not a logit: no clamp to the range
    return { m0, m1, m2: onGrid(total - m0 - m1, 1000) };
  },
};
