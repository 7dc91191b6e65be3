"""Writing runs: `RunWriter` appends blocks of records while training runs; `save_run` writes a whole run.

Order of an append, which is what makes a run safe to read mid-write or after a crash:
grow every records array, write the block into it, and only then bump the group
attribute `records`. Every file is replaced atomically (a temporary file, then a
rename), so a reader that reads `records` first and never looks past it sees only
completed blocks. The files are the Zarr v3 format that `zarr` reads (`load_run`), but
written here directly (`_ChunkedArray`): Zarr's own writer spends tens of milliseconds
of Python per append in its event loop, which a recording training loop would feel.
"""

import dataclasses
import json
import os
import shutil
import time
import uuid
from pathlib import Path

import google_crc32c
import numpy as np

from softmaxlab.store.run import Run, check_extra_name, record_metrics
from softmaxlab.store.schema import FORMAT, SCHEMA_VERSION, RunStoreError, records_per_chunk

# 1-D per-record arrays (steps, loss, accuracy) are tiny; smaller chunks keep each append's rewrite small
SCALAR_CHUNK = 4096


def read_group_attributes(path: Path):
    """The group attributes in `path/zarr.json` if `path` is a softmaxlab run, else None.

    Reads the JSON directly (no Zarr), so it is cheap enough to classify folders.
    Raises RunStoreError when zarr.json exists but cannot be read.
    """
    meta_file = path / "zarr.json"
    if not meta_file.is_file():
        return None
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError) as e:
        raise RunStoreError(path, f"zarr.json is unreadable ({e})") from None
    if not isinstance(meta, dict) or meta.get("node_type") != "group":
        return None
    attributes = meta.get("attributes") or {}
    return attributes if attributes.get("format") == FORMAT else None


def prepare_target(path: Path, *, overwrite: bool) -> bool:
    """Check that a run may be written at `path`; True when an existing run will be replaced.

    An empty folder is fine; an existing run needs `overwrite=True`; anything else (a
    file, a folder with other things in it) is never destroyed.
    """
    if not path.exists():
        return False
    if not path.is_dir():
        raise RunStoreError(path, "exists and is not a folder; refusing to write a run over it")
    try:
        is_run = read_group_attributes(path) is not None
    except RunStoreError:
        is_run = False
    if not is_run:
        if any(path.iterdir()):
            raise RunStoreError(path, "exists and is not a softmaxlab run; refusing to overwrite it")
        return False
    if not overwrite:
        raise RunStoreError(path, "a run already exists here; pass overwrite=True to replace it")
    return True


def _extras_spec(extras):
    """Normalise name -> (shape, dtype) into name -> {"shape": [...], "dtype": "..."} (JSON for the attributes)."""
    if extras is None:
        return {}
    if not isinstance(extras, dict):
        raise ValueError(f"extras must be a dict name -> (shape, dtype), got {type(extras).__name__}")
    spec = {}
    for name, value in extras.items():
        check_extra_name(name)
        if isinstance(value, dict):
            value = (value.get("shape"), value.get("dtype"))
        try:
            shape, dtype = value
            shape = tuple(int(n) for n in shape)
            dtype = np.dtype(dtype)
        except (TypeError, ValueError):
            raise ValueError(f"extras[{name!r}] must be (per-record shape, dtype), got {value!r}") from None
        if any(n < 0 for n in shape) or dtype.kind not in "biuf":
            raise ValueError(f"extras[{name!r}] needs a shape of sizes >= 0 and a numeric dtype, got {value!r}")
        spec[name] = {"shape": list(shape), "dtype": dtype.name}
    return spec


