"""A run recorded by several processes (torch.distributed): one shared root, one part per rank.

Several processes must never write the same file: concurrent partial writes of one Zarr
chunk lose data (zarr-python#2077, #3514). So each rank owns a folder of its own, and only
rank 0 writes what the ranks share, once, when the run is made::

    RUN/zarr.json          group attributes (rank 0, written once): format "softmaxlab.run",
                             schema_version 2, layout "ranks", world_size W, shares
                             [[start, stop], ...] (rank r owns probe samples start..stop-1),
                             split_extras (extras cut along the samples axis), run_id,
                             num_classes, config, description, extras (shapes of the whole run)
    RUN/labels, RUN/inputs  the whole probe set (rank 0)
    RUN/ranks/R/           rank R's part: a single-process run of its own samples, format
                             "softmaxlab.run-part", with its own commit counter `records`,
                             `complete` and wall_time, and the run_id of its root

Extras named in split_extras (features `(records, samples, d)`) are cut along the samples
axis like the logits; the others (the classifier's weights `(records, K, d)`, equal on
every rank under DDP) are written by rank 0 alone. A reader merges the parts in rank order,
which is probe order, and shows the records that every rank has committed: each rank's
completed blocks are safe as in a single-process run, and a rank that died leaves its
part `complete=False` with everything it had flushed.
"""

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import zarr

from softmaxlab.store.labels import check_labels
from softmaxlab.store.layout import (extras_spec, move_into_place, prepare_target, read_group_attributes,
                                     run_attributes, staging_path, write_fixed)
from softmaxlab.store.reader import open_run
from softmaxlab.store.run import RankStatus, Run
from softmaxlab.store.schema import DISTRIBUTED_VERSION, PART_FORMAT, RunStoreError
from softmaxlab.store.zarr_files import group_document, write_json


