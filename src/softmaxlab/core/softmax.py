"""The softmax family: softmax, log-softmax, log-sum-exp, the Jacobian, sigmoid and entropy.

Every function here is exact for every finite input (no overflow, underflow or invalid-value
warnings) because the largest logit is subtracted before `exp`: then every exponent is <= 0,
`exp` never overflows, and the largest term is exactly 1 so the normaliser never underflows.

Non-finite inputs follow one documented rule, the limit where it exists:

- a logit of `-inf` gets probability exactly 0;
- a row whose largest logit is `+inf` splits the probability evenly among its `+inf` entries
  (the `temperature -> 0` limit, ties split evenly); other entries get 0;
- a row that is entirely `-inf` has no distribution (0 / 0): it comes out as a row of NaN;
- a NaN anywhere in a row makes the whole row NaN (it propagates, never hides).

float16 input is computed in float32 and rounded to float16 once at the end, as PyTorch does:
float16 arithmetic throughout would be up to 9 ULPs off (log_softmax by up to 0.016).
"""

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_distribution, class_axis, temperature_value

__all__ = [
    "softmax",
    "log_softmax",
    "logsumexp",
    "softmax_jacobian",
    "sigmoid",
    "entropy",
    "effective_choices",
]

# Inside these functions overflow to -inf, underflow to 0 and 0/0 = NaN are the documented,
# intended results (see the module docstring), so NumPy is told not to warn about them.
_QUIET = dict(over="ignore", under="ignore", invalid="ignore", divide="ignore")


def _divide_by_temperature(x: np.ndarray, t: float) -> np.ndarray:
    """x / t in x's dtype, in place when possible.

    A temperature below the dtype's smallest normal number (e.g. T = 1e-40 for float32) would
    round to 0 and turn 0 / T into NaN, so such a division is done in float64 and cast back.
    """
    if t == 1.0:
        return x
    info = np.finfo(x.dtype)
    if x.dtype == np.float64 or info.tiny <= t <= info.max:
        x /= x.dtype.type(t)
        return x
    return (x.astype(np.float64) / t).astype(x.dtype)


def _working(z: np.ndarray) -> np.ndarray:
    """The array to compute in: float16 is widened to float32 (the result is rounded back once)."""
    return z.astype(np.float32) if z.dtype == np.float16 else z


def _shifted(z: np.ndarray, axis: int, t: float):
    """(z - max z) / T along `axis` in a new buffer, and where rows have a `+inf` maximum.

    Returns `(shifted, offset, posinf_rows)`: `offset` is the max that was subtracted (0 where
    the max is not finite), `posinf_rows` a keepdims boolean mask or None when every max is finite.
    """
    m = np.max(z, axis=axis, keepdims=True)  # subtract the max so exp never overflows
    posinf_rows = None
    if not np.isfinite(m).all():
        posinf_rows = m == np.inf
        m = np.where(np.isfinite(m), m, np.zeros((), dtype=m.dtype))
    out = np.subtract(z, m)  # the one new buffer; everything after works in place
    return _divide_by_temperature(out, t), m, posinf_rows


