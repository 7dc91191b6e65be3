r"""A counter-based random generator that the browser reproduces bit for bit: Threefry-2x32.

Threefry-2x32 with 20 rounds (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"; the
generator JAX uses) maps a key of two 32-bit words and a counter of two 32-bit words to two 32-bit words,
with only 32-bit additions, rotations and xors, so NumPy (vectorised, uint32) and JavaScript (`>>> 0`)
compute the same bits. The stream of uniforms of a seed is specified as:

- key = (seed, stream), both in [0, 2^32); counter of draw i = (i, 0);
- (x0, x1) = threefry2x32(key, counter);
- u_i = ((x0 >> 5) * 2^26 + (x1 >> 6)) / 2^53, a float64 in [0, 1) with 53 random bits.

`static/js/kernel/random.js` implements the same; tests check NumPy against JAX's own threefry and the
JavaScript against fixtures written here.

>>> Threefry(0).random(3)
array([0.4185, 0.3147, 0.3932])
"""

import numbers

import numpy as np

__all__ = ["threefry2x32", "uniform", "Threefry"]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)  # Threefry's key-schedule constant


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def threefry2x32(key, counter0, counter1) -> tuple[np.ndarray, np.ndarray]:
    """Threefry-2x32-20 of the counters `(counter0[i], counter1[i])` under `key = (k0, k1)`: two uint32 arrays."""
    k0, k1 = (np.uint32(int(k) & 0xFFFFFFFF) for k in key)
    ks = (k0, k1, k0 ^ k1 ^ _PARITY)
    x0 = np.asarray(counter0, dtype=np.uint32).copy()
    x1 = np.asarray(counter1, dtype=np.uint32).copy()
    with np.errstate(over="ignore"):  # additions wrap modulo 2^32: that is the arithmetic
        x0 += ks[0]
        x1 += ks[1]
        for block in range(5):  # 5 blocks of 4 rounds, a key injection after each
            for r in _ROTATIONS[block % 2]:
                x0 += x1
                x1 = _rotl(x1, r)
                x1 ^= x0
            x0 += ks[(block + 1) % 3]
            x1 += ks[(block + 2) % 3] + np.uint32(block + 1)
    return x0, x1


def _check_word(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value < 2**32:
        raise ValueError(f"{name} must be an int in [0, 2^32), got {value!r}")
    return int(value)


def uniform(seed: int, stream: int, n: int, *, start: int = 0) -> np.ndarray:
    """Uniforms `u_start .. u_{start+n-1}` in [0, 1) of the stream `(seed, stream)`, float64 `(n,)`."""
    seed, stream = _check_word(seed, "seed"), _check_word(stream, "stream")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    index = np.arange(start, start + n, dtype=np.uint64)
    if n and index[-1] >= 2**32:
        raise ValueError("a stream holds at most 2^32 draws")
    x0, x1 = threefry2x32((seed, stream), index.astype(np.uint32), np.zeros(n, dtype=np.uint32))
    # 27 + 26 bits, as NumPy's own doubles from two 32-bit words
    return ((x0 >> np.uint32(5)).astype(np.float64) * 67108864.0 + (x1 >> np.uint32(6))) / 9007199254740992.0


class Threefry:
    """A generator of the stream `(seed, stream)` with numpy's `random(n)` signature: each call continues it.

    It can stand where a `numpy.random.Generator` is asked for `random(n)` (as :func:`softmaxlab.core.sample`
    does), and the browser draws the same numbers.
    """

    def __init__(self, seed: int, stream: int = 0):
        self.seed = _check_word(seed, "seed")
        self.stream = _check_word(stream, "stream")
        self.position = 0

    def random(self, n: int) -> np.ndarray:
        out = uniform(self.seed, self.stream, n, start=self.position)
        self.position += int(n)
        return out
