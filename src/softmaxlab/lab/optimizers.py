"""Optimizers: name -> optax gradient transformation built from traced hyperparameters.

``make(hp)`` receives the run's hyperparameters as (possibly traced) scalars: ``lr``,
``weight_decay`` and ``momentum``. Because they are arguments rather than constants, one compiled
training loop serves every learning rate. Settings follow PyTorch's defaults so that a run here
and the same loop in PyTorch agree: weight decay is L2 added to the gradient (``torch.optim``'s
``weight_decay``), except for ``adamw``, whose decay is decoupled (Loshchilov & Hutter 2019).
"""

from dataclasses import dataclass
from typing import Callable

import optax


@dataclass(frozen=True)
class OptimizerSpec:
    """One named optimizer: ``make(hp) -> optax.GradientTransformation``, its default lr, and help."""

    name: str
    make: Callable
    default_lr: float
    help: str


def _l2(hp, transform):
    # PyTorch's weight_decay: g <- g + wd * w before the optimizer's own statistics
    return optax.chain(optax.add_decayed_weights(hp["weight_decay"]), transform)


OPTIMIZERS = {
    spec.name: spec
    for spec in (
        OptimizerSpec("sgd", lambda hp: _l2(hp, optax.sgd(hp["lr"])), 0.1, "plain gradient descent w <- w - lr g"),
        OptimizerSpec("momentum", lambda hp: _l2(hp, optax.sgd(hp["lr"], momentum=hp["momentum"])), 0.01,
                      "heavy-ball momentum (as torch.optim.SGD with momentum)"),
        OptimizerSpec("nesterov", lambda hp: _l2(hp, optax.sgd(hp["lr"], momentum=hp["momentum"], nesterov=True)),
                      0.01, "Nesterov momentum (as torch.optim.SGD with nesterov=True)"),
        OptimizerSpec("adam", lambda hp: _l2(hp, optax.adam(hp["lr"])), 1e-3,
                      "Adam (Kingma & Ba 2015), betas 0.9, 0.999, eps 1e-8"),
        OptimizerSpec("adamw", lambda hp: optax.adamw(hp["lr"], weight_decay=hp["weight_decay"]), 1e-3,
                      "Adam with decoupled weight decay"),
        # decay 0.99 and eps outside the square root, as torch.optim.RMSprop
        OptimizerSpec("rmsprop", lambda hp: _l2(hp, optax.rmsprop(hp["lr"], decay=0.99, eps=1e-8, eps_in_sqrt=False)),
                      1e-2, "RMSprop, alpha 0.99 (as torch.optim.RMSprop)"),
        # no initial accumulator, as torch.optim.Adagrad
        OptimizerSpec("adagrad", lambda hp: _l2(hp, optax.adagrad(hp["lr"], initial_accumulator_value=0.0, eps=1e-10)),
                      1e-2, "Adagrad (as torch.optim.Adagrad)"),
    )
}
