// The losses of one sample and their gradients with respect to the logits, mirroring softmaxlab.core.losses
// (reduction "none": one row of logits z and its class y). Each gradient row sums to 0.
import { log_softmax, softmax, sum } from "./softmax.js";

// the target distribution: one-hot y, mixed with the uniform one by label smoothing eps
function targets(k, y, eps = 0) {
  const t = new Float64Array(k);
  t[y] = 1;
  if (eps) for (let i = 0; i < k; i++) t[i] = t[i] * (1 - eps) + eps / k;
  return t;
}

// chain rule through softmax: given a_k = p_k dL/dp_k, dL/dz_j = a_j - p_j sum_k a_k
function throughSoftmax(a, p) {
  const total = sum(a);
  return a.map((aj, j) => aj - p[j] * total);
}

/** -sum_k y_k log softmax(z)_k, with y smoothed by label_smoothing. */
export function cross_entropy(z, y, { label_smoothing = 0 } = {}) {
  const t = targets(z.length, y, label_smoothing);
  const logp = log_softmax(z);
  // a target of 0 on a -inf logit contributes 0, not 0 * inf
  return -sum(Array.from(t, (ti, i) => (ti > 0 ? ti * logp[i] : 0)));
}

/** softmax(z) - y: it pulls toward the target's vertex and away from the others. */
export function cross_entropy_grad(z, y, { label_smoothing = 0 } = {}) {
  const t = targets(z.length, y, label_smoothing);
  const p = softmax(z);
  return p.map((pi, i) => pi - t[i]);
}

/** Focal loss (Lin et al. 2017): -sum_k y_k (1 - p_k)^gamma log p_k, 1 - p computed as -expm1(log p). */
export function focal_loss(z, y, { gamma = 2 } = {}) {
  const t = targets(z.length, y);
  const logp = log_softmax(z);
  return -sum(Array.from(t, (ti, i) => (ti > 0 ? ti * (-Math.expm1(logp[i])) ** gamma * logp[i] : 0)));
}

export function focal_loss_grad(z, y, { gamma = 2 } = {}) {
  const t = targets(z.length, y);
  const logp = log_softmax(z);
  const p = logp.map(Math.exp);
  const a = Array.from(logp, (lp, i) => {
    const q = -Math.expm1(lp);
    // gamma q^(gamma-1) p log p -> 0 as q -> 0 (p log p ~ -q), so q == 0 contributes 0
    const pull = q > 0 ? gamma * q ** (gamma - 1) * p[i] * lp : 0;
    return t[i] > 0 ? t[i] * (pull - q ** gamma) : 0;
  });
  return throughSoftmax(Float64Array.from(a), p);
}

/** The Brier score sum_k (p_k - y_k)^2 on probabilities: bounded by 2. */
export function squared_error_loss(z, y) {
  const t = targets(z.length, y);
  const p = softmax(z);
  return sum(Array.from(p, (pi, i) => (pi - t[i]) ** 2));
}

export function squared_error_loss_grad(z, y) {
  const t = targets(z.length, y);
  const p = softmax(z);
  return throughSoftmax(p.map((pi, i) => 2 * (pi - t[i]) * pi), p);
}

// per class c: the hinge max(0, margin + max_{k != c} z_k - z_c) and its rival argmax_{k != c}
// (a stable sort, best first: ties go to the first in class order)
function hingeParts(z, margin) {
  const order = Array.from(z.keys()).sort((a, b) => z[b] - z[a] || a - b);
  const first = order[0];
  const second = z.length > 1 ? order[1] : first;
  const rival = Array.from(z, (_, c) => (c === first ? second : first));
  const hinge = Array.from(z, (zc, c) => Math.max(margin + z[rival[c]] - zc, 0));
  return { hinge, rival };
}

/** Crammer-Singer: max(0, margin + max_{k != y} z_k - z_y). */
export function hinge_loss(z, y, { margin = 1 } = {}) {
  return hingeParts(z, margin).hinge[y];
}

/** A subgradient: where the hinge is active, -1 on the true logit and +1 on its strongest rival. */
export function hinge_loss_grad(z, y, { margin = 1 } = {}) {
  const { hinge, rival } = hingeParts(z, margin);
  const grad = new Float64Array(z.length);
  if (hinge[y] > 0) {
    grad[y] -= 1;
    grad[rival[y]] += 1;
  }
  return grad;
}

/** name -> {value, grad}, as core.LOSSES. */
export const LOSSES = {
  "cross-entropy": { value: cross_entropy, grad: cross_entropy_grad },
  focal: { value: focal_loss, grad: focal_loss_grad },
  "squared-error": { value: squared_error_loss, grad: squared_error_loss_grad },
  hinge: { value: hinge_loss, grad: hinge_loss_grad },
};
