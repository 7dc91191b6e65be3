"""softmaxlab.softmax against scipy.special.softmax, side by side in one process.

    python benchmarks/bench_softmax.py [--repeats 15]

Cases: a 1e7-element float32 vector, and a (1000, 10000) float32 batch along the last axis
(plus the same batch in float64). The two functions alternate within each repeat so that noise
from other processes on the shared machine hits both alike; medians and their ratio are printed.
A ratio (scipy / ours) >= 1 means ours is at least as fast.
"""

import argparse
import statistics
import time

import numpy as np
import scipy.special

from softmaxlab.core import softmax


def _time(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def compare(name: str, z: np.ndarray, repeats: int) -> tuple[float, float]:
    ours_out = softmax(z, axis=-1)  # warm-up, and a check that both agree
    theirs_out = scipy.special.softmax(z, axis=-1)
    assert ours_out.dtype == z.dtype, "softmax must keep the dtype"
    np.testing.assert_allclose(ours_out, theirs_out, rtol=1e-4 if z.dtype == np.float32 else 1e-10, atol=1e-12)
    del ours_out, theirs_out
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(_time(softmax, z, axis=-1))
        theirs.append(_time(scipy.special.softmax, z, axis=-1))
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(
        f"{name:<34} ours {ours_median * 1e3:8.1f} ms   scipy {theirs_median * 1e3:8.1f} ms   "
        f"scipy/ours {theirs_median / ours_median:5.2f}x"
    )
    return ours_median, theirs_median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed calls of each function per case")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    vector = (rng.standard_normal(10_000_000, dtype=np.float32) * 5)  # (1e7,)
    batch = vector.reshape(1000, 10_000)  # (rows, classes)
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, {args.repeats} repeats, medians")
    compare("1e7 float32, one vector", vector, args.repeats)
    compare("(1000, 10000) float32, axis -1", batch, args.repeats)
    compare("(1000, 10000) float64, axis -1", batch.astype(np.float64), args.repeats)


if __name__ == "__main__":
    main()
