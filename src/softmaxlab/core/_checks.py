"""Validation shared by the core modules: bad input is stopped here, where it enters, with a named reason."""

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike


def as_float_array(z: ArrayLike, *, name: str = "logits") -> np.ndarray:
    """`z` as a floating array: float16/32/64 keep their dtype; ints, bools and lists become float64."""
    try:
        arr = np.asarray(z)
    except (TypeError, ValueError) as e:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of numbers: {e}") from None
    if np.issubdtype(arr.dtype, np.floating):
        return arr
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        return arr.astype(np.float64)
    raise ValueError(f"{name} must be real numbers, got dtype {arr.dtype}")


def class_axis(arr: np.ndarray, axis, *, name: str = "logits") -> int:
    """Normalise `axis` (an int) for `arr`, rejecting scalars and an empty class axis."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise ValueError(f"axis must be an int, got {axis!r}")
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one axis (the classes), got a scalar")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis {axis} is out of range for {name} with {arr.ndim} dimension(s)")
    axis = int(axis) % arr.ndim
    if arr.shape[axis] == 0:
        raise ValueError(f"{name} has an empty class axis (axis {axis} of shape {arr.shape})")
    return axis


def temperature_value(temperature) -> float:
    """A temperature as a Python float; it must be finite and > 0."""
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number, got {temperature!r}") from None
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"temperature must be finite and > 0, got {temperature!r}")
    return t


def distribution_tolerance(dtype) -> float:
    """How far from 1 a sum of probabilities may drift through rounding in `dtype`."""
    return float(np.sqrt(np.finfo(dtype).eps)) if np.issubdtype(dtype, np.floating) else 1.5e-8


def check_distribution(p: np.ndarray, *, axis: int = -1, name: str = "probabilities") -> None:
    """Raise ValueError unless every slice of `p` along `axis` is a probability distribution."""
    if not np.all(np.isfinite(p)):
        raise ValueError(f"{name} must be finite")
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative, found {p.min()}")
    sums = p.sum(axis=axis)
    worst = np.max(np.abs(sums - 1), initial=0.0)
    if worst > distribution_tolerance(p.dtype):
        raise ValueError(f"{name} must sum to 1 along the class axis, found a sum off by {worst:.3g}")


def reduction_name(reduction) -> str:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction
