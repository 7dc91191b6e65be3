"""Training losses in JAX, on logits ``(n, K)`` and integer labels ``(n,)``, averaged over samples.

The names match ``softmaxlab.core.LOSSES`` (the NumPy versions, written independently; the tests
check one against the other). Each loss takes ``hp``, the run's traced `Hyperparameters`
(it reads ``hp.label_smoothing`` or ``hp.focal_gamma``), so changing them never recompiles.
The experiment's temperature T divides the logits before the loss: L(z / T).
"""

from dataclasses import dataclass
from typing import Callable

from ._lazy import LazyModule

jax = LazyModule("jax")  # imported on first use: help and the site build need no JAX
jnp = LazyModule("jax.numpy")


@dataclass(frozen=True)
class LossSpec:
    """One named loss: ``fn(logits (n, K), labels (n,), hp: Hyperparameters) -> scalar mean``, and help."""

    name: str
    fn: Callable
    help: str


def cross_entropy(logits, labels, hp):
    """Mean of -sum_k y_k log p_k with smoothed targets y = (1 - eps) onehot + eps / K.

    >>> import numpy as np
    >>> from softmaxlab.lab.hyperparameters import Hyperparameters
    >>> hp = Hyperparameters(label_smoothing=0.0)
    >>> round(float(cross_entropy(jnp.zeros((2, 4)), jnp.array([0, 3]), hp)), 6) == round(float(np.log(4)), 6)
    True
    """
    k = logits.shape[-1]
    eps = hp.label_smoothing
    targets = (1.0 - eps) * jax.nn.one_hot(labels, k) + eps / k  # (n, K)
    return -jnp.mean(jnp.sum(targets * jax.nn.log_softmax(logits), axis=-1))


def focal(logits, labels, hp):
    """Focal loss (Lin et al. 2017): mean of -(1 - p_y)^gamma log p_y; gamma = 0 is cross-entropy."""
    log_p = jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=-1)[:, 0]  # (n,)
    # (1 - p_y) computed as -expm1(log p_y) keeps precision when p_y is close to 1
    q = -jnp.expm1(log_p)
    # where p_y rounds to 1 (q = 0), d(q^gamma)/dq = gamma q^(gamma - 1) is infinite for gamma < 1 and JAX's
    # rule gives NaN even for gamma = 0; the weight is then 0^gamma (1 for gamma = 0) and its gradient term
    # gamma q^(gamma - 1) p_y log p_y tends to 0, so take q^gamma only where q > 0
    weight = jnp.where(q > 0, jnp.where(q > 0, q, 1.0) ** hp.focal_gamma, jnp.where(hp.focal_gamma == 0, 1.0, 0.0))
    return -jnp.mean(weight * log_p)


def squared_error(logits, labels, hp):
    """Squared error on probabilities (Brier score): mean over samples of sum_k (p_k - onehot_k)^2."""
    diff = jax.nn.softmax(logits) - jax.nn.one_hot(labels, logits.shape[-1])  # (n, K)
    return jnp.mean(jnp.sum(diff**2, axis=-1))


def hinge(logits, labels, hp):
    """Multi-class hinge (Crammer & Singer 2001): mean of max(0, 1 + max_{j != y} z_j - z_y)."""
    true = jnp.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]  # (n,)
    others = jnp.where(jax.nn.one_hot(labels, logits.shape[-1], dtype=bool), -jnp.inf, logits)
    return jnp.mean(jnp.maximum(0.0, 1.0 + jnp.max(others, axis=-1) - true))


LOSSES = {
    spec.name: spec
    for spec in (
        LossSpec("cross-entropy", cross_entropy, "negative log-likelihood -log p_y (with optional label smoothing)"),
        LossSpec("focal", focal, "focal loss -(1 - p_y)^gamma log p_y: down-weights easy samples"),
        LossSpec("squared-error", squared_error, "squared error between probabilities and the one-hot target"),
        LossSpec("hinge", hinge, "multi-class hinge max(0, 1 + best other logit - true logit)"),
    )
}
