"""Validation shared by the readings: a run or a pair of arrays is checked once, where it enters.

Every reading works in float64 (a run stores float32 logits; sums over many samples and
records would otherwise lose digits) and on one shared notion of "correct".
"""

import numbers

import numpy as np
from scipy.special import log_softmax

from softmaxlab.store.labels import check_labels


def labels_array(labels, samples: int, classes: int) -> np.ndarray:
    """`labels` as an `(samples,)` int64 array of classes in `[0, classes)` (whole floats allowed), or a ValueError."""
    return check_labels(labels, samples=samples, classes=classes, whole_floats=True)


def logits_array(logits, *, name: str = "logits") -> np.ndarray:
    """`logits` as a finite `(n, K)` float64 array with n >= 1 and K >= 2, or a ValueError."""
    try:
        arr = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be an array of numbers: {e}") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (samples, classes), got {arr.shape}")
    if arr.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one sample, got shape {arr.shape}")
    if arr.shape[1] < 2:
        raise ValueError(f"{name} must have at least 2 classes, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (found NaN or inf)")
    return arr


def record_indices(records, num_records: int) -> np.ndarray:
    """The record indices chosen by `records`: None (all), a slice, an int, or a sequence of ints.

    >>> record_indices(slice(1, None), 4)       # skip the record at step 0
    array([1, 2, 3])
    >>> record_indices(-1, 4)
    array([3])
    """
    every = np.arange(num_records)
    if records is None:
        chosen = every
    elif isinstance(records, slice):
        chosen = every[records]
    elif isinstance(records, numbers.Integral) and not isinstance(records, bool):
        if not -num_records <= records < num_records:
            raise ValueError(f"record {records} is out of range for a run of {num_records} records")
        chosen = every[[records]]
    else:
        arr = np.asarray(records)
        if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
            raise ValueError(f"records must be None, an int, a slice or a sequence of ints, got {records!r}")
        if arr.size and (arr.min() < -num_records or arr.max() >= num_records):
            raise ValueError(f"records {arr.tolist()} are out of range for a run of {num_records} records")
        chosen = every[arr]
    if chosen.size == 0:
        raise ValueError(f"records={records!r} selects no record of a run with {num_records} records")
    return chosen


def after_training_began(steps) -> np.ndarray:
    """Indices of the records taken after training began (step > 0); all of them if there are none.

    Cartography and forgetting are defined over training epochs; the record at step 0, taken
    before the first step, is not one of them (a zero-initialised network ties every class there).

    >>> after_training_began([0, 10, 20]), after_training_began([0])
    (array([1, 2]), array([0]))
    """
    steps = np.asarray(steps)
    trained = np.flatnonzero(steps > 0)
    return trained if trained.size else np.arange(steps.size)


def run_arrays(run, *, records=None, from_training=False):
    """The parts of `run` a reading needs, checked: `(logits, labels, steps, indices)`.

    `records=None` chooses every record, or with `from_training` those `after_training_began`.

    Returns:
        logits `(R', S, K)` float64 of the chosen records, labels `(S,)` int64, steps `(R',)`
        int64 and the chosen record indices `(R',)`.

    Raises:
        ValueError: the run has no records, the selection is empty, or the chosen logits
            are not finite (a diverged run: the message names the first bad record).
    """
    logits = getattr(run, "logits", None)
    if logits is None:
        raise ValueError(f"expected a softmaxlab Run, got {type(run).__name__}")
    logits = np.asarray(logits)
    if logits.ndim != 3:
        raise ValueError(f"run.logits must have shape (records, samples, classes), got {logits.shape}")
    if logits.shape[0] == 0:
        raise ValueError("the run is empty: it has no records yet")
    if logits.shape[1] == 0:
        raise ValueError("the run has no samples")
    if logits.shape[2] < 2:
        raise ValueError(f"the run must have at least 2 classes, got {logits.shape[2]}")
    if records is None and from_training:
        records = after_training_began(np.asarray(run.steps)[: logits.shape[0]])
    chosen = record_indices(records, logits.shape[0])
    picked = logits[chosen].astype(np.float64)  # (R', S, K)
    finite = np.isfinite(picked).all(axis=(1, 2))  # (R',)
    if not finite.all():
        bad = int(chosen[np.argmin(finite)])
        raise ValueError(f"run.logits are not finite at record {bad} (step {int(run.steps[bad])}): "
                         f"the training diverged; choose records before it (records=slice(0, {bad}))")
    labels = labels_array(run.labels, logits.shape[1], logits.shape[2])
    steps = np.asarray(run.steps, dtype=np.int64)[chosen]  # (R',)
    return picked, labels, steps, chosen


def true_class_probability(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """p_y = softmax(z)_y for logits `(..., S, K)` and labels `(S,)`; returns `(..., S)`."""
    classes = logits.shape[-1]
    if classes <= 32:
        # few classes: exp(z_y - m - log sum_j exp(z_j - m)), m = max_j z_j, one class column at a time
        # (no (..., S, K) temporaries: 5x faster than log_softmax over a long run; the same to ~1e-16)
        columns = [logits[..., j] for j in range(classes)]
        top = np.maximum.reduce(columns)
        total = np.zeros_like(top)
        for column in columns:
            total += np.exp(column - top)
        true = np.take_along_axis(logits, np.broadcast_to(labels[:, None], logits.shape[:-1] + (1,)), axis=-1)[..., 0]
        return np.exp(true - top - np.log(total))
    logp = log_softmax(logits, axis=-1)  # (..., S, K)
    index = np.broadcast_to(labels[:, None], logp.shape[:-1] + (1,))
    return np.exp(np.take_along_axis(logp, index, axis=-1)[..., 0])


def correct_predictions(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Whether the true class strictly wins: z_y > max_{j != y} z_j, for logits `(..., S, K)`.

    A tie counts as wrong: at a zero-initialised start every logit is equal, and calling
    that "correct" for class 0 would invent a forgetting event at the first step.

    >>> correct_predictions(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([0, 0]))
    array([ True, False])
    """
    index = np.broadcast_to(labels[:, None], logits.shape[:-1] + (1,))
    true = np.take_along_axis(logits, index, axis=-1)[..., 0]  # (..., S)
    if logits.shape[-1] <= 32:
        # few classes: the best other class one column at a time, no copy of the logits
        best = np.full(true.shape, -np.inf, dtype=logits.dtype)
        for j in range(logits.shape[-1]):
            np.maximum(best, np.where(labels == j, -np.inf, logits[..., j]), out=best)
        return true > best
    others = logits.copy()
    np.put_along_axis(others, index, -np.inf, axis=-1)
    return true > others.max(axis=-1)
