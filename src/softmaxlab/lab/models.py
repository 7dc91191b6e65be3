"""Models: parameters made in NumPy (seeded), applied in JAX.

A model is a pair: ``init(rng, *, inputs, labels, classes, hidden, feature_dim, init) -> params`` (a
dict of float32 NumPy arrays) and ``apply(params, x, index, *, activation) -> logits (batch, K)``,
where ``x`` is the batch's inputs ``(batch, d)`` and ``index`` the batch's sample indices ``(batch,)``
(the model-free modes keep one row of parameters per sample and look them up by index).

``INITS`` are the choices for the last (classifier) layer: ``zeros`` (the video's choice: every
sample starts at logits 0, the centre of the output space), ``default`` (PyTorch's
``nn.Linear`` default) and ``prior`` (zero weights, bias = log of the class frequencies, so step 0
predicts the class frequencies).

``rng`` is a `softmaxlab.core.random.Threefry` (the lab's is the stream ``(seed, STREAMS["init"])``),
drawn parameter by parameter in the order of the dict, row by row, so that ``static/js/lab/init.js``
makes the same float32 numbers (docs/random.md).
"""

from dataclasses import dataclass
from typing import Callable

from ._lazy import LazyModule

jax = LazyModule("jax")  # imported on first use: help and the site build need no JAX
jnp = LazyModule("jax.numpy")
import numpy as np

from softmaxlab.core.random import log


@dataclass(frozen=True)
class Choice:
    """A named function with one line of help (INITS, ACTIVATIONS)."""

    name: str
    fn: Callable
    help: str


@dataclass(frozen=True)
class ModelSpec:
    """One named model: ``init`` (NumPy, seeded) and ``apply`` (JAX), with one line of help."""

    name: str
    init: Callable
    apply: Callable
    help: str
    features: Callable | None = None  # (params, x, index, *, activation) -> (batch, width): what feeds the last layer


def _uniform(rng, shape, fan_in):
    """PyTorch's nn.Linear default for weights and biases: U(-b, b) with b = 1/sqrt(fan_in).

    Each value is float32((2u - 1) b) of the next uniform u in [0, 1) (2u - 1 is exact).

    >>> from softmaxlab.core.random import Threefry
    >>> w = _uniform(Threefry(0, 2), (4, 1000), 4)
    >>> w.dtype, bool(w.min() >= -0.5 and w.max() <= 0.5), bool(abs(w.mean()) < 0.01)
    (dtype('float32'), True, True)
    """
    bound = 1.0 / np.sqrt(float(fan_in))
    u = rng.random(int(np.prod(shape))).reshape(shape)
    return ((2.0 * u - 1.0) * bound).astype(np.float32)


def log_prior(labels, classes):
    """Log of each class's frequency among ``labels`` ``(K,)`` (classes with no sample get a tiny floor).

    The log is the generator's own (`softmaxlab.core.random.log`, within 2 ulp of NumPy's), which the
    browser repeats bit for bit.

    >>> log_prior(np.array([0, 0, 0, 1]), 2).tolist() == np.log([0.75, 0.25]).astype(np.float32).tolist()
    True
    """
    counts = np.bincount(labels, minlength=classes).astype(np.float64)
    return log(np.maximum(counts, 0.5) / len(labels)).astype(np.float32)


INITS = {
    c.name: c
    for c in (
        Choice("zeros", lambda rng, fan_in, classes, prior: (np.zeros((fan_in, classes), np.float32),
                                                             np.zeros(classes, np.float32)),
               "last layer all zeros: every sample starts at logits 0 (uniform probabilities)"),
        Choice("default", lambda rng, fan_in, classes, prior: (_uniform(rng, (fan_in, classes), fan_in),
                                                               _uniform(rng, (classes,), fan_in)),
               "PyTorch's default: weights and biases U(+-1/sqrt(fan_in))"),
        Choice("prior", lambda rng, fan_in, classes, prior: (np.zeros((fan_in, classes), np.float32), prior),
               "zero weights, bias = log class frequencies: step 0 predicts the class frequencies"),
    )
}

