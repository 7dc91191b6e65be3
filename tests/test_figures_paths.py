"""Figures 7 and 8 read against the Run they draw: logit paths and training readings.

References are independent of the figure code: the run's own arrays indexed by hand, numpy SVD and
scikit-learn PCA for the projections, scipy's log_softmax for the loss, explicit loops for margins
and angles.
"""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import log_softmax
from sklearn.decomposition import PCA

from softmaxlab.core import evenly_spaced
from softmaxlab.core.geometry import sum_zero_basis, to_subspace
from softmaxlab.figures.paths import logit_paths, sample_subset
from softmaxlab.figures.readings import readings
from softmaxlab.store import Run


def make_run(records=57, samples=9, classes=3, d=3, seed=0, scale=None, steps=None):
    """A random-walk run: logits drift from 0 like a training run's, with labels and inputs."""
    rng = np.random.default_rng(seed)
    scale = np.ones(classes) if scale is None else np.asarray(scale)
    steps_ = np.arange(records) * 5 if steps is None else steps
    z = np.cumsum(rng.normal(size=(records, samples, classes)) * scale, axis=0)  # (R, S, K)
    z[0] = 0.0
    labels = np.arange(samples) % classes
    return Run(logits=z, steps=steps_, labels=labels, inputs=rng.normal(size=(samples, d)))


def trace(fig, uid):
    found = [t for t in fig.data if t.uid == uid]
    assert len(found) == 1, uid
    return found[0]


def xyz(t):
    return np.column_stack([np.asarray(t.x, dtype=float), np.asarray(t.y, dtype=float), np.asarray(t.z, dtype=float)])


def segments(t):
    """The polylines of a gapped line trace: split at NaN rows."""
    points = xyz(t)
    gaps = np.flatnonzero(np.isnan(points[:, 0]))
    return [s for s in np.split(points, gaps) if len(s)] if len(gaps) else [points]


def meta(fig, run=0):
    return fig.layout.meta["softmaxlab"]["runs"][run]


def test_lines_are_the_logits_at_the_drawn_records():
    run = make_run()
    fig = logit_paths(run, max_records=10)
    records = meta(fig)["records"]
    assert records[0] == 0 and records[-1] == run.num_records - 1
    assert len(records) <= 10 and records == sorted(set(records))
    for c in range(3):
        members = np.flatnonzero(run.labels == c)
        paths = [s[~np.isnan(s[:, 0])] for s in segments(trace(fig, f"lines-0-{c}"))]
        assert len(paths) == len(members)
        for path, s in zip(paths, members):
            np.testing.assert_allclose(path, run.logits[records, s, :], rtol=1e-6)  # K = 3: raw logits
        # the paths answer the pointer with their class only: no per-point data to carry
        assert trace(fig, f"lines-0-{c}").hovertemplate == f"a path of class {c}<extra></extra>"
        assert trace(fig, f"lines-0-{c}").customdata is None


def test_end_and_start_dots_and_the_step_mark():
    run = make_run()
    fig = logit_paths(run, step=101)
    record = max(i for i, s in enumerate(run.steps) if s <= 101)  # steps are 0, 5, ...: record 20 (step 100)
    assert record == 20
    for c in range(3):
        members = np.flatnonzero(run.labels == c)
        np.testing.assert_allclose(xyz(trace(fig, f"end-0-{c}")), run.logits[-1, members], rtol=1e-6)
        np.testing.assert_allclose(xyz(trace(fig, f"start-0-{c}")), run.logits[0, members], rtol=1e-6)
        np.testing.assert_allclose(xyz(trace(fig, f"step-0-{c}")), run.logits[record, members], rtol=1e-6)
        assert list(trace(fig, f"end-0-{c}").customdata) == members.tolist()


def test_pca_projection_is_orthonormal_and_matches_numpy_and_sklearn():
    k = 6
    run = make_run(records=40, samples=30, classes=k, scale=[4.0, 2.5, 1.5, 1.0, 0.6, 0.3])
    fig = logit_paths(run, projection="pca")
    matrix = np.asarray(meta(fig)["matrix"])  # (K, 3)
    assert matrix.shape == (k, 3)
    np.testing.assert_allclose(matrix.T @ matrix, np.eye(3), atol=1e-10)
    np.testing.assert_allclose(np.ones(k) @ matrix, 0.0, atol=1e-10)  # inside the sum-zero subspace

    points = run.logits.reshape(-1, k).astype(np.float64)
    u = to_subspace(points)
    # the principal axes in the subspace, from sklearn and from a plain SVD of the centred points
    components = PCA(n_components=3).fit(u).components_  # (3, K-1)
    _, _, vt = np.linalg.svd(u - u.mean(axis=0), full_matrices=False)
    for reference in (components, vt[:3]):
        cosines = np.abs(np.sum(matrix * (sum_zero_basis(k) @ reference.T), axis=0))
        np.testing.assert_allclose(cosines, 1.0, atol=1e-6)
    # the same matrix through centred logits: (z - mean z) @ matrix == z @ matrix
    centred = points - points.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(centred @ matrix, points @ matrix, atol=1e-8)
    # drawn end points are the final logits through the matrix
    members = np.flatnonzero(run.labels == 2)
    np.testing.assert_allclose(xyz(trace(fig, "end-0-2")), run.logits[-1, members] @ matrix, rtol=1e-4, atol=1e-4)


