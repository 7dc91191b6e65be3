"""`Run`: the logits of every probe sample at every recorded step, and the readings made from them.

A run is what the lab's `train()` returns and what a recorder writes while a user's
model trains. It holds arrays in memory; `Run.save` and `load_run` move it to and
from a Zarr v3 directory (see `softmaxlab.store.schema`).
"""

import dataclasses
import json
import math
from pathlib import Path

import numpy as np

from softmaxlab.store.labels import check_labels


def _as_array(value, field, *, kind, ndim, dtype):
    """`value` as an array of `dtype` with `ndim` axes, or a ValueError naming `field`.

    `kind` is "float" (any real number, cast to `dtype`) or "int" (integers only, so a
    float array of class indices is refused rather than silently truncated).
    """
    array = np.asarray(value)
    if array.ndim != ndim:
        raise ValueError(f"Run.{field} must have {ndim} axes, got shape {array.shape}")
    if kind == "int" and not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise ValueError(f"Run.{field} must hold integers, got dtype {array.dtype}")
    if kind == "float" and not (np.issubdtype(array.dtype, np.number) and not np.iscomplexobj(array)):
        raise ValueError(f"Run.{field} must hold real numbers, got dtype {array.dtype}")
    return array.astype(dtype, copy=False)


@dataclasses.dataclass(frozen=True)
class RankStatus:
    """One rank's part of a distributed run: which probe samples it recorded and how far it got.

    `samples` is the half-open range [start, stop) of probe indices it owns; `records` how
    many records it committed (the run shows the records every rank has); `complete`
    whether it closed its part (False while it runs, or after it died).
    """

    rank: int
    samples: tuple
    records: int
    complete: bool


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Run:
    """Logits of `samples` probe samples over `records` recorded steps, with labels and metrics.

    Args:
        logits: `(records, samples, classes)` float32, the logits z of every sample at every record.
        steps: `(records,)` int64, the training step of each record (non-decreasing).
        labels: `(samples,)` int64 true classes in `[0, classes)`.
        inputs: `(samples, d)` float32 inputs of the probe samples, or None.
        loss: `(records,)` float32; default: the mean cross-entropy -log softmax(z)_y over samples.
        accuracy: `(records,)` float32; default: the fraction of samples with argmax z == y
            (ties go to the lowest class index, as `np.argmax`).
        config: a JSON-serialisable dict (an `Experiment.to_dict()` for lab runs) or None.
        description: free text (recorded runs).
        extras: name -> array with a leading records axis, e.g. `features` `(records, samples, d)`.
        wall_time: seconds the run took to make.
        path: where the run lives on disk, or None for a run only in memory.
        complete: False while a writer is still appending, or after it crashed.
        ranks: for a run recorded by several processes (torch.distributed), one `RankStatus`
            per rank, saying which ranks finished; empty for a single-process run.

    Arrays are converted to the dtypes above; a wrong shape or kind of value raises a
    ValueError naming the field.

    >>> run = Run(logits=np.zeros((2, 3, 3)), steps=[0, 1], labels=[0, 1, 2])
    >>> run.num_records, run.num_samples, run.num_classes
    (2, 3, 3)
    >>> run.loss                     # log 3 for uniform probabilities
    array([1.0986123, 1.0986123], dtype=float32)
    """

    logits: np.ndarray
    steps: np.ndarray
    labels: np.ndarray
    inputs: np.ndarray | None = None
    loss: np.ndarray | None = None
    accuracy: np.ndarray | None = None
    config: dict | None = None
    description: str = ""
    extras: dict = dataclasses.field(default_factory=dict)
    wall_time: float = 0.0
    path: Path | None = None
    complete: bool = True
    ranks: tuple = ()

    def __post_init__(self):
        # frozen: normalise every field once, here, each part checked by the method named for it
        logits, steps = self._checked_records()
        records, samples, classes = logits.shape
        labels = check_labels(self.labels, name="Run.labels", samples=samples, classes=classes)  # (S,)
        inputs = self._checked_inputs(samples)
        loss, accuracy = self._checked_metrics(logits, labels)
        self._check_text()
        fields = dict(logits=logits, steps=steps, labels=labels, inputs=inputs, loss=loss, accuracy=accuracy,
                      extras=self._checked_extras(records), wall_time=self._checked_wall_time(),
                      complete=bool(self.complete), ranks=tuple(self.ranks))
        if any(not isinstance(status, RankStatus) for status in fields["ranks"]):
            raise ValueError("Run.ranks must hold RankStatus entries, one per rank")
        if self.path is not None:
            fields["path"] = Path(self.path)
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def _checked_records(self):
        """logits `(R, S, K)` float32 and steps `(R,)` int64, non-decreasing."""
        logits = _as_array(self.logits, "logits", kind="float", ndim=3, dtype=np.float32)  # (R, S, K)
        records, samples, classes = logits.shape
        if classes < 2:
            raise ValueError(f"Run.logits must have at least 2 classes, got shape {logits.shape}")
        if samples < 1:
            raise ValueError(f"Run.logits must have at least 1 sample, got shape {logits.shape}")
        steps = _as_array(self.steps, "steps", kind="int", ndim=1, dtype=np.int64)  # (R,)
        if steps.shape != (records,):
            raise ValueError(f"Run.steps must have shape ({records},) to match logits, got {steps.shape}")
        if np.any(np.diff(steps) < 0):
            raise ValueError("Run.steps must not decrease")
        return logits, steps

    def _checked_inputs(self, samples):
        """inputs `(S, d)` float32, or None."""
        if self.inputs is None:
            return None
        inputs = _as_array(self.inputs, "inputs", kind="float", ndim=2, dtype=np.float32)  # (S, d)
        if inputs.shape[0] != samples:
            raise ValueError(f"Run.inputs must have {samples} rows (one per sample), got {inputs.shape}")
        return inputs

    def _checked_metrics(self, logits, labels):
        """loss and accuracy `(R,)` float32: the given ones, else computed from the logits."""
        loss, accuracy = self.loss, self.accuracy
        if loss is None or accuracy is None:
            default_loss, default_accuracy = record_metrics(logits, labels)
            loss = default_loss if loss is None else loss
            accuracy = default_accuracy if accuracy is None else accuracy
        checked = []
        for name, value in (("loss", loss), ("accuracy", accuracy)):
            value = _as_array(value, name, kind="float", ndim=1, dtype=np.float32)  # (R,)
            if value.shape != (logits.shape[0],):
                raise ValueError(f"Run.{name} must have shape ({logits.shape[0]},), got {value.shape}")
            checked.append(value)
        return tuple(checked)

    def _check_text(self):
        """config: a JSON-serialisable dict or None; description: a str."""
        if self.config is not None:
            if not isinstance(self.config, dict):
                raise ValueError(f"Run.config must be a dict or None, got {type(self.config).__name__}")
            try:
                json.dumps(self.config, allow_nan=False)
            except (TypeError, ValueError) as e:
                raise ValueError(f"Run.config must be JSON-serialisable: {e}") from None
        if not isinstance(self.description, str):
            raise ValueError(f"Run.description must be a str, got {type(self.description).__name__}")

    def _checked_extras(self, records):
        """extras: name -> numeric array with a leading records axis."""
        if not isinstance(self.extras, dict):
            raise ValueError(f"Run.extras must be a dict, got {type(self.extras).__name__}")
        extras = {}
        for name, value in self.extras.items():
            check_extra_name(name)
            array = np.asarray(value)
            if array.ndim < 1 or array.shape[0] != records:
                raise ValueError(f"Run.extras[{name!r}] must have a leading records axis of {records}, "
                                 f"got shape {array.shape}")
            if array.dtype.kind not in "biuf":
                raise ValueError(f"Run.extras[{name!r}] must hold numbers, got dtype {array.dtype}")
            extras[name] = array
        return extras

    def _checked_wall_time(self):
        """wall_time: finite seconds >= 0."""
        try:
            wall_time = float(self.wall_time)
        except (TypeError, ValueError):
            raise ValueError(f"Run.wall_time must be a number of seconds, got {self.wall_time!r}") from None
        if not math.isfinite(wall_time) or wall_time < 0:
            raise ValueError(f"Run.wall_time must be finite and >= 0, got {wall_time}")
        return wall_time

    def __repr__(self):
        steps = f"{self.steps[0]}..{self.steps[-1]}" if self.num_records else "none"
        where = f", path='{self.path}'" if self.path is not None else ""
        return (f"Run(records={self.num_records}, samples={self.num_samples}, classes={self.num_classes}, "
                f"steps={steps}, complete={self.complete}{where})")

    @property
    def num_records(self) -> int:
        """How many times the logits were recorded (R)."""
        return self.logits.shape[0]

    @property
    def num_samples(self) -> int:
        """How many probe samples each record holds (S)."""
        return self.logits.shape[1]

    @property
    def num_classes(self) -> int:
        """How many classes the logits have (K)."""
        return self.logits.shape[2]

    def record_of_step(self, step) -> int:
        """The index of the record that shows training step `step`: the last record at or before it.

        `step=-1` means the last record. Steps between two records show the earlier one
        (the model as last recorded).

        Raises:
            ValueError: `step` is not an integer, the run has no records, or `step` lies
                outside the recorded steps [steps[0], steps[-1]].

        >>> run = Run(logits=np.zeros((3, 1, 2)), steps=[0, 10, 20], labels=[0])
        >>> run.record_of_step(15), run.record_of_step(20), run.record_of_step(-1)
        (1, 2, 2)
        """
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)):
            raise ValueError(f"step must be an integer (-1 for the last record), got {step!r}")
        if self.num_records == 0:
            raise ValueError("the run has no records yet, so no step to show")
        first, last = int(self.steps[0]), int(self.steps[-1])
        if step == -1:
            return self.num_records - 1
        if not first <= step <= last:
            raise ValueError(f"step must lie in the recorded steps [{first}, {last}] (or be -1 for the last), "
                             f"got {step}")
        return int(np.searchsorted(self.steps, step, side="right") - 1)

    # ---- readings -------------------------------------------------------------------------------

    def probabilities(self) -> np.ndarray:
        """Softmax of every recorded logit vector, p_i = exp(z_i) / sum_j exp(z_j).

        Returns:
            `(R, S, K)` float32, each row summing to 1.

        >>> run = Run(logits=[[[0.0, np.log(3.0)]]], steps=[0], labels=[1])
        >>> run.probabilities().round(3)
        array([[[0.25, 0.75]]], dtype=float32)
        """
        from softmaxlab.core import softmax

        return softmax(self.logits, axis=-1).astype(np.float32, copy=False)

    def logit_norms(self) -> np.ndarray:
        """Euclidean length of every logit vector, ||z|| = sqrt(sum_i z_i^2).

        Returns:
            `(R, S)` float32.

        >>> Run(logits=[[[3.0, 4.0]]], steps=[0], labels=[0]).logit_norms()
        array([[5.]], dtype=float32)
        """
        # sqrt(sum z_i^2) as np.linalg.norm computes it, without its (R, S, K) temporary: 5-7x faster
        return np.sqrt(np.einsum("rsk,rsk->rs", self.logits, self.logits))

    def margins(self) -> np.ndarray:
        """Each sample's margin: its true-class logit minus the largest other logit, z_y - max_{j != y} z_j.

        Positive where the sample is classified correctly, negative where it is not.

        Returns:
            `(R, S)` float32.

        >>> Run(logits=[[[2.0, 0.5, 1.0], [2.0, 0.5, 1.0]]], steps=[0], labels=[0, 2]).margins()
        array([[ 1., -1.]], dtype=float32)
        """
        true = np.take_along_axis(self.logits, self.labels[None, :, None], axis=-1)[..., 0]  # (R, S)
        if self.num_classes > 32:
            others = self.logits.copy()  # (R, S, K)
            np.put_along_axis(others, self.labels[None, :, None], -np.inf, axis=-1)
            return true - others.max(axis=-1)
        # few classes: the best other class one column at a time, no copy of the logits (8x faster)
        best = np.full(true.shape, -np.inf, np.float32)  # (R, S)
        for j in range(self.num_classes):
            np.maximum(best, np.where(self.labels[None, :] == j, np.float32(-np.inf), self.logits[..., j]), out=best)
        return true - best

    def class_mean_logits(self) -> np.ndarray:
        """The mean logit vector of each class at each record, m_c = mean over {s : y_s = c} of z_s.

        Returns:
            `(R, K, K)` float32: `[r, c]` is the mean logit of class c's samples at record r;
            NaN for a class with no samples.

        >>> run = Run(logits=[[[1.0, 0.0], [3.0, 2.0], [0.0, 5.0]]], steps=[0], labels=[0, 0, 1])
        >>> run.class_mean_logits()
        array([[[2., 1.],
                [0., 5.]]], dtype=float32)
        """
        records, _, classes = self.logits.shape
        means = np.full((records, classes, classes), np.nan)  # (R, K, K) float64
        for c in range(classes):
            members = self.labels == c  # (S,)
            count = int(members.sum())
            if count:
                # summed in float64 class by class: no float64 copy of all the logits
                means[:, c, :] = self.logits[:, members, :].sum(axis=1, dtype=np.float64) / count
        return means.astype(np.float32)

    def vertex_angles(self) -> np.ndarray:
        """Angle in degrees between each class's mean logit and its simplex vertex, in the sum-zero subspace.

        Logits live, up to a shift that softmax ignores, in the (K-1)-dimensional subspace
        orthogonal to (1, ..., 1), where the one-hot points e_c project to the vertices v_c of
        a regular simplex. With u_c the projection of the class mean m_c,
        angle_c = arccos(<u_c, v_c> / (|u_c| |v_c|)): 0 when class c's samples sit, on
        average, straight toward their own vertex, 180 when straight away from it.

        Returns:
            `(R, K)` float32 degrees; NaN where the projected mean is zero (as at a zero-init
            start) or the class has no samples.

        >>> run = Run(logits=[[[2.0, 0.0, 0.0], [0.0, -2.0, 0.0]]], steps=[0], labels=[0, 1])
        >>> run.vertex_angles().round(1)
        array([[  0., 180.,  nan]], dtype=float32)
        """
        from softmaxlab.core.geometry import simplex_vertices, to_subspace

        means = self.class_mean_logits().astype(np.float64)  # (R, K, K)
        projected = to_subspace(means)  # (R, K, K-1)
        vertices = simplex_vertices(self.num_classes)  # (K, K-1)
        dots = np.einsum("rcj,cj->rc", projected, vertices)  # (R, K)
        lengths = np.linalg.norm(projected, axis=-1) * np.linalg.norm(vertices, axis=-1)[None, :]  # (R, K)
        # a zero (or NaN) mean has no direction: report NaN instead of dividing by zero
        usable = np.isfinite(lengths) & (lengths > 1e-12 * np.maximum(1.0, np.abs(means).max(axis=-1)))
        cosines = np.full_like(dots, np.nan)
        np.divide(dots, lengths, out=cosines, where=usable)
        # rounding can put a cosine a hair outside [-1, 1]; NaN passes through clip unchanged
        return np.degrees(np.arccos(np.clip(cosines, -1.0, 1.0))).astype(np.float32)

    # ---- disk -----------------------------------------------------------------------------------

    def save(self, path, *, overwrite=False) -> "Run":
        """Write the run to `path` as a Zarr v3 directory; returns the same run with `path` set.

        The directory is written beside `path` and moved into place when complete, so a
        reader never sees half of it. An existing run at `path` is replaced only with
        `overwrite=True`; a folder that is not a run is never touched (RunStoreError).
        """
        from softmaxlab.store.writer import save_run

        return save_run(self, path, overwrite=overwrite)


