// The lab's models in float32, mirroring softmaxlab.lab.models: forward to the logits of a batch and a
// hand-written backward pass to the gradient of every parameter. Weights are (in, out), row-major, as in
// models.py; "float32" means every product and sum is rounded to float32 (Math.fround, or a store into a
// Float32Array), so the result is what float32 hardware computes, up to the order of summation.
const f = Math.fround;
const SQRT_HALF = f(Math.sqrt(0.5)); // np.sqrt(0.5).astype(float32), as jax.nn.gelu
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** erfc(x) to ~1e-14 relative in float64: Taylor series of erf near 0, Laplace's continued fraction beyond. */
export function erfc(x) {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 1.5) {
    // erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)); the terms stay below e^(x^2) ~ 10
    let term = x, sum = x;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= -x * x / n;
      sum += term / (2 * n + 1);
    }
    return 1 - TWO_OVER_SQRT_PI * sum;
  }
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), evaluated from the tail
  let tail = x;
  for (let n = 100; n >= 1; n--) tail = x + (n / 2) / tail; // 100 terms: 1e-14 from x = 1.5 on
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / tail;
}

// each activation: value y = act(a) and the backward factor dy/da, both in float32; relu'(0) = 0 as jax.nn.relu
export const ACTIVATIONS = {
  relu: { value: (a) => (a > 0 ? a : 0), slope: (a, y) => (a > 0 ? 1 : 0) },
  // JAX's tanh derivative is (g + g y)(1 - y); slope returns (1 + y)(1 - y) with the same roundings
  tanh: { value: (a) => f(Math.tanh(a)), slope: (a, y) => f(f(1 + y) * f(1 - y)) },
  // the exact form 0.5 x erfc(-x / sqrt 2) of jax.nn.gelu(approximate=False), as torch.nn.GELU's default
  gelu: {
    value: (a) => f(f(0.5 * a) * f(erfc(f(-a * SQRT_HALF)))),
    slope: (a) => {
      const u = f(-a * SQRT_HALF);
      return f(f(0.5 * f(erfc(u))) + f(f(0.5 * a) * f(f(TWO_OVER_SQRT_PI * f(Math.exp(f(-u * u)))) * SQRT_HALF)));
    },
  },
};

// out (n, cols) = x (n, inner) @ w (inner, cols) + b (cols,), rounding every product and sum to float32
function affine(x, w, b, n, inner, cols, out) {
  for (let r = 0; r < n; r++) {
    const o = r * cols, xr = r * inner;
    for (let j = 0; j < cols; j++) out[o + j] = 0;
    for (let k = 0; k < inner; k++) {
      const xk = x[xr + k], wk = k * cols;
      if (xk === 0) continue; // adds exact zeros (or NaN for an infinite weight, which training never makes)
      for (let j = 0; j < cols; j++) out[o + j] += f(xk * w[wk + j]);
    }
    for (let j = 0; j < cols; j++) out[o + j] += b[j];
  }
}

// the gradients of affine: dw += x^T dy, db += sum_r dy, and (if dx) dx = dy w^T, each sum in the order of r
// or j; zeros of x (dead ReLUs) and of dy add exact zeros, so they are skipped
function affineBack(x, w, dy, n, inner, cols, dw, db, dx) {
  for (let r = 0; r < n; r++) {
    const o = r * cols, xr = r * inner;
    for (let j = 0; j < cols; j++) db[j] += dy[o + j];
    for (let k = 0; k < inner; k++) {
      const xk = x[xr + k], wk = k * cols;
      if (xk === 0) continue;
      for (let j = 0; j < cols; j++) dw[wk + j] += f(xk * dy[o + j]);
    }
    if (!dx) continue;
    for (let k = 0; k < inner; k++) dx[xr + k] = 0;
    for (let j = 0; j < cols; j++) {
      const g = dy[o + j];
      if (g === 0) continue;
      for (let k = 0; k < inner; k++) dx[xr + k] += f(g * w[k * cols + j]);
    }
  }
}

// rows `index` of a (rows, width) array into out (n, width)
function gather(a, index, n, width, out) {
  for (let r = 0; r < n; r++) out.set(a.subarray(index[r] * width, (index[r] + 1) * width), r * width);
  return out;
}

/**
 * The MLP z = W_out^T h_L + b_out, h_{i+1} = act(W_i^T h_i + b_i), h_0 = x (mlp_apply).
 * `params` {w0, b0, ..., w_out, b_out} of Float32Arrays, `grads` the same names; buffers hold `samples` rows.
 */
