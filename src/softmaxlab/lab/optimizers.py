"""Optimizers: name -> optax gradient transformation built from traced hyperparameters.

``make(hp)`` receives the run's `Hyperparameters` (a named tuple of possibly traced scalars) and
reads ``hp.lr``, ``hp.weight_decay`` and ``hp.momentum``. Because they are arguments rather than
constants, one compiled training loop serves every learning rate. Settings follow PyTorch's defaults so that a run here
and the same loop in PyTorch agree: weight decay is L2 added to the gradient (``torch.optim``'s
``weight_decay``), except for ``adamw``, whose decay is decoupled (Loshchilov & Hutter 2019).
"""

from dataclasses import dataclass
from typing import Callable

import math

from ._lazy import LazyModule

jax = LazyModule("jax")  # imported on first use: help and the site build need no JAX
jnp = LazyModule("jax.numpy")
optax = LazyModule("optax")


@dataclass(frozen=True)
class OptimizerSpec:
    """One named optimizer: ``make(hp: Hyperparameters) -> optax.GradientTransformation``, default lr, help."""

    name: str
    make: Callable
    default_lr: float
    help: str


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8):
    """Adam's direction m_hat / (sqrt(v_hat) + eps) (Kingma & Ba 2015, Alg. 1), with accurate bias correction.

    m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2, m_hat = m_t / (1 - b1^t), v_hat = v_t / (1 - b2^t).
    optax computes 1 - b2^t in float32, where 0.999 is stored as 0.99900001, so 1 - b2 is off by
    1.3e-5 relative (cancellation); PyTorch does it in float64. We take log b in float64 and use
    1 - b^t = -expm1(t log b), exact to float32 rounding, so float32 runs follow PyTorch's path.
    """

    def init(params):
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return optax.ScaleByAdamState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=zeros)

    def update(grads, state, params=None):
        count = state.count + 1
        mu = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, state.mu, grads)
        nu = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, state.nu, grads)
        t = count.astype(jnp.float32)
        bc1, bc2 = -jnp.expm1(t * math.log(b1)), -jnp.expm1(t * math.log(b2))
        updates = jax.tree_util.tree_map(lambda m, v: (m / bc1) / (jnp.sqrt(v / bc2) + eps), mu, nu)
        return updates, optax.ScaleByAdamState(count=count, mu=mu, nu=nu)

    return optax.GradientTransformation(init, update)


def scale_by_adagrad(eps=1e-10):
    """Adagrad's direction g / (sqrt(s) + eps) with s the running sum of g^2 (Duchi et al. 2011), as
    torch.optim.Adagrad. optax's adagrad puts eps inside the square root, which with eps = 1e-10
    damps every coordinate whose accumulated gradient is below ~1e-5."""

    def init(params):
        return optax.ScaleByRssState(sum_of_squares=jax.tree_util.tree_map(jnp.zeros_like, params))

    def update(grads, state, params=None):
        sums = jax.tree_util.tree_map(lambda s, g: s + g * g, state.sum_of_squares, grads)
        updates = jax.tree_util.tree_map(lambda g, s: g / (jnp.sqrt(s) + eps), grads, sums)
        return updates, optax.ScaleByRssState(sum_of_squares=sums)

    return optax.GradientTransformation(init, update)


def _adam(hp):
    return optax.chain(optax.add_decayed_weights(hp.weight_decay), scale_by_adam(),
                       optax.scale_by_learning_rate(hp.lr))


def _adamw(hp):
    # decoupled: w <- w - lr (adam direction + wd w), as optax.adamw and torch.optim.AdamW
    return optax.chain(scale_by_adam(), optax.add_decayed_weights(hp.weight_decay),
                       optax.scale_by_learning_rate(hp.lr))


def _l2(hp, transform):
    # PyTorch's weight_decay: g <- g + wd * w before the optimizer's own statistics
    return optax.chain(optax.add_decayed_weights(hp.weight_decay), transform)


OPTIMIZERS = {
    spec.name: spec
    for spec in (
        OptimizerSpec("sgd", lambda hp: _l2(hp, optax.sgd(hp.lr)), 0.1, "plain gradient descent w <- w - lr g"),
        OptimizerSpec("momentum", lambda hp: _l2(hp, optax.sgd(hp.lr, momentum=hp.momentum)), 0.01,
                      "heavy-ball momentum (as torch.optim.SGD with momentum)"),
        OptimizerSpec("nesterov", lambda hp: _l2(hp, optax.sgd(hp.lr, momentum=hp.momentum, nesterov=True)),
                      0.01, "Nesterov momentum (as torch.optim.SGD with nesterov=True)"),
        OptimizerSpec("adam", _adam, 1e-3,
                      "Adam (Kingma & Ba 2015), betas 0.9, 0.999, eps 1e-8"),
        OptimizerSpec("adamw", _adamw, 1e-3,
                      "Adam with decoupled weight decay"),
        # decay 0.99 and eps outside the square root, as torch.optim.RMSprop
        OptimizerSpec("rmsprop", lambda hp: _l2(hp, optax.rmsprop(hp.lr, decay=0.99, eps=1e-8, eps_in_sqrt=False)),
                      1e-2, "RMSprop, alpha 0.99 (as torch.optim.RMSprop)"),
        OptimizerSpec("adagrad", lambda hp: _l2(hp, optax.chain(scale_by_adagrad(), optax.scale_by_learning_rate(hp.lr))),
                      1e-2, "Adagrad (as torch.optim.Adagrad)"),
    )
}
