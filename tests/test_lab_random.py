"""The lab's randomness (core/random.py's normals, log, sincos and mini-batches; the lab's data and init).

Three kinds of check: a slow scalar reference written from docs/random.md (plain Python ints and floats,
one value at a time) must give the vectorised code's bits; the distributions must be what they claim
(moments, Kolmogorov-Smirnov against scipy); and the JAX engine must draw the mini-batches the spec gives.
The browser's copies are checked against the same code by tests/js/lab.test.mjs.
"""

import math

import numpy as np
import pytest
from scipy import stats

from softmaxlab.core.random import STREAMS, Threefry, batch_indices, log, normal, sincos, uniform
from softmaxlab.lab import Experiment, train
from softmaxlab.lab.engine import prepare

M32 = 0xFFFFFFFF


# ---- the scalar reference, from docs/random.md ------------------------------------------------------
def ref_threefry(k0, k1, c0, c1):
    rotl = lambda x, r: ((x << r) | (x >> (32 - r))) & M32
    ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]
    x0, x1 = (c0 + ks[0]) & M32, (c1 + ks[1]) & M32
    for block in range(5):
        for r in ((13, 15, 26, 6), (17, 29, 16, 24))[block % 2]:
            x0 = (x0 + x1) & M32
            x1 = rotl(x1, r) ^ x0
        x0 = (x0 + ks[(block + 1) % 3]) & M32
        x1 = (x1 + ks[(block + 2) % 3] + block + 1) & M32
    return x0, x1


def ref_log(x):
    m, e = math.frexp(x)
    if m < 0.7071067811865476:
        m, e = 2.0 * m, e - 1
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    p = 1.0 / 21.0
    for k in range(9, 0, -1):  # 1/3 + z (1/5 + z (... + z / 21))
        p = 1.0 / (2 * k + 1) + z * p
    return e * 6.93147180369123816490e-01 + (e * 1.90821492927058770002e-10 + (2.0 * s + (2.0 * s) * (z * p)))


def ref_sincos(x):
    n = math.floor(x * 6.36619772367581382433e-01 + 0.5)
    r = (x - n * 1.57079632673412561417e+00) - n * 6.07710050650619224932e-11
    z = r * r
    sp = 1.0 / math.factorial(17)
    for k in range(7, 0, -1):
        sp = (-1.0) ** k / math.factorial(2 * k + 1) + z * sp
    cp = 1.0 / math.factorial(16)
    for k in range(7, 1, -1):
        cp = (-1.0) ** k / math.factorial(2 * k) + z * cp
    s, c = r + r * (z * sp), (1.0 - 0.5 * z) + (z * z) * cp
    return [(s, c), (c, -s), (-s, -c), (-c, s)][n % 4]


def ref_uniform(seed, stream, i):
    x0, x1 = ref_threefry(seed, stream, i, 0)
    return ((x0 >> 5) * 67108864.0 + (x1 >> 6)) / 9007199254740992.0


def ref_normal(seed, stream, i):
    attempt = 0
    while True:
        x0, x1 = ref_threefry(seed, stream, i, attempt)
        v0, v1 = ((x - 2147483648.0 + 0.5) / 2147483648.0 for x in (x0, x1))
        s = v0 * v0 + v1 * v1
        if s < 1.0:
            return v0 * math.sqrt(-2.0 * ref_log(s) / s)
        attempt += 1


def ref_batch(seed, step, samples, size):
    words = [ref_threefry(seed, STREAMS["batches"], step, i)[0] for i in range(samples)]
    return sorted(range(samples), key=lambda i: (words[i], i))[:size]


# ---- the code follows the spec bit for bit --------------------------------------------------------
def test_log_and_sincos_follow_the_spec_bit_for_bit():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.exp(rng.uniform(-700, 700, 2000)), rng.uniform(0, 2, 2000), [1.0, 2.0**-1022, 1e308]])
    assert log(x).tolist() == [ref_log(float(v)) for v in x]
    a = np.concatenate([rng.uniform(-200, 200, 3000), np.arange(-40, 41) * np.pi / 4])
    sin, cos = sincos(a)
    assert list(zip(sin.tolist(), cos.tolist())) == [ref_sincos(float(v)) for v in a]


