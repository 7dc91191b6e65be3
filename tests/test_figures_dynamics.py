"""The research-reading figures draw exactly the numbers of their readings."""

import numpy as np
import plotly.graph_objects as go
import pytest

from softmaxlab.analysis import calibration, cartography, fit_temperature, forgetting_events, neural_collapse
from softmaxlab.figures.dynamics import (
    data_map,
    forgetting_figure,
    neural_collapse_figure,
    reliability_diagram,
    reliability_figure,
)
from softmaxlab.store import Run


def _training_like_run(records=12, samples=60, classes=3, seed=0):
    """Logits that drift toward each sample's class (some toward a wrong one), with noise."""
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % classes
    target = np.eye(classes)[labels]  # (S, K)
    target[:6] = np.eye(classes)[(labels[:6] + 1) % classes]  # a few samples learn the wrong class
    growth = np.linspace(0.0, 4.0, records)[:, None, None]  # (R, 1, 1)
    logits = growth * target + rng.normal(scale=1.0, size=(records, samples, classes))  # (R, S, K)
    features = np.concatenate([logits, rng.normal(size=(records, samples, 2))], axis=2)  # (R, S, K+2)
    weights = np.broadcast_to(np.eye(classes, classes + 2), (records, classes, classes + 2))
    return Run(logits=logits, steps=5 * np.arange(records), labels=labels,
               extras={"features": features.astype(np.float32), "weights": np.array(weights, np.float32)})


def _trace(fig, uid):
    (trace,) = [t for t in fig.data if t.uid == uid]
    return trace


def _valid(fig):
    """`fig`, once plotly has accepted every property of it (a builder may skip validation for speed)."""
    go.Figure(fig.to_dict())
    return fig


def test_data_map_draws_the_cartography():
    run = _training_like_run()
    fig = _valid(data_map(run, records=slice(1, None), variability_threshold=0.15))
    carto = cartography(run, records=slice(1, None), variability_threshold=0.15)
    dots = _trace(fig, "samples")
    np.testing.assert_allclose(dots.x, carto.variability)
    np.testing.assert_allclose(dots.y, carto.confidence)
    np.testing.assert_allclose(dots.marker.color, carto.correctness)
    assert list(dots.text) == carto.regions.tolist()
    labels = [a.text for a in fig.layout.annotations]
    for name, count in carto.counts().items():
        assert f"<b>{name}</b> ({count})" in labels
    assert sum(carto.counts().values()) == run.num_samples
    assert {s.x0 for s in fig.layout.shapes} >= {0.15} and {s.y0 for s in fig.layout.shapes} >= {0.5}
    assert "11 records" in fig.layout.title.text.replace("<br>", " ")  # wrapped for a phone