def record_metrics(logits, labels):
    """Per-record mean cross-entropy and accuracy of `logits` `(R, S, K)` against `labels` `(S,)`.

    loss_r = mean_s [logsumexp(z_rs) - z_rs,y_s] (= -log softmax(z_rs)_y_s);
    accuracy_r = mean_s [argmax z_rs == y_s].

    Returns:
        `(loss, accuracy)`, each `(R,)` float32.

    >>> loss, accuracy = record_metrics(np.zeros((1, 4, 2)), np.array([0, 1, 1, 0]))
    >>> loss, accuracy               # log 2; argmax ties go to class 0
    (array([0.6931472], dtype=float32), array([0.5], dtype=float32))
    """
    from softmaxlab.core import logsumexp

    records, samples, classes = logits.shape
    loss = np.empty(records, np.float32)  # (R,)
    accuracy = np.empty(records, np.float32)  # (R,)
    # float64 for the sums, a few records at a time so a long run never doubles its memory
    step = max(1, (1 << 20) // max(1, samples * classes))
    for start in range(0, records, step):
        z = np.asarray(logits[start:start + step], dtype=np.float64)  # (r, S, K)
        true = np.take_along_axis(z, labels[None, :, None], axis=-1)[..., 0]  # (r, S)
        # a diverged run has inf/NaN logits: its loss is honestly NaN, not a crash
        with np.errstate(invalid="ignore", over="ignore"):
            loss[start:start + step] = (logsumexp(z, axis=-1) - true).mean(axis=1)
        accuracy[start:start + step] = (np.argmax(z, axis=-1) == labels[None, :]).mean(axis=1)
    return loss, accuracy


def check_extra_name(name):
    """Refuse extra names that cannot be an array name in the run's directory."""
    if not isinstance(name, str) or not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"extra names must be non-empty words of letters, digits, '_' or '-', got {name!r}")