@pytest.mark.parametrize("seed,stream,start", [(0, STREAMS["data"], 0), (2**31 - 1, STREAMS["init"], 7),
                                               (12345, 9, 2**32 - 300)])
def test_uniforms_normals_and_batches_follow_the_spec_bit_for_bit(seed, stream, start):
    positions = range(start, start + 300)
    assert uniform(seed, stream, 300, start=start).tolist() == [ref_uniform(seed, stream, i) for i in positions]
    assert normal(seed, stream, 300, start=start).tolist() == [ref_normal(seed, stream, i) for i in positions]
    for step, samples, size in ((0, 10, 4), (start % 2**31, 257, 100), (2**32 - 1, 33, 33)):
        assert batch_indices(seed, step, samples, size).tolist() == ref_batch(seed, step, samples, size)


def test_a_generator_continues_its_stream_and_the_lab_draws_its_data_and_init_from_their_streams():
    long = normal(4, 1, 3 * 2**14 + 5, start=7)  # computed in blocks: across a block's edge, draw i is still draw i
    assert long[2**14 - 50: 2**14 + 50].tolist() == normal(4, 1, 100, start=2**14 - 43).tolist()
    assert long[-3:].tolist() == [ref_normal(4, 1, i) for i in range(3 * 2**14 + 9, 3 * 2**14 + 12)]
    g = Threefry(4, 1)
    assert np.concatenate([g.normal(5), g.random(3), g.normal(4)]).tolist() == (
        normal(4, 1, 5).tolist() + uniform(4, 1, 3, start=5).tolist() + normal(4, 1, 4, start=8).tolist())
    # blobs: K * d centres (3 g), then one row of noise per sample, from (seed, data); the init from (seed, init)
    e = Experiment(dataset="blobs", classes=2, dim=3, samples_per_class=2, hidden=(4,), init="default", seed=9)
    data, params, _ = prepare(e)
    g = normal(9, STREAMS["data"], 6 + 12)
    centres, noise = 3.0 * g[:6].reshape(2, 3), g[6:].reshape(4, 3)
    np.testing.assert_array_equal(data["inputs"], (centres[[0, 0, 1, 1]] + noise).astype(np.float32))
    u = uniform(9, STREAMS["init"], 3 * 4 + 4 + 4 * 2 + 2)
    bounds = [1 / math.sqrt(3)] * 16 + [1 / math.sqrt(4)] * 10
    flat = np.concatenate([params[k].ravel() for k in ("w0", "b0", "w_out", "b_out")])
    np.testing.assert_array_equal(flat, ((2 * u - 1) * bounds).astype(np.float32))


# ---- accuracy and statistics ----------------------------------------------------------------------
def test_log_and_sincos_are_within_two_ulp_of_numpy():
    rng = np.random.default_rng(1)
    x = np.concatenate([np.exp(rng.uniform(-700, 700, 100_000)), rng.uniform(0.5, 2.0, 100_000)])
    assert np.max(np.abs(log(x) - np.log(x)) / np.spacing(np.abs(np.log(x)))) <= 2
    a = rng.uniform(-30, 30, 200_000)  # the spirals' angles are in [0, 6 pi]
    sin, cos = sincos(a)
    # near a zero of sin or cos, an error of 1 ulp of 1 is the honest measure
    for ours, theirs in ((sin, np.sin(a)), (cos, np.cos(a))):
        assert np.max(np.abs(ours - theirs) / np.maximum(np.spacing(np.abs(theirs)), 2.0**-56)) <= 2


