"""Properties every math figure shares: valid Plotly (the builders skip validation for speed, so
it is checked here), deterministic, 3D cameras kept across redraws, hovers that say what a point
is, and one colour per class across all figures."""

import numpy as np
import plotly.graph_objects as go
import pytest

from softmaxlab.figures import (
    input_space,
    loss_curves,
    loss_landscape,
    sampling,
    sigmoid_section,
    softmax_2d,
    squashing_functions,
    surfaces_2,
    surfaces_3,
)
from softmaxlab.figures.style import CLASS_COLORS, class_color, make_figure, panel_domains, rgba, subspace_axis_label

BUILDS = {
    "softmax_2d": lambda: softmax_2d([1.0, -2.0, 0.5, 3.0, 0.0], temperature=0.7, sweep=3),
    "surfaces_2": lambda: surfaces_2(derivatives=True, gaussians=True, shift_line=True, marker=(1.0, -1.0)),
    "sigmoid_section": lambda: sigmoid_section(marker=(0.5, 1.0)),
    "surfaces_3": lambda: surfaces_3(derivatives=True, gaussians=True, marker=(1.0, 0.0, -2.0)),
    "input_space_4": lambda: input_space(4),
    "input_space_5": lambda: input_space(5, fourth=0.3),
    "loss_landscape_2": lambda: loss_landscape("focal", classes=2, label=1),
    "loss_landscape_3": lambda: loss_landscape("hinge", classes=3, label=2),
    "loss_curves": lambda: loss_curves(),
    "squashing_functions": lambda: squashing_functions(),
    "sampling": lambda: sampling(top_k=5, top_p=0.9, min_p=0.05, samples=200, labels=list("abcdefgh")),
}


@pytest.fixture(scope="module")
def figures():
    return {name: build() for name, build in BUILDS.items()}


@pytest.mark.parametrize("name", BUILDS)
def test_figure_is_valid_plotly(figures, name):
    fig = figures[name]
    assert isinstance(fig, go.Figure)
    go.Figure(fig.to_dict())  # full validation: raises on any invalid property


def _tuples(value, path="fig"):
    if isinstance(value, tuple):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _tuples(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _tuples(item, f"{path}[{i}]")


@pytest.mark.parametrize("name", BUILDS)
def test_figure_reads_back(figures, name):
    """Unvalidated tuples cannot be read back as properties: there must be none, and reading works."""
    fig = figures[name]
    assert not list(_tuples(fig.to_dict()))
    for t in fig.data:
        t.to_plotly_json()
        [getattr(t, p) for p in ("x", "y", "name", "hovertemplate")]
    for key in ("xaxis", "yaxis", "xaxis2", "yaxis2", "xaxis3", "yaxis3", "scene", "scene2"):
        if key in fig.layout:
            getattr(fig.layout, key).domain


@pytest.mark.parametrize("name", BUILDS)
def test_figure_is_deterministic(figures, name):
    assert BUILDS[name]().to_json() == figures[name].to_json()


@pytest.mark.parametrize("name", BUILDS)
def test_uids_are_unique_and_hovers_say_what_a_point_is(figures, name):
    fig = figures[name]
    uids = [t.uid for t in fig.data]
    assert len(set(uids)) == len(uids) and all(uids)
    for t in fig.data:
        assert t.hovertemplate or t.hoverinfo == "skip", f"{t.uid} has no hover text"
    assert fig.layout.title.text and fig.layout.uirevision


@pytest.mark.parametrize("name", [n for n in BUILDS if n.startswith(("surfaces", "input", "loss_landscape"))])
def test_3d_scenes_keep_the_camera(figures, name):
    fig = figures[name]
    layout = fig.to_dict()["layout"]
    used = {t.scene or "scene" for t in fig.data if t.type in ("surface", "scatter3d", "mesh3d", "cone")}
    assert used, "a 3D figure"
    for key in used:
        assert layout[key].get("uirevision"), f"{key}: uirevision keeps the user's camera when the app redraws"


def test_builders_leave_validation_on_for_later_edits():
    fig = softmax_2d()
    with pytest.raises(ValueError):
        fig.update_layout(titel="typo")
    with pytest.raises(ValueError):
        fig.update_traces(line_colr="red")


def test_class_colours_are_the_same_in_every_figure():
    two_d = softmax_2d([1.0, 2.0, 3.0, 4.0])
    assert [two_d.data[3 * i + 2].line.color for i in range(4)] == list(CLASS_COLORS[:4])
    s3 = surfaces_3()
    for i in range(3):
        surface = next(t for t in s3.data if t.uid == f"p{i}")
        assert surface.colorscale[0][1] == class_color(i)
    space = input_space(4)
    for i in range(4):
        assert next(t for t in space.data if t.uid == f"region-{i}").marker.color == class_color(i)
    bars = next(t for t in sampling([3.0, 2.0, 1.0], top_k=3).data if t.uid == "final")
    assert list(bars.marker.color) == list(CLASS_COLORS[:3])


def test_style_helpers():
    assert class_color(13) == CLASS_COLORS[3]
    assert rgba("#1f77b4", 0.25) == "rgba(31,119,180,0.25)"
    domains = panel_domains([2, 1, 1], gap=0.1)
    assert domains[0][0] == 0.0 and domains[-1][1] == 1.0
    widths = [b - a for a, b in domains]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert subspace_axis_label(np.array([0.3, 0.5, -0.8]), 1) == "u₁ = +0.30z₀ +0.50z₁ -0.80z₂"
    fig = make_figure([dict(type="scatter", x=[0, 1], y=[1, 0], uid="a")], dict(title=dict(text="t")))
    go.Figure(fig.to_dict())


EXTREMES = {
    "softmax_2d huge logits, tiny T": lambda: softmax_2d([800.0, 0.0], temperature=1e-3),
    "softmax_2d very negative logits": lambda: softmax_2d([-800.0, -900.0]),
    "softmax_2d huge T": lambda: softmax_2d([1.0, 2.0], temperature=1e6),
    "surfaces_2 tiny T, everything on": lambda: surfaces_2(temperature=0.01, gaussians=True, derivatives=True, shift_line=True,
                                                           marker=(5.0, -5.0)),
    "surfaces_3 tiny T, far marker": lambda: surfaces_3(temperature=0.01, gaussians=True, derivatives=True, marker=(100.0, 0.0, -100.0)),
    "loss_landscape far out": lambda: loss_landscape("focal", classes=3, extent=500.0),
    "input_space slice past the simplex": lambda: input_space(5, fourth=5.0),
    "sampling extreme logits": lambda: sampling([1000.0, 0.0, -1000.0], temperature=0.01, min_p=0.5, samples=10),
    "sampling 200 tokens": lambda: sampling(np.linspace(-5, 5, 200), top_p=0.5, samples=50),
}


@pytest.mark.parametrize("name", EXTREMES)
def test_extreme_inputs_give_finite_valid_figures(name):
    """Extreme logits and temperatures: no warnings (pytest turns ours into errors), no NaN drawn except line breaks."""
    fig = EXTREMES[name]()
    go.Figure(fig.to_dict())
    for t in fig.data:
        for key in ("y", "z"):
            values = getattr(t, key, None)
            if values is None or t.uid in ("shift-line", "edges", "vertex-stems") or t.uid.startswith("tail-"):
                continue
            arr = np.asarray(values, dtype=object)
            if arr.dtype == object and any(isinstance(v, str) for v in arr.ravel()):
                continue  # category labels
            assert np.all(np.isfinite(np.asarray(values, dtype=float))), f"{t.uid}.{key}"
