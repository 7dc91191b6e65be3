"""The math of softmax, NumPy only: the softmax family, losses, geometry, alternatives, sampling.

This package imports nothing else of softmaxlab's; every other package builds on it.
"""

from .alternatives import SQUASHERS, entmax15, entmax15_jacobian, sparsemax, sparsemax_jacobian
from .geometry import (
    from_subspace,
    gaussian_posterior,
    simplex_vertices,
    sum_zero_basis,
    to_subspace,
    winning_class,
)
from .indices import evenly_spaced
from .losses import (
    LOSSES,
    LossSpec,
    cross_entropy,
    cross_entropy_grad,
    focal_loss,
    focal_loss_grad,
    hinge_loss,
    hinge_loss_grad,
    squared_error_loss,
    squared_error_loss_grad,
)
from .sampling import filter_logits, sample
from .softmax import (
    effective_choices,
    entropy,
    log_softmax,
    logsumexp,
    sigmoid,
    softmax,
    softmax_jacobian,
)

__all__ = [
    "softmax",
    "log_softmax",
    "logsumexp",
    "softmax_jacobian",
    "sigmoid",
    "entropy",
    "effective_choices",
    "cross_entropy",
    "cross_entropy_grad",
    "focal_loss",
    "focal_loss_grad",
    "squared_error_loss",
    "squared_error_loss_grad",
    "hinge_loss",
    "hinge_loss_grad",
    "LossSpec",
    "LOSSES",
    "sum_zero_basis",
    "to_subspace",
    "from_subspace",
    "simplex_vertices",
    "winning_class",
    "gaussian_posterior",
    "sparsemax",
    "sparsemax_jacobian",
    "entmax15",
    "entmax15_jacobian",
    "SQUASHERS",
    "filter_logits",
    "sample",
    "evenly_spaced",
]
