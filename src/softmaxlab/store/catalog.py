"""`list_runs`: what runs a folder holds, cheaply (attributes and the last metrics, never all the logits)."""

import dataclasses
import datetime
from pathlib import Path

from softmaxlab.store.ranks import summarize_parts
from softmaxlab.store.reader import is_distributed, open_run, read_checked_attributes
from softmaxlab.store.schema import RunStoreError
from softmaxlab.store.layout import read_group_attributes


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """One line about a run: enough to list it, without loading its logits.

    `kind` is "lab" (it holds an experiment config), "recorded" (no config: a
    recorder or a hand-made run) or "broken" (then `error` says what is wrong and
    the numbers that could not be read are None).
    """

    path: Path
    name: str
    kind: str
    records: int | None
    samples: int | None
    classes: int | None
    complete: bool | None
    modified: datetime.datetime
    final_loss: float | None
    final_accuracy: float | None
    error: str | None = None


def _commit_files(path: Path):
    """The files a writer replaces at each commit: the run's zarr.json, and each rank's in a distributed run."""
    return [m for m in (path / "zarr.json", *sorted(path.glob("ranks/*/zarr.json"))) if m.exists()]


def run_stamp(path) -> tuple:
    """A value that changes whenever the run at `path` commits records (or is replaced): a cache key for readers.

    Every commit replaces a zarr.json (the run's, or in a distributed run a rank's part's),
    so their inodes, times and sizes say whether a run read earlier is still the one on disk.
    """
    return tuple((info.st_ino, info.st_mtime_ns, info.st_size)
                 for info in (m.stat() for m in _commit_files(Path(path))))


def _modified(path: Path) -> datetime.datetime:
    # the group's zarr.json is rewritten at every commit, so its time is the run's last change
    # (a distributed run commits in each rank's part)
    metas = _commit_files(path)
    stamp = max(m.stat().st_mtime for m in metas) if metas else path.stat().st_mtime
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc)


def summarize_run(path) -> RunSummary:
    """The `RunSummary` of the run at `path`; a damaged run gives kind "broken" instead of raising.

    Raises RunStoreError only when `path` is not a run at all.
    """
    path = Path(path)
    try:
        attributes = read_checked_attributes(path)
        if is_distributed(attributes):
            records, samples, classes, complete, *final = summarize_parts(path, attributes)
        else:
            opened = open_run(path)
            records, complete = opened.records, attributes["complete"]
            samples, classes = opened.arrays["logits"].shape[1:]
            # the last record only: listing a folder must not read whole runs
            last = max(records - 1, 0)
            final = [float(opened.read(name, start=last)[0]) if records else None for name in ("loss", "accuracy")]
    except RunStoreError as e:
        if read_group_attributes_safely(path) is None:
            raise
        return RunSummary(path=path, name=path.name, kind="broken", records=None, samples=None, classes=None,
                          complete=None, modified=_modified(path), final_loss=None, final_accuracy=None,
                          error=e.problem)
    return RunSummary(
        path=path,
        name=path.name,
        kind="lab" if attributes.get("config") is not None else "recorded",
        records=records,
        samples=int(samples),
        classes=int(classes),
        complete=complete,
        modified=_modified(path),
        final_loss=final[0],
        final_accuracy=final[1],
    )


def read_group_attributes_safely(path: Path):
    """Group attributes if `path` looks like a run, {} if it is one whose zarr.json is unreadable, else None."""
    try:
        return read_group_attributes(path)
    except RunStoreError:
        return {}


def list_runs(root) -> list[RunSummary]:
    """Summaries of the runs in the folder `root` (and of `root` itself if it is a run), sorted by name.

    Folders that are not runs are skipped; damaged runs are listed with kind "broken".

    Raises:
        RunStoreError: `root` does not exist or is not a folder.

    >>> import tempfile, numpy as np
    >>> from softmaxlab.store import Run
    >>> root = tempfile.mkdtemp()
    >>> _ = Run(logits=np.zeros((1, 2, 2)), steps=[0], labels=[0, 1]).save(f"{root}/first")
    >>> [(s.name, s.kind, s.records, s.complete) for s in list_runs(root)]
    [('first', 'recorded', 1, True)]
    """
    root = Path(root)
    if not root.exists():
        raise RunStoreError(root, "no such folder")
    if not root.is_dir():
        raise RunStoreError(root, "is not a folder")
    if read_group_attributes_safely(root) is not None:
        candidates = [root]
    else:
        # hidden folders are a save or a writer in progress (".NAME.saving-...") or not ours
        candidates = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    summaries = []
    for path in candidates:
        if read_group_attributes_safely(path) is None:
            continue
        try:
            summaries.append(summarize_run(path))
        except (RunStoreError, OSError):
            continue  # vanished or turned out not to be a run while we looked
    return summaries