def test_a_data_map_past_max_samples_draws_a_seeded_subset_and_counts_every_sample():
    run = _training_like_run()
    n = run.num_samples
    carto = cartography(run)
    fig = _valid(data_map(run, max_samples=n // 3, seed=4))
    dots = _trace(fig, "samples")
    index = np.asarray(dots.customdata)[:, 0].astype(int)
    assert index.size == n // 3 and np.all(np.diff(index) > 0) and index.max() < n  # distinct, in sample order
    np.testing.assert_allclose(dots.x, carto.variability[index])
    np.testing.assert_allclose(dots.y, carto.confidence[index])
    np.testing.assert_allclose(dots.marker.color, carto.correctness[index])
    np.testing.assert_array_equal(np.asarray(dots.customdata)[:, 1], np.asarray(run.labels)[index])
    labels = [a.text for a in fig.layout.annotations]
    assert all(f"<b>{name}</b> ({count})" in labels for name, count in carto.counts().items())  # of all
    assert f"{n // 3:,} of {n:,} samples drawn (random, seed 4)" in fig.layout.title.text.replace("<br>", " ")
    again = _trace(data_map(run, max_samples=n // 3, seed=4), "samples")
    other = _trace(data_map(run, max_samples=n // 3, seed=5), "samples")
    assert np.array_equal(again.customdata, dots.customdata) and not np.array_equal(other.customdata, dots.customdata)
    whole = data_map(run, max_samples=n)  # at the limit: every sample, nothing said
    assert len(_trace(whole, "samples").x) == n and "samples drawn" not in whole.layout.title.text
    with pytest.raises(ValueError, match="max_samples"):
        data_map(run, max_samples=0)


@pytest.mark.parametrize("temperature", [None, 2.5])
def test_reliability_diagram_draws_the_calibration_before_and_after(temperature):
    run = _training_like_run()
    logits, labels = run.logits[-1], run.labels
    fig = _valid(reliability_diagram(logits, labels, bins=10, temperature=temperature))
    t = fit_temperature(logits, labels) if temperature is None else temperature
    for which, cal in [("before", calibration(logits, labels, bins=10)),
                       ("after", calibration(logits, labels, bins=10, temperature=t))]:
        filled = cal.bin_counts > 0
        bars, gaps = _trace(fig, f"accuracy-{which}"), _trace(fig, f"gap-{which}")
        np.testing.assert_allclose(bars.y, cal.bin_accuracy[filled])
        np.testing.assert_allclose(np.asarray(gaps.base, float) + np.asarray(gaps.y, float), cal.bin_confidence[filled])
        assert list(bars.customdata) == cal.bin_counts[filled].tolist()
        assert f"{cal.ece:.3f}" in fig.layout.title.text
    assert f"T = {t:.3g}" in fig.layout.title.text


def test_reliability_figure_of_a_run_draws_the_held_out_samples_at_the_held_out_temperature():
    run = _training_like_run()
    fig = _valid(reliability_figure(run, record=-2, bins=8, fit_fraction=0.5, seed=2))
    with pytest.warns(DeprecationWarning, match="fit_fraction"):
        old = reliability_figure(run, record=-2, bins=8, holdout=0.5, seed=2)
    assert old.to_json() == fig.to_json()
    order = np.random.default_rng(2).permutation(run.num_samples)
    fit, held = np.sort(order[:30]), np.sort(order[30:])
    z = run.logits[-2].astype(np.float64)
    t = fit_temperature(z[fit], run.labels[fit])
    after = calibration(z[held], run.labels[held], bins=8, temperature=t)
    np.testing.assert_allclose(_trace(fig, "accuracy-after").y, after.bin_accuracy[after.bin_counts > 0])
    assert f", {after.ece:.3f} at T = {t:.3g}" in fig.layout.title.text
    assert "step 50: 30 samples" in fig.layout.title.text and "30 other, held-out" in fig.layout.title.text


def test_neural_collapse_figure_draws_the_readings():
    run = _training_like_run()
    for source in ("features", "logits"):
        fig = _valid(neural_collapse_figure(run, source=source))
        nc = neural_collapse(run, source=source)
        for uid in ("nc1", "nc2", "nc2-equinorm", "nc2-equiangular", "nc3", "nc4"):
            trace = _trace(fig, uid)
            assert list(trace.x) == nc.steps.tolist()
            np.testing.assert_allclose(np.asarray(trace.y, float), getattr(nc, uid.replace("-", "_")))
    # at step 0 a zero logit cannot be; NC1 falls as the classes separate
    assert nc.nc1[-1] < nc.nc1[1]


def test_neural_collapse_figure_keeps_undefined_records_as_gaps():
    logits = np.zeros((3, 4, 2))
    logits[1:, :, 0] = [[1, 1, -1, -1], [2, 2, -2, -2]]
    fig = _valid(neural_collapse_figure(Run(logits=logits, steps=[0, 1, 2], labels=[0, 0, 1, 1])))
    y = np.asarray(_trace(fig, "nc2").y, float)
    assert np.isnan(y[0]) and y[1:] == pytest.approx([0, 0], abs=1e-12)
    assert fig.layout.yaxis.type != "log"  # NC1 is exactly 0 here: no log axis


def test_forgetting_figure_draws_the_histogram():
    run = _training_like_run()
    fig = _valid(forgetting_figure(run))
    events = forgetting_events(run)
    bars = _trace(fig, "forgetting")
    table = events.histogram()
    assert list(bars.x)[-1] == "never learned" and bars.y[-1] == table["never learned"]
    for name, height in zip(bars.x[:-1], bars.y[:-1]):
        assert height == int(np.sum(events.counts[~events.never_learned] == int(name)))
    assert sum(bars.y) == run.num_samples


def test_bad_input_is_named():
    run = _training_like_run()
    with pytest.raises(ValueError, match="bins"):
        reliability_diagram(run.logits[-1], run.labels, bins=0)
    with pytest.raises(ValueError, match="labels must have shape"):
        reliability_diagram(run.logits[-1], run.labels[:5])
    with pytest.raises(ValueError, match="temperature"):
        reliability_diagram(run.logits[-1], run.labels, temperature=-1.0)
    empty = Run(logits=np.zeros((0, 2, 2)), steps=np.zeros(0, np.int64), labels=[0, 1])
    for build in (data_map, neural_collapse_figure, forgetting_figure):
        with pytest.raises(ValueError, match="empty"):
            build(empty)
