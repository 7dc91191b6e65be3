"""Writing runs: `RunWriter` appends blocks of records while training runs; `save_run` writes a whole run.

Order of an append, which is what makes a run safe to read mid-write or after a crash:
grow every records array, write the block into it, and only then bump the group
attribute `records`. Every file is replaced atomically (a temporary file, then a
rename), so a reader that reads `records` first and never looks past it sees only
completed blocks. The files are the Zarr v3 format that `zarr` reads (`load_run`), written
by `softmaxlab.store.zarr_files`. Both write a new run beside its path and move it into
place (`layout.move_into_place`): a reader finds the old run or the new one, never half of either.
"""

import dataclasses
import shutil
import time
from pathlib import Path

import numpy as np

from softmaxlab.store.labels import check_labels
from softmaxlab.store.layout import (create_layout, extras_spec, move_into_place, prepare_target, run_attributes,
                                     staging_path, write_block)
from softmaxlab.store.run import Run, record_metrics
from softmaxlab.store.schema import PART_FORMAT, RunStoreError
from softmaxlab.store.zarr_files import group_document, write_json


def _check_labels(labels, num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    return check_labels(labels, classes=num_classes)


def save_run(run: Run, path, *, overwrite=False) -> Run:
    """Write `run` to `path` (see `Run.save`); returns the run with `path` set."""
    path = Path(path)
    replacing = prepare_target(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    # write beside the target and rename into place: a reader never sees a half-saved run
    staging = staging_path(path, "saving")
    try:
        spec = extras_spec({name: (a.shape[1:], a.dtype) for name, a in run.extras.items()})
        attributes = run_attributes(num_classes=run.num_classes, config=run.config, description=run.description,
                                    wall_time=run.wall_time, extras_spec=spec)
        arrays = create_layout(staging, labels=run.labels, inputs=run.inputs, attributes=attributes,
                               extras_spec=spec)
        block = {"logits": run.logits, "steps": run.steps, "loss": run.loss, "accuracy": run.accuracy,
                 **{f"extras/{name}": a for name, a in run.extras.items()}}
        records = write_block(arrays, 0, block) if run.num_records else 0
        for array in arrays.values():
            array.trim(records)
        attributes.update(records=records, complete=bool(run.complete))
        write_json(staging / "zarr.json", group_document(attributes))
        move_into_place(staging, path, replacing=replacing)
    except OSError as e:
        raise RunStoreError(path, f"could not write the run ({e})") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return dataclasses.replace(run, path=path)


class RunWriter:
    """Append blocks of records to a run on disk while training runs.

    Each completed `append` is visible to `load_run` at once, from this or any other
    process, and survives a crash of the writer: the run then loads with
    `complete=False` and every completed block. `close()` marks the run complete.

    Args:
        path: the run's folder. An existing run is replaced only with `overwrite=True`;
            a folder that is not a run is never touched.
        labels: `(samples,)` int class of each probe sample.
        num_classes: K, the number of logits per sample.
        inputs: `(samples, d)` probe inputs, or None.
        config: JSON-serialisable dict, or None. description: free text.
        extras: name -> (per-record shape, dtype), e.g. `{"features": ((samples, d), "float32")}`;
            every `append` must then give each of them with a leading block axis.
        part: for one rank's part of a distributed run (`softmaxlab.store.ranks`), its entries
            `{"rank": r, "run_id": ...}`; the folder is then written with format
            `schema.PART_FORMAT`, which `list_runs` does not take for a run.

    >>> import tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> with RunWriter(f"{folder}/run", labels=[0, 1], num_classes=2) as writer:
    ...     writer.append([0, 1], np.zeros((2, 2, 2)))      # (block, samples, classes)
    ...     writer.append([2], np.ones((1, 2, 2)))
    2
    3
    >>> from softmaxlab.store import load_run
    >>> load_run(f"{folder}/run").steps
    array([0, 1, 2])
    """

    def __init__(self, path, *, labels, num_classes, inputs=None, config=None, description="", extras=None,
                 overwrite=False, part=None):
        self.path = Path(path)
        self.labels = _check_labels(labels, num_classes)  # (S,)
        self.num_classes = int(num_classes)
        if inputs is not None:
            inputs = np.asarray(inputs, dtype=np.float32)  # (S, d)
            if inputs.ndim != 2 or inputs.shape[0] != self.labels.shape[0]:
                raise ValueError(f"inputs must have shape ({self.labels.shape[0]}, d), got {inputs.shape}")
        # let Run validate config and description the same way for writer and in-memory runs
        Run(logits=np.zeros((0, self.labels.shape[0], self.num_classes)), steps=[], labels=self.labels,
            config=config, description=description)
        self._extras_spec = extras_spec(extras)
        self._start = time.perf_counter()
        self._closed = False
        self.records = 0
        self._last_step = None

        replacing = prepare_target(self.path, overwrite=overwrite)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = staging_path(self.path, "creating")
        self._attributes = run_attributes(num_classes=self.num_classes, config=config, description=description,
                                          wall_time=0.0, extras_spec=self._extras_spec, **(part or {}),
                                          **({"kind": PART_FORMAT} if part else {}))
        try:
            self._arrays = create_layout(staging, labels=self.labels, inputs=inputs, attributes=self._attributes,
                                         extras_spec=self._extras_spec)
            move_into_place(staging, self.path, replacing=replacing)
        except OSError as e:
            shutil.rmtree(staging, ignore_errors=True)
            raise RunStoreError(self.path, f"could not create the run ({e})") from None
        for name, array in self._arrays.items():
            array.folder = self.path / name  # renamed into place

    def append(self, steps, logits, *, loss=None, accuracy=None, extras=None) -> int:
        """Append a block of `n` records; returns the number of records now committed.

        Args:
            steps: `(n,)` training steps, finite whole numbers, not decreasing (also across blocks).
                A single step (a scalar) with logits `(samples, classes)` appends one record.
            logits: `(n, samples, classes)`; non-finite values (a diverged run) are kept as they are.
            loss, accuracy: `(n,)`; default: mean cross-entropy and accuracy from the logits.
            extras: name -> `(n, *shape)` for every extra declared at creation.
        """
        if self._closed:
            raise RunStoreError(self.path, "append after close(); open a new RunWriter")
        single = np.ndim(steps) == 0
        lift = (lambda a: None if a is None else np.asarray(a)[None]) if single else (lambda a: a)
        block = self._check_block(lift(steps), lift(logits), lift(loss), lift(accuracy),
                                  None if extras is None else {k: lift(v) for k, v in extras.items()})
        if block is None:
            return self.records
        try:
            committed = write_block(self._arrays, self.records, block)
            # the commit: only now may readers see the block
            self._commit(records=committed, wall_time=self.wall_time)
        except Exception as e:  # anything from the store: name the run, not zarr's internals
            raise RunStoreError(self.path, f"could not append records ({type(e).__name__}: {e})") from None
        self.records = committed
        self._last_step = int(block["steps"][-1])
        return committed

    def _check_block(self, steps, logits, loss, accuracy, extras):
        """Validate one block; returns name -> array ready to write, or None for an empty block."""
        def refuse(problem):
            return RunStoreError(self.path, f"append: {problem}")

        steps = np.asarray(steps)
        if steps.ndim != 1:
            raise refuse(f"steps must be 1-D (n,), got shape {steps.shape}")
        if not (np.issubdtype(steps.dtype, np.integer) or np.issubdtype(steps.dtype, np.floating)):
            raise refuse(f"steps must be numbers, got dtype {steps.dtype}")
        if np.issubdtype(steps.dtype, np.floating):
            if not np.all(np.isfinite(steps)):
                raise refuse("steps must be finite")
            if np.any(steps != np.round(steps)):
                raise refuse("steps must be whole numbers")
        steps = steps.astype(np.int64)
        n = steps.shape[0]
        samples, classes = self.labels.shape[0], self.num_classes
        try:
            logits = np.asarray(logits, dtype=np.float32)  # (n, S, K)
        except (TypeError, ValueError):
            raise refuse("logits must be an array of numbers") from None
        if logits.shape != (n, samples, classes):
            raise refuse(f"logits must have shape (n={n}, samples={samples}, classes={classes}), got {logits.shape}")
        if n == 0:
            return None
        if np.any(np.diff(steps) < 0) or (self._last_step is not None and steps[0] < self._last_step):
            raise refuse(f"steps must not decrease (last step {self._last_step}, got {steps.tolist()[:5]}...)")
        default_loss, default_accuracy = record_metrics(logits, self.labels) if loss is None or accuracy is None \
            else (None, None)
        block = {"logits": logits, "steps": steps}
        for name, value, default in (("loss", loss, default_loss), ("accuracy", accuracy, default_accuracy)):
            value = default if value is None else np.asarray(value, dtype=np.float32)
            if value.shape != (n,):
                raise refuse(f"{name} must have shape ({n},), got {value.shape}")
            block[name] = value
        extras = extras or {}
        if set(extras) != set(self._extras_spec):
            raise refuse(f"extras must be exactly {sorted(self._extras_spec)}, got {sorted(extras)}")
        for name, spec in self._extras_spec.items():
            value = np.asarray(extras[name])
            expected = (n, *spec["shape"])
            if value.shape != expected:
                raise refuse(f"extras[{name!r}] must have shape {expected}, got {value.shape}")
            if not np.can_cast(value.dtype, spec["dtype"], casting="same_kind"):
                raise refuse(f"extras[{name!r}] must be castable to {spec['dtype']}, got {value.dtype}")
            block[f"extras/{name}"] = value.astype(spec["dtype"], copy=False)
        return block

    def _commit(self, **changes):
        """Rewrite the group attributes with `changes` (one atomic file replacement)."""
        self._attributes.update(changes)
        write_json(self.path / "zarr.json", group_document(self._attributes))

    @property
    def wall_time(self) -> float:
        """Seconds since the writer was created."""
        return time.perf_counter() - self._start

    def close(self, *, complete=True):
        """Finish the run: record the wall time and mark it complete (unless `complete=False`)."""
        if self._closed:
            return
        self._closed = True
        try:
            # trim the room grown ahead of need, then mark the run finished
            for array in self._arrays.values():
                array.trim(self.records)
            self._commit(complete=bool(complete), wall_time=self.wall_time)
        except Exception as e:
            raise RunStoreError(self.path, f"could not close the run ({type(e).__name__}: {e})") from None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # a run whose training raised is not complete: leave it readable but marked unfinished
        self.close(complete=exc_type is None)
        return False

    def __repr__(self):
        state = "closed" if self._closed else "open"
        return f"RunWriter('{self.path}', records={self.records}, {state})"

