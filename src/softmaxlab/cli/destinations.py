"""Where a command writes, checked before it does any work.

A command that trains for a minute and only then finds that it may not write its result has lost the
user's minute. So every command that writes calls one of these first, and a bad destination is one line
naming the flag (a `click.UsageError`: exit code 2), in milliseconds:

- `run_folder(path, overwrite=...)`: a folder for one run (`train --out`).
- `output_file(path, overwrite=True)`: one file (`export --out`).
- `output_dir(path, overwrite=...)`: a folder that must be empty unless `--overwrite` (`site --out`);
  with ``allow_existing=True`` files are added to a folder that may hold others (`analyze --out`).

Each returns the path and creates nothing: a command that fails later leaves no empty folder behind.
Writability is probed for real (a temporary folder made and removed in the nearest existing parent),
because `os.access` says yes to root even on a read-only file system.
"""

import os
import tempfile
from pathlib import Path

import click

__all__ = ["run_folder", "output_file", "output_dir"]


def _is_run(path: Path) -> bool:
    # imported here: the store brings numpy and zarr, which a command's --help does not need
    from softmaxlab.store.catalog import read_group_attributes_safely

    return path.is_dir() and read_group_attributes_safely(path) is not None


def _runs_inside(path: Path, *, limit: int = 3) -> list[str]:
    """Names of up to `limit` runs directly inside `path` (sorted)."""
    try:
        children = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [p.name for p in children if _is_run(p)][:limit]


def _enclosing_run(path: Path) -> Path | None:
    """The run that `path` would sit inside (a parent of it that is a run), if any."""
    for parent in path.absolute().parents:
        if _is_run(parent):
            return parent
    return None


def _check_writable(path: Path, flag: str) -> None:
    """Fail unless `path` (not yet existing, or existing) can be created or written in."""
    ancestor = path if path.exists() else next((p for p in path.absolute().parents if p.exists()), None)
    if ancestor is None:  # pragma: no cover - the root always exists
        raise click.UsageError(f"{flag} {path}: no existing parent folder")
    if not ancestor.is_dir():
        raise click.UsageError(f"{flag} {path}: {ancestor} is a file, not a folder")
    try:
        tempfile.TemporaryDirectory(dir=ancestor, prefix=".softmaxlab-probe-").cleanup()
    except OSError as e:
        raise click.UsageError(f"{flag} {path}: cannot write in {ancestor} ({e.strerror or e})") from None


def run_folder(path, *, overwrite: bool, flag: str = "--out") -> Path:
    """Check that one run may be saved at `path`: new, an empty folder, or a run and `overwrite`.

    Refused: a file; a folder that holds other things (never destroyed, even with `--overwrite`); a
    folder of runs (the user meant a new folder inside it); a folder inside another run (it would be
    listed nowhere); a place that cannot be written.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise click.UsageError(f"{flag} {path}: is a file, not a folder for a run")
    outer = _enclosing_run(path)
    if outer is not None:
        raise click.UsageError(f"{flag} {path}: is inside the run {outer}; runs cannot be nested, "
                               f"give a folder next to it, e.g. {outer.parent / 'NAME'}")
    if path.is_dir():
        if _is_run(path):
            if not overwrite:
                raise click.UsageError(f"{flag} {path}: a run already exists there "
                                       "(pass --overwrite to replace it)")
        elif any(path.iterdir()):
            runs = _runs_inside(path)
            if runs:
                raise click.UsageError(f"{flag} {path}: is a folder of runs ({', '.join(runs)}); "
                                       f"give a new folder inside it, e.g. {path / 'NAME'}")
            raise click.UsageError(f"{flag} {path}: exists and is not a softmaxlab run; pick a new folder "
                                   "(--overwrite only ever replaces a run)")
    _check_writable(path, flag)
    return path


def output_file(path, *, overwrite: bool = True, flag: str = "--out") -> Path:
    """Check that the file `path` may be written: not a folder, its folder writable (created if missing)."""
    path = Path(path)
    if path.is_dir():
        raise click.UsageError(f"{flag} {path}: is a folder; give a file name, e.g. {path / 'figure.html'}")
    if path.exists() and not overwrite:
        raise click.UsageError(f"{flag} {path}: already exists (pass --overwrite to replace it)")
    if path.exists() and not os.access(path, os.W_OK):
        raise click.UsageError(f"{flag} {path}: the file cannot be written")
    _check_writable(path.parent, flag)
    return path


def output_dir(path, *, overwrite: bool = False, allow_existing: bool = False, flag: str = "--out") -> Path:
    """Check that files may be written into the folder `path`.

    By default it must be new or empty unless `overwrite` (the caller then replaces what is there);
    with `allow_existing` the files are added next to whatever it holds. Never a run, unless it is
    `allow_existing`'s case of a folder inside one (`analyze` writes `RUN/analysis`).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise click.UsageError(f"{flag} {path}: is a file, not a folder")
    if _is_run(path):
        raise click.UsageError(f"{flag} {path}: is a softmaxlab run; give another folder")
    if path.is_dir() and not allow_existing and not overwrite and any(path.iterdir()):
        raise click.UsageError(f"{flag} {path}: the folder is not empty (pass --overwrite to replace what is there)")
    _check_writable(path, flag)
    return path
