"""Classification losses on logits, each with its gradient with respect to the logits.

Every loss takes `logits` of shape `(n, K)` (any leading shape `(..., K)` works: every leading
position is one sample) and `labels` either as integer class indices of shape `(n,)` or as
probability targets of shape `(n, K)`, each row a distribution. Integer labels are the same as
their one-hot targets. `reduction` is `"mean"` (over samples), `"sum"` or `"none"` (one value
per sample). Each `*_grad` returns dL/dlogits with the shape of `logits`; for `"none"` its rows
are the gradients of each sample's own loss (the same as for `"sum"`).
"""

from typing import Callable, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_distribution, class_axis, reduction_name
from .softmax import _QUIET, log_softmax, softmax

__all__ = [
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
]


def _targets(logits: ArrayLike, labels: ArrayLike, *, label_smoothing: float = 0.0):
    """Validated `(z, y)`: logits `(..., K)` and target distributions `(..., K)` of z's dtype."""
    z = as_float_array(logits)
    class_axis(z, -1)
    k = z.shape[-1]
    try:
        raw = np.asarray(labels)
    except (TypeError, ValueError) as e:
        raise ValueError(f"labels must be an array: {e}") from None
    if raw.shape == z.shape[:-1]:  # class indices, one per sample
        if raw.dtype == np.bool_ or not (np.issubdtype(raw.dtype, np.integer) or np.issubdtype(raw.dtype, np.floating)):
            raise ValueError(f"labels must be integer class indices, got dtype {raw.dtype}")
        if np.issubdtype(raw.dtype, np.floating):
            if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)):
                raise ValueError("labels must be integer class indices, found a non-integer value")
        if raw.size and (raw.min() < 0 or raw.max() >= k):
            raise ValueError(f"labels out of range: class indices must be in [0, {k - 1}], found {raw.min()}..{raw.max()}")
        y = (raw.astype(np.int64)[..., None] == np.arange(k)).astype(z.dtype)  # (..., K) one-hot
    elif raw.shape == z.shape:  # probability targets
        y = as_float_array(raw, name="probability targets").astype(z.dtype, copy=False)
        check_distribution(y, name="probability targets")
    else:
        raise ValueError(
            f"labels of shape {raw.shape} do not match logits of shape {z.shape}: "
            f"expected {z.shape[:-1]} (class indices) or {z.shape} (probability targets)"
        )
    try:
        eps = float(label_smoothing)
    except (TypeError, ValueError):
        raise ValueError(f"label_smoothing must be a number in [0, 1], got {label_smoothing!r}") from None
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    if eps:
        y = y * (1 - eps) + eps / k  # mix with the uniform distribution
    return z, y


def _reduce(per_sample: np.ndarray, reduction: str):
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if per_sample.size == 0:
        raise ValueError("reduction='mean' needs at least one sample")
    return per_sample.mean()


def _grad_scale(z: np.ndarray, reduction: str):
    """1/n for the mean over the n samples, 1 otherwise."""
    n = int(np.prod(z.shape[:-1]))
    if reduction == "mean":
        if n == 0:
            raise ValueError("reduction='mean' needs at least one sample")
        return z.dtype.type(1.0 / n)
    return z.dtype.type(1.0)