ACTIVATIONS = {
    c.name: c
    for c in (
        Choice("relu", lambda x: jax.nn.relu(x), "max(0, x)"),
        Choice("tanh", lambda x: jnp.tanh(x), "hyperbolic tangent"),
        # the exact (erf) form, as torch.nn.GELU's default
        Choice("gelu", lambda x: jax.nn.gelu(x, approximate=False), "x Phi(x), Phi the normal CDF"),
    )
}


def mlp_init(rng, *, inputs, labels, classes, hidden, feature_dim, init):
    """Hidden layers with PyTorch's default init; the last layer from ``INITS[init]``. Weights are ``(in, out)``."""
    widths = [inputs.shape[1], *hidden]
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        params[f"w{i}"] = _uniform(rng, (fan_in, fan_out), fan_in)  # (in, out)
        params[f"b{i}"] = _uniform(rng, (fan_out,), fan_in)  # (out,)
    params["w_out"], params["b_out"] = INITS[init].fn(rng, widths[-1], classes, log_prior(labels, classes))
    return params


def mlp_features(params, x, index, *, activation):
    """The penultimate features h_L, with h_{i+1} = act(W_i^T h_i + b_i) and h_0 = x: ``(batch, width)``."""
    act = ACTIVATIONS[activation].fn
    h = x  # (batch, d)
    for i in range((len(params) - 2) // 2):
        h = act(h @ params[f"w{i}"] + params[f"b{i}"])  # (batch, hidden_i)
    return h


def mlp_apply(params, x, index, *, activation):
    """z = W_out^T h_L + b_out, h_L the penultimate features."""
    return mlp_features(params, x, index, activation=activation) @ params["w_out"] + params["b_out"]  # (batch, K)


def free_logits_init(rng, *, inputs, labels, classes, hidden, feature_dim, init):
    """One free logit vector per sample: 0 (zeros), U(-1, 1) (default, a Linear over one-hot features), or log prior."""
    n = len(labels)
    if init == "zeros":
        logits = np.zeros((n, classes), np.float32)
    elif init == "default":
        logits = _uniform(rng, (n, classes), 1)
    else:
        logits = np.tile(log_prior(labels, classes), (n, 1))
    return {"logits": logits}  # (samples, K)


def free_logits_apply(params, x, index, *, activation):
    """The logits are the parameters: gradient descent on them is pure softmax cross-entropy dynamics."""
    return params["logits"][index]  # (batch, K)


def free_features_init(rng, *, inputs, labels, classes, hidden, feature_dim, init):
    """Unconstrained Features Model: free features h_i ~ N(0, I) of width ``feature_dim`` and a linear classifier."""
    features = rng.normal(len(labels) * feature_dim).reshape(len(labels), feature_dim).astype(np.float32)
    w, b = INITS[init].fn(rng, feature_dim, classes, log_prior(labels, classes))
    return {"features": features, "w_out": w, "b_out": b}


def free_features_features(params, x, index, *, activation):
    """The free features of the batch's samples ``(batch, feature_dim)``."""
    return params["features"][index]


def free_features_apply(params, x, index, *, activation):
    """z_i = W^T h_i + b, with h_i a free parameter per sample (Mixon et al. 2020)."""
    return params["features"][index] @ params["w_out"] + params["b_out"]  # (batch, K)


MODELS = {
    spec.name: spec
    for spec in (
        ModelSpec("mlp", mlp_init, mlp_apply, "multi-layer perceptron with the given hidden widths", mlp_features),
        ModelSpec("free-logits", free_logits_init, free_logits_apply,
                  "no network: each sample's logits are free parameters"),
        ModelSpec("free-features", free_features_init, free_features_apply,
                  "Unconstrained Features Model: free per-sample features and a linear classifier",
                  free_features_features),
    )
}
