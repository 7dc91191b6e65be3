// The softmax family, mirroring softmaxlab.core.softmax: one row of logits at a time (the class axis).
// Same rules as the Python core: the largest logit is subtracted before exp, so exp never overflows;
// -inf gets probability exactly 0; a row whose max is +inf splits the probability evenly among its
// +inf entries (the T -> 0 limit); an all -inf row, or any NaN, gives a row of NaN.
// This module knows nothing of the page (no DOM): node's tests import it as it is.

export function checkTemperature(temperature) {
  const t = Number(temperature);
  if (typeof temperature !== "number" || !Number.isFinite(t) || t <= 0) {
    throw new RangeError(`temperature must be finite and > 0, got ${temperature}`);
  }
  return t;
}

function rowMax(z) {
  let m = -Infinity;
  for (const v of z) {
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}

// (z - max z) / T, and whether the row's max is +inf (then the caller shares among the +inf entries)
function shifted(z, t) {
  let m = rowMax(z);
  const posinf = m === Infinity;
  if (!Number.isFinite(m)) m = Number.isNaN(m) ? NaN : 0;
  const out = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) out[i] = t === 1 ? z[i] - m : (z[i] - m) / t;
  return { out, m, posinf };
}

function posinfShare(z) {
  let count = 0;
  for (const v of z) if (v === Infinity) count++;
  return count;
}

/** p_i = e^{z_i/T} / sum_j e^{z_j/T}, computed as exp((z - max z)/T) normalised. Returns a Float64Array. */
export function softmax(z, { temperature = 1 } = {}) {
  const t = checkTemperature(temperature);
  const { out, posinf } = shifted(z, t);
  if (posinf) {
    const count = posinfShare(z);
    for (let i = 0; i < z.length; i++) out[i] = z[i] === Infinity ? 1 / count : 0;
    return out;
  }
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.exp(out[i]);
    total += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

/** log p_i = (z_i - m)/T - log sum_j e^{(z_j - m)/T}; never forms a 0 probability. */
export function log_softmax(z, { temperature = 1 } = {}) {
  const t = checkTemperature(temperature);
  const { out, posinf } = shifted(z, t);
  if (posinf) {
    const share = -Math.log(posinfShare(z));
    for (let i = 0; i < z.length; i++) out[i] = z[i] === Infinity ? share : -Infinity;
    return out;
  }
  // the shifted max is exactly 0, so the sum is in [1, K] and its log cannot underflow
  let total = 0;
  for (const v of out) total += Math.exp(v);
  const log = Math.log(total);
  for (let i = 0; i < out.length; i++) out[i] -= log;
  return out;
}

/** LSE(z) = m + log sum_j e^{z_j - m}, a smooth maximum: max z <= LSE(z) <= max z + log K. */
export function logsumexp(z) {
  const { out, m } = shifted(z, 1);
  let total = 0;
  for (const v of out) total += Math.exp(v);
  return Math.log(total) + m;
}

/** J_ij = dp_i/dz_j = p_i (delta_ij - p_j) / T, as an array of K rows (Float64Array each). */
export function softmax_jacobian(z, { temperature = 1 } = {}) {
  const t = checkTemperature(temperature);
  const p = softmax(z, { temperature: t });
  const k = p.length;
  const jac = [];
  for (let i = 0; i < k; i++) {
    const row = new Float64Array(k);
    // 0 - x gives 0.0 where -x gives -0.0, as in the core
    for (let j = 0; j < k; j++) row[j] = 0 - p[i] * p[j];
    row[i] += p[i];
    if (t !== 1) for (let j = 0; j < k; j++) row[j] /= t;
    jac.push(row);
  }
  return jac;
}

/** sigma(x) = 1 / (1 + e^{-x}) for x >= 0, e^x / (1 + e^x) below, so exp only sees -|x|. */
export function sigmoid(x) {
  if (Number.isNaN(x)) return NaN;
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** H(p) = -sum p_i log p_i / log(base), with 0 log 0 = 0. */
export function entropy(p, { base = Math.E } = {}) {
  let plogp = 0;
  for (const v of p) if (v > 0) plogp += v * Math.log(v);
  return (0 - plogp) / Math.log(base);
}

/** exp(H(p)) in nats: how many equally likely classes p is "worth" (1 one-hot, K uniform). */
export function effective_choices(p) {
  return Math.exp(entropy(p));
}