def _through_softmax(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    r"""Chain rule through softmax: given a_k = p_k dL/dp_k, dL/dz_j = a_j - p_j \sum_k a_k."""
    return a - p * a.sum(axis=-1, keepdims=True)


def cross_entropy(logits: ArrayLike, labels: ArrayLike, *, label_smoothing: float = 0.0, reduction: str = "mean"):
    r"""Cross-entropy (negative log-likelihood) of softmax probabilities.

    .. math:: L = -\sum_k y_k \log \operatorname{softmax}(z)_k, \qquad
              y = (1 - \varepsilon)\, y + \varepsilon / K \text{ (label smoothing)}

    With integer labels and no smoothing this is `-log p_y`. It matches
    `torch.nn.functional.cross_entropy` (also with `label_smoothing` and probability targets).
    Computed from `log_softmax`, so it stays finite for any finite logits.

    Args:
        logits: `(n, K)`.
        labels: `(n,)` integer class indices or `(n, K)` probability targets.
        label_smoothing: `epsilon` in [0, 1].
        reduction: `"mean"`, `"sum"` or `"none"` (shape `(n,)`).

    Example:
        >>> float(cross_entropy([[0.0, 0.0]], [1])) == float(np.log(2))
        True
        >>> float(cross_entropy([[1000.0, 0.0]], [1]))
        1000.0
    """
    reduction = reduction_name(reduction)
    z, y = _targets(logits, labels, label_smoothing=label_smoothing)
    logp = log_softmax(z)
    with np.errstate(**_QUIET):  # a target of 0 on a -inf logit contributes 0, not 0 * inf
        per = -np.where(y > 0, y * logp, 0).sum(axis=-1)
    return _reduce(per.astype(z.dtype, copy=False), reduction)


def cross_entropy_grad(logits: ArrayLike, labels: ArrayLike, *, label_smoothing: float = 0.0, reduction: str = "mean"):
    r"""Gradient of :func:`cross_entropy` with respect to the logits.

    .. math:: \frac{\partial L}{\partial z} = \operatorname{softmax}(z) - y \quad (\text{divided by } n \text{ for the mean})

    It pulls toward the target's vertex and away from the others; each row sums to 0.

    Example:
        >>> cross_entropy_grad([[0.0, 0.0]], [1], reduction="sum")
        array([[ 0.5, -0.5]])
    """
    reduction = reduction_name(reduction)
    z, y = _targets(logits, labels, label_smoothing=label_smoothing)
    p = softmax(z)
    return (p - y) * _grad_scale(z, reduction)


def _gamma_value(gamma) -> float:
    g = float(gamma)
    if not np.isfinite(g) or g < 0:
        raise ValueError(f"gamma must be finite and >= 0, got {gamma!r}")
    return g


def focal_loss(logits: ArrayLike, labels: ArrayLike, *, gamma: float = 2.0, reduction: str = "mean"):
    r"""Focal loss (Lin et al. 2017): cross-entropy that down-weights easy, confident samples.

    .. math:: L = -\sum_k y_k (1 - p_k)^\gamma \log p_k, \qquad p = \operatorname{softmax}(z)

    `gamma = 0` is cross-entropy. `1 - p_k` is computed as `-expm1(log p_k)`, exact near `p_k = 1`.

    Args:
        logits: `(n, K)`; labels: `(n,)` indices or `(n, K)` probabilities.
        gamma: focusing exponent, >= 0.
        reduction: `"mean"`, `"sum"` or `"none"`.

    Example:
        >>> float(focal_loss([[0.0, 0.0]], [0], gamma=1.0)) == 0.5 * float(np.log(2))
        True
    """
    reduction = reduction_name(reduction)
    g = _gamma_value(gamma)
    z, y = _targets(logits, labels)
    logp = log_softmax(z)
    with np.errstate(**_QUIET):
        q = -np.expm1(logp)  # 1 - p without cancellation
        per = -np.where(y > 0, y * q**g * logp, 0).sum(axis=-1)
    return _reduce(per.astype(z.dtype, copy=False), reduction)


def focal_loss_grad(logits: ArrayLike, labels: ArrayLike, *, gamma: float = 2.0, reduction: str = "mean"):
    r"""Gradient of :func:`focal_loss` with respect to the logits.

    With `f_k = -(1-p_k)^\gamma \log p_k`, `a_k = y_k p_k f'_k = y_k [\gamma (1-p_k)^{\gamma-1} p_k \log p_k - (1-p_k)^\gamma]`
    and :math:`\partial L / \partial z_j = a_j - p_j \sum_k a_k`.
    """
    reduction = reduction_name(reduction)
    g = _gamma_value(gamma)
    z, y = _targets(logits, labels)
    logp = log_softmax(z)
    with np.errstate(**_QUIET):
        p = np.exp(logp)
        q = -np.expm1(logp)
        # gamma q^(gamma-1) p log p -> 0 as q -> 0 (p log p ~ -q), so q == 0 contributes 0
        pull = np.where(q > 0, g * q ** (g - 1) * p * logp, 0)
        a = np.where(y > 0, y * (pull - q**g), 0)
    return (_through_softmax(a, p) * _grad_scale(z, reduction)).astype(z.dtype, copy=False)


def squared_error_loss(logits: ArrayLike, labels: ArrayLike, *, reduction: str = "mean"):
    r"""Squared error between softmax probabilities and targets (the Brier score).

    .. math:: L = \sum_k (p_k - y_k)^2, \qquad p = \operatorname{softmax}(z)

    Bounded by 2: unlike cross-entropy it never punishes a confident mistake without limit.

    Example:
        >>> float(squared_error_loss([[0.0, 0.0]], [0]))
        0.5
    """
    reduction = reduction_name(reduction)
    z, y = _targets(logits, labels)
    p = softmax(z)
    return _reduce(((p - y) ** 2).sum(axis=-1), reduction)


def squared_error_loss_grad(logits: ArrayLike, labels: ArrayLike, *, reduction: str = "mean"):
    r"""Gradient of :func:`squared_error_loss`: `a = 2 (p - y) p`, `dL/dz = a - p sum(a)`."""
    reduction = reduction_name(reduction)
    z, y = _targets(logits, labels)
    p = softmax(z)
    return _through_softmax(2 * (p - y) * p, p) * _grad_scale(z, reduction)


def _margin_value(margin) -> float:
    m = float(margin)
    if not np.isfinite(m) or m < 0:
        raise ValueError(f"margin must be finite and >= 0, got {margin!r}")
    return m


def _hinge_parts(z: np.ndarray, margin: float):
    """Per class c: the hinge `max(0, margin + max_{k != c} z_k - z_c)` and its rival `argmax_{k != c}`."""
    k = z.shape[-1]
    order = np.argsort(-z, axis=-1, kind="stable")  # (..., K), best first
    first = order[..., :1]  # (..., 1)
    second = order[..., 1:2] if k > 1 else first
    is_first = np.arange(k) == first  # (..., K)
    rival = np.where(is_first, second, first)  # (..., K)
    best_other = np.take_along_axis(z, rival, axis=-1)
    if k == 1:
        best_other = np.full_like(z, -np.inf)
    with np.errstate(**_QUIET):
        hinge = np.maximum(margin + best_other - z, 0)
    return hinge, rival


def hinge_loss(logits: ArrayLike, labels: ArrayLike, *, margin: float = 1.0, reduction: str = "mean"):
    r"""Multi-class hinge loss of Crammer and Singer (2001).

    .. math:: L = \max\bigl(0,\ \text{margin} + \max_{k \ne y} z_k - z_y\bigr)

    For probability targets it is the expectation `sum_c y_c L(z, c)`. Zero once the true logit
    beats every other by the margin: no pull beyond it, unlike cross-entropy.

    Example:
        >>> float(hinge_loss([[2.0, 0.5, 0.0]], [0]))
        0.0
        >>> float(hinge_loss([[0.0, 0.5, 0.0]], [0]))
        1.5
    """
    reduction = reduction_name(reduction)
    m = _margin_value(margin)
    z, y = _targets(logits, labels)
    hinge, _ = _hinge_parts(z, m)
    return _reduce(np.where(y > 0, y * hinge, 0).sum(axis=-1).astype(z.dtype, copy=False), reduction)


def hinge_loss_grad(logits: ArrayLike, labels: ArrayLike, *, margin: float = 1.0, reduction: str = "mean"):
    r"""A (sub)gradient of :func:`hinge_loss`: where the hinge is active, -1 on the true logit and
    +1 on its strongest rival (ties: the first in class order), weighted by the target. 0 at the kink."""
    reduction = reduction_name(reduction)
    m = _margin_value(margin)
    z, y = _targets(logits, labels)
    hinge, rival = _hinge_parts(z, m)
    weight = np.where((y > 0) & (hinge > 0), y, 0)  # (..., K) per true class c
    # (samples, K): -y_c on each active true class c, +y_c on that class's rival
    flat_grad = (-weight).reshape(-1, z.shape[-1])
    rows = np.repeat(np.arange(flat_grad.shape[0]), z.shape[-1])
    np.add.at(flat_grad, (rows, rival.reshape(-1)), weight.reshape(-1))
    return flat_grad.reshape(z.shape) * _grad_scale(z, reduction)


class LossSpec(NamedTuple):
    """A named loss: `value(logits, labels, *, reduction)` and `grad(...)` with the same arguments."""

    name: str
    value: Callable
    grad: Callable
    help: str


# name -> LossSpec: read by the lab, the CLI, the app's controls and the figures
LOSSES = {
    spec.name: spec
    for spec in (
        LossSpec("cross-entropy", cross_entropy, cross_entropy_grad, "-log p_y: the negative log-likelihood of softmax."),
        LossSpec("focal", focal_loss, focal_loss_grad, "(1 - p_y)^gamma * -log p_y: down-weights easy samples."),
        LossSpec("squared-error", squared_error_loss, squared_error_loss_grad, "sum_k (p_k - y_k)^2 on probabilities (Brier)."),
        LossSpec("hinge", hinge_loss, hinge_loss_grad, "max(0, margin + max_{k!=y} z_k - z_y) (Crammer-Singer)."),
    )
}
