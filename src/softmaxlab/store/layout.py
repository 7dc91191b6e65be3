"""The layout of a run on disk: reading its group attributes, and creating, filling and placing its arrays.

`schema` names what a run holds; this module makes it: `create_layout` writes an empty
run (labels, inputs, and the records arrays at length 0), `write_block` fills rows,
`prepare_target` decides whether a path may be written, and `move_into_place` puts a
run written beside its path into place without a moment where a reader finds no run.
"""

import ctypes
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

from softmaxlab.store.run import check_extra_name
from softmaxlab.store.schema import FORMAT, SINGLE_PROCESS_VERSION, RunStoreError, records_per_chunk
from softmaxlab.store.zarr_files import ChunkedArray, group_document, write_json

# 1-D per-record arrays (steps, loss, accuracy) are tiny; smaller chunks keep each append's rewrite small
SCALAR_CHUNK = 4096


def read_group_attributes(path: Path, *, kind=FORMAT):
    """The group attributes in `path/zarr.json` if `path` is a group whose `format` is `kind`, else None.

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
    return attributes if attributes.get("format") == kind else None


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


def staging_path(path: Path, purpose: str) -> Path:
    """A hidden folder beside `path` to write a run in before it is moved into place (`list_runs` skips it)."""
    return path.parent / f".{path.name}.{purpose}-{uuid.uuid4().hex[:8]}"


_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def move_into_place(staging: Path, path: Path, *, replacing: bool):
    """Move the run written at `staging` to `path`; the run it replaces is removed only afterwards.

    Replacing swaps the two folders in one step where the system can (renameat2), else
    renames the old run aside and the new one in: either way the old run is deleted only
    once the new one is in place, so a reader finds the old run or the new one, never a
    half-deleted one (and, with the swap, never none).
    """
    if not replacing:
        if path.exists():
            path.rmdir()  # prepare_target allowed only an empty folder
        staging.rename(path)
        return
    if _exchange(staging, path):
        retired = staging  # now holds the old run
    else:
        retired = staging_path(path, "replaced")
        path.rename(retired)
        staging.rename(path)
    shutil.rmtree(retired, ignore_errors=True)


def extras_spec(extras):
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


def run_attributes(*, num_classes, config, description, wall_time, extras_spec, records=0, complete=False,
                   kind=FORMAT, version=SINGLE_PROCESS_VERSION, **more):
    """The group attributes of a run (see `schema`); `more` adds the entries of other layouts."""
    return {"format": kind, "schema_version": int(version), "records": int(records), "complete": bool(complete),
            "num_classes": int(num_classes), "config": config, "description": description,
            "wall_time": float(wall_time), "extras": extras_spec, **more}


def create_layout(root: Path, *, labels, inputs, attributes, extras_spec):
    """Create an empty run (0 records) at `root`; returns name -> `ChunkedArray` of the records arrays.

    Every chunk of `labels` and `inputs` is written even where it equals the fill
    value, so a missing chunk file always means damage (the reader checks).
    """
    root.mkdir(parents=True)
    write_json(root / "zarr.json", group_document(attributes))
    write_fixed(root, labels=labels, inputs=inputs)
    samples, num_classes = labels.shape[0], attributes["num_classes"]
    # No compression: logits of a training run are noisy floats that zstd shrinks by under 10%
    # (docs/benchmarks.md). A CRC32C checksum per chunk instead, for the same read cost, so a
    # damaged chunk is an error rather than silently wrong logits.
    per_record = {
        # (records, samples, classes), chunked along records only
        "logits": ChunkedArray(root / "logits", (0, samples, num_classes), "float32",
                               records_per_chunk(samples * num_classes * 4)),
        "steps": ChunkedArray(root / "steps", (0,), "int64", SCALAR_CHUNK),
        "loss": ChunkedArray(root / "loss", (0,), "float32", SCALAR_CHUNK),
        "accuracy": ChunkedArray(root / "accuracy", (0,), "float32", SCALAR_CHUNK),
    }
    if extras_spec:
        (root / "extras").mkdir()
        write_json(root / "extras" / "zarr.json", group_document({}))
    for name, spec in extras_spec.items():
        shape = tuple(spec["shape"])
        dtype = np.dtype(spec["dtype"])
        per_record_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        per_record[f"extras/{name}"] = ChunkedArray(root / "extras" / name, (0, *shape), dtype,
                                                    records_per_chunk(per_record_bytes))
    return per_record


def write_fixed(root: Path, *, labels, inputs):
    """The arrays without a records axis: `labels` `(S,)` and, if given, `inputs` `(S, d)`, one chunk each."""
    ChunkedArray(root / "labels", labels.shape, "int64", max(1, labels.shape[0])).write_rows(0, labels)
    if inputs is not None:
        ChunkedArray(root / "inputs", inputs.shape, "float32", max(1, inputs.shape[0])).write_rows(0, inputs)


def write_block(arrays, start, block):
    """Write `block` (name -> `n` rows) into rows [start, start + n) of `arrays`; returns start + n.

    Arrays first grow to whole chunks covering start + n, so the metadata is rewritten
    once per chunk rather than at every append; readers never look past the committed count.
    """
    stop = start + len(block["steps"])
    for name, values in block.items():
        arrays[name].grow(stop)
        arrays[name].write_rows(start, values)
    return stop
