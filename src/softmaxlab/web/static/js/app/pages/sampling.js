// The Sampling page: mirrors softmaxlab.web.pages.sampling_plan (and its parse_logits).
import { coerce } from "../state.js";

export const MAX_SAMPLING_CLASSES = 50;
const PROBE = { name: "logits", kind: "float", minimum: -1e4, maximum: 1e4, choices: [], nullable: false };

export function parseLogits(text) {
  const parts = text.split(",").map((p) => p.trim()).filter((p) => p);
  if (parts.length < 2 || parts.length > MAX_SAMPLING_CLASSES)
    throw new Error(`logits: give 2 to ${MAX_SAMPLING_CLASSES} numbers, got ${parts.length}`);
  return parts.map((p) => coerce(PROBE, p));
}

export function plan(values) {
  let logits;
  try {
    logits = parseLogits(values.logits);
  } catch (e) {
    return { plan: [], errors: [e.message] };
  }
  let top_k = values.top_k || null;
  if (top_k !== null && top_k > logits.length) top_k = null; // keeping more classes than there are keeps them all
  const options = {
    logits, temperature: values.t, top_k, top_p: values.top_p >= 1 ? null : values.top_p,
    min_p: values.min_p || null, samples: values.samples, seed: values.seed, axes: values.fit ? "fit" : "fixed",
  };
  return { plan: [["sampling", options]], errors: [] };
}

export function visible() {
  return true;
}

export const actions = [];
