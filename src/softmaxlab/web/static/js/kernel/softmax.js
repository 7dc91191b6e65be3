// The softmax family, mirroring softmaxlab.core.softmax: one row of logits at a time (the class axis).
// Same rules as the Python core: the largest logit is subtracted before exp, so exp never overflows;
// -inf gets probability exactly 0; a row whose max is +inf splits the probability evenly among its
// +inf entries (the T -> 0 limit); an all -inf row, or any NaN, gives a row of NaN.
// This module knows nothing of the page (no DOM): node's tests import it as it is.

/** numpy's sum of a row (its pairwise summation: 8 partial sums from 8 values on), so the kernel adds in
 * the core's order and the last digits agree too. */
export function sum(a) {
  const n = a.length;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[i];
    return res;
  }
  if (n <= 128) {
    const r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
    let i;
    for (i = 8; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[i + j];
    let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) res += a[i];
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return sum(a.subarray ? a.subarray(0, half) : a.slice(0, half)) + sum(a.subarray ? a.subarray(half) : a.slice(half));
}

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
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
  const total = sum(out);
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
  const log = Math.log(sum(out.map(Math.exp)));
  for (let i = 0; i < out.length; i++) out[i] -= log;
  return out;
}

/** LSE(z) = m + log sum_j e^{z_j - m}, a smooth maximum: max z <= LSE(z) <= max z + log K. */
export function logsumexp(z) {
  const { out, m } = shifted(z, 1);
  return Math.log(sum(out.map(Math.exp))) + m;
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
  const plogp = Array.from(p, (v) => (v > 0 ? v * Math.log(v) : 0)); // 0 log 0 = 0, the limit
  return (0 - sum(plogp)) / Math.log(base);
}

/** exp(H(p)) in nats: how many equally likely classes p is "worth" (1 one-hot, K uniform). */
export function effective_choices(p) {
  return Math.exp(entropy(p));
}
