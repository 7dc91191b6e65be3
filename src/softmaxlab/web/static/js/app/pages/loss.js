// The Loss page: mirrors softmaxlab.web.pages.loss_plan.
import { cameraErrors } from "../camera.js";
const OPTION_OF = { smoothing: "cross-entropy", gamma: "focal", margin: "hinge" };

export const threeD = true;

export function plan(values) {
  const k = values.classes;
  // a switch to 2 classes with y = 2 keeps the last class rather than refusing the view
  const label = Math.min(values.label, k - 1);
  const options = { loss: values.loss, classes: k, label, label_smoothing: values.smoothing, gamma: values.gamma, margin: values.margin };
  return { plan: [["loss", options]], errors: cameraErrors(values) };
}

export function visible(values, name) {
  return !(name in OPTION_OF) || OPTION_OF[name] === values.loss;
}

export const actions = [];
