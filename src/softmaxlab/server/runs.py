"""Runs under `--logdir`, as a stranger's request names them: checked names, no link out, a cache bounded in bytes.

- `check_name(text)`: a run name is a folder directly inside the runs folder (no separators, NUL, leading
  dot, `..`; at most 200 characters; `:` is fine, as in `2026-12-02T12:30`).
- `check_tree(root, path)`: every file and folder a read of the run can touch lies inside the runs folder
  once symbolic links are followed (the folder itself, `logits`, each chunk file).
- `RunCache`: runs read into memory, keyed by (path, `run_stamp`), evicted least recently used once their
  arrays pass a byte budget; one read per run at a time (others wait for it rather than read it again).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

MAX_NAME = 200
MAX_TREE_ENTRIES = 100_000  # a run folder holding more files than this is not one softmaxlab wrote


class NotFound(LookupError):
    """No such run (or route): the message is safe to show (no absolute path)."""


class BadRun(ValueError):
    """The run exists but cannot be read: the message is safe to show (no absolute path)."""


def check_name(name) -> str:
    """`name` if it can name a folder directly inside the runs folder, else ValueError saying why.

    >>> check_name("2026-12-02T12:30")
    '2026-12-02T12:30'
    >>> check_name("../etc")
    Traceback (most recent call last):
    ...
    ValueError: run: '../etc' is not a run name (a folder directly inside the runs folder: no slash or backslash, NUL, '..' or leading '.')
    """
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
        raise ValueError(f"run: a run name has 1 to {MAX_NAME} characters (got {len(str(name))})")
    if name.startswith(".") or ".." in name or any(ch in name for ch in "/\\\x00"):
        raise ValueError(f"run: {name[:60]!r} is not a run name (a folder directly inside the runs folder: "
                         "no slash or backslash, NUL, '..' or leading '.')")
    if not name.isprintable():
        raise ValueError(f"run: {name[:60]!r} holds control characters")
    return name


def _inside(root: str, real: str) -> bool:
    return real == root or real.startswith(root + os.sep)


def check_tree(root: Path, path: Path) -> None:
    """BadRun unless `path` and everything under it resolves (links followed) inside `root` (already resolved).

    A link inside the runs folder pointing elsewhere inside it is fine; one leading out is not, wherever it
    is in the run (the folder, `logits`, a chunk file). Dangling links inside are left to the reader. Only
    links are resolved (an entry that is no link lies where its folder lies), so a run of a few hundred
    files is checked in about a millisecond.
    """
    root_text = str(root)
    real = os.path.realpath(path)
    if not _inside(root_text, real):
        raise BadRun(f"run {path.name!r} is a symbolic link out of the runs folder; it is not read")
    seen, stack, count = set(), [path], 0
    while stack:
        folder = stack.pop()
        try:
            info = os.stat(folder)
        except OSError:
            continue  # vanished or dangling: the reader says what is missing
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(folder) as entries:
            for entry in entries:
                count += 1
                if count > MAX_TREE_ENTRIES:
                    raise BadRun(f"run {path.name!r} holds more than {MAX_TREE_ENTRIES} files; it is not read")
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not _inside(root_text, target):
                        rel = os.path.relpath(entry.path, path)
                        raise BadRun(f"run {path.name!r}: {rel} is a symbolic link out of the runs folder; "
                                     "the run is not read")
                    if os.path.isdir(target):
                        stack.append(Path(entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))


def run_folder(root: Path, name: str, *, tree: bool = True) -> Path:
    """The checked folder of run `name` in `root` (resolved); NotFound, BadRun or ValueError (a bad name).

    `tree=False` leaves out `check_tree` (for a caller that checks the tree itself before it reads).
    """
    from softmaxlab.store.layout import read_group_attributes
    from softmaxlab.store import RunStoreError

    check_name(name)
    path = root / name
    if not os.path.lexists(path):
        raise NotFound(f"no run called {name!r} in the runs folder")
    if tree:
        check_tree(root, path)
    elif not _inside(str(root), os.path.realpath(path)):
        raise BadRun(f"run {name!r} is a symbolic link out of the runs folder; it is not read")
    if not path.is_dir():
        raise NotFound(f"no run called {name!r} in the runs folder ({name!r} is a file)")
    try:
        if read_group_attributes(path) is None:
            raise NotFound(f"no run called {name!r} in the runs folder (the folder {name!r} holds no run)")
    except RunStoreError as e:
        raise BadRun(f"run {name!r}: {e.problem}") from None
    return path


def run_nbytes(run) -> int:
    arrays = [run.logits, run.steps, run.labels, run.loss, run.accuracy, run.inputs, *run.extras.values()]
    return sum(a.nbytes for a in arrays if a is not None)


class ByteLRU:
    """A least-recently-used map whose values have a size in bytes; the total stays at most `budget`.

    A value bigger than the whole budget is not kept at all.
    """

    def __init__(self, budget: int):
        self.budget = int(budget)
        self.used = 0
        self._items: OrderedDict = OrderedDict()  # key -> (value, nbytes)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key, value, nbytes: int):
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            if nbytes > self.budget:
                return
            self._items[key] = (value, nbytes)
            self.used += nbytes
            while self.used > self.budget:
                _, (_, size) = self._items.popitem(last=False)
                self.used -= size

    def drop(self, match):
        """Remove every entry whose key satisfies `match(key)`."""
        with self._lock:
            for key in [k for k in self._items if match(k)]:
                self.used -= self._items.pop(key)[1]

    def __len__(self):
        return len(self._items)


class Busy(RuntimeError):
    """Too many requests already wait for heavy work: answer 503 and let the client retry."""


class HeavyGate:
    """At most `slots` units of heavy work at once, and at most `waiting` requests queued for them.

    `hold(weight)` is a context manager: it waits for `weight` free slots (a job on a big run takes them
    all, so its memory peak is alone), or raises Busy at once when `waiting` requests already wait, or after
    `timeout` seconds. Requests waiting here hold a server thread each, so `waiting` is kept below the
    thread count: the other threads stay free for pages and cached answers.
    """

    def __init__(self, slots: int = 2, waiting: int = 16, timeout: float = 60.0):
        self.slots, self.free, self.waiting, self.timeout = slots, slots, waiting, timeout
        self.queued = 0
        self._cond = threading.Condition()

    def enter(self):
        """Count one more waiting request, or Busy if too many wait (release with `leave`)."""
        with self._cond:
            if self.queued >= self.waiting:
                raise Busy("the server is busy with other runs' figures; try again in a moment")
            self.queued += 1

    def leave(self):
        with self._cond:
            self.queued -= 1

    def hold(self, weight: int = 1):
        gate, weight = self, max(1, min(int(weight), self.slots))

        class _Held:
            def __enter__(self_):
                deadline = time.monotonic() + gate.timeout
                with gate._cond:
                    while gate.free < weight:
                        left = deadline - time.monotonic()
                        if left <= 0 or not gate._cond.wait(left):
                            if gate.free >= weight:
                                break
                            raise Busy("the server stayed busy with other runs for a minute; try again")
                    gate.free -= weight

            def __exit__(self_, *exc):
                with gate._cond:
                    gate.free += weight
                    gate._cond.notify_all()

        return _Held()


class SingleFlight:
    """Run `make()` once per key at a time: callers asking for a key being made wait for that result."""

    def __init__(self):
        self._lock = threading.Lock()
        self._flights: dict = {}

    def do(self, key, make):
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if leader:
                flight = self._flights[key] = {"done": threading.Event(), "value": None, "error": None}
        if not leader:
            flight["done"].wait()
            if flight["error"] is not None:
                raise flight["error"]
            return flight["value"]
        try:
            flight["value"] = make()
            return flight["value"]
        except BaseException as e:
            flight["error"] = e
            raise
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight["done"].set()
