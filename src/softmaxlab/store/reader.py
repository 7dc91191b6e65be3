"""Reading runs: `load_run`, and the checks that turn any damage into a `RunStoreError` naming the path.

A reader trusts the group attribute `records` (the commit counter) and reads only
that many records, so a run still being written, or left behind by a crash, loads
with every completed block and nothing of a half-written one.
"""

import dataclasses
from pathlib import Path

import numpy as np
import zarr

from softmaxlab.store.run import Run
from softmaxlab.store.schema import FORMAT, RECORD_ARRAYS, SCHEMA_VERSION, RunStoreError
from softmaxlab.store.layout import read_group_attributes


@dataclasses.dataclass(frozen=True)
class OpenRun:
    """A run's attributes and array handles, checked for consistency but not yet read."""

    path: Path
    attributes: dict
    records: int
    arrays: dict  # name -> zarr.Array (logits, steps, loss, accuracy, labels, [inputs], extras/NAME)

    def read(self, name, start=0, stop=None):
        """Read array `name` (a records array from `start` up to `stop` or the committed count), or a RunStoreError."""
        array = self.arrays[name]
        stop = self.records if stop is None else min(stop, self.records)
        try:
            return array[start:stop] if name in _record_names(self) else array[...]
        except Exception as e:  # a corrupt chunk surfaces as a codec error from deep inside zarr
            raise RunStoreError(self.path, f"array '{name}' is corrupted ({type(e).__name__}: {e})") from None


def _record_names(opened):
    return {*RECORD_ARRAYS, *(f"extras/{n}" for n in opened.attributes["extras"])}


def _check_attributes(path, attributes):
    version = attributes.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RunStoreError(path, f"has no valid schema_version (got {version!r})")
    if version > SCHEMA_VERSION:
        raise RunStoreError(path, f"was written with run schema version {version}, newer than this softmaxlab "
                                  f"reads ({SCHEMA_VERSION}); upgrade softmaxlab to read it")
    expected = {"records": int, "complete": bool, "num_classes": int, "description": str,
                "wall_time": (int, float), "extras": dict}
    for key, kind in expected.items():
        if key not in attributes:
            raise RunStoreError(path, f"is missing the attribute '{key}'")
        if not isinstance(attributes[key], kind) or (kind is int and isinstance(attributes[key], bool)):
            raise RunStoreError(path, f"has a malformed attribute '{key}': {attributes[key]!r}")
    if attributes["records"] < 0:
        raise RunStoreError(path, f"has a negative record count {attributes['records']}")
    if attributes["num_classes"] < 2:
        raise RunStoreError(path, f"has a malformed attribute 'num_classes': {attributes['num_classes']}")
    if not (attributes.get("config") is None or isinstance(attributes["config"], dict)):
        raise RunStoreError(path, "has a malformed attribute 'config'")
    for name, spec in attributes["extras"].items():
        if not (isinstance(spec, dict) and isinstance(spec.get("shape"), list) and isinstance(spec.get("dtype"), str)):
            raise RunStoreError(path, f"has a malformed extras entry {name!r}: {spec!r}")


