"""Calibration readings against independent references: a plain loop, closed forms, torch, a grid search."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from softmaxlab.analysis import calibration, calibration_report, fit_temperature
from softmaxlab.store import Run


def _softmax_loop(row):
    """softmax of one row, written out without the code under test."""
    top = max(row)
    exps = [math.exp(v - top) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _ece_mce_loop(logits, labels, bins):
    """ECE and MCE by the book: one sample at a time, bins (m/B, (m+1)/B]."""
    members = [[] for _ in range(bins)]
    for row, label in zip(np.asarray(logits, dtype=np.float64).tolist(), labels):
        p = _softmax_loop(row)
        pred = max(range(len(p)), key=lambda k: (p[k], -k))  # first of the largest
        conf = p[pred]
        m = 0
        while m < bins - 1 and not conf <= (m + 1) / bins:
            m += 1
        members[m].append((conf, pred == label))
    n = len(labels)
    ece, mce = 0.0, 0.0
    for group in members:
        if group:
            gap = abs(sum(h for _, h in group) / len(group) - sum(c for c, _ in group) / len(group))
            ece += len(group) / n * gap
            mce = max(mce, gap)
    return ece, mce


def _draw_labels(p, rng):
    """One class per row drawn from the probabilities `p` `(n, K)` by inverting the CDF."""
    u = rng.random(p.shape[0])[:, None]  # (n, 1)
    return np.minimum((u > np.cumsum(p, axis=1)).sum(axis=1), p.shape[1] - 1)


@pytest.mark.parametrize("bins", [1, 3, 15, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ece_and_mce_match_a_direct_loop(bins, dtype):
    rng = np.random.default_rng(bins)
    logits = (rng.normal(size=(500, 4)) * 2.0).astype(dtype)  # (n, K)
    labels = rng.integers(0, 4, size=500)
    cal = calibration(logits, labels, bins=bins)
    ece, mce = _ece_mce_loop(logits, labels, bins)
    assert cal.ece == pytest.approx(ece, abs=1e-6 if dtype == np.float32 else 1e-12)
    assert cal.mce == pytest.approx(mce, abs=1e-6 if dtype == np.float32 else 1e-12)
    assert cal.bin_counts.sum() == 500
    assert 0 <= cal.ece <= cal.mce <= 1


def test_one_bin_is_the_gap_between_accuracy_and_mean_confidence():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(300, 3))
    labels = rng.integers(0, 3, size=300)
    p = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    accuracy = np.mean(p.argmax(axis=1) == labels)
    cal = calibration(logits, labels, bins=1)
    assert cal.ece == pytest.approx(abs(accuracy - p.max(axis=1).mean()), abs=1e-12)
    assert cal.accuracy == pytest.approx(accuracy)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 3.0])
def test_nll_matches_torch_cross_entropy(temperature):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(200, 5)) * 4
    labels = rng.integers(0, 5, size=200)
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits / temperature), torch.tensor(labels)).item()
    assert calibration(logits, labels, temperature=temperature).nll == pytest.approx(expected, rel=1e-12)


def test_perfectly_calibrated_probabilities_give_ece_near_zero_and_overconfidence_a_large_one():
    # n = 200,000 in 15 bins: each bin's accuracy has sampling error <= 0.5 / sqrt(n_m), and the
    # ECE's bias is about sqrt(2/pi) * sum_m sqrt(n_m p(1-p)) / n <= 0.4 * sqrt(15 / n) = 0.0035
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.full(4, 0.7), size=200_000)  # (n, K)
    labels = _draw_labels(p, rng)
    calibrated = calibration(np.log(p), labels, bins=15)
    assert calibrated.ece < 0.01
    filled = calibrated.bin_counts > 2000  # well-populated bins lie on the diagonal
    assert np.allclose(calibrated.bin_accuracy[filled], calibrated.bin_confidence[filled], atol=0.03)
    overconfident = calibration(3.0 * np.log(p), labels, bins=15)  # same argmax, sharpened
    assert overconfident.ece > 0.15
    assert overconfident.accuracy == calibrated.accuracy
    assert overconfident.nll > calibrated.nll


def _temperature_tolerance(logits, t):
    """Five standard errors of the maximum-likelihood T, from the Fisher information of beta = 1/T.

    d^2 NLL / d beta^2 per sample is Var_{softmax(beta z)}(z), so se(beta) = 1 / sqrt(n * mean Var)
    and se(T) = T^2 se(beta).
    """
    z = logits / t
    p = np.exp(z - logsumexp(z, axis=1, keepdims=True))
    var = (p * logits**2).sum(axis=1) - (p * logits).sum(axis=1) ** 2
    return 5.0 * t**2 / math.sqrt(var.sum())


@pytest.mark.parametrize("t0", [0.5, 2.0, 3.0])
def test_fit_temperature_recovers_a_known_temperature(t0):
    rng = np.random.default_rng(4)
    true = rng.normal(scale=2.0, size=(20_000, 5))  # (n, K), the calibrated logits
    labels = _draw_labels(np.exp(true - logsumexp(true, axis=1, keepdims=True)), rng)
    # a model T0 times too confident is fixed by dividing its logits by T0
    sharp = true * t0
    assert fit_temperature(sharp, labels) == pytest.approx(t0, abs=_temperature_tolerance(sharp, t0))
    # logits divided by T0 need T = 1 / T0 to come back to the calibrated ones
    soft = true / t0
    assert fit_temperature(soft, labels) == pytest.approx(1 / t0, abs=_temperature_tolerance(soft, 1 / t0))


def test_fit_temperature_is_the_minimum_of_a_grid_search_and_deterministic():
    rng = np.random.default_rng(5)
    logits = rng.normal(scale=3.0, size=(400, 3))
    # labels drawn at T = 1.7, so the best temperature lies inside the search range
    labels = _draw_labels(np.exp(logits / 1.7 - logsumexp(logits / 1.7, axis=1, keepdims=True)), rng)

    def nll(t):
        z = logits / t
        return np.mean(logsumexp(z, axis=1) - z[np.arange(400), labels])

    grid = np.exp(np.linspace(np.log(0.1), np.log(10.0), 4001))  # steps of 0.12% in T
    best = grid[np.argmin([nll(t) for t in grid])]
    t = fit_temperature(logits, labels)
    assert 0.5 < t < 5
    assert t == pytest.approx(best, rel=2e-3)
    assert nll(t) <= nll(best) + 1e-12
    assert fit_temperature(logits, labels) == t


def _torch_root_of_nll_slope(logits, labels, low, high):
    """The best T as an independent reference: brentq on d NLL / d log T, the derivative by torch autograd."""
    from scipy.optimize import brentq

    z = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels)

    def slope(log_t):
        u = torch.tensor(log_t, dtype=torch.float64, requires_grad=True)
        torch.nn.functional.cross_entropy(z / torch.exp(u), y).backward()
        return float(u.grad)

    return math.exp(brentq(slope, math.log(low), math.log(high), xtol=1e-13))


def _nll(logits, labels, t):
    z = np.asarray(logits, dtype=np.float64) / t
    return float(np.mean(logsumexp(z, axis=1) - z[np.arange(len(labels)), labels]))


@pytest.mark.parametrize("scale,low,high", [(0.004, 1e-4, 1e-2), (250.0, 100.0, 1e4), (1e-6, 1e-9, 1e-5),
                                            (1e5, 1e3, 1e7)])
def test_fit_temperature_finds_an_optimum_far_outside_the_start_bracket(scale, low, high):
    rng = np.random.default_rng(7)
    true = rng.normal(scale=3.0, size=(3000, 3))
    labels = _draw_labels(np.exp(true - logsumexp(true, axis=1, keepdims=True)), rng)
    logits = scale * true
    reference = _torch_root_of_nll_slope(logits, labels, low, high)
    assert low < reference < high and not 1e-2 <= reference <= 1e2
    t = fit_temperature(logits, labels)
    assert t == pytest.approx(reference, rel=1e-8)
    bound = 1e-2 if scale < 1 else 1e2  # what a search bounded to (0.01, 100) would return
    assert _nll(logits, labels, t) < _nll(logits, labels, bound)
    assert _nll(logits, labels, t) <= min(_nll(logits, labels, t * 1.001), _nll(logits, labels, t / 1.001))


def test_fit_temperature_reports_an_optimum_at_a_limit_as_such():
    logits = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    # every true logit is its row's largest (a tie included): the sharper, the better, down to T = 0
    assert fit_temperature(logits, [0, 1, 0]) == 0.0
    assert _nll(logits, [0, 1, 0], 1e-3) <= _nll(logits, [0, 1, 0], 1e-2) + 1e-12 < _nll(logits, [0, 1, 0], 1.0)
    # both wrong with equal margin: the flatter, the better, up to T = inf
    assert fit_temperature(logits[:2], [1, 0]) == math.inf
    assert _nll(logits[:2], [1, 0], 1e3) < _nll(logits[:2], [1, 0], 1e2)
    # every row constant: the NLL is log K whatever T
    assert fit_temperature(np.zeros((4, 3)), [0, 1, 2, 0]) == 1.0
    # the limits themselves: calibration at T = 0 is the argmax (ties split), at T = inf uniform
    sharp = calibration(logits, [0, 1, 0], temperature=0.0)
    assert sharp.nll == pytest.approx(math.log(2) / 3) and sharp.confidence == pytest.approx((1 + 1 + 0.5) / 3)
    flat = calibration(logits[:2], [1, 0], temperature=math.inf)
    assert flat.nll == pytest.approx(math.log(2)) and flat.confidence == 0.5


def test_calibration_report_says_when_no_finite_temperature_is_best():
    run = Run(logits=[[[2.0, 0.0], [0.0, 3.0], [1.0, 0.0]]], steps=[5], labels=[0, 1, 0])
    report = calibration_report(run)
    assert report.temperature == 0.0 and "perfectly separated" in report.note and "T -> 0" in report.note
    assert report.after.nll == 0.0 and report.after.ece == 0.0  # the argmax: right with confidence 1
    chance = calibration_report(Run(logits=[[[2.0, 0.0], [0.0, 3.0]]], steps=[5], labels=[1, 0]))
    assert chance.temperature == math.inf and "no better than chance" in chance.note


def _ece_left_closed(logits, labels, bins):
    """ECE with bins [m/B, (m+1)/B) (the last one closed), netcal's rule, one sample at a time."""
    members = [[] for _ in range(bins)]
    for row, label in zip(np.asarray(logits, dtype=np.float64).tolist(), labels):
        p = _softmax_loop(row)
        pred = max(range(len(p)), key=lambda k: (p[k], -k))
        conf = p[pred]
        m = 0
        while m < bins - 1 and conf >= (m + 1) / bins:
            m += 1
        members[m].append((conf, pred == label))
    return sum(len(g) / len(labels) * abs(sum(h for _, h in g) / len(g) - sum(c for c, _ in g) / len(g))
               for g in members if g)


