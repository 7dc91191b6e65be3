"""Alternatives to softmax: sparsemax, 1.5-entmax, and 2-class squashing functions.

Softmax never gives an exact 0. Sparsemax (Martins & Astudillo 2016) is the Euclidean projection
of the logits onto the probability simplex, so it returns exact zeros; 1.5-entmax (Peters,
Niculae & Martins 2019) sits between the two: sparse like sparsemax, but smooth where softmax is.
Both ignore a common shift of the logits, like softmax. Non-finite logits follow softmax's rule:
`-inf` -> 0, a row whose max is `+inf` splits evenly among its `+inf` entries, an all `-inf` row
or a row with a NaN gives a NaN row.
"""

import math

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, class_axis, temperature_value
from .softmax import _QUIET, _divide_by_temperature, sigmoid

__all__ = [
    "sparsemax",
    "sparsemax_jacobian",
    "entmax15",
    "entmax15_jacobian",
    "SQUASHERS",
]


def _sorted_problem(z: ArrayLike, axis: int, temperature: float, floor: float):
    """Shared front end: validated logits moved to the last axis, shifted and clipped, and sorted.

    Returns `(z, axis, x, xs)`: `x = (z - max z) / T` clipped below at `floor`, `xs` sorted
    descending. The clip changes nothing when `floor` is where the mapping already gives 0
    (-1 for sparsemax, -2 for 1.5-entmax: the top probability is at most 1, which bounds the
    threshold `tau` below), and it keeps the sorted sums free of cancellation and of `-inf`.
    """
    z = as_float_array(z)
    axis = class_axis(z, axis)
    t = temperature_value(temperature)
    moved = np.moveaxis(z, axis, -1)  # (..., K)
    with np.errstate(**_QUIET):
        m = np.max(moved, axis=-1, keepdims=True)
        m = np.where(np.isfinite(m), m, np.zeros((), dtype=m.dtype))
        x = _divide_by_temperature(moved - m, t)
        np.maximum(x, floor, out=x)
    xs = -np.sort(-x, axis=-1)  # (..., K) descending
    return z, axis, x, xs


def _finish(z: np.ndarray, axis: int, p: np.ndarray) -> np.ndarray:
    """Apply the non-finite rule of the module docstring and move the classes back to `axis`."""
    moved = np.moveaxis(z, axis, -1)
    top = np.max(moved, axis=-1, keepdims=True)
    if not np.isfinite(top).all():
        winners = moved == np.inf
        with np.errstate(**_QUIET):
            share = winners / winners.sum(axis=-1, keepdims=True)
        p = np.where(top == np.inf, share, p)
        p = np.where((top == -np.inf) | np.isnan(top), np.nan, p)
    return np.moveaxis(p.astype(z.dtype, copy=False), -1, axis)


def sparsemax(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0) -> np.ndarray:
    r"""Sparsemax: the Euclidean projection of `z / T` onto the probability simplex.

    .. math:: p = \arg\min_{q \in \Delta} \lVert q - z \rVert^2 = [z - \tau]_+, \quad
              \tau = \frac{\sum_{i \le k} z_{(i)} - 1}{k}, \quad
              k = \max\{k : 1 + k z_{(k)} > \textstyle\sum_{i \le k} z_{(i)}\}

    with `z_(1) >= z_(2) >= ...` the sorted logits (Martins & Astudillo 2016, Alg. 1).

    Args:
        z: logits, any shape; floating dtypes are kept, ints and lists become float64.
        axis: the class axis.
        temperature: `T`, finite and > 0 (divides the logits first, as for softmax).

    Example:
        >>> sparsemax([2.0, 1.0, 0.1])
        array([1., 0., 0.])
        >>> sparsemax([0.5, 0.3, -1.0])
        array([0.6, 0.4, 0. ])
    """
    z, axis, x, xs = _sorted_problem(z, axis, temperature, -1.0)
    k = np.arange(1, xs.shape[-1] + 1, dtype=xs.dtype)  # (K,)
    # rows with a +inf or NaN go through as garbage and are replaced by _finish; subnormal
    # values underflow harmlessly
    with np.errstate(**_QUIET):
        cumulative = np.cumsum(xs, axis=-1)  # (..., K)
        support = np.count_nonzero(1 + k * xs > cumulative, axis=-1)[..., None]  # (..., 1), >= 1 if finite
        tau = (np.take_along_axis(cumulative, np.maximum(support - 1, 0), axis=-1) - 1) / support.astype(xs.dtype)
        p = np.maximum(x - tau, 0)
        p /= p.sum(axis=-1, keepdims=True)  # sums to 1 up to rounding already; make it exact-er
    return _finish(z, axis, p)


