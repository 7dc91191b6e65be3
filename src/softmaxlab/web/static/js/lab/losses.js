// The lab's training losses in float32 with their gradients, mirroring softmaxlab.lab.losses: each is the mean
// over the batch of a per-sample loss of u = z / T (the experiment's temperature). The backward passes follow
// the derivatives JAX takes of lab/losses.py, including where its rules are unusual (noted at each loss).
// (The float64 kernel/losses.js is the NumPy core's twin; these are the trainer's float32 ones.)
const f = Math.fround;
const MAX_CLASSES = 16;
// per-row scratch (classes <= 10): the step loop allocates nothing
const u = new Float32Array(MAX_CLASSES), logp = new Float32Array(MAX_CLASSES), p = new Float32Array(MAX_CLASSES);
const g = new Float32Array(MAX_CLASSES);

// row r of z divided by T into u, its log-softmax into logp and p = exp(logp) (JAX's log_softmax subtracts the max)
function logSoftmaxRow(z, o, K, T) {
  let m = -Infinity;
  for (let j = 0; j < K; j++) { u[j] = z[o + j] / T; if (u[j] > m) m = u[j]; }
  let s = 0;
  for (let j = 0; j < K; j++) { logp[j] = u[j] - m; s = f(s + f(Math.exp(logp[j]))); }
  const ls = f(Math.log(s));
  for (let j = 0; j < K; j++) { logp[j] -= ls; p[j] = Math.exp(logp[j]); }
}

// dz_j = (g_j - p_j sum_k g_k) / T: the backward pass of log_softmax (JAX's jvp uses p = exp(log p)), then of z / T
function throughLogSoftmax(dz, o, K, T) {
  let s = 0;
  for (let j = 0; j < K; j++) s = f(s + g[j]);
  for (let j = 0; j < K; j++) dz[o + j] = f(g[j] - f(p[j] * s)) / T;
}

/** Mean of -sum_k t_k log p_k, targets t = (1 - eps) onehot + eps / K (eps = label_smoothing). */
function crossEntropy(z, y, n, K, hp, dz) {
  const eps = f(hp.label_smoothing), T = f(hp.temperature), keep = f(1 - eps), spread = f(eps / K);
  const G = f(-f(1 / n)); // d(-mean)/d(row)
  let total = 0;
  for (let r = 0, o = 0; r < n; r++, o += K) {
    logSoftmaxRow(z, o, K, T);
    let row = 0;
    for (let j = 0; j < K; j++) {
      const t = f((j === y[r] ? keep : 0) + spread);
      row = f(row + f(t * logp[j]));
      g[j] = f(G * t);
    }
    total = f(total + row);
    if (dz) throughLogSoftmax(dz, o, K, T);
  }
  return -f(total / n);
}

/** Focal loss (Lin et al. 2017): mean of -(1 - p_y)^gamma log p_y, 1 - p_y as -expm1(log p_y) as the lab. */
function focal(z, y, n, K, hp, dz) {
  const gamma = f(hp.focal_gamma), T = f(hp.temperature), G = f(-f(1 / n));
  let total = 0;
  for (let r = 0, o = 0; r < n; r++, o += K) {
    logSoftmaxRow(z, o, K, T);
    // where p_y rounds to 1 (q = 0) the weight is 0^gamma and its own gradient term is 0, as lab/losses.py
    const lp = logp[y[r]], q = f(-Math.expm1(lp)), w = q > 0 ? f(q ** gamma) : gamma === 0 ? 1 : 0;
    total = f(total + f(w * lp));
    if (dz) {
      // d(q^gamma)/dq = gamma q^(gamma - 1) (0 for gamma = 0, JAX's pow rule), dq/dlog p = -p_y
      const jac = q > 0 && gamma !== 0 ? f(gamma * f(q ** f(gamma - 1))) : 0;
      const dlp = f(G * f(w + f(lp * f(jac * f(-Math.exp(lp))))));
      for (let j = 0; j < K; j++) g[j] = j === y[r] ? dlp : 0;
      throughLogSoftmax(dz, o, K, T);
    }
  }
  return -f(total / n);
}

/** Squared error on probabilities (Brier score): mean of sum_k (p_k - onehot_k)^2, p = softmax(u). */
function squaredError(z, y, n, K, hp, dz) {
  const T = f(hp.temperature), G = f(1 / n);
  let total = 0;
  for (let r = 0, o = 0; r < n; r++, o += K) {
    let m = -Infinity;
    for (let j = 0; j < K; j++) { u[j] = z[o + j] / T; if (u[j] > m) m = u[j]; }
    let s = 0;
    for (let j = 0; j < K; j++) { p[j] = Math.exp(f(u[j] - m)); s = f(s + p[j]); }
    let row = 0, pg = 0;
    for (let j = 0; j < K; j++) {
      p[j] = p[j] / s; // jax.nn.softmax: exp(u - max) / sum
      const d = f(p[j] - (j === y[r] ? 1 : 0));
      row = f(row + f(d * d));
      g[j] = f(G * f(2 * d));
      pg = f(pg + f(p[j] * g[j]));
    }
    total = f(total + row);
    // softmax's backward pass as JAX writes it: p_j (g_j - sum_k p_k g_k)
    if (dz) for (let j = 0; j < K; j++) dz[o + j] = f(p[j] * f(g[j] - pg)) / T;
  }
  return f(total / n);
}

/**
 * Multi-class hinge (Crammer & Singer 2001): mean of max(0, 1 + max_{j != y} u_j - u_y); the margin is 1, as in
 * the lab. JAX's rules, mirrored: max(0, v) passes half the gradient when v is exactly 0, and tied largest
 * other logits share theirs equally (from the zero init every other logit ties).
 */
function hinge(z, y, n, K, hp, dz) {
  const T = f(hp.temperature), G = f(1 / n);
  let total = 0;
  for (let r = 0, o = 0; r < n; r++, o += K) {
    const c = y[r];
    let best = -Infinity, ties = 0;
    for (let j = 0; j < K; j++) {
      u[j] = z[o + j] / T;
      if (j === c) continue;
      if (u[j] > best) { best = u[j]; ties = 1; } else if (u[j] === best) ties++;
    }
    const v = f(f(1 + best) - u[c]);
    total = f(total + (v > 0 ? v : 0));
    if (dz) {
      const a = v > 0 ? G : v === 0 ? f(0.5 * G) : 0, share = f(a / ties);
      for (let j = 0; j < K; j++) dz[o + j] = (j === c ? -a : u[j] === best ? share : 0) / T;
    }
  }
  return f(total / n);
}

/** name -> loss(z (n*K), y (n), n, K, hp, dz | null): the mean loss, and dL/dz into dz (n*K) when given. */
export const LOSSES = { "cross-entropy": crossEntropy, focal, "squared-error": squaredError, hinge };

/** Fraction of rows whose first largest logit is the label (jnp.argmax picks the first of ties). */
export function accuracy(z, y, n, K) {
  let right = 0;
  for (let r = 0, o = 0; r < n; r++, o += K) {
    let best = 0;
    for (let j = 1; j < K; j++) if (z[o + j] > z[o + best]) best = j;
    if (best === y[r]) right++;
  }
  return f(right / n);
}
