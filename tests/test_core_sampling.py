"""Sampling filters against brute-force definitions, and sample() frequencies against the filtered
softmax by a chi-square test (scipy.stats) with a fixed seed."""

import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats

from softmaxlab.core.sampling import filter_logits, sample


@pytest.fixture(autouse=True)
def strict_floats():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


# ---- brute-force references: one class at a time, straight from the definitions --------------


def keep_top_k(z, k):
    """Class i survives when fewer than k classes have a strictly larger logit (ties kept)."""
    return np.array([(z > zi).sum() < k for zi in z])


def keep_top_p(z, p):
    """Class i survives when the classes strictly more probable than it hold less than p."""
    with np.errstate(under="ignore"):
        probs = scipy.special.softmax(z)
    return np.array([probs[z > zi].sum() < p for zi in z])


def keep_min_p(z, m):
    with np.errstate(under="ignore"):
        probs = scipy.special.softmax(z)
    return probs >= m * probs.max()


def kept(z, **options):
    return np.isfinite(filter_logits(z, **options))


def random_logits(seed, k=12):
    return np.random.default_rng(seed).normal(size=k) * 2


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [1, 2, 5, 11, 12, 50])
def test_top_k_keeps_exactly_the_k_largest(seed, k):
    z = random_logits(seed)
    np.testing.assert_array_equal(kept(z, top_k=k), keep_top_k(z, k))
    assert kept(z, top_k=k).sum() == min(k, len(z))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("p", [1e-9, 0.1, 0.5, 0.9, 0.99, 1.0])
def test_top_p_keeps_the_smallest_set_reaching_p(seed, p):
    z = random_logits(seed)
    mask = kept(z, top_p=p)
    np.testing.assert_array_equal(mask, keep_top_p(z, p))
    probs = scipy.special.softmax(z)
    assert probs[mask].sum() >= p - 1e-12  # reaches p ...
    assert probs[mask].sum() - probs[mask].min() < p  # ... and would not without its least member


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("m", [0.0, 0.05, 0.3, 0.9, 1.0])
def test_min_p_keeps_classes_within_a_factor_of_the_best(seed, m):
    z = random_logits(seed)
    np.testing.assert_array_equal(kept(z, min_p=m), keep_min_p(z, m))


def test_ties_at_the_boundary_are_kept():
    assert kept([3.0, 1.0, 1.0], top_k=2).tolist() == [True, True, True]
    assert kept([1.0, 1.0, 1.0, 0.0], top_p=0.2).tolist() == [True, True, True, False]
    assert kept([2.0, 2.0, 0.0], min_p=1.0).tolist() == [True, True, False]
    assert kept([0.0, 0.0], top_p=0.5).tolist() == [True, True]


def _hugging_face_top_p(logits, top_p):
    """Which classes transformers' TopPLogitsWarper keeps, its rule in a few lines of torch: sort ascending,
    drop the classes whose cumulative probability is <= 1 - top_p, always keep the most probable."""
    torch = pytest.importorskip("torch")
    scores = torch.tensor(logits, dtype=torch.float64)
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cumulative <= (1 - top_p)
    remove[-1] = False
    return ~remove.scatter(0, sorted_indices, remove).numpy()


def _hugging_face_top_k(logits, top_k):
    """TopKLogitsWarper's rule: remove the scores below the k-th largest (ties with it stay)."""
    torch = pytest.importorskip("torch")
    scores = torch.tensor(logits, dtype=torch.float64)
    return ~(scores < torch.topk(scores, top_k)[0][-1]).numpy()


def test_top_p_keeps_a_whole_tie_where_hugging_face_cuts_through_it():
    logits = [1.0, 1.0, 0.0]
    hf = _hugging_face_top_p(logits, 0.3)
    assert hf.sum() == 1 and not hf[2]  # one of the two tied classes, by sort order
    assert kept(logits, top_p=0.3).tolist() == [True, True, False]  # both, as documented
    # without a tie at the cut the two rules agree
    rng = np.random.default_rng(0)
    for _ in range(50):
        z = rng.normal(size=6)
        p = float(rng.uniform(0.05, 0.95))
        assert kept(z, top_p=p).tolist() == _hugging_face_top_p(z, p).tolist()
    # top-k keeps ties in both
    assert kept([3.0, 1.0, 1.0], top_k=2).tolist() == _hugging_face_top_k([3.0, 1.0, 1.0], 2).tolist()