def test_classes_projection_draws_three_raw_logits():
    run = make_run(classes=5)
    fig = logit_paths(run, projection="classes", classes=(4, 0, 2))
    members = np.flatnonzero(run.labels == 1)
    np.testing.assert_allclose(xyz(trace(fig, "end-0-1")), run.logits[-1][members][:, [4, 0, 2]], rtol=1e-6)
    assert fig.layout.scene.xaxis.title.text == "z₄"
    with pytest.raises(ValueError, match="classes"):
        logit_paths(run, projection="classes", classes=(0, 0, 1))
    with pytest.raises(ValueError, match="classes"):
        logit_paths(run, projection="classes", classes=(0, 1, 5))


def test_two_classes_use_the_step_as_third_axis():
    run = make_run(classes=2)
    fig = logit_paths(run)
    members = np.flatnonzero(run.labels == 0)
    first = segments(trace(fig, "lines-0-0"))[0]
    first = first[~np.isnan(first[:, 0])]
    np.testing.assert_allclose(first[:, :2], run.logits[:, members[0]], rtol=1e-6)
    np.testing.assert_allclose(first[:, 2], run.steps)


def test_subset_is_stated_deterministic_and_drawn_from_the_run():
    run = make_run(samples=50)
    fig = logit_paths(run, max_samples=20, seed=3)
    samples = meta(fig)["samples"]
    assert len(samples) == 20 and samples == sorted(set(samples))
    assert samples == meta(logit_paths(run, max_samples=20, seed=3))["samples"]
    notices = " ".join(a.text for a in fig.layout.annotations)
    assert "20 of 50 samples" in notices and "seed 3" in notices
    labels = run.labels[samples]
    members = np.asarray(samples)[labels == 0]
    np.testing.assert_allclose(xyz(trace(fig, "end-0-0")), run.logits[-1, members], rtol=1e-6)
    everything = logit_paths(run, max_samples=50)
    assert "samples:" not in " ".join(a.text for a in everything.layout.annotations)


def test_points_stay_within_the_budget():
    run = make_run(records=300, samples=40)
    fig = logit_paths(run, max_samples=10, max_records=25)
    drawn = sum(len(t.x) for t in fig.data if t.uid.startswith("lines-"))
    assert drawn <= 10 * 26  # 25 records per path plus one gap between paths


def test_runs_side_by_side_share_one_camera_and_are_linked():
    a, b = make_run(seed=1), make_run(seed=2)
    fig = logit_paths([a, b], titles=["SGD", "Adam"])
    info = fig.layout.meta["softmaxlab"]
    assert info["linked_scenes"] == ["scene", "scene2"]
    assert fig.layout.scene.camera == fig.layout.scene2.camera
    members = np.flatnonzero(b.labels == 1)
    np.testing.assert_allclose(xyz(trace(fig, "end-1-1")), b.logits[-1, members], rtol=1e-6)
    texts = [an.text for an in fig.layout.annotations]
    assert any("SGD" in t for t in texts) and any("Adam" in t for t in texts)
    with pytest.raises(ValueError, match="one entry per run"):
        logit_paths([a, b], titles=["only one"])


def test_inputs_scene_shows_the_inputs_and_pca_for_wide_inputs():
    run = make_run(d=3)
    fig = logit_paths(run)
    members = np.flatnonzero(run.labels == 2)
    np.testing.assert_allclose(xyz(trace(fig, "inputs-0-2")), run.inputs[members], rtol=1e-6)

    wide = make_run(d=7, samples=40)
    fig = logit_paths(wide)
    drawn = np.zeros((40, 3))
    for c in range(3):
        drawn[wide.labels == c] = xyz(trace(fig, f"inputs-0-{c}"))
    reference = PCA(n_components=3).fit_transform(wide.inputs.astype(np.float64))
    np.testing.assert_allclose(np.abs(drawn), np.abs(reference), rtol=1e-3, atol=1e-4)
    assert len([t for t in fig.data if t.uid.startswith("inputs-")]) == 3
    assert len([t for t in logit_paths(wide, show_inputs=False).data if t.uid.startswith("inputs-")]) == 0


