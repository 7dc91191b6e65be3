"""`check_labels`: the one check of class labels, used wherever labels enter (runs, writers, recorders, readings)."""

import numpy as np


def check_labels(labels, *, name="labels", samples=None, classes=None, whole_floats=False) -> np.ndarray:
    """`labels` as an `(N,)` int64 array of class indices, or a ValueError naming `name` and the problem.

    Args:
        labels: class indices y_s; anything `np.asarray` takes, or a tensor (`.detach().cpu()`).
        name: what the message calls them (`"probe_labels"`, `"Run.labels"`).
        samples: the number N they must have; None: any N >= 1.
        classes: K, so that every label lies in [0, K); None: only y >= 0 is checked.
        whole_floats: accept floating labels that are whole numbers (2.0 is class 2).

    >>> check_labels([2, 0, 1], classes=3)
    array([2, 0, 1])
    >>> check_labels([0, 3], classes=3)
    Traceback (most recent call last):
    ...
    ValueError: labels must lie in [0, 3), got 0..3
    """
    if hasattr(labels, "detach") and hasattr(labels, "cpu"):  # a torch tensor, without importing torch
        labels = labels.detach().cpu().numpy()
    try:
        array = np.asarray(labels)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a 1-D array of integer class indices") from None
    if samples is not None:
        if array.shape != (samples,):
            raise ValueError(f"{name} must have shape ({samples},) (one per sample), got {array.shape}")
    elif array.ndim != 1 or array.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty 1-D array (N,), got shape {array.shape}")
    if array.size and (array.dtype == bool or not np.issubdtype(array.dtype, np.integer)):
        whole = (whole_floats and np.issubdtype(array.dtype, np.floating) and np.all(np.isfinite(array))
                 and np.all(array == np.round(array)))
        if not whole:
            raise ValueError(f"{name} must be integer class indices, got dtype {array.dtype} "
                             "(convert with .long() / .astype(int) if they are whole numbers)")
    array = array.astype(np.int64)
    if array.size:
        low, high = array.min(), array.max()
        if classes is not None and (low < 0 or high >= classes):
            raise ValueError(f"{name} must lie in [0, {classes}), got {low}..{high}")
        if low < 0:
            raise ValueError(f"{name} must be class indices >= 0, got a minimum of {low}")
    return array
