"""Validation of figure options: bad input stops here, where it enters, with a ValueError naming it."""

import math
import numbers

import numpy as np


def number(value, *, name: str) -> float:
    """`value` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def positive(value, *, name: str) -> float:
    """`value` as a finite float > 0 (temperature, extent, ...)."""
    v = number(value, name=name)
    if v <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return v


def integer(value, *, name: str, low: int, high: int | None = None) -> int:
    """`value` as an int in [low, high] (high None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int, got {value!r}")
    v = int(value)
    if v < low or (high is not None and v > high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bounds}, got {v}")
    return v


def vector(values, *, name: str, low: int, high: int) -> np.ndarray:
    """`values` as a finite float64 vector with `low` to `high` entries."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be a sequence of numbers: {e}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not low <= arr.size <= high:
        raise ValueError(f"{name} must have {low} to {high} entries (the number of classes K), got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def pair(values, *, name: str) -> tuple[float, float]:
    """A pair of finite numbers, e.g. a marker `(z0, z1)`."""
    arr = vector(values, name=name, low=2, high=2)
    return float(arr[0]), float(arr[1])


def interval(values, *, name: str) -> tuple[float, float]:
    """A pair `(low, high)` of finite numbers with low < high."""
    lo, hi = pair(values, name=name)
    if not lo < hi:
        raise ValueError(f"{name} must be (low, high) with low < high, got {values!r}")
    return lo, hi


def flag(value, *, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)
