"""Median wall times for the benchmarks, which are run as scripts (`python benchmarks/bench_x.py`)."""

import statistics
import time


def median_times(functions: dict, *, repeats: int) -> dict:
    """Median seconds of each function in `functions` (name -> callable), over `repeats` rounds.

    Each round calls every function once, in turn, so drift in a shared machine's load hits
    all of them alike and their ratios stay meaningful.
    """
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            began = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(t) for name, t in times.items()}


def median_time(fn, *, repeats: int) -> float:
    """Median seconds of `repeats` calls of `fn()`."""
    return median_times({"fn": fn}, repeats=repeats)["fn"]