def test_filters_compose_in_order_temperature_k_p_min_p():
    z = random_logits(7, k=20)
    t, k, p, m = 0.7, 9, 0.8, 0.05
    mask = keep_top_k(z / t, k)
    after_k = np.where(mask, z / t, -np.inf)
    mask &= keep_top_p(after_k, p)  # top-p sees the distribution renormalised over the top k
    after_p = np.where(mask, z / t, -np.inf)
    mask &= keep_min_p(after_p, m)
    np.testing.assert_array_equal(kept(z, temperature=t, top_k=k, top_p=p, min_p=m), mask)


def test_filtered_logits_are_the_shifted_scaled_logits():
    z = np.array([[2.0, 1.0, 0.1, -1.0], [0.0, 5.0, -np.inf, 1.0]])  # a batch works too
    out = filter_logits(z, temperature=0.5)
    np.testing.assert_allclose(out, (z - z.max(axis=1, keepdims=True)) / 0.5)
    assert filter_logits(z.astype(np.float32)).dtype == np.float32
    # tiny temperature: the argmax alone (and ties), no overflow
    np.testing.assert_allclose(filter_logits([1.0, 3.0, 3.0], temperature=1e-300), [-2e300, 0.0, 0.0])
    assert filter_logits(np.float32([1.0, 3.0, 3.0]), temperature=1e-300).tolist() == [-np.inf, 0.0, 0.0]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"temperature": 0.5},
        {"temperature": 2.0, "top_k": 3},
        {"top_p": 0.7},
        {"min_p": 0.1},
        {"temperature": 1.3, "top_k": 5, "top_p": 0.9, "min_p": 0.02},
    ],
)
def test_sample_frequencies_match_the_filtered_softmax(options):
    z = np.array([1.5, 0.2, -0.4, 2.1, -3.0, 0.9, -np.inf])
    expected = scipy.special.softmax(filter_logits(z, **options))  # (K,)
    n = 40_000
    draws = sample(z, n, rng=np.random.default_rng(1234), **options)
    assert draws.shape == (n,) and draws.dtype == np.int64
    counts = np.bincount(draws, minlength=len(z))
    assert counts[expected == 0].sum() == 0  # filtered classes are never drawn
    support = expected > 0
    test = scipy.stats.chisquare(counts[support], n * expected[support])
    assert test.pvalue > 1e-3, (counts, n * expected)


def test_sample_is_reproducible_and_zero_draws_work():
    z = [0.0, 1.0, 2.0]
    a = sample(z, 100, rng=np.random.default_rng(5))
    b = sample(z, 100, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert sample(z, 0, rng=np.random.default_rng(0)).shape == (0,)
    assert set(sample([0.0, 1e4, -1e4], 50, rng=np.random.default_rng(0)).tolist()) == {1}


def test_rng_is_required():
    with pytest.raises(TypeError):
        sample([0.0, 1.0], 3)  # keyword-only and required
    for bad in (None, 42, np.random.RandomState(0)):
        with pytest.raises(ValueError, match="Generator"):
            sample([0.0, 1.0], 3, rng=bad)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"top_k": 0}, "top_k"),
        ({"top_k": -3}, "top_k"),
        ({"top_k": 2.5}, "top_k"),
        ({"top_k": True}, "top_k"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_p": np.nan}, "top_p"),
        ({"top_p": "most"}, "top_p"),
        ({"min_p": -0.1}, "min_p"),
        ({"min_p": 1.01}, "min_p"),
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": -1.0}, "temperature"),
    ],
)
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        filter_logits([1.0, 2.0, 3.0], **options)
    with pytest.raises(ValueError, match=message):
        sample([1.0, 2.0, 3.0], 5, rng=np.random.default_rng(0), **options)


def test_bad_logits_and_counts_are_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="NaN"):
        filter_logits([np.nan, 1.0])
    with pytest.raises(ValueError, match=r"\+inf"):
        sample([np.inf, 1.0], 3, rng=rng)
    with pytest.raises(ValueError, match="nothing to sample"):
        sample([-np.inf, -np.inf], 3, rng=rng)
    with pytest.raises(ValueError, match="empty class axis"):
        sample([], 3, rng=rng)
    with pytest.raises(ValueError, match=r"shape \(K,\)"):
        sample([[0.0, 1.0]], 3, rng=rng)
    for n in (-1, 2.5, "3"):
        with pytest.raises(ValueError, match="n must be"):
            sample([0.0, 1.0], n, rng=rng)
