"""Sampling from logits as in text generation: temperature, top-k, top-p (nucleus) and min-p.

The filters are applied in this order, each to the distribution the previous one left
(the order of Hugging Face's `generate`):

1. temperature: `z / T`;
2. top-k: keep the k largest logits;
3. top-p: keep the most probable classes until their probability adds up to at least p;
4. min-p: keep the classes whose probability is at least `min_p` times the largest.

Ties at a boundary are kept together: every class tied with the last one kept survives, so
`top_k=2` on `[3, 1, 1]` keeps all three. The most probable class always survives.

Against Hugging Face's logits warpers: top-k and min-p keep ties as here (`TopKLogitsWarper` keeps
every score >= the k-th largest). Top-p does not: `TopPLogitsWarper` sorts the scores and cuts
through a tie by sort order, so it can keep some of the tied classes and drop the others (top_p=0.3
on `[1, 1, 0]` keeps one of the two tied classes there, both here). Here the kept mass can
therefore exceed p by the rest of a tie.
"""

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, class_axis, temperature_value
from .random import Threefry
from .softmax import _QUIET, _shifted, softmax

__all__ = ["filter_logits", "sample"]


def _check_top_k(top_k):
    if top_k is None:
        return None
    if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 1:
        raise ValueError(f"top_k must be an int >= 1 or None, got {top_k!r}")
    return int(top_k)


def _check_fraction(value, name: str, *, zero_ok: bool):
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    low_ok = v >= 0 if zero_ok else v > 0
    if not (low_ok and v <= 1):
        interval = "[0, 1]" if zero_ok else "(0, 1]"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return v


def filter_logits(
    logits: ArrayLike,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
) -> np.ndarray:
    r"""Temperature-scaled logits with every class the filters remove set to `-inf`.

    `softmax(filter_logits(z, ...))` is the distribution that :func:`sample` draws from. The
    logits come back shifted so that the largest is 0 (softmax ignores the shift, and it keeps
    `(z - max) / T` finite or `-inf` for any tiny T).

    - top-k keeps `z_i >= z_(k)`, the k-th largest (all of them when k >= K);
    - top-p sorts the probabilities in decreasing order and keeps class r while the probability
      of the classes before it is `< p`, so the kept set is the smallest whose mass is `>= p`;
    - min-p keeps `p_i >= min_p * max_j p_j`, i.e. `z_i - max z >= log(min_p)` (after T).

    Args:
        logits: `(..., K)`, no NaN and no `+inf`, at least one finite entry per row.
        temperature: `T`, finite and > 0.
        top_k: int >= 1, or None for no top-k.
        top_p: in (0, 1], or None (1 keeps everything).
        min_p: in [0, 1], or None (0 keeps everything).

    Returns:
        `(..., K)` filtered logits, same floating dtype.

    Example:
        >>> filter_logits([2.0, 1.0, 0.1, -1.0], top_k=2)
        array([ 0., -1., -inf, -inf])
        >>> filter_logits([3.0, 1.0, 1.0], top_k=2)  # ties at the boundary are kept
        array([ 0., -2., -2.])
    """
    z = as_float_array(logits)
    class_axis(z, -1)
    t = temperature_value(temperature)
    k, p, mp = _check_top_k(top_k), _check_fraction(top_p, "top_p", zero_ok=False), _check_fraction(min_p, "min_p", zero_ok=True)
    if np.isnan(z).any() or (z == np.inf).any():
        raise ValueError("logits must not contain NaN or +inf")
    if (np.max(z, axis=-1) == -np.inf).any():
        raise ValueError("every logit of a row is -inf: there is nothing to sample")
    with np.errstate(**_QUIET):
        x, _, _ = _shifted(z, -1, t)  # (..., K), max exactly 0
        descending = -np.sort(-x, axis=-1)  # (..., K)
        if k is not None and k < x.shape[-1]:
            kth = descending[..., k - 1 : k]  # (..., 1)
            x[x < kth] = -np.inf
            descending[descending < kth] = -np.inf
        if p is not None and p < 1:
            probs = softmax(descending, -1)  # sorted, renormalised over the survivors
            mass_before = np.cumsum(probs, axis=-1) - probs  # (..., K)
            keep = np.count_nonzero(mass_before < p, axis=-1)[..., None]  # (..., 1), >= 1
            last = np.take_along_axis(descending, keep - 1, axis=-1)
            x[x < last] = -np.inf
        if mp:
            x[x < math.log(mp)] = -np.inf  # the max is 0, so this is p_i / p_max >= min_p
    return x


def sample(
    logits: ArrayLike,
    n: int,
    *,
    rng: np.random.Generator,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
) -> np.ndarray:
    """Draw `n` class indices from `softmax(filter_logits(logits, ...))`.

    Inverse-CDF sampling: one uniform number per draw, so a seeded generator reproduces the
    draws exactly; a class with probability 0 (filtered out, or a `-inf` logit) is never drawn.

    Args:
        logits: `(K,)` logits of one distribution.
        n: number of draws, int >= 0.
        rng: a `numpy.random.Generator`, or a :class:`softmaxlab.core.random.Threefry` for draws the
            browser reproduces exactly (required either way: no hidden global random state).
        temperature, top_k, top_p, min_p: as in :func:`filter_logits`.

    Returns:
        `(n,)` int64 class indices.

    Example:
        >>> sample([0.0, 5.0, -np.inf], 6, rng=np.random.default_rng(0), top_k=1)
        array([1, 1, 1, 1, 1, 1])
    """
    if not isinstance(rng, (np.random.Generator, Threefry)):
        raise ValueError("rng must be a numpy.random.Generator (np.random.default_rng(seed)) or a "
                         f"softmaxlab.core.random.Threefry (draws the browser reproduces), got {type(rng).__name__}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    z = as_float_array(logits)
    if z.ndim != 1:
        raise ValueError(f"logits must be one distribution of shape (K,), got shape {z.shape}")
    x = filter_logits(z, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)
    cdf = np.cumsum(softmax(x.astype(np.float64)))  # (K,)
    u = rng.random(int(n)) * cdf[-1]  # (n,) in [0, total)
    # side="right": the first class whose cdf exceeds u, so a zero-probability class (flat cdf) is skipped
    return np.minimum(np.searchsorted(cdf, u, side="right"), z.shape[0] - 1).astype(np.int64)
