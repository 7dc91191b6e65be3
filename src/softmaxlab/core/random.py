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

The lab (`softmaxlab.lab`) draws its data, its initial parameters and its mini-batches from the same
words, with normals by the polar method and its own `log` (docs/random.md specifies every step), so
that `static/js/lab/` makes the same float32 numbers in the browser:

>>> normal(0, STREAMS["data"], 3).round(4).tolist()
[-0.9916, -0.8056, -0.8028]

>>> Threefry(0).random(3)
array([0.4185, 0.3147, 0.3932])
"""

import math
import numbers

import numpy as np

__all__ = ["threefry2x32", "uniform", "normal", "log", "sincos", "batch_indices", "Threefry", "STREAMS"]

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_PARITY = np.uint32(0x1BD11BDA)  # Threefry's key-schedule constant

STREAMS = {"sampling": 0, "data": 1, "init": 2, "batches": 3}
"""The stream word of the key for each use: the sampling page's draws and the lab's data, init and mini-batches."""


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


_BLOCK = 2**14  # draws computed at a time by `normal`


def _positions(start: int, n: int) -> np.ndarray:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    if start < 0 or start + n > 2**32:
        raise ValueError("a stream holds at most 2^32 draws")
    return np.arange(start, start + n, dtype=np.uint64).astype(np.uint32)


# ---- transcendental functions, written out so that JavaScript computes the same bits ------------------
# Only + - * / and sqrt (which IEEE 754 rounds correctly), in this order, on float64: static/js/lab/random.js
# repeats every line. Accurate to about 2 ulp (tests/test_lab_random.py measures it against NumPy).
_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO, _LN2_HI with 32 trailing zero bits (fdlibm)
_LN2_LO = 1.90821492927058770002e-10
_SQRT_HALF = 0.7071067811865476
_LOG_TERMS = tuple(1.0 / (2 * k + 1) for k in range(1, 11))  # 1/3, 1/5, ..., 1/21
_PIO2_HI = 1.57079632673412561417e+00  # pi/2 = _PIO2_HI + _PIO2_LO, _PIO2_HI with 33 bits (fdlibm)
_PIO2_LO = 6.07710050650619224932e-11
_TWO_OVER_PI = 6.36619772367581382433e-01
_SIN_TERMS = tuple((-1.0) ** k / float(math.factorial(2 * k + 1)) for k in range(1, 9))  # -1/3!, 1/5!, ..., 1/17!
_COS_TERMS = tuple((-1.0) ** k / float(math.factorial(2 * k)) for k in range(2, 9))  # 1/4!, -1/6!, ..., 1/16!


def _horner(z, terms):
    out = terms[-1]
    for c in reversed(terms[:-1]):
        out = c + z * out
    return out


def log(x) -> np.ndarray:
    """The natural logarithm of positive normal float64 numbers, as docs/random.md specifies it (float64).

    x = m 2^e with m in [sqrt(1/2), sqrt(2)), s = (m - 1) / (m + 1), log m = 2 atanh(s) = 2s + 2s z P(z)
    with z = s^2 and P the series 1/3 + z/5 + ... + z^9/21, and log x = e ln2_hi + (e ln2_lo + log m).

    >>> log([1.0, 0.5, 10.0]).tolist() == np.log([1.0, 0.5, 10.0]).tolist()
    True
    """
    x = np.asarray(x, dtype=np.float64)
    m, e = np.frexp(x)  # x = m 2^e exactly, m in [1/2, 1)
    low = m < _SQRT_HALF
    m = np.where(low, 2.0 * m, m)
    e = (e - low).astype(np.float64)
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    log_m = 2.0 * s + (2.0 * s) * (z * _horner(z, _LOG_TERMS))
    return e * _LN2_HI + (e * _LN2_LO + log_m)


def sincos(x) -> tuple[np.ndarray, np.ndarray]:
    """``(sin x, cos x)`` of float64 numbers with |x| < 1e5, as docs/random.md specifies them.

    n = floor(x 2/pi + 1/2), r = (x - n pi/2_hi) - n pi/2_lo in about [-pi/4, pi/4], Taylor polynomials of
    sin r (to r^17) and cos r (to r^16), and the quadrant n mod 4 picks the signs and the order.

    >>> [round(float(v), 12) for v in np.concatenate(sincos([0.0, 1.0, 10.0]))]
    [0.0, 0.841470984808, -0.544021110889, 1.0, 0.540302305868, -0.839071529076]
    """
    x = np.asarray(x, dtype=np.float64)
    n = np.floor(x * _TWO_OVER_PI + 0.5)
    r = (x - n * _PIO2_HI) - n * _PIO2_LO
    z = r * r
    sin_r = r + r * (z * _horner(z, _SIN_TERMS))
    cos_r = (1.0 - 0.5 * z) + (z * z) * _horner(z, _COS_TERMS)
    quadrant = np.mod(n, 4.0)
    sin = np.select([quadrant == 0, quadrant == 1, quadrant == 2], [sin_r, cos_r, -sin_r], -cos_r)
    cos = np.select([quadrant == 0, quadrant == 1, quadrant == 2], [cos_r, -sin_r, -cos_r], sin_r)
    return sin, cos


def normal(seed: int, stream: int, n: int, *, start: int = 0) -> np.ndarray:
    """Standard normals ``g_start .. g_{start+n-1}`` of the stream ``(seed, stream)``, float64 ``(n,)``.

    Marsaglia's polar method, one normal per draw: attempt a = 0, 1, ... of draw i hashes the counter
    (i, a) to (x0, x1), v_j = (x_j - 2^31 + 1/2) / 2^31 in (-1, 1), s = v0 v0 + v1 v1; the first attempt
    with s < 1 gives g_i = v0 sqrt(-2 log(s) / s).
    """
    seed, stream = _check_word(seed, "seed"), _check_word(stream, "stream")
    index = _positions(start, n)
    if n > _BLOCK:  # draws are independent: blocks that stay in cache give the same numbers, faster
        return np.concatenate([normal(seed, stream, min(_BLOCK, n - i), start=start + i) for i in range(0, n, _BLOCK)])
    out = np.empty(n)
    todo = np.arange(n)  # the draws still without an accepted attempt
    attempt = 0
    while todo.size:
        x0, x1 = threefry2x32((seed, stream), index[todo], np.full(todo.size, attempt, dtype=np.uint32))
        v0 = (x0.astype(np.float64) - 2147483648.0 + 0.5) / 2147483648.0
        v1 = (x1.astype(np.float64) - 2147483648.0 + 0.5) / 2147483648.0
        s = v0 * v0 + v1 * v1
        ok = s < 1.0
        out[todo[ok]] = v0[ok] * np.sqrt(-2.0 * log(s[ok]) / s[ok])
        todo = todo[~ok]
        attempt += 1
    return out


def batch_indices(seed: int, step: int, samples: int, size: int) -> np.ndarray:
    """The mini-batch of step ``step`` (0 for the first update): ``size`` distinct sample indices, int32.

    Sample i gets the word x0 of the counter (step, i) under the key (seed, STREAMS["batches"]); the
    batch is the first ``size`` samples in increasing word order, ties in increasing i (a stable sort).
    The JAX engine computes the same inside its compiled step (`softmaxlab.lab.engine`).

    >>> batch_indices(0, 0, 10, 4).tolist()
    [3, 2, 4, 1]
    """
    seed, step = _check_word(seed, "seed"), _check_word(step, "step")
    x0, _ = threefry2x32((seed, STREAMS["batches"]), np.full(samples, step, dtype=np.uint32),
                         np.arange(samples, dtype=np.uint32))
    return np.argsort(x0, kind="stable")[:size].astype(np.int32)


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
        """The next ``n`` uniforms in [0, 1), float64."""
        out = uniform(self.seed, self.stream, n, start=self.position)
        self.position += int(n)
        return out

    def normal(self, n: int) -> np.ndarray:
        """The next ``n`` standard normals (`normal`), float64; each takes one position of the stream."""
        out = normal(self.seed, self.stream, n, start=self.position)
        self.position += int(n)
        return out