def sparsemax_jacobian(z: ArrayLike, *, temperature: float = 1.0) -> np.ndarray:
    r"""Jacobian of :func:`sparsemax`, class axis last: `(..., K)` -> `(..., K, K)`.

    .. math:: J = \frac{1}{T}\Bigl(\operatorname{diag}(s) - \frac{s s^\top}{\lVert s \rVert_1}\Bigr),
              \quad s_i = [p_i > 0]

    Constant on each region of fixed support; rows sum to 0; symmetric. (At a support boundary,
    where some p_i is exactly 0 on the edge, this is the one-sided derivative from inside.)

    Example:
        >>> sparsemax_jacobian([0.5, 0.3, -1.0])
        array([[ 0.5, -0.5,  0. ],
               [-0.5,  0.5,  0. ],
               [ 0. ,  0. ,  0. ]])
    """
    t = temperature_value(temperature)
    p = sparsemax(z, -1, temperature=t)  # (..., K)
    s = (p > 0).astype(p.dtype)
    with np.errstate(**_QUIET):  # NaN rows stay NaN
        jac = 0 - s[..., :, None] * s[..., None, :] / s.sum(axis=-1)[..., None, None]  # (..., K, K); 0 - : no -0.0
        np.einsum("...ii->...i", jac)[...] += s
        return _divide_by_temperature(jac, t)


def entmax15(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0) -> np.ndarray:
    r"""1.5-entmax (Peters, Niculae & Martins 2019): sparse like sparsemax, smooth like softmax.

    .. math:: p_i = \bigl[\tfrac{z_i}{2} - \tau\bigr]_+^2, \quad \tau \text{ such that } \sum_i p_i = 1

    It maximises `p.z + H_{1.5}(p)` with the Tsallis entropy `H_{1.5}`. `tau` is found exactly
    by sorting (Peters et al., Alg. 2): for the top k sorted values with mean `mu_k` and
    `ss_k = sum (x - mu_k)^2`, `tau_k = mu_k - sqrt(max((1 - ss_k) / k, 0))`, and the support is
    the largest k with `tau_k <= x_(k)`.

    Args:
        z: logits, any shape; floating dtypes are kept, ints and lists become float64.
        axis: the class axis.
        temperature: `T`, finite and > 0.

    Example:
        >>> entmax15([0.0, 0.0])
        array([0.5, 0.5])
        >>> entmax15([3.0, 0.0, -2.0])
        array([1., 0., 0.])
    """
    z, axis, x, xs = _sorted_problem(z, axis, temperature, -2.0)
    k = np.arange(1, xs.shape[-1] + 1, dtype=xs.dtype)  # (K,)
    with np.errstate(**_QUIET):  # as in sparsemax: non-finite rows are replaced by _finish
        # the (alpha - 1) z scaling of alpha-entmax, alpha = 1.5; a subnormal may halve to 0, harmlessly
        x, xs = x / 2, xs / 2
        mean = np.cumsum(xs, axis=-1) / k  # (..., K)
        mean_sq = np.cumsum(xs**2, axis=-1) / k
        ss = k * (mean_sq - mean**2)  # values lie in [-1, 0], so no cancellation to fear
        tau = mean - np.sqrt(np.maximum((1 - ss) / k, 0))
        support = np.count_nonzero(tau <= xs, axis=-1)[..., None]  # (..., 1), >= 1 if finite
        tau_star = np.take_along_axis(tau, np.maximum(support - 1, 0), axis=-1)
        p = np.maximum(x - tau_star, 0) ** 2
        p /= p.sum(axis=-1, keepdims=True)  # sums to 1 up to rounding already; make it exact-er
    return _finish(z, axis, p)


