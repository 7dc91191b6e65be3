"""The counter-based generator (core/random.py) against JAX's own Threefry and Random123's known answers."""

import numpy as np
import pytest
from scipy import stats

from softmaxlab.core import sample
from softmaxlab.core.random import Threefry, threefry2x32, uniform

# Random123's known-answer vectors for threefry2x32 with 20 rounds: (key, counter) -> output
KNOWN = [((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
         ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
         ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0))]


@pytest.mark.parametrize("key,counter,expected", KNOWN)
def test_threefry_gives_random123s_known_answers(key, counter, expected):
    x0, x1 = threefry2x32(key, [counter[0]], [counter[1]])
    assert (int(x0[0]), int(x1[0])) == expected


def test_threefry_equals_jaxs_bit_for_bit():
    jnp = pytest.importorskip("jax.numpy")
    from jax.extend.random import threefry_2x32

    rng = np.random.default_rng(1)
    for key in ((0, 0), (123456789, 2**32 - 1), (2**31 - 1, 7)):
        c0, c1 = (rng.integers(0, 2**32, 5000, dtype=np.uint64).astype(np.uint32) for _ in range(2))
        ours = np.concatenate(threefry2x32(key, c0, c1))
        theirs = np.asarray(threefry_2x32(jnp.array(key, dtype=jnp.uint32), jnp.concatenate([jnp.asarray(c0), jnp.asarray(c1)])))
        assert np.array_equal(ours, theirs)


def test_uniforms_are_uniform_and_a_stream_continues_where_it_stopped():
    u = uniform(0, 0, 200_000)
    assert u.min() >= 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    g = Threefry(5, 2)
    assert np.array_equal(np.concatenate([g.random(10), g.random(7)]), uniform(5, 2, 17))
    assert not np.array_equal(uniform(5, 2, 10), uniform(5, 3, 10))


def test_draws_from_it_follow_the_distribution():
    p = np.array([0.5, 0.3, 0.2])
    draws = sample(np.log(p), 60_000, rng=Threefry(3))
    assert stats.chisquare(np.bincount(draws, minlength=3), 60_000 * p).pvalue > 1e-3


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, True])
def test_a_seed_outside_32_bits_is_refused(bad):
    with pytest.raises(ValueError, match="seed"):
        Threefry(bad)