def test_ece_bins_a_confidence_on_an_edge_into_the_bin_it_closes():
    # 30 samples at a zero-initialised start (confidence 1/3 = 5/15, exactly an edge), all right, and
    # 30 just above it (confidence 0.356, in (5/15, 6/15)), all wrong: whether the edge joins them matters
    logits = np.concatenate([np.zeros((30, 3)), np.tile([[0.1, 0.0, 0.0]], (30, 1))])
    labels = np.concatenate([np.zeros(30, int), 1 + np.arange(30) % 2])
    ours = calibration(logits, labels, bins=15)
    right_closed = _ece_mce_loop(logits, labels, 15)[0]  # gpleiss/temperature_scaling's (a, b]
    left_closed = _ece_left_closed(logits, labels, 15)  # netcal's [a, b)
    assert ours.ece == pytest.approx(right_closed, abs=1e-12)
    assert abs(left_closed - right_closed) > 0.05  # the rule matters here: say which one is used
    assert ours.bin_counts[4] == 30  # 1/3 closes bin (4/15, 5/15]
    try:
        from netcal.metrics import ECE
    except ImportError:
        return
    probabilities = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    assert ECE(bins=15).measure(probabilities, labels) == pytest.approx(left_closed, abs=1e-12)


def test_calibration_report_on_a_run_uses_the_chosen_record_and_split():
    rng = np.random.default_rng(6)
    true = rng.normal(scale=2.0, size=(3, 1000, 4))  # (R, S, K)
    labels = _draw_labels(np.exp(true[-1] - logsumexp(true[-1], axis=1, keepdims=True)), rng)
    run = Run(logits=2.5 * true, steps=[0, 10, 20], labels=labels)
    report = calibration_report(run, bins=10)
    last = run.logits[-1].astype(np.float64)  # the readings work in float64
    assert (report.record, report.step, report.fit_samples, report.eval_samples) == (2, 20, 1000, 1000)
    assert report.temperature == pytest.approx(fit_temperature(last, labels))
    assert report.before.ece == pytest.approx(_ece_mce_loop(last, labels, 10)[0], abs=1e-9)
    assert report.after.ece == pytest.approx(_ece_mce_loop(last / report.temperature, labels, 10)[0], abs=1e-9)
    assert report.after.ece < report.before.ece / 3
    assert calibration_report(run, record=1).step == 10

    split = calibration_report(run, bins=10, fit_fraction=0.3, seed=1)
    assert (split.fit_samples, split.eval_samples, split.fit_fraction) == (300, 700, 0.3)
    order = np.random.default_rng(1).permutation(1000)
    fit, held = np.sort(order[:300]), np.sort(order[300:])
    assert split.eval_index.tolist() == held.tolist()
    assert split.temperature == pytest.approx(fit_temperature(last[fit], labels[fit]))
    assert split.after.ece == pytest.approx(_ece_mce_loop(last[held] / split.temperature, labels[held], 10)[0],
                                            abs=1e-9)
    assert calibration_report(run, fit_fraction=0.3, seed=1).temperature == split.temperature
    with pytest.warns(DeprecationWarning, match="fit_fraction"):  # the old name still works, one release
        old = calibration_report(run, holdout=0.3, seed=1)
    assert old.temperature == split.temperature and old.eval_index.tolist() == held.tolist()
    with pytest.warns(DeprecationWarning):
        assert old.holdout == 0.3


