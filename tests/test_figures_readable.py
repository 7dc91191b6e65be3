"""What a learner must be able to read in the explainer's figures, stated as checks on the builders' figures.

Each test names a problem seen on the site's pages (issue 11's list) and fails if it comes back: a title
wider than a phone, Gaussians lying flat under the probabilities, a marker or a one-hot point hidden under
a surface, vertex labels on top of each other, tie walls of one colour, p and q with the same swatch.
The pixel-level checks (a scene's tick labels cut at its edge, a page wider than a phone) are in
tests/browser/test_site.py.
"""

import re

import numpy as np
import pytest

from softmaxlab.figures.input_space import input_space
from softmaxlab.figures.losses import loss_landscape
from softmaxlab.figures.sampling import sampling
from softmaxlab.figures.surfaces import surfaces_2, surfaces_3
from softmaxlab.web.figures import WEB_FIGURES
from tests.test_web_figures import CASES

PHONE_FIGURE_WIDTH = 370  # a 390 px screen less the page's padding
EM_PER_CHAR = 0.55  # the average advance of the site's sans-serif (Helvetica/Arial), in em


def trace(fig, uid):
    return next(t for t in fig.data if t.uid == uid)


def _lines(text: str, size: float):
    """(plain line, font size) for each line of a plotly text, the hint's <span> in its own size."""
    out = []
    for line in text.split("<br>"):
        if "font-size:12px" in line:
            size = 12
        plain = re.sub(r"<[^>]+>", "", line)
        out.append((plain, size))
    return out


def _width(line: str, size: float) -> float:
    return len(line) * EM_PER_CHAR * size


def _options_to_try(name):
    rng = np.random.default_rng(7)
    yield from (dict(o) for o in WEB_FIGURES[name].variants.values())
    for _ in range(15):
        yield CASES[name](rng)


@pytest.mark.parametrize("name", sorted(WEB_FIGURES))
def test_every_title_and_note_line_fits_a_phone(name):
    # the sigmoid's and the sampling page's titles ran off the figure; on a phone every one did
    for options in _options_to_try(name):
        fig = WEB_FIGURES[name].build(options)
        texts = [(fig.layout.title.text, 16)] + [(a.text, 12) for a in fig.layout.annotations]
        for text, size in texts:
            for line, line_size in _lines(text, size):
                assert _width(line, line_size) <= PHONE_FIGURE_WIDTH, f"{name} {options}: {line!r} is too wide"


def test_the_width_check_catches_the_old_titles():
    # the sampling title as it was: one line of ~100 characters
    old = "Sampling at T = 1: entropy 1.635 nats (2.358 bits), 5.13 effective choices → after filters 1.020 nats, 2.77 of 3 kept"
    assert _width(old, 16) > PHONE_FIGURE_WIDTH


@pytest.mark.parametrize("t", [0.3, 1.0, 3.0])
@pytest.mark.parametrize("build", [surfaces_2, surfaces_3])
def test_the_gaussians_rise_as_high_as_the_probabilities(build, t):
    # at its true height, 1/(2 pi T^2) = 0.16 at T = 1, a Gaussian lay flat under the p surfaces (axis 0..1)
    fig = build(temperature=t, gaussians=True)
    for g in (tr for tr in fig.data if tr.uid.startswith("gauss")):
        assert np.max(g.z) >= 0.5, g.uid


@pytest.mark.parametrize("build,marker", [(surfaces_2, (1.0, -0.5)), (surfaces_3, (1.0, -0.5, 0.0))])
def test_the_marker_and_the_one_hot_points_stand_above_every_surface(build, marker):
    fig = build(marker=marker, gaussians=True)
    surfaces = [t for t in fig.data if t.type == "surface" and t.scene in (None, "scene") and not t.hidesurface]
    top = max(float(np.max(s.z)) for s in surfaces)
    for s in surfaces:
        assert s.opacity <= 0.75, f"{s.uid} is too opaque to see a point behind it"
    stem = trace(fig, "marker-stem")
    assert min(stem.z) <= 0 and max(stem.z) > top  # it pokes out above every surface, where the marker is
    m = trace(fig, "marker")
    assert np.allclose(stem.x, m.x[0]) and np.allclose(stem.y, m.y[0])
    if build is surfaces_3:
        stems = trace(fig, "vertex-stems")
        labels = [(x, y, z, s) for x, y, z, s in zip(stems.x, stems.y, stems.z, stems.text) if s.strip()]
        v = trace(fig, "vertices")
        assert len(labels) == 3
        for (x, y, z, text), vx, vy in zip(labels, v.x, v.y):
            assert (x, y) == (vx, vy) and z > top, text


@pytest.mark.parametrize("loss", ["cross-entropy", "hinge"])
@pytest.mark.parametrize("classes,label", [(2, 1), (3, 2)])
def test_the_loss_surface_does_not_hide_the_true_class(loss, classes, label):
    fig = loss_landscape(loss, classes=classes, label=label)
    stem, point = trace(fig, "target-stem"), trace(fig, "target")
    assert list(stem.x) == [point.x[0]] * 2 and list(stem.y) == [point.y[0]] * 2
    assert stem.z[0] <= 0 and stem.z[1] > np.max(trace(fig, "loss").z)  # up through the surface, and above it
    assert stem.text[1].strip() == f"e{'₀₁₂'[label]}"


@pytest.mark.parametrize("k,fourth", [(4, 0.0), (5, -0.9), (5, 0.0), (5, 0.4), (5, 1.2)])
def test_vertex_labels_are_short_and_apart(k, fourth):
    # for 5 classes the labels carried "(u₄ = 0.22)" and overlapped around the centre
    v = trace(input_space(k, fourth=fourth), "vertices")
    assert all(len(text) <= 2 for text in v.text), v.text
    pts = np.stack([v.x, v.y, v.z], axis=1)
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    assert d[~np.eye(k, dtype=bool)].min() >= 0.5


def _lab(color: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB hex colour, from the standard formulas."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_the_lab_distance_is_the_known_one():
    assert np.linalg.norm(_lab("#ffffff") - _lab("#000000")) == pytest.approx(100.0, abs=0.01)


@pytest.mark.parametrize("k,fourth", [(4, 0.0), (5, 0.0), (5, 0.5)])
def test_tie_walls_have_colours_told_apart_and_a_legend(k, fourth):
    walls = [t for t in input_space(k, fourth=fourth).data if t.uid.startswith("tie-")]
    assert len(walls) >= 6
    labs = [_lab(w.color) for w in walls]
    apart = min(np.linalg.norm(a - b) for n, a in enumerate(labs) for b in labs[n + 1 :])
    assert apart >= 20, "two tie walls look alike"
    assert all(w.showlegend for w in walls) and len({w.name for w in walls}) == len(walls)


def _swatch(bar) -> tuple:
    """What a bar trace's legend entry shows: its first bar's colour and fill pattern."""
    color = bar.marker.color
    pattern = bar.marker.pattern.shape if bar.marker.pattern else ""
    first = lambda v: v[0] if isinstance(v, (list, tuple)) else v  # noqa: E731
    return first(color), first(pattern) or ""


@pytest.mark.parametrize("seed", range(6))
def test_p_q_and_the_draws_have_different_swatches(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2, size=int(rng.integers(2, 12)))
    if seed % 2:
        z[0] = z.max() + 1  # token 0 kept: p's first bar then has q's colour, only the pattern tells them apart
    fig = sampling(z, top_p=0.9, samples=100)
    swatches = [_swatch(trace(fig, uid)) for uid in ("tempered", "final", "samples")]
    assert len(set(swatches)) == 3, swatches