def split_samples(samples: int, world_size: int) -> list:
    """Contiguous shares [start, stop) of `samples` probe samples over `world_size` ranks, in rank order.

    The first `samples % world_size` ranks take one sample more; each sample is on exactly
    one rank, and no rank is empty (so there must be at least as many samples as ranks).

    >>> split_samples(10, 3)
    [(0, 4), (4, 7), (7, 10)]
    """
    if samples < world_size:
        raise ValueError(f"the probe set has {samples} samples for {world_size} ranks; each rank needs at least one")
    bounds = [r * (samples // world_size) + min(r, samples % world_size) for r in range(world_size + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def part_path(path, rank: int) -> Path:
    """The folder of rank `rank`'s part of the run at `path`."""
    return Path(path) / "ranks" / str(int(rank))


def create_distributed_run(path, *, labels, num_classes, shares, run_id, inputs=None, config=None, description="",
                           extras=None, split_extras=(), overwrite=False):
    """Make the shared root of a distributed run (rank 0 only; no part yet). Returns the root's path.

    Args:
        labels: `(N,)` classes of the whole probe set; inputs: `(N, d)` or None.
        shares: `[(start, stop), ...]` per rank, contiguous and covering 0..N in order.
        run_id: a string every rank's part repeats, so a reader never mixes parts of two runs.
        extras: name -> (shape of the whole run's record, dtype); split_extras: the names cut
            along their first (samples) axis, as features `(N, d)`.
    """
    path = Path(path)
    labels = check_labels(labels, classes=num_classes)
    shares = [(int(a), int(b)) for a, b in shares]
    if shares[0][0] != 0 or shares[-1][1] != labels.shape[0] or any(
            a >= b or b != c for (a, b), (c, _) in zip(shares, shares[1:] + [(shares[-1][1], None)])):
        raise ValueError(f"shares must cut 0..{labels.shape[0]} into non-empty consecutive ranges, got {shares}")
    spec = extras_spec(extras)
    if not set(split_extras) <= set(spec):
        raise ValueError(f"split_extras {sorted(split_extras)} must be among the extras {sorted(spec)}")
    if inputs is not None:
        inputs = np.asarray(inputs, dtype=np.float32)  # (N, d)
    replacing = prepare_target(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_path(path, "creating")
    attributes = run_attributes(num_classes=num_classes, config=config, description=description, wall_time=0.0,
                                extras_spec=spec, version=DISTRIBUTED_VERSION, layout="ranks",
                                world_size=len(shares), shares=[list(s) for s in shares],
                                split_extras=sorted(split_extras), run_id=str(run_id))
    try:
        staging.mkdir()
        write_json(staging / "zarr.json", group_document(attributes))
        write_fixed(staging, labels=labels, inputs=inputs)
        (staging / "ranks").mkdir()
        write_json(staging / "ranks" / "zarr.json", group_document({}))
        move_into_place(staging, path, replacing=replacing)
    except OSError as e:
        raise RunStoreError(path, f"could not create the run ({e})") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return path


def _check_root(path, attributes):
    world = attributes.get("world_size")
    shares = attributes.get("shares")
    if isinstance(world, bool) or not isinstance(world, int) or world < 1:
        raise RunStoreError(path, f"has a malformed attribute 'world_size': {world!r}")
    if not (isinstance(shares, list) and len(shares) == world
            and all(isinstance(s, list) and len(s) == 2 and all(isinstance(i, int) for i in s) for s in shares)):
        raise RunStoreError(path, f"has a malformed attribute 'shares': {shares!r}")
    if not isinstance(attributes.get("run_id"), str) or not isinstance(attributes.get("split_extras"), list):
        raise RunStoreError(path, "is missing the attribute 'run_id' or 'split_extras'")


@dataclasses.dataclass(frozen=True)
class OpenParts:
    """A distributed run's root arrays and its parts (None for a rank that has not made its part yet)."""

    path: Path
    attributes: dict
    parts: list  # per rank: reader.OpenRun or None
    records: int  # committed by every rank

    def statuses(self):
        return tuple(RankStatus(rank=r, samples=tuple(self.attributes["shares"][r]),
                                records=0 if part is None else part.records,
                                complete=part is not None and bool(part.attributes["complete"]))
                     for r, part in enumerate(self.parts))


def open_parts(path, attributes) -> OpenParts:
    """Check a distributed run's root and open every rank's part, without reading records."""
    path = Path(path)
    _check_root(path, attributes)
    parts = []
    for rank, (start, stop) in enumerate(attributes["shares"]):
        folder = part_path(path, rank)
        if read_group_attributes(folder, kind=PART_FORMAT) is None:
            parts.append(None)  # not made yet (a part appears whole: it is written beside and renamed in)
            continue
        part = open_run(folder, kind=PART_FORMAT)
        if part.attributes.get("run_id") != attributes["run_id"] or part.attributes.get("rank") != rank:
            raise RunStoreError(folder, f"belongs to another run (run_id {part.attributes.get('run_id')!r}, rank "
                                        f"{part.attributes.get('rank')!r}; expected {attributes['run_id']!r}, {rank})")
        if part.arrays["logits"].shape[1:] != (stop - start, attributes["num_classes"]):
            raise RunStoreError(folder, f"holds logits of shape {part.arrays['logits'].shape[1:]} per record; "
                                        f"rank {rank} owns samples {start}..{stop - 1} of "
                                        f"{attributes['num_classes']} classes")
        parts.append(part)
    records = 0 if any(p is None for p in parts) else min(p.records for p in parts)
    return OpenParts(path=path, attributes=attributes, parts=parts, records=records)


def _root_array(path, name):
    try:
        return zarr.open_array(path / name, mode="r")[...]
    except Exception as e:
        raise RunStoreError(path, f"array '{name}' is missing or corrupted ({type(e).__name__}: {e})") from None


def load_distributed(path, attributes) -> Run:
    """The distributed run at `path` as one `Run`: all N samples in probe order (see the module docstring)."""
    opened = open_parts(path, attributes)
    parts, records = opened.parts, opened.records
    labels = _root_array(path, "labels")
    inputs = _root_array(path, "inputs") if (path / "inputs" / "zarr.json").is_file() else None
    classes = attributes["num_classes"]
    if records:
        logits = np.concatenate([p.read("logits", stop=records) for p in parts], axis=1)  # (R, N, K)
        steps = parts[0].read("steps", stop=records)  # (R,)
        for rank, part in enumerate(parts[1:], start=1):
            theirs = part.read("steps", stop=records)
            if not np.array_equal(theirs, steps):
                at = int(np.argmax(theirs != steps))
                raise RunStoreError(path, f"ranks disagree on the steps: record {at} is step {steps[at]} on rank 0 "
                                          f"and step {theirs[at]} on rank {rank}")
    else:
        logits, steps = np.zeros((0, labels.shape[0], classes), np.float32), np.zeros(0, np.int64)
    extras = {}
    for name, spec in attributes["extras"].items():
        if name in attributes["split_extras"]:
            pieces = [p.read(f"extras/{name}", stop=records) for p in parts] if records else []
            extras[name] = np.concatenate(pieces, axis=1) if pieces else np.zeros((0, *spec["shape"]), spec["dtype"])
        elif records:
            extras[name] = parts[0].read(f"extras/{name}", stop=records)
        else:
            extras[name] = np.zeros((0, *spec["shape"]), spec["dtype"])
    statuses = opened.statuses()
    try:
        # loss and accuracy of the whole probe set: recomputed from the merged logits (each part
        # holds only its own samples' means)
        return Run(logits=logits, steps=steps, labels=labels, inputs=inputs, config=attributes.get("config"),
                   description=attributes["description"], extras=extras,
                   wall_time=max([p.attributes["wall_time"] for p in parts if p is not None], default=0.0),
                   path=path, complete=all(s.complete for s in statuses), ranks=statuses)
    except ValueError as e:
        raise RunStoreError(path, f"holds inconsistent data ({e})") from None


def summarize_parts(path, attributes):
    """(records, samples, classes, complete, final loss, final accuracy) of a distributed run, reading 2 numbers a rank.

    The final loss and accuracy are the means over the whole probe set: each part's mean
    weighted by its number of samples.
    """
    opened = open_parts(path, attributes)
    shares = attributes["shares"]
    samples = shares[-1][1]
    final = (None, None)
    if opened.records:
        last = opened.records - 1
        weights = np.array([stop - start for start, stop in shares], np.float64) / samples
        final = tuple(float(sum(w * float(p.read(name, start=last, stop=last + 1)[0])
                                for w, p in zip(weights, opened.parts)))
                      for name in ("loss", "accuracy"))
    complete = all(s.complete for s in opened.statuses())
    return opened.records, samples, attributes["num_classes"], complete, final[0], final[1]