def test_animation_frames_move_the_step_marks():
    run = make_run(records=30)
    fig = logit_paths(run, animate=True, max_frames=7)
    assert 2 <= len(fig.frames) <= 7
    assert len(fig.layout.sliders[0].steps) == len(fig.frames)
    assert fig.layout.updatemenus[0].buttons[0].method == "animate"
    step_indices = [i for i, t in enumerate(fig.data) if t.uid.startswith("step-")]
    for frame in fig.frames:
        assert list(frame.traces) == step_indices
        step = int(frame.name)
        record = int(np.flatnonzero(run.steps <= step)[-1])
        for c, data in enumerate(frame.data):
            members = np.flatnonzero(run.labels == c)
            np.testing.assert_allclose(xyz(data), run.logits[record, members], rtol=1e-6)


def test_figures_are_valid_plotly():
    """The builder skips plotly's validation for speed; plotly must accept what it built."""
    import plotly.graph_objects as go

    for fig in (logit_paths([make_run(), make_run(classes=5, d=6)], step=20, animate=True, max_frames=4),
                logit_paths(make_run(classes=2), projection="classes"), readings(make_run())):
        again = go.Figure(fig.to_dict())  # raises on any invalid property
        assert len(again.data) == len(fig.data) and len(again.frames) == len(fig.frames)
        assert json.loads(again.to_json()) == json.loads(fig.to_json())  # nothing dropped or coerced


def test_bad_input_is_refused_with_a_named_reason():
    run = make_run()
    with pytest.raises(ValueError, match="step"):
        logit_paths(run, step=10_000)
    with pytest.raises(ValueError, match="projection"):
        logit_paths(run, projection="tsne")
    with pytest.raises(ValueError, match="max_records"):
        logit_paths(run, max_records=1)
    with pytest.raises(ValueError, match="Run"):
        logit_paths([run, np.zeros((3, 3, 3))])
    with pytest.raises(ValueError, match="non-empty"):
        logit_paths([])


# ---- figure 8: readings ------------------------------------------------------------------------


def test_readings_equal_independent_numpy_values():
    run = make_run(records=20, samples=12, classes=4, scale=[2.0, 1.0, 0.5, 0.2], seed=5)
    other = make_run(records=15, samples=12, classes=4, seed=6)
    fig = readings([run, other], titles=["a", "b"])
    z = run.logits.astype(np.float64)  # (R, S, K)
    y = run.labels
    loss = -log_softmax(z, axis=-1)[:, np.arange(12), y].mean(axis=1)
    accuracy = (z.argmax(axis=-1) == y).mean(axis=1)
    norm = np.sqrt((z**2).sum(axis=-1)).mean(axis=1)
    margin = np.array([[z[r, s, y[s]] - max(z[r, s, j] for j in range(4) if j != y[s]) for s in range(12)]
                       for r in range(20)]).mean(axis=1)
    np.testing.assert_allclose(trace(fig, "loss-0").y, loss, rtol=1e-5)
    np.testing.assert_allclose(trace(fig, "accuracy-0").y, accuracy, rtol=1e-6)
    np.testing.assert_allclose(trace(fig, "norm-0").y, norm, rtol=1e-5)
    np.testing.assert_allclose(trace(fig, "margin-0").y, margin, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(trace(fig, "loss-1").x, other.steps)
    # the angle between each class's centred mean logit and e_c - 1/K, in the raw space
    for c in range(4):
        expected = []
        for r in range(20):
            m = z[r, y == c].mean(axis=0)
            m = m - m.mean()
            v = np.eye(4)[c] - 0.25
            norm_m = np.linalg.norm(m)
            expected.append(np.nan if norm_m < 1e-9 else np.degrees(np.arccos(m @ v / (norm_m * np.linalg.norm(v)))))
        np.testing.assert_allclose(trace(fig, f"angle-0-{c}").y, expected, rtol=1e-4, atol=1e-3)
    assert [t.name for t in fig.data if t.showlegend is not False][:2] == ["a", "b"]


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 5000), limit=st.integers(2, 400), seed=st.integers(0, 2**31))
def test_decimation_and_subsets_keep_their_promises(count, limit, seed):
    records = evenly_spaced(count, limit)
    assert records[0] == 0 and records[-1] == count - 1  # the start and the end are always drawn
    assert len(records) == min(count, limit)  # spacing >= 1 when thinning, so rounding never merges two
    assert np.all(np.diff(records) > 0)
    if count > limit:  # evenly spaced: no gap more than one step wider than the ideal spacing
        assert np.diff(records).max() <= np.ceil((count - 1) / (limit - 1)) + 1
    subset = sample_subset(count, limit, seed=seed)
    assert len(subset) == min(count, limit) and np.all(np.diff(subset) > 0) and subset[-1] < count
    np.testing.assert_array_equal(subset, sample_subset(count, limit, seed=seed))