def _missing_chunks(path, name, array, stop):
    """Chunk files that the first `stop` entries along axis 0 of `array` need but that are not on disk."""
    if stop == 0 or 0 in array.shape:
        return []
    chunks = array.chunks
    grid = [range(-(-stop // chunks[0]))] + [range(-(-n // c)) for n, c in zip(array.shape[1:], chunks[1:])]
    encode = array.metadata.chunk_key_encoding.encode_chunk_key
    missing = []
    for coords in np.ndindex(*(len(axis) for axis in grid)):
        key = encode(coords)
        if not (path / name / key).is_file():
            missing.append(key)
    return missing


def read_checked_attributes(path, *, kind=FORMAT) -> dict:
    """The group attributes of the run (or part, `kind`) at `path`, checked; a RunStoreError naming the path if not."""
    path = Path(path)
    if not path.exists():
        raise RunStoreError(path, "no such run (the path does not exist)")
    if not path.is_dir():
        raise RunStoreError(path, "is a file, not a run folder")
    attributes = read_group_attributes(path, kind=kind)
    if attributes is None:
        raise RunStoreError(path, f"is not a softmaxlab run (no zarr.json with format '{kind}')")
    _check_attributes(path, attributes)
    return attributes


def is_distributed(attributes) -> bool:
    """Whether a run's attributes are those of a distributed run (one part per rank, `softmaxlab.store.ranks`)."""
    return attributes.get("layout") == "ranks"


def open_run(path, *, kind=FORMAT) -> OpenRun:
    """Check that `path` holds a readable single-process softmaxlab run (or a rank's part) and open its arrays.

    Nothing is read yet. Raises RunStoreError (naming the path) for a missing path, a
    folder that is not a run, a newer schema, missing or mis-shaped arrays, or missing
    chunk files. A distributed run is opened part by part (`ranks.open_parts`).
    """
    path = Path(path)
    attributes = read_checked_attributes(path, kind=kind)
    if is_distributed(attributes):
        raise RunStoreError(path, "is a distributed run; its parts are opened one by one")
    records, classes = attributes["records"], attributes["num_classes"]
    try:
        group = zarr.open_group(path, mode="r", use_consolidated=False)
    except Exception as e:
        raise RunStoreError(path, f"cannot be opened as a Zarr group ({type(e).__name__}: {e})") from None

    names = ["labels", *RECORD_ARRAYS]
    if "inputs" in group:
        names.append("inputs")
    names += [f"extras/{n}" for n in attributes["extras"]]
    arrays = {}
    for name in names:
        try:
            arrays[name] = group[name]
        except Exception:
            raise RunStoreError(path, f"is missing the array '{name}'") from None

    samples = arrays["labels"].shape[0] if arrays["labels"].ndim == 1 else -1
    expected = {
        "labels": ((samples,), "int64"),
        "logits": ((samples, classes), "float32"),
        "steps": ((), "int64"),
        "loss": ((), "float32"),
        "accuracy": ((), "float32"),
    }
    if "inputs" in arrays:
        expected["inputs"] = ((samples, arrays["inputs"].shape[-1]), "float32")
    for name, spec in attributes["extras"].items():
        expected[f"extras/{name}"] = (tuple(spec["shape"]), spec["dtype"])
    for name, (tail, dtype) in expected.items():
        array = arrays[name]
        per_record = name in RECORD_ARRAYS or name.startswith("extras/")
        shape = tuple(array.shape[1:]) if per_record else tuple(array.shape)
        if shape != tail or str(array.dtype) != dtype:
            whole = str(("records", *tail) if per_record else tail).replace("'", "")
            raise RunStoreError(path, f"array '{name}' has shape {array.shape} dtype {array.dtype}; "
                                      f"expected {whole} {dtype}")
        if per_record and array.shape[0] < records:
            raise RunStoreError(path, f"array '{name}' is truncated: {array.shape[0]} records on disk, "
                                      f"{records} committed")
        missing = _missing_chunks(path, name, array, records if per_record else array.shape[0])
        if missing:
            raise RunStoreError(path, f"array '{name}' is missing {len(missing)} chunk file(s) "
                                      f"(first: {name}/{missing[0]})")
    return OpenRun(path=path, attributes=attributes, records=records, arrays=arrays)


def load_run(path) -> Run:
    """Load the run at `path` into memory, with every block committed so far.

    A run still being written (or whose writer crashed) loads with `complete=False`
    and exactly the records of its completed appends.

    Raises:
        RunStoreError: the path is missing, not a run, written by a newer softmaxlab, or damaged.

    >>> import tempfile, numpy as np
    >>> path = f"{tempfile.mkdtemp()}/run"
    >>> _ = Run(logits=np.zeros((3, 2, 2)), steps=[0, 1, 2], labels=[0, 1]).save(path)
    >>> load_run(path)
    Run(records=3, samples=2, classes=2, steps=0..2, complete=True, path='...')
    """
    attributes = read_checked_attributes(path)
    if is_distributed(attributes):
        from softmaxlab.store.ranks import load_distributed

        return load_distributed(Path(path), attributes)
    opened = open_run(path)
    attributes = opened.attributes
    extras = {name: opened.read(f"extras/{name}") for name in attributes["extras"]}
    try:
        return Run(
            logits=opened.read("logits"),  # (records, samples, classes)
            steps=opened.read("steps"),
            labels=opened.read("labels"),
            inputs=opened.read("inputs") if "inputs" in opened.arrays else None,
            loss=opened.read("loss"),
            accuracy=opened.read("accuracy"),
            config=attributes.get("config"),
            description=attributes["description"],
            extras=extras,
            wall_time=attributes["wall_time"],
            path=Path(path),
            complete=attributes["complete"],
        )
    except ValueError as e:
        if isinstance(e, RunStoreError):
            raise
        raise RunStoreError(path, f"holds inconsistent data ({e})") from None
