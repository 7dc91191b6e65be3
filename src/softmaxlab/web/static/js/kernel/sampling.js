// Sampling filters and draws, mirroring softmaxlab.core.sampling (the same tie rules: every entry tied
// with the last one kept survives), one distribution at a time.
import { softmax } from "./softmax.js";

/** Temperature-scaled logits (max shifted to 0) with every class the filters remove at -inf. */
export function filter_logits(z, { temperature = 1, top_k = null, top_p = null, min_p = null } = {}) {
  const m = Math.max(...z);
  const x = Array.from(z, (v) => (temperature === 1 ? v - m : (v - m) / temperature));
  const descending = [...x].sort((a, b) => b - a);
  if (top_k !== null && top_k < x.length) {
    const kth = descending[top_k - 1];
    for (let i = 0; i < x.length; i++) {
      if (x[i] < kth) x[i] = -Infinity;
      if (descending[i] < kth) descending[i] = -Infinity;
    }
  }
  if (top_p !== null && top_p < 1) {
    const probs = softmax(descending); // sorted, renormalised over the survivors
    let before = 0; // the mass before each class, as cumsum(probs) - probs
    let keep = 0;
    let running = 0;
    for (let r = 0; r < probs.length; r++) {
      running += probs[r];
      before = running - probs[r];
      if (before < top_p) keep++;
    }
    const last = descending[keep - 1];
    for (let i = 0; i < x.length; i++) if (x[i] < last) x[i] = -Infinity;
  }
  if (min_p) {
    const cut = Math.log(min_p); // the max is 0, so this is p_i / p_max >= min_p
    for (let i = 0; i < x.length; i++) if (x[i] < cut) x[i] = -Infinity;
  }
  return Float64Array.from(x);
}

/** n class indices drawn by inverse CDF from softmax(filter_logits(z, ...)); rng has random(n). */
export function sample(z, n, { rng, ...filters }) {
  const x = filter_logits(z, filters);
  const p = softmax(x);
  const cdf = new Float64Array(p.length);
  let running = 0;
  p.forEach((v, i) => (cdf[i] = running += v));
  const u = rng.random(n);
  const total = cdf[cdf.length - 1];
  const out = new Int32Array(n);
  for (let d = 0; d < n; d++) {
    const target = u[d] * total;
    // side="right": the first class whose cdf exceeds u, so a zero-probability class is skipped
    let lo = 0, hi = cdf.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] <= target) lo = mid + 1;
      else hi = mid;
    }
    out[d] = Math.min(lo, z.length - 1);
  }
  return out;
}