function mlp(e, params, grads, { samples, dim }) {
  const widths = [dim, ...e.hidden], layers = e.hidden.length, K = e.classes;
  const act = ACTIVATIONS[e.activation];
  if (!act) throw new Error(`activation: unknown activation ${JSON.stringify(e.activation)}`);
  const pre = widths.slice(1).map((w) => new Float32Array(samples * w)); // a_i (n, width_i)
  const post = [new Float32Array(samples * dim), ...widths.slice(1).map((w) => new Float32Array(samples * w))]; // h_i
  const back = post.map((h) => new Float32Array(h.length)); // dL/dh_i
  let x0 = post[0];
  const width = widths[layers];
  return {
    width,
    forward(inputs, index, n, out) {
      x0 = index ? gather(inputs, index, n, dim, post[0]) : inputs;
      let h = x0;
      for (let i = 0; i < layers; i++) {
        const a = pre[i], y = post[i + 1], cols = widths[i + 1];
        affine(h, params[`w${i}`], params[`b${i}`], n, widths[i], cols, a);
        for (let q = 0, m = n * cols; q < m; q++) y[q] = act.value(a[q]);
        h = y;
      }
      affine(h, params.w_out, params.b_out, n, width, K, out);
    },
    features(n) { return layers ? post[layers].subarray(0, n * width) : x0.subarray(0, n * width); },
    backward(dz, index, n) {
      let h = layers ? post[layers] : x0;
      affineBack(h, params.w_out, dz, n, width, K, grads.w_out, grads.b_out, layers ? back[layers] : null);
      for (let i = layers - 1; i >= 0; i--) {
        const a = pre[i], y = post[i + 1], dy = back[i + 1], cols = widths[i + 1];
        for (let q = 0, m = n * cols; q < m; q++) dy[q] = f(dy[q] * act.slope(a[q], y[q])); // now dL/da_i
        h = i ? post[i] : x0;
        affineBack(h, params[`w${i}`], dy, n, widths[i], cols, grads[`w${i}`], grads[`b${i}`],
          i ? back[i] : null);
      }
    },
  };
}

/** Free logits: the logits of sample i are the parameters' row i (free_logits_apply). */
function freeLogits(e, params, grads) {
  const K = e.classes;
  return {
    width: 0,
    forward(inputs, index, n, out) {
      if (index) gather(params.logits, index, n, K, out);
      else out.set(params.logits.subarray(0, n * K));
    },
    features() { return null; },
    backward(dz, index, n) {
      for (let r = 0; r < n; r++) {
        const row = (index ? index[r] : r) * K;
        for (let j = 0; j < K; j++) grads.logits[row + j] += dz[r * K + j];
      }
    },
  };
}

/** The Unconstrained Features Model z_i = W^T h_i + b with h_i free per sample (free_features_apply). */
function freeFeatures(e, params, grads, { samples }) {
  const K = e.classes, width = e.feature_dim;
  const batch = new Float32Array(samples * width), dh = new Float32Array(samples * width);
  let h = params.features;
  return {
    width,
    forward(inputs, index, n, out) {
      h = index ? gather(params.features, index, n, width, batch) : params.features;
      affine(h, params.w_out, params.b_out, n, width, K, out);
    },
    features(n) { return h.subarray(0, n * width); },
    backward(dz, index, n) {
      affineBack(h, params.w_out, dz, n, width, K, grads.w_out, grads.b_out, dh);
      for (let r = 0; r < n; r++) {
        const row = (index ? index[r] : r) * width;
        for (let k = 0; k < width; k++) grads.features[row + k] += dh[r * width + k];
      }
    },
  };
}

/** name -> build(experiment, params, grads, {samples, dim}) -> {forward, backward, features, width}. */
export const MODELS = { mlp, "free-logits": freeLogits, "free-features": freeFeatures };

/** The parameters' names and shapes of a model, as lab/models.py makes them, in the order the optimiser walks them. */
export function paramShapes(e, { samples, dim }) {
  if (e.model === "mlp") {
    const widths = [dim, ...e.hidden], shapes = {};
    for (let i = 0; i < e.hidden.length; i++) Object.assign(shapes, { [`w${i}`]: [widths[i], widths[i + 1]], [`b${i}`]: [widths[i + 1]] });
    return { ...shapes, w_out: [widths.at(-1), e.classes], b_out: [e.classes] };
  }
  if (e.model === "free-logits") return { logits: [samples, e.classes] };
  if (e.model === "free-features") {
    return { features: [samples, e.feature_dim], w_out: [e.feature_dim, e.classes], b_out: [e.classes] };
  }
  throw new Error(`model: unknown model ${JSON.stringify(e.model)}`);
}