class _ChunkedArray:
    """One Zarr v3 array written directly as files: `zarr.json` and uncompressed chunks with a CRC32C.

    Zarr's own writer goes through its asyncio loop and thread pool for every file,
    tens of milliseconds of Python (holding the GIL) per append; a recorder appends
    while training runs, so this writes the same files itself: the array metadata of
    the Zarr v3 spec, chunk keys `c/i/0/...` (default encoding, "/" separator), and
    each chunk as its full chunk shape in little-endian C order followed by the CRC32C
    of those bytes (the `bytes` + `crc32c` codecs), edge chunks padded with the fill
    value 0. Zarr reads it back (tests compare both). Chunking is along axis 0 only;
    the other axes are whole. The last, partly filled chunk is kept in memory, so an
    append never reads the disk. Every file is replaced atomically (temp + rename).
    """

    def __init__(self, folder: Path, shape, dtype, rows_per_chunk):
        self.folder = folder
        self.dtype = np.dtype(dtype).newbyteorder("<")
        self.shape = [int(n) for n in shape]
        self.chunks = [max(1, int(rows_per_chunk)), *(max(1, n) for n in self.shape[1:])]
        self._tail = (None, None)  # (chunk index, (rows, ...) buffer) of the chunk last written
        folder.mkdir(parents=True)
        self.write_metadata()

    def metadata(self):
        """The array's `zarr.json` as a dict (what `zarr.create_array` writes for these options)."""
        single_byte = self.dtype.itemsize == 1
        fill = False if self.dtype.kind == "b" else (0.0 if self.dtype.kind == "f" else 0)
        return {
            "shape": self.shape,
            "data_type": self.dtype.name,
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": self.chunks}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": fill,
            "codecs": [{"name": "bytes"} if single_byte else {"name": "bytes", "configuration": {"endian": "little"}},
                       {"name": "crc32c"}],
            "attributes": {},
            "zarr_format": 3,
            "node_type": "array",
            "storage_transformers": [],
        }

    def write_metadata(self):
        _write_json(self.folder / "zarr.json", self.metadata())

    def grow(self, rows):
        """Make room for `rows` rows, rounded up to whole chunks: one metadata write per chunk, not per append."""
        if self.shape[0] < rows:
            self.shape[0] = -(-rows // self.chunks[0]) * self.chunks[0]
            self.write_metadata()

    def trim(self, rows):
        """Set the length to exactly `rows` (the chunk files stay whole, as Zarr keeps them)."""
        if self.shape[0] != rows:
            self.shape[0] = rows
            self.write_metadata()

    def write_rows(self, start, values):
        """Write `values` `(n, *shape[1:])` into rows [start, start + n); rows before `start` are kept."""
        stop = start + values.shape[0]
        if stop == start or 0 in self.shape[1:]:
            return  # nothing to store (Zarr writes no chunk of an empty axis either)
        per = self.chunks[0]
        for index in range(start // per, (stop - 1) // per + 1):
            first = index * per
            held, buffer = self._tail
            lo, hi = max(start, first), min(stop, first + per)
            if lo == first and hi == first + per:
                # a whole chunk from the block: written from the block itself, no zeroed buffer to fill
                self._tail = (None, None)  # the next append starts in the next chunk
                _write_chunk(self._chunk_path(index), np.ascontiguousarray(values[lo - start:hi - start],
                                                                           dtype=self.dtype))
                continue
            if held != index:
                # a chunk not written before: rows before `start` exist only in a chunk written before
                buffer = np.zeros((per, *self.shape[1:]), self.dtype)  # (rows per chunk, ...)
            buffer[lo - first:hi - first] = values[lo - start:hi - start]
            self._tail = (index, buffer)
            _write_chunk(self._chunk_path(index), buffer)

    def _chunk_path(self, index):
        """The file of chunk `index` along axis 0 (the other axes have one chunk): `c/index/0/...`."""
        return self.folder / "c" / "/".join(str(i) for i in (index, *[0] * (len(self.shape) - 1)))


def _atomic_write(path: Path, *parts):
    """Write `parts` (bytes-like) to `path` through a temporary file and a rename: readers see old or new."""
    temporary = path.with_name(f".{path.name}.partial")
    with open(temporary, "wb") as f:
        for part in parts:
            f.write(part)
    os.replace(temporary, path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _write_json(path: Path, document):
    _atomic_write(path, json.dumps(document, indent=2, default=_json_default).encode())


def _write_chunk(path: Path, buffer):
    """One chunk: its bytes, then their CRC32C as a little-endian uint32 (Zarr's crc32c codec)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.ascontiguousarray(buffer)  # written as its raw bytes, no copy
    _atomic_write(path, data, np.uint32(google_crc32c.value(data)).astype("<u4").tobytes())


def _group_document(attributes):
    return {"attributes": attributes, "zarr_format": 3, "node_type": "group"}


def _attributes(*, num_classes, config, description, wall_time, extras_spec, records=0, complete=False):
    """The group attributes of a run (see `schema`)."""
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "records": int(records), "complete": bool(complete),
            "num_classes": int(num_classes), "config": config, "description": description,
            "wall_time": float(wall_time), "extras": extras_spec}


def _create_layout(root: Path, *, labels, inputs, attributes, extras_spec):
    """Create an empty run (0 records) at `root`; returns name -> `_ChunkedArray` of the records arrays.

    Every chunk of `labels` and `inputs` is written even where it equals the fill
    value, so a missing chunk file always means damage (the reader checks).
    """
    root.mkdir(parents=True)
    _write_json(root / "zarr.json", _group_document(attributes))
    samples, num_classes = labels.shape[0], attributes["num_classes"]
    fixed = _ChunkedArray(root / "labels", labels.shape, "int64", max(1, samples))
    fixed.write_rows(0, labels)
    if inputs is not None:
        fixed = _ChunkedArray(root / "inputs", inputs.shape, "float32", max(1, inputs.shape[0]))
        fixed.write_rows(0, inputs)
    # No compression: logits of a training run are noisy floats that zstd shrinks by under 10%
    # (docs/benchmarks.md). A CRC32C checksum per chunk instead, for the same read cost, so a
    # damaged chunk is an error rather than silently wrong logits.
    per_record = {
        # (records, samples, classes), chunked along records only
        "logits": _ChunkedArray(root / "logits", (0, samples, num_classes), "float32",
                                records_per_chunk(samples * num_classes * 4)),
        "steps": _ChunkedArray(root / "steps", (0,), "int64", SCALAR_CHUNK),
        "loss": _ChunkedArray(root / "loss", (0,), "float32", SCALAR_CHUNK),
        "accuracy": _ChunkedArray(root / "accuracy", (0,), "float32", SCALAR_CHUNK),
    }
    if extras_spec:
        (root / "extras").mkdir()
        _write_json(root / "extras" / "zarr.json", _group_document({}))
    for name, spec in extras_spec.items():
        shape = tuple(spec["shape"])
        dtype = np.dtype(spec["dtype"])
        per_record_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        per_record[f"extras/{name}"] = _ChunkedArray(root / "extras" / name, (0, *shape), dtype,
                                                     records_per_chunk(per_record_bytes))
    return per_record


def _write_block(arrays, start, block):
    """Write `block` (name -> `n` rows) into rows [start, start + n) of `arrays`; returns start + n.

    Arrays first grow to whole chunks covering start + n, so the metadata is rewritten
    once per chunk rather than at every append; readers never look past the committed count.
    """
    stop = start + len(block["steps"])
    for name, values in block.items():
        arrays[name].grow(stop)
        arrays[name].write_rows(start, values)
    return stop


def _check_labels(labels, num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] < 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a non-empty 1-D array of class indices, got shape {labels.shape} "
                         f"dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}), got {labels.min()}..{labels.max()}")
    return labels.astype(np.int64)


def save_run(run: Run, path, *, overwrite=False) -> Run:
    """Write `run` to `path` (see `Run.save`); returns the run with `path` set."""
    path = Path(path)
    replacing = prepare_target(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    # write beside the target and rename into place: a reader never sees a half-saved run
    staging = path.parent / f".{path.name}.saving-{uuid.uuid4().hex[:8]}"
    try:
        extras_spec = _extras_spec({name: (a.shape[1:], a.dtype) for name, a in run.extras.items()})
        attributes = _attributes(num_classes=run.num_classes, config=run.config, description=run.description,
                                 wall_time=run.wall_time, extras_spec=extras_spec)
        arrays = _create_layout(staging, labels=run.labels, inputs=run.inputs, attributes=attributes,
                                extras_spec=extras_spec)
        block = {"logits": run.logits, "steps": run.steps, "loss": run.loss, "accuracy": run.accuracy,
                 **{f"extras/{name}": a for name, a in run.extras.items()}}
        records = _write_block(arrays, 0, block) if run.num_records else 0
        for array in arrays.values():
            array.trim(records)
        attributes.update(records=records, complete=bool(run.complete))
        _write_json(staging / "zarr.json", _group_document(attributes))
        if replacing:
            retired = path.parent / f".{path.name}.replaced-{uuid.uuid4().hex[:8]}"
            path.rename(retired)
            staging.rename(path)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            if path.exists():
                path.rmdir()  # prepare_target allowed only an empty folder
            staging.rename(path)
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
                 overwrite=False):
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
        self._extras_spec = _extras_spec(extras)
        self._start = time.perf_counter()
        self._closed = False
        self.records = 0
        self._last_step = None

        replacing = prepare_target(self.path, overwrite=overwrite)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.parent / f".{self.path.name}.creating-{uuid.uuid4().hex[:8]}"
        self._attributes = _attributes(num_classes=self.num_classes, config=config, description=description,
                                       wall_time=0.0, extras_spec=self._extras_spec)
        try:
            self._arrays = _create_layout(staging, labels=self.labels, inputs=inputs, attributes=self._attributes,
                                          extras_spec=self._extras_spec)
            if replacing:
                shutil.rmtree(self.path)
            elif self.path.exists():
                self.path.rmdir()
            staging.rename(self.path)
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
            committed = _write_block(self._arrays, self.records, block)
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
        _write_json(self.path / "zarr.json", _group_document(self._attributes))

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

