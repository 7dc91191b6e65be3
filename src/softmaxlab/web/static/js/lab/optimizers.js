// The lab's seven optimisers in float32, mirroring softmaxlab.lab.optimizers (optax chains set up as
// torch.optim's defaults). Each is a pair, init(size) -> state and update(w, g, state, hp), over all
// parameters flattened into one Float32Array: update changes w (and g, state) in place, so the step loop
// allocates nothing. Weight decay is L2 added to the gradient (torch.optim's weight_decay) before the
// optimiser's own statistics, except adamw's, which is decoupled (Loshchilov & Hutter 2019).
const f = Math.fround;

// python floats in the lab's code meet float32 arrays as float32 constants; 1 - b is taken in float64 first
const B1 = f(0.9), C1 = f(1 - 0.9), B2 = f(0.999), C2 = f(1 - 0.999), ADAM_EPS = f(1e-8);
const LOG_B1 = f(Math.log(0.9)), LOG_B2 = f(Math.log(0.999));
const RMS_DECAY = f(0.99), RMS_C = f(1 - 0.99), RMS_EPS = f(1e-8), ADAGRAD_EPS = f(1e-10);

// g <- g + wd w (optax.add_decayed_weights); with wd = 0 this adds exact zeros, so it is skipped
function addDecayedWeights(w, g, wd) {
  if (wd !== 0) for (let i = 0; i < w.length; i++) g[i] = g[i] + f(wd * w[i]);
}

// w <- w - lr u (optax.scale_by_learning_rate, then apply_updates)
function descend(w, u, lr) {
  const step = f(-lr);
  for (let i = 0; i < w.length; i++) w[i] = w[i] + f(step * u[i]);
}

const sgd = {
  init: () => ({}),
  update(w, g, state, hp) {
    addDecayedWeights(w, g, hp.weight_decay);
    descend(w, g, hp.lr);
  },
};

// optax.trace: m <- g + mu m, the direction m (heavy ball) or g + mu m_new (Nesterov), as torch.optim.SGD
function momentumOptimizer(nesterov) {
  return {
    init: (size) => ({ trace: new Float32Array(size) }),
    update(w, g, state, hp) {
      addDecayedWeights(w, g, hp.weight_decay);
      const m = state.trace, mu = f(hp.momentum);
      for (let i = 0; i < w.length; i++) {
        m[i] = g[i] + f(mu * m[i]);
        g[i] = nesterov ? g[i] + f(mu * m[i]) : m[i];
      }
      descend(w, g, hp.lr);
    },
  };
}

// Adam's direction m_hat / (sqrt(v_hat) + eps) (Kingma & Ba 2015, Alg. 1), bias corrections 1 - b^t as
// -expm1(t log b) like the lab's scale_by_adam (optax's float32 1 - b2^t is off by 1.3e-5 relative)
function adamDirection(g, state) {
  const m = state.mu, v = state.nu, t = ++state.count;
  const bc1 = f(-Math.expm1(f(t * LOG_B1))), bc2 = f(-Math.expm1(f(t * LOG_B2)));
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    m[i] = f(B1 * m[i]) + f(C1 * gi);
    v[i] = f(B2 * v[i]) + f(f(C2 * gi) * gi);
    g[i] = f(m[i] / bc1) / f(f(Math.sqrt(f(v[i] / bc2))) + ADAM_EPS);
  }
}

const adamInit = (size) => ({ count: 0, mu: new Float32Array(size), nu: new Float32Array(size) });

const adam = {
  init: adamInit,
  update(w, g, state, hp) {
    addDecayedWeights(w, g, hp.weight_decay);
    adamDirection(g, state);
    descend(w, g, hp.lr);
  },
};

const adamw = {
  init: adamInit,
  update(w, g, state, hp) {
    adamDirection(g, state);
    addDecayedWeights(w, g, hp.weight_decay); // decoupled: w <- w - lr (direction + wd w)
    descend(w, g, hp.lr);
  },
};

// optax.rmsprop(decay=0.99, eps=1e-8, eps_in_sqrt=False), as torch.optim.RMSprop: g / (sqrt(s) + eps),
// written as optax does, (1 / (sqrt(s) + eps)) g
const rmsprop = {
  init: (size) => ({ nu: new Float32Array(size) }),
  update(w, g, state, hp) {
    addDecayedWeights(w, g, hp.weight_decay);
    const s = state.nu;
    for (let i = 0; i < g.length; i++) {
      s[i] = f(RMS_C * f(g[i] * g[i])) + f(RMS_DECAY * s[i]);
      g[i] = f(f(1 / f(f(Math.sqrt(s[i])) + RMS_EPS)) * g[i]);
    }
    descend(w, g, hp.lr);
  },
};

// the lab's scale_by_adagrad, as torch.optim.Adagrad: g / (sqrt(s) + eps), eps outside the square root
const adagrad = {
  init: (size) => ({ sum_of_squares: new Float32Array(size) }),
  update(w, g, state, hp) {
    addDecayedWeights(w, g, hp.weight_decay);
    const s = state.sum_of_squares;
    for (let i = 0; i < g.length; i++) {
      s[i] = s[i] + f(g[i] * g[i]);
      g[i] = g[i] / f(f(Math.sqrt(s[i])) + ADAGRAD_EPS);
    }
    descend(w, g, hp.lr);
  },
};

/** name -> {init, update, default_lr}; default_lr as lab/optimizers.py (used when the experiment's lr is null). */
export const OPTIMIZERS = {
  sgd: { ...sgd, default_lr: 0.1 },
  momentum: { ...momentumOptimizer(false), default_lr: 0.01 },
  nesterov: { ...momentumOptimizer(true), default_lr: 0.01 },
  adam: { ...adam, default_lr: 1e-3 },
  adamw: { ...adamw, default_lr: 1e-3 },
  rmsprop: { ...rmsprop, default_lr: 1e-2 },
  adagrad: { ...adagrad, default_lr: 1e-2 },
};