def test_compared_scenes_share_one_cube_of_ranges_so_a_longer_path_looks_longer():
    short, long = make_run(seed=1), make_run(seed=2)
    long.logits[...] *= 10  # ten times as far, as lr 1 against lr 0.1
    fig = logit_paths([short, long], titles=["short", "long"])
    reach = max(np.linalg.norm(r.logits, axis=-1).max() for r in (short, long))  # the longest logit vector
    for name in ("scene", "scene2"):
        for axis in ("xaxis", "yaxis", "zaxis"):
            lo, hi = fig.layout[name][axis].range
            assert lo == -hi and hi == pytest.approx(1.05 * reach, rel=1e-6), (name, axis)
    # the guides reach the same length in both scenes
    ends = [np.linalg.norm([t.x[1], t.y[1], t.z[1]]) for t in fig.data if t.uid.startswith("vertex-")]
    assert np.allclose(ends, reach, rtol=1e-6)


def test_three_raw_classes_open_looking_down_one_one_one_and_two_classes_share_the_step_axis():
    eye = logit_paths(make_run()).layout.scene.camera.eye
    assert eye.x == eye.y == eye.z > 0  # the sum-zero plane face-on
    a, b = make_run(classes=2, steps=np.arange(57) * 5), make_run(classes=2, seed=3, steps=np.arange(57) * 9)
    fig = logit_paths([a, b])
    assert list(fig.layout.scene.zaxis.range) == list(fig.layout.scene2.zaxis.range) == [0.0, 56.0 * 9]


def test_four_runs_sit_in_two_rows_with_their_titles_above_each_panel():
    runs = [make_run(seed=s) for s in range(4)]  # different inputs: four runs and four input scenes
    fig = logit_paths(runs, titles=list("abcd"))
    tops = sorted({round(fig.layout[f"scene{'' if i == 0 else i + 1}"].domain.y[1], 6) for i in range(8)})
    assert len(tops) == 2 and fig.layout.height > 600
    for a in fig.layout.annotations[:8]:
        assert round(a.y, 6) in tops
    one_column = logit_paths(runs[:2], columns=1)
    assert one_column.layout.scene.domain.x == (0.0, 1.0) and one_column.layout.scene2.domain.y[1] < one_column.layout.scene.domain.y[0]


def test_a_lab_run_with_the_default_learning_rate_is_titled_so():
    import dataclasses

    run = make_run()
    named = logit_paths(dataclasses.replace(run, config={"optimizer": "adam", "lr": None})).layout.annotations[0].text
    given = logit_paths(dataclasses.replace(run, config={"optimizer": "sgd", "lr": 0.5})).layout.annotations[0].text
    assert named == "<b>adam, default lr</b>" and given == "<b>sgd, lr 0.5</b>"


def test_readings_draw_a_now_cursor_on_every_panel_at_the_step():
    fig = readings(make_run(), step=40)
    assert [(s.x0, s.x1, s.xref) for s in fig.layout.shapes] == [(40, 40, a) for a in ("x", "x2", "x3", "x4", "x5")]
    assert not readings(make_run()).layout.shapes


def test_highlight_draws_one_sample_s_path_thick_in_every_run_and_enlarges_its_input_point():
    run = make_run()
    other = make_run(seed=1)  # other inputs: a second input set
    s = 7
    fig = logit_paths([run, other], highlight=s, max_records=10)
    records = meta(fig)["records"]
    picked = {t.uid: t for t in fig.data if t.uid.startswith("highlight-")}
    assert [t.uid for t in fig.data][-len(picked):] == ["highlight-0", "highlight-1", "highlight-inputs-0", "highlight-inputs-1"]
    for i, r in enumerate([run, other]):
        np.testing.assert_allclose(xyz(picked[f"highlight-{i}"]), r.logits[records, s], rtol=1e-6)  # K = 3: raw
        assert picked[f"highlight-{i}"].line.width > trace(fig, f"lines-0-{run.labels[s]}").line.width
    np.testing.assert_allclose(xyz(picked["highlight-inputs-0"]), run.inputs[[s], :3], rtol=1e-6)
    np.testing.assert_allclose(xyz(picked["highlight-inputs-1"]), other.inputs[[s], :3], rtol=1e-6)
    # the input points say which sample they are, so a page can go back from a point to its path
    c = int(run.labels[s])
    assert s in trace(fig, f"inputs-0-{c}").customdata
    assert [t.uid for t in logit_paths(run).data if t.uid.startswith("highlight")] == []
    with pytest.raises(ValueError, match="highlight"):
        logit_paths(run, highlight=-1)