@pytest.mark.parametrize("seed,stream", [(0, STREAMS["data"]), (2**31 - 1, STREAMS["init"]), (5, 77)])
def test_normals_and_uniforms_have_the_moments_and_distribution_they_claim(seed, stream):
    n = 200_000
    g, u = normal(seed, stream, n), uniform(seed, stream, n)
    se = 1 / math.sqrt(n)  # standard errors: mean se, variance ~ sqrt(2) se, skew ~ sqrt(6) se, kurtosis sqrt(24) se
    assert abs(g.mean()) < 5 * se and abs(g.var() - 1) < 5 * math.sqrt(2) * se
    assert abs(stats.skew(g)) < 5 * math.sqrt(6) * se and abs(stats.kurtosis(g)) < 5 * math.sqrt(24) * se
    assert stats.kstest(g, "norm").pvalue > 1e-3
    assert abs(u.mean() - 0.5) < 5 * se / math.sqrt(12) and stats.kstest(u, "uniform").pvalue > 1e-3
    assert stats.pearsonr(g[:-1], g[1:]).statistic < 5 * se  # neighbours uncorrelated


def test_the_default_init_is_pytorchs_uniform_and_the_sphere_is_uniform():
    _, params, _ = prepare(Experiment(hidden=(512, 64), init="default"))
    w = params["w1"].astype(np.float64).ravel()  # fan_in 512
    bound = 1 / math.sqrt(512)
    assert np.all(np.abs(w) <= np.float32(bound))
    assert stats.kstest(w, stats.uniform(-bound, 2 * bound).cdf).pvalue > 1e-3
    data, _, _ = prepare(Experiment(samples_per_class=5000, steps=0))
    d = data["inputs"][data["labels"] == 2].astype(np.float64) / 4.0  # (5000, 3) on the unit sphere
    np.testing.assert_allclose(np.cov(d.T), np.eye(3) / 3, atol=0.02)
    assert stats.kstest(d[:, 2], stats.uniform(-1, 2).cdf).pvalue > 1e-3  # Archimedes: z uniform on [-1, 1]


def test_a_mini_batch_is_distinct_indices_and_each_sample_is_drawn_equally_often():
    samples, size, steps = 30, 7, 3000
    counts = np.zeros(samples)
    for step in range(steps):
        b = batch_indices(11, step, samples, size)
        assert len(set(b.tolist())) == size and b.min() >= 0 and b.max() < samples
        counts[b] += 1
    assert stats.chisquare(counts, np.full(samples, steps * size / samples)).pvalue > 1e-3


# ---- the engine draws those batches inside jit --------------------------------------------------
def test_the_jitted_vmapped_batch_equals_the_spec_for_traced_seeds_and_steps():
    jax = pytest.importorskip("jax")
    from softmaxlab.lab.engine import batch_indices as jax_batch

    seeds = np.array([0, 1, 2**31 - 1, 424242], dtype=np.int32)
    steps = np.array([0, 5, 99_999, 2**31 - 1], dtype=np.int32)
    got = jax.jit(jax.vmap(lambda s, t: jax_batch(s, t, 97, 13)))(seeds, steps)
    for row, seed, step in zip(np.asarray(got), seeds, steps):
        assert row.tolist() == ref_batch(int(seed), int(step), 97, 13)


def test_training_moves_exactly_the_rows_of_each_steps_batch():
    e = Experiment(model="free-logits", batch_size=7, steps=4, lr=1.0, seed=123)
    run = train(e)
    for step in range(4):  # zero logits and p - y != 0 on every batch row: the moved rows are the batch
        moved = np.flatnonzero(np.any(run.logits[step + 1] != run.logits[step], axis=1))
        assert moved.tolist() == sorted(batch_indices(123, step, e.num_samples, 7).tolist())


@pytest.mark.parametrize("bad,match", [({"seed": -1}, "seed"), ({"step": 2**32}, "step"), ({"seed": 1.5}, "seed")])
def test_bad_arguments_are_named(bad, match):
    args = {"seed": 0, "step": 0, **bad}
    with pytest.raises(ValueError, match=match):
        batch_indices(args["seed"], args["step"], 10, 3)
