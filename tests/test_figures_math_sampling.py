"""sampling: what each filter keeps, against a direct NumPy implementation of top-k / top-p /
min-p; the bars against scipy's softmax; the histogram's counts against n and the exact q."""

import re

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softmaxlab.figures import sampling


def trace(fig, uid):
    found = [t for t in fig.data if t.uid == uid]
    assert len(found) == 1, f"expected one trace {uid!r}, found {len(found)}"
    return found[0]


def reference_keep(z, t, *, top_k=None, top_p=None, min_p=None):
    """Kept tokens, written plainly: top-k, then top-p on the survivors, then min-p (the documented order)."""
    x = np.asarray(z, dtype=float) / t
    keep = np.ones(len(x), dtype=bool)
    if top_k is not None:
        threshold = sorted(x, reverse=True)[min(top_k, len(x)) - 1]
        keep &= x >= threshold
    if top_p is not None:
        survivors = [i for i in np.argsort(-x) if keep[i]]
        probs = np.exp(x[survivors] - x.max())
        probs /= probs.sum()
        mass, chosen = 0.0, set()
        for i, pr in zip(survivors, probs):
            if mass >= top_p:
                break
            chosen.add(i)
            mass += pr
        keep &= np.isin(np.arange(len(x)), list(chosen))
    if min_p is not None:
        p = scipy.special.softmax(x)
        keep &= p >= min_p * p.max()
    return keep


def near_top_p_boundary(z, t, top_k, top_p):
    """True if a cumulative mass is within rounding of top_p (there the kept set is a coin toss)."""
    x = np.sort(np.asarray(z, dtype=float) / t)[::-1]
    if top_k is not None:
        x = x[:top_k]
    cum = np.cumsum(scipy.special.softmax(x))
    return bool(np.any(np.abs(cum - top_p) < 1e-9))


logits = st.lists(st.floats(-6, 6, allow_nan=False), min_size=2, max_size=12, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    z=logits,
    t=st.floats(0.2, 5),
    top_k=st.none() | st.integers(1, 12),
    top_p=st.none() | st.floats(0.05, 1.0),
    min_p=st.none() | st.floats(0.0, 1.0),
)
def test_kept_sets_and_distributions_match_a_direct_implementation(z, t, top_k, top_p, min_p):
    assume(top_p is None or not near_top_p_boundary(z, t, top_k, top_p))
    # logits closer than rounding are ties, which the core keeps together at a boundary (as documented)
    assume(np.min(np.diff(np.sort(np.asarray(z) / t))) > 1e-6)
    fig = sampling(z, temperature=t, top_k=top_k, top_p=top_p, min_p=min_p)
    keep = reference_keep(z, t, top_k=top_k, top_p=top_p, min_p=min_p)
    p = scipy.special.softmax(np.asarray(z) / t)
    tempered = trace(fig, "tempered")
    np.testing.assert_allclose(tempered.y, p, rtol=1e-10, atol=1e-300)
    np.testing.assert_array_equal(np.asarray(tempered.customdata)[:, 0].astype(bool), keep)
    np.testing.assert_array_equal(np.asarray(trace(fig, "keeps-all").customdata).astype(bool), keep)
    q = np.where(keep, p, 0.0) / p[keep].sum()
    np.testing.assert_allclose(trace(fig, "final").y, q, rtol=1e-9, atol=1e-300)
    assert sum(trace(fig, "final").y) == pytest.approx(1.0)
    # one row per filter given, each alone
    for name, value in (("top_k", top_k), ("top_p", top_p), ("min_p", min_p)):
        uid = f"keeps-{name.replace('_', '-')}"
        rows = [tr for tr in fig.data if tr.uid == uid]
        if value is None:
            assert not rows
            continue
        alone = reference_keep(z, t, **{name: value})
        np.testing.assert_array_equal(np.asarray(rows[0].customdata).astype(bool), alone)