def _posinf_share(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """For rows whose max is +inf: which entries are +inf, and how many per row."""
    winners = z == np.inf
    return winners, winners.sum(axis=axis, keepdims=True)


def softmax(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0) -> np.ndarray:
    r"""Softmax along `axis`: turn logits into probabilities.

    .. math:: p_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}

    computed as `exp((z - max z) / T)` normalised, so it is exact for any finite logits.
    Shift invariance: `softmax(z + c) == softmax(z)` for any constant `c`. As `T -> 0` it
    tends to the argmax (ties split evenly), as `T -> inf` to the uniform distribution.
    Non-finite logits: see the module docstring (`-inf` -> 0, all `-inf` -> NaN row).

    Args:
        z: logits, any shape `(..., K, ...)`; floating dtypes are kept, ints and lists become float64.
        axis: the class axis.
        temperature: `T`, finite and > 0.

    Returns:
        Probabilities with the shape and floating dtype of `z`, summing to 1 along `axis`.

    Example:
        >>> softmax([2.0, 1.0, 0.1])
        array([0.659, 0.2424, 0.0986])
        >>> softmax([1000.0, 0.0])
        array([1., 0.])
        >>> softmax([1.0, 1.0, 0.0], temperature=1e-30)
        array([0.5, 0.5, 0. ])
    """
    z = as_float_array(z)
    axis = class_axis(z, axis)
    t = temperature_value(temperature)
    dtype, z = z.dtype, _working(z)
    with np.errstate(**_QUIET):
        out, _, posinf_rows = _shifted(z, axis, t)
        np.exp(out, out=out)
        out /= out.sum(axis=axis, keepdims=True)
        if posinf_rows is not None and posinf_rows.any():
            winners, count = _posinf_share(z, axis)
            out = np.where(posinf_rows, winners / count.astype(out.dtype), out).astype(out.dtype)
        out = out.astype(dtype, copy=False)  # float16: the one rounding
    return out


def log_softmax(z: ArrayLike, axis: int = -1, *, temperature: float = 1.0) -> np.ndarray:
    r"""Log of the softmax along `axis`, computed without ever forming a 0 probability.

    .. math:: \log p_i = \frac{z_i}{T} - \log \sum_j e^{z_j / T}
              = \frac{z_i - m}{T} - \log \sum_j e^{(z_j - m)/T}, \quad m = \max_j z_j

    so `log_softmax([1000, 0]) == [0, -1000]` exactly, where `log(softmax(...))` would give `-inf`.
    `-inf` logits give `-inf`; an all `-inf` row and NaN rows give NaN (module docstring).

    Args:
        z: logits, any shape; floating dtypes are kept, ints and lists become float64.
        axis: the class axis.
        temperature: `T`, finite and > 0.

    Returns:
        Log-probabilities, same shape and dtype as `z`.

    Example:
        >>> log_softmax([1000.0, 0.0])
        array([    0., -1000.])
    """
    z = as_float_array(z)
    axis = class_axis(z, axis)
    t = temperature_value(temperature)
    dtype, z = z.dtype, _working(z)
    with np.errstate(**_QUIET):
        out, _, posinf_rows = _shifted(z, axis, t)
        # the shifted max is exactly 0, so the sum is in [1, K] and its log cannot underflow
        out -= np.log(np.exp(out).sum(axis=axis, keepdims=True))
        if posinf_rows is not None and posinf_rows.any():
            winners, count = _posinf_share(z, axis)
            share = np.where(winners, -np.log(count.astype(out.dtype)), -np.inf)
            out = np.where(posinf_rows, share, out).astype(out.dtype)
        out = out.astype(dtype, copy=False)  # float16: the one rounding (below -65504 it is -inf)
    return out


def logsumexp(z: ArrayLike, axis: int = -1, *, keepdims: bool = False) -> np.ndarray:
    r"""Log of the sum of exponentials along `axis`, a smooth maximum.

    .. math:: \operatorname{LSE}(z) = \log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}, \quad m = \max_j z_j

    It satisfies `max z <= LSE(z) <= max z + log K`, and `log_softmax(z) = z - LSE(z)`.
    An all `-inf` row gives `-inf` (log 0), a `+inf` entry gives `+inf`, NaN propagates.

    Args:
        z: values, any shape; floating dtypes are kept, ints and lists become float64.
        axis: the axis to reduce.
        keepdims: keep the reduced axis with length 1.

    Returns:
        `z`'s shape without `axis` (or with length 1 there when `keepdims`), same dtype.

    Example:
        >>> float(logsumexp([1000.0, 1000.0]))  # 1000 + log 2, where exp(1000) alone overflows
        1000.6931
    """
    z = as_float_array(z, name="z")
    axis = class_axis(z, axis, name="z")
    dtype, z = z.dtype, _working(z)
    with np.errstate(**_QUIET):
        out, m, _ = _shifted(z, axis, 1.0)
        np.exp(out, out=out)
        result = (np.log(out.sum(axis=axis, keepdims=True)) + m).astype(dtype, copy=False)
    return result if keepdims else np.squeeze(result, axis=axis)


def softmax_jacobian(z: ArrayLike, *, temperature: float = 1.0) -> np.ndarray:
    r"""Jacobian of softmax with respect to the logits, class axis last.

    .. math:: J_{ij} = \frac{\partial p_i}{\partial z_j} = \frac{p_i (\delta_{ij} - p_j)}{T}

    Each row sums to 0 (shift invariance: moving every logit together changes nothing) and the
    matrix is symmetric and positive semi-definite with `(1, ..., 1)` in its null space.

    Args:
        z: logits of shape `(..., K)`.
        temperature: `T`, finite and > 0.

    Returns:
        `(..., K, K)` array, same floating dtype as `z`.

    Example:
        >>> softmax_jacobian([0.0, 0.0])
        array([[ 0.25, -0.25],
               [-0.25,  0.25]])
    """
    z = as_float_array(z)
    class_axis(z, -1)
    t = temperature_value(temperature)
    p = softmax(z, -1, temperature=t)  # (..., K)
    with np.errstate(**_QUIET):
        jac = 0 - p[..., :, None] * p[..., None, :]  # (..., K, K); 0 - x gives 0.0 where -x gives -0.0
        diagonal = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
        diagonal += p
        jac = _divide_by_temperature(jac, t)
    return jac


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""The logistic sigmoid, `softmax([x, 0])[0]`: the 2-class softmax of a logit difference.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}} = \frac{e^{x}}{1 + e^{x}}

    Uses the first form for `x >= 0` and the second for `x < 0`, so `exp` only ever sees
    `-|x|` and never overflows. `sigmoid(+-inf)` is 1 / 0, NaN propagates.

    Args:
        x: any shape; floating dtypes are kept, ints and lists become float64.

    Returns:
        Same shape and dtype as `x`, values in [0, 1].

    Example:
        >>> sigmoid([-1000.0, 0.0, 2.0])
        array([0.    , 0.5   , 0.8808])
    """
    x = as_float_array(x, name="x")
    with np.errstate(**_QUIET):
        e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
        out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        out[np.isnan(x)] = np.nan
    return out.astype(x.dtype, copy=False)


def entropy(p: ArrayLike, *, base: float = np.e, axis: int = -1) -> np.ndarray:
    r"""Shannon entropy of distributions along `axis`.

    .. math:: H(p) = -\sum_i p_i \log_b p_i, \quad 0 \log 0 = 0

    0 for a one-hot distribution, `log_b K` for the uniform one. With `base=2` it is in bits.

    Args:
        p: probabilities, any shape, non-negative and summing to 1 along `axis`.
        base: base of the logarithm (`e`: nats, 2: bits); finite, > 0 and not 1.
        axis: the class axis.

    Returns:
        `p`'s shape without `axis`.

    Raises:
        ValueError: if `p` is not a distribution along `axis`, or `base` is invalid.

    Example:
        >>> float(entropy([0.5, 0.5], base=2))
        1.0
    """
    p = as_float_array(p, name="p")
    axis = class_axis(p, axis, name="p")
    base = float(base)
    if not np.isfinite(base) or base <= 0 or base == 1:
        raise ValueError(f"base must be finite, > 0 and not 1, got {base!r}")
    check_distribution(p, axis=axis, name="p")
    # terms of subnormal p underflow to 0: their true values, rounded, not an error
    with np.errstate(under="ignore"):
        plogp = p * np.log(np.where(p > 0, p, 1))  # 0 log 0 = 0, the limit
        # 0 - sum rather than -sum: a one-hot p gives 0.0, not -0.0
        return (0 - plogp.sum(axis=axis)) / p.dtype.type(np.log(base))


def effective_choices(p: ArrayLike, *, axis: int = -1) -> np.ndarray:
    r"""The perplexity `exp(H(p))` in nats: how many equally likely classes `p` is "worth".

    1 for a one-hot distribution, K for the uniform one over K classes.

    Example:
        >>> float(effective_choices([0.25, 0.25, 0.25, 0.25]))
        4.0
    """
    return np.exp(entropy(p, axis=axis))
