// The Input space page: mirrors softmaxlab.web.pages.input_space_plan.
import { cameraErrors } from "../camera.js";
export const threeD = true;

export function plan(values) {
  const k = values.classes;
  return { plan: [["input-space", { classes: k, fourth: k === 5 ? values.fourth : 0 }]], errors: cameraErrors(values) };
}

export function visible(values, name) {
  return name !== "fourth" || values.classes === 5;
}

export const actions = [];
