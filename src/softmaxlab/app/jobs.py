"""Training off the request path: a bounded pool where, per key, the newest request wins.

A page sends a request each time a control changes. Training the same experiment twice is wasted work,
and a request that a newer one from the same page has replaced is not worth finishing. So:

- finished results are kept in a small least-recently-used cache (same settings -> instant answer);
- a request first waits `debounce` seconds and gives up if a newer request for its key came meanwhile;
- work runs on a fixed number of worker threads (JAX releases the GIL while it computes), never on the
  thread that serves the page, and a queued job whose request was superseded is dropped before it starts;
- identical work already running is joined, not started twice;
- when too many jobs wait, a new one is refused with `Busy` instead of piling up.

>>> jobs = Jobs(workers=1, debounce=0.0)
>>> jobs.run("tab-1", "square of 3", lambda: 3 * 3)
9
>>> jobs.run("tab-1", "square of 3", lambda: 1 / 0)  # cached: the function is not called again
9
>>> jobs.close()
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Hashable


class Superseded(Exception):
    """A newer request with the same key replaced this one; its result is not wanted."""


class Busy(Exception):
    """Too many jobs are waiting; the request was refused without doing any work."""


class Jobs:
    """A bounded worker pool with per-key "newest request wins" and a result cache.

    Args:
        workers: threads that run jobs (the bound on concurrent training).
        debounce: seconds a request waits for a newer one before its job is queued.
        cache_size: finished results kept, least recently used dropped first.
        max_pending: jobs allowed to wait or run at once; beyond it `run` raises `Busy`.
    """

    def __init__(self, *, workers: int = 2, debounce: float = 0.15, cache_size: int = 64, max_pending: int = 8):
        if workers < 1 or cache_size < 1 or max_pending < 1 or not debounce >= 0:
            raise ValueError("Jobs: workers, cache_size and max_pending must be >= 1 and debounce >= 0")
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="softmaxlab-job")
        self._debounce = debounce
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_size = cache_size
        self._max_pending = max_pending
        self._latest: dict[Hashable, int] = {}  # key -> generation of its newest request
        self._running: dict[Hashable, Future] = {}  # cache key -> the future computing it
        self._lock = threading.Lock()
        self.started = 0  # jobs that really ran (tests read it to see that superseded work was dropped)

    def cached(self, cache_key: Hashable) -> tuple[bool, Any]:
        """`(True, result)` if `cache_key` has finished, else `(False, None)`."""
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return True, self._cache[cache_key]
        return False, None

    def run(self, key: Hashable, cache_key: Hashable, fn: Callable[[], Any], *, timeout: float = 300.0) -> Any:
        """Run `fn()` on the pool (or answer from the cache) and return its result.

        Raises `Superseded` if a newer request with the same `key` arrives before this one's job starts
        or before its result is returned, and `Busy` if too many jobs wait.
        """
        hit, result = self.cached(cache_key)
        if hit:
            return result
        with self._lock:
            generation = self._latest.pop(key, 0) + 1
            self._latest[key] = generation  # re-inserted last: the dict is ordered by recent use
            while len(self._latest) > 4096:  # forget the oldest tabs; keys come from strangers too
                del self._latest[next(iter(self._latest))]
        if self._debounce:
            time.sleep(self._debounce)  # a slider dragged across many values sends many requests
        while True:
            self._check(key, generation)
            with self._lock:
                future = self._running.get(cache_key)
                if future is None:
                    if len(self._running) >= self._max_pending:
                        raise Busy(f"the server is busy with {len(self._running)} jobs; try again in a moment")
                    future = self._pool.submit(self._work, key, generation, cache_key, fn)
                    self._running[cache_key] = future
            try:
                result = future.result(timeout=timeout)
            except Superseded:
                continue  # we joined another request's job and that request was superseded: run our own
            self._check(key, generation)
            return result

    def _work(self, key, generation, cache_key, fn):
        try:
            self._check(key, generation)  # superseded while it waited in the queue: drop it unstarted
            with self._lock:
                self.started += 1
            result = fn()
            with self._lock:
                self._cache[cache_key] = result
                self._cache.move_to_end(cache_key)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return result
        finally:
            with self._lock:
                self._running.pop(cache_key, None)

    def _check(self, key, generation):
        with self._lock:
            if self._latest.get(key) != generation:
                raise Superseded(f"a newer request for {key!r} replaced this one")

    def close(self) -> None:
        """Stop accepting jobs; queued jobs are cancelled."""
        self._pool.shutdown(wait=False, cancel_futures=True)