@pytest.mark.parametrize("kwargs,message", [
    (dict(bins=0), "bins"), (dict(bins=2.5), "bins"), (dict(bins=True), "bins"),
    (dict(temperature=-1.0), "temperature"), (dict(temperature=float("nan")), "temperature"),
])
def test_calibration_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        calibration(np.zeros((3, 2)), [0, 1, 0], **kwargs)


@pytest.mark.parametrize("logits,labels,message", [
    (np.zeros((3, 2)), [0, 1], r"labels must have shape \(3,\)"),
    (np.zeros((3, 2)), [0, 1, 2], r"labels must lie in \[0, 2\)"),
    (np.zeros((3, 2)), [0.5, 1, 0], "integer"),
    (np.zeros(3), [0, 1, 0], "logits must have shape"),
    (np.zeros((0, 2)), [], "at least one sample"),
    (np.zeros((2, 1)), [0, 0], "at least 2 classes"),
    (np.array([[0.0, np.nan]]), [0], "finite"),
])
def test_calibration_and_fit_reject_bad_arrays(logits, labels, message):
    with pytest.raises(ValueError, match=message):
        calibration(logits, labels)
    with pytest.raises(ValueError, match=message):
        fit_temperature(logits, labels)


def test_report_rejects_bad_run_options():
    run = Run(logits=np.zeros((2, 4, 2)), steps=[0, 1], labels=[0, 1, 0, 1])
    for kwargs, message in [(dict(fit_fraction=1.0), "fit_fraction"), (dict(fit_fraction=0.01), "no sample"),
                            (dict(record=5), "out of range"), (dict(record=1.0), "record"),
                            (dict(bins=0), "bins")]:
        with pytest.raises(ValueError, match=message):
            calibration_report(run, **kwargs)
    empty = Run(logits=np.zeros((0, 4, 2)), steps=np.zeros(0, np.int64), labels=[0, 1, 0, 1])
    with pytest.raises(ValueError, match="empty"):
        calibration_report(empty)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31), scale=st.floats(0.2, 5.0), shift=st.floats(-50, 50), bins=st.integers(1, 30))
def test_properties_on_random_logits(seed, scale, shift, bins):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=2.0, size=(200, 4))
    # labels drawn from the logits, so the best temperature is finite (near 1)
    labels = _draw_labels(np.exp(logits - logsumexp(logits, axis=1, keepdims=True)), rng)
    cal = calibration(logits, labels, bins=bins)
    assert 0 <= cal.ece <= cal.mce <= 1
    assert cal.bin_counts.sum() == 200 and np.nansum(cal.bin_counts * cal.bin_accuracy) == pytest.approx(
        cal.accuracy * 200)
    # softmax ignores a constant added to every logit of a row
    shifted = calibration(logits + shift, labels, bins=bins)
    assert shifted.ece == pytest.approx(cal.ece, abs=1e-9) and shifted.nll == pytest.approx(cal.nll, rel=1e-9)
    # scaling the logits by c scales the best temperature by c (within the search bounds)
    t = fit_temperature(logits, labels)
    assert 0.2 < t < 5
    if 0.05 < t * scale < 20:
        assert fit_temperature(scale * logits, labels) == pytest.approx(scale * t, rel=1e-5)