def entmax15_jacobian(z: ArrayLike, *, temperature: float = 1.0) -> np.ndarray:
    r"""Jacobian of :func:`entmax15`, class axis last: `(..., K)` -> `(..., K, K)`.

    Differentiating `p_i = (z_i/2 - tau)^2` under the constraint `sum p = 1` gives

    .. math:: J = \frac{1}{T}\Bigl(\operatorname{diag}(s) - \frac{s s^\top}{\sum_i s_i}\Bigr), \quad s_i = \sqrt{p_i}

    continuous in `z` (unlike sparsemax's), symmetric, rows summing to 0.

    Example:
        >>> entmax15_jacobian([0.0, 0.0])
        array([[ 0.3536, -0.3536],
               [-0.3536,  0.3536]])
    """
    t = temperature_value(temperature)
    p = entmax15(z, -1, temperature=t)  # (..., K)
    s = np.sqrt(p)
    with np.errstate(**_QUIET):  # NaN rows stay NaN; subnormal products round to 0
        jac = 0 - s[..., :, None] * s[..., None, :] / s.sum(axis=-1)[..., None, None]  # (..., K, K); 0 - : no -0.0
        np.einsum("...ii->...i", jac)[...] += s
        return _divide_by_temperature(jac, t)


# ---- squashing functions for 2 classes: x is the logit difference z_1 - z_2 ----------------
# Each maps R onto [0, 1] with f(0) = 1/2, f(-x) = 1 - f(x) and the logistic's slope 1/4 at 0,
# so a plot of them side by side compares only their tails: exponential (logistic), Gaussian
# (probit), polynomial (arctan, softsign), or none at all (hard).

_erfc = np.frompyfunc(math.erfc, 1, 1)


def _probit(x: ArrayLike) -> np.ndarray:
    """Gaussian CDF Phi(x sqrt(2 pi) / 4), computed with erfc so the lower tail keeps its digits."""
    x = as_float_array(x, name="x")
    return _erfc(-x * (math.sqrt(2 * math.pi) / 4) / math.sqrt(2)).astype(np.float64).astype(x.dtype) / 2


def _arctan(x: ArrayLike) -> np.ndarray:
    """1/2 + arctan(pi x / 4) / pi."""
    x = as_float_array(x, name="x")
    return (0.5 + np.arctan(np.pi * x / 4) / np.pi).astype(x.dtype, copy=False)


def _softsign(x: ArrayLike) -> np.ndarray:
    """(1 + softsign(x / 2)) / 2, with softsign(u) = u / (1 + |u|)."""
    x = as_float_array(x, name="x")
    with np.errstate(invalid="ignore"):  # +-inf / inf: the limit is +-1, fixed just below
        u = x / 2 / (1 + np.abs(x / 2))
    u = np.where(np.isinf(x), np.sign(x), u)
    return ((1 + u) / 2).astype(x.dtype, copy=False)


def _hard(x: ArrayLike) -> np.ndarray:
    """clip(1/2 + x / 4, 0, 1): linear, saturating at |x| = 2."""
    x = as_float_array(x, name="x")
    return np.clip(0.5 + x / 4, 0, 1).astype(x.dtype, copy=False)


# name -> function: probability of class 1 from the logit difference (read by figures and the app)
SQUASHERS = {
    "logistic": sigmoid,
    "probit": _probit,
    "arctan": _arctan,
    "softsign": _softsign,
    "hard": _hard,
}
