"""Fixtures of the generator and the sampling filters (kernel/random.js, kernel/sampling.js)."""

import numpy as np

from softmaxlab.core import filter_logits, sample
from softmaxlab.core.random import Threefry, threefry2x32, uniform


def cases():
    rng = np.random.default_rng(13)
    keys = [(0, 0), (2**32 - 1, 2**32 - 1), (123456789, 42), (2**31 - 1, 0)]
    words = []
    for key in keys:
        c0, c1 = (rng.integers(0, 2**32, 20, dtype=np.uint64) for _ in range(2))
        x0, x1 = threefry2x32(key, c0.astype(np.uint32), c1.astype(np.uint32))
        words.append({"key": list(key), "c0": c0.tolist(), "c1": c1.tolist(), "x0": x0.tolist(), "x1": x1.tolist()})
    streams = [{"seed": s, "stream": t, "start": a, "u": uniform(s, t, 50, start=a)} for s, t, a in ((0, 0, 0), (7, 1, 1000), (2**31 - 1, 0, 5))]
    rows = [rng.normal(scale=s, size=k) for k in (2, 5, 10, 50) for s in (0.3, 2.0, 30.0)]
    rows += [np.array([1.0, 1.0, 1.0, 0.0]), np.array([2.0, 1.0, 1.0, 1.0, -1.0]), np.array([0.0, -np.inf, 1.0]),
             np.array([1e4, 0.0, -1e4]), np.array([3.0, 3.0, 2.0, 2.0, 1.0])]
    filters = []
    for z in rows:
        for opts in ({}, {"temperature": 0.3}, {"temperature": 1e-6}, {"temperature": 50.0}, {"top_k": 1}, {"top_k": 3},
                     {"top_p": 0.5}, {"top_p": 0.9, "temperature": 2.0}, {"min_p": 0.1}, {"top_k": 2, "top_p": 0.6, "min_p": 0.05},
                     {"top_p": 0.01}, {"min_p": 1.0}):
            seed = int(rng.integers(0, 2**31))
            filters.append({"z": z, "options": opts, "x": filter_logits(z, **opts), "seed": seed,
                            "draws": sample(z, 300, rng=Threefry(seed), **opts)})
    return {"random": {"words": words, "streams": streams}, "sampling": filters}
