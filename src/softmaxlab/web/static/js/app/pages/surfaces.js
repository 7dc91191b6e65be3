// The Surfaces page: mirrors softmaxlab.web.pages.surfaces_plan.
import { cameraErrors } from "../camera.js";
export const SURFACE_RESOLUTION = 41;

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