def test_named_cases():
    z = [2.0, 1.0, 0.1, -1.0]
    assert list(trace(sampling(z, top_k=2), "keeps-all").customdata) == [1, 1, 0, 0]
    p = scipy.special.softmax(z)  # 0.638, 0.235, 0.095, 0.032: 0.638 + 0.235 < 0.9 so three are needed
    assert list(trace(sampling(z, top_p=0.9), "keeps-all").customdata) == [1, 1, 1, 0]
    assert list(trace(sampling(z, min_p=0.3), "keeps-all").customdata) == list((p >= 0.3 * p.max()).astype(int))


@pytest.mark.parametrize("n,seed", [(1, 0), (37, 3), (5000, 11)])
def test_histogram_counts_sum_to_n_and_only_kept_tokens_are_drawn(n, seed):
    fig = sampling([1.0, 3.0, 0.5, 2.0, -1.0], top_k=3, samples=n, seed=seed)
    h = trace(fig, "samples")
    counts = np.asarray(h.customdata)
    assert counts.sum() == n
    np.testing.assert_allclose(h.y, counts / n)
    assert counts[2] == 0 and counts[4] == 0  # removed by top-k
    again = trace(sampling([1.0, 3.0, 0.5, 2.0, -1.0], top_k=3, samples=n, seed=seed), "samples")
    np.testing.assert_array_equal(again.customdata, counts)  # same seed, same draws


def test_histogram_agrees_with_the_exact_probabilities():
    n = 40_000
    fig = sampling([0.5, 1.5, -0.2, 1.0, 0.0], temperature=0.7, top_p=0.95, samples=n, seed=1)
    counts = np.asarray(trace(fig, "samples").customdata)
    q = np.asarray(trace(fig, "final").y)
    expected = q * n
    used = expected > 0
    chi2 = ((counts[used] - expected[used]) ** 2 / expected[used]).sum()
    assert scipy.stats.chi2.sf(chi2, df=used.sum() - 1) > 1e-4
    assert np.all(counts[~used] == 0)


def test_no_histogram_without_samples():
    assert not [t for t in sampling().data if t.uid == "samples"]


def test_entropy_and_effective_choices_in_the_note():
    z = np.array([3.0, 2.4, 2.0, 1.2, 0.5])
    fig = sampling(z, temperature=1.3, top_k=3)
    assert "T = 1.3" in fig.layout.title.text
    text = fig.layout.annotations[0].text
    numbers = [float(v) for v in re.findall(r"\d+\.\d+", text)]
    p = scipy.special.softmax(z / 1.3)
    q = scipy.special.softmax(z[:3] / 1.3)
    h_p, h_q = scipy.stats.entropy(p), scipy.stats.entropy(q)
    assert numbers[0] == pytest.approx(h_p, abs=6e-4)
    assert numbers[1] == pytest.approx(scipy.stats.entropy(p, base=2), abs=6e-4)
    assert numbers[2] == pytest.approx(np.exp(h_p), abs=6e-3)
    assert numbers[3] == pytest.approx(h_q, abs=6e-4)
    assert numbers[4] == pytest.approx(np.exp(h_q), abs=6e-3)
    assert "of 3 kept" in text


def test_token_labels_become_tick_labels():
    fig = sampling([1.0, 0.0, -1.0], labels=["the", "a", "cat"])
    assert list(fig.layout.xaxis3.ticktext) == ["the", "a", "cat"]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(logits=[1.0]), "logits"),
        (dict(logits=[1.0, float("inf")]), "logits"),
        (dict(temperature=0.0), "temperature"),
        (dict(top_k=0), "top_k"),
        (dict(top_k=2.5), "top_k"),
        (dict(top_p=0.0), "top_p"),
        (dict(top_p=1.5), "top_p"),
        (dict(min_p=-0.1), "min_p"),
        (dict(samples=-1), "samples"),
        (dict(seed=-3), "seed"),
        (dict(labels=["a", "b"]), "labels"),
    ],
)
def test_bad_options_raise_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sampling(**kwargs)
