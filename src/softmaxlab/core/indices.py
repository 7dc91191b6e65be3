"""Index helpers shared by the readers of long runs: which records to show when there are too many."""

import numbers

import numpy as np

__all__ = ["evenly_spaced"]


def evenly_spaced(count: int, limit: int) -> np.ndarray:
    """At most `limit` evenly spaced indices of `count` items, always including the first and the last.

    The indices are `round(linspace(0, count - 1, limit))` (NumPy's round-half-to-even), without
    repeats, in increasing order; every index when `count <= limit`.

    Args:
        count: how many items, >= 0.
        limit: the most indices to return, >= 1.

    Returns:
        `(n,)` int64 indices with n = min(count, limit).

    Example:
        >>> evenly_spaced(1000, 5)
        array([  0, 250, 500, 749, 999])
        >>> evenly_spaced(3, 5)
        array([0, 1, 2])
    """
    for name, value, low in (("count", count, 0), ("limit", limit, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if count <= limit:
        return np.arange(count, dtype=np.int64)
    return np.unique(np.round(np.linspace(0, count - 1, limit)).astype(np.int64))
