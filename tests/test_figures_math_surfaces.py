"""surfaces_2, sigmoid_section, surfaces_3: surface heights read from the figure against scipy,
finite differences of scipy's softmax, scipy's Gaussian densities and expit."""

import numpy as np
import pytest
import scipy.special
import scipy.stats

from softmaxlab.core.geometry import sum_zero_basis
from softmaxlab.figures import sigmoid_section, surfaces_2, surfaces_3


def trace(fig, uid):
    found = [t for t in fig.data if t.uid == uid]
    assert len(found) == 1, f"expected one trace {uid!r}, found {len(found)}"
    return found[0]


def plane(surface):
    """(rows, cols, 2) coordinates of a surface trace: [r, c] = (x[c], y[r])."""
    x, y = np.asarray(surface.x), np.asarray(surface.y)
    return np.stack(np.broadcast_arrays(x[None, :], y[:, None]), axis=-1)


def fd_softmax_jacobian(z, t, h=1e-6):
    """dp_i/dz_j by central differences of scipy's softmax: (..., K, K), independent of the core."""
    k = z.shape[-1]
    out = np.empty(z.shape + (k,))
    for j in range(k):
        step = np.zeros(k)
        step[j] = h
        out[..., :, j] = (scipy.special.softmax((z + step) / t, axis=-1) - scipy.special.softmax((z - step) / t, axis=-1)) / (2 * h)
    return out


@pytest.mark.parametrize("t", [0.5, 1.0, 2.5])
def test_surfaces_2_heights_are_softmax(t):
    fig = surfaces_2(temperature=t, resolution=25)
    for i in range(2):
        s = trace(fig, f"p{i}")
        z = plane(s)
        np.testing.assert_allclose(np.asarray(s.z), scipy.special.softmax(z / t, axis=-1)[..., i], rtol=1e-12, atol=1e-15)
        assert np.asarray(s.z).shape == (25, 25)
    total = np.asarray(trace(fig, "p0").z) + np.asarray(trace(fig, "p1").z)
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)


@pytest.mark.parametrize("t", [0.7, 1.0, 3.0])
def test_surfaces_2_derivatives_equal_finite_differences(t):
    pairs = ((0, 0), (0, 1), (1, 0), (1, 1))
    fig = surfaces_2(temperature=t, derivatives=True, entries=pairs, resolution=21)
    for i, j in pairs:
        s = trace(fig, f"dp{i}-dz{j}")
        assert s.scene == "scene2"
        reference = fd_softmax_jacobian(plane(s), t)[..., i, j]
        np.testing.assert_allclose(np.asarray(s.z), reference, atol=1e-8)


@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_surfaces_2_gaussians_are_normal_densities_whose_posterior_is_softmax(t):
    fig = surfaces_2(temperature=t, gaussians=True, resolution=21)
    z = plane(trace(fig, "p0"))
    softmax = scipy.special.softmax(z / t, axis=-1)
    dens = []
    for i in range(2):
        normal = scipy.stats.multivariate_normal(mean=t * np.eye(2)[i], cov=t**2 * np.eye(2))
        g = np.asarray(trace(fig, f"gauss{i}").customdata)  # the true density, for the hover
        np.testing.assert_allclose(g, normal.pdf(z), rtol=1e-10)
        # drawn divided by its peak, so it rises as high as the probabilities beside it
        np.testing.assert_allclose(np.asarray(trace(fig, f"gauss{i}").z), normal.pdf(z) / normal.pdf(t * np.eye(2)[i]), rtol=1e-10)
        dens.append(g)
        # the posterior drawn (from the core's gaussian_posterior) lies on softmax
        np.testing.assert_allclose(np.asarray(trace(fig, f"posterior{i}").z), softmax[..., i], rtol=1e-10, atol=1e-14)
    # and Bayes' rule on the densities drawn, with equal priors, gives softmax too
    np.testing.assert_allclose(dens[0] / (dens[0] + dens[1]), softmax[..., 0], rtol=1e-9)


def test_surfaces_2_shift_line_is_along_ones_and_p_is_constant_on_it():
    fig = surfaces_2(shift_line=True, marker=(1.5, -0.5), temperature=0.8)
    line = trace(fig, "shift-line")
    x, y, z = (np.asarray(getattr(line, a), dtype=float) for a in "xyz")
    assert np.isnan(x).sum() == 1  # one break between the line on p0 and on p1
    x, y, z = (v[~np.isnan(v)] for v in (x, y, z))
    half = len(x) // 2
    np.testing.assert_allclose(x - y, 2.0, atol=1e-12)  # the marker's z0 - z1: a line along (1, 1)
    np.testing.assert_allclose(z[:half], scipy.special.softmax(np.array([1.5, -0.5]) / 0.8)[0], rtol=1e-12)
    np.testing.assert_allclose(z[half:], scipy.special.softmax(np.array([1.5, -0.5]) / 0.8)[1], rtol=1e-12)
    assert np.all(np.abs(x) <= 6.0 + 1e-12) and np.all(np.abs(y) <= 6.0 + 1e-12)
    assert x.max() - x.min() > 6  # it crosses the square


def test_surfaces_2_marker_on_both_surfaces_and_on_the_derivatives():
    fig = surfaces_2(marker=(0.3, -1.2), temperature=1.5, derivatives=True, entries=((0, 1), (1, 1)))
    m = trace(fig, "marker")
    np.testing.assert_allclose(m.z, scipy.special.softmax(np.array([0.3, -1.2]) / 1.5), rtol=1e-12)
    assert tuple(m.x) == (0.3, 0.3) and tuple(m.y) == (-1.2, -1.2)
    mj = trace(fig, "marker-jacobian")
    ref = fd_softmax_jacobian(np.array([0.3, -1.2]), 1.5)
    np.testing.assert_allclose(mj.z, [ref[0, 1], ref[1, 1]], atol=1e-8)


@pytest.mark.parametrize("t", [0.4, 1.0, 2.0])
def test_sigmoid_section_is_expit(t):
    fig = sigmoid_section(temperature=t, marker=(1.0, 2.5))
    d = np.asarray(trace(fig, "p0").x)
    np.testing.assert_allclose(trace(fig, "p0").y, scipy.special.expit(d / t), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(trace(fig, "p1").y, scipy.special.expit(-d / t), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(trace(fig, "sigmoid").y, scipy.special.expit(np.asarray(trace(fig, "sigmoid").x) / t), rtol=1e-12)
    m = trace(fig, "marker")
    assert m.x[0] == -1.5
    np.testing.assert_allclose(m.y[0], scipy.special.expit(-1.5 / t), rtol=1e-12)


def independent_basis_check(b):
    """The plane's coordinates are only as good as the basis: orthonormal, orthogonal to ones."""
    np.testing.assert_allclose(b.T @ b, np.eye(b.shape[1]), atol=1e-12)
    np.testing.assert_allclose(b.T @ np.ones(b.shape[0]), 0.0, atol=1e-12)


@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_surfaces_3_heights_are_softmax_of_the_plane_points(t):
    b = sum_zero_basis(3)
    independent_basis_check(b)
    fig = surfaces_3(temperature=t, resolution=21)
    total = 0
    for i in range(3):
        s = trace(fig, f"p{i}")
        z = plane(s) @ b.T  # (n, n, 3) logits of the plane points
        np.testing.assert_allclose(np.asarray(s.z), scipy.special.softmax(z / t, axis=-1)[..., i], rtol=1e-10, atol=1e-15)
        total = total + np.asarray(s.z)
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    # the axes are u1, u2 and the note says what they are: the basis columns
    assert (fig.layout.scene.xaxis.title.text, fig.layout.scene.yaxis.title.text) == ("u₁", "u₂")
    note = fig.layout.annotations[-1].text
    assert "u₁ = (z₀ − z₁)/√2" in note
    np.testing.assert_allclose(b[:, 0], np.array([1, -1, 0]) / np.sqrt(2), atol=1e-12)
    assert "u₂ = (z₀ + z₁ − 2z₂)/√6" in note
    np.testing.assert_allclose(b[:, 1], np.array([1, 1, -2]) / np.sqrt(6), atol=1e-12)


def test_surfaces_3_vertices_are_the_projected_one_hot_points():
    v = trace(surfaces_3(), "vertices")
    pts = np.stack([v.x, v.y], axis=1)
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    np.testing.assert_allclose(d[~np.eye(3, dtype=bool)], np.sqrt(2), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(pts, axis=1), np.sqrt(2 / 3), rtol=1e-12)
    np.testing.assert_allclose(pts @ sum_zero_basis(3).T, np.eye(3) - 1 / 3, atol=1e-12)  # centred one-hot points


@pytest.mark.parametrize("t", [0.6, 1.7])
def test_surfaces_3_derivatives_equal_finite_differences(t):
    pairs = ((0, 0), (1, 2), (2, 0), (2, 2))
    fig = surfaces_3(temperature=t, derivatives=True, entries=pairs, resolution=15)
    b = sum_zero_basis(3)
    for i, j in pairs:
        s = trace(fig, f"dp{i}-dz{j}")
        reference = fd_softmax_jacobian(plane(s) @ b.T, t)[..., i, j]
        np.testing.assert_allclose(np.asarray(s.z), reference, atol=1e-8)


@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_surfaces_3_gaussians_and_posterior(t):
    fig = surfaces_3(temperature=t, gaussians=True, resolution=15)
    b = sum_zero_basis(3)
    u = plane(trace(fig, "p0"))
    softmax = scipy.special.softmax(u @ b.T / t, axis=-1)
    vertices = (np.eye(3) - 1 / 3) @ b  # (3, 2) projected one-hot points, computed here
    dens = []
    for i in range(3):
        normal = scipy.stats.multivariate_normal(mean=t * vertices[i], cov=t**2 * np.eye(2))
        g = np.asarray(trace(fig, f"gauss{i}").customdata)
        np.testing.assert_allclose(g, normal.pdf(u), rtol=1e-10)
        np.testing.assert_allclose(np.asarray(trace(fig, f"gauss{i}").z), normal.pdf(u) / normal.pdf(t * vertices[i]), rtol=1e-10)
        dens.append(g)
        np.testing.assert_allclose(np.asarray(trace(fig, f"posterior{i}").z), softmax[..., i], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(dens[1] / sum(dens), softmax[..., 1], rtol=1e-9)


def test_surfaces_3_marker_is_projected_and_shift_invariant():
    a = surfaces_3(marker=(2.0, 0.0, -1.0), temperature=0.9)
    b = surfaces_3(marker=(12.0, 10.0, 9.0), temperature=0.9)  # the same logits shifted by 10
    ma, mb = trace(a, "marker"), trace(b, "marker")
    np.testing.assert_allclose([ma.x[0], ma.y[0]], np.array([2.0, 0.0, -1.0]) @ sum_zero_basis(3), atol=1e-12)
    np.testing.assert_allclose([mb.x[0], mb.y[0]], [ma.x[0], ma.y[0]], atol=1e-12)
    np.testing.assert_allclose(ma.z, scipy.special.softmax(np.array([2.0, 0.0, -1.0]) / 0.9), rtol=1e-12)


@pytest.mark.parametrize(
    "builder,kwargs,match",
    [
        (surfaces_2, dict(temperature=0), "temperature"),
        (surfaces_2, dict(derivatives=True, entries=((0, 2),)), "entries"),
        (surfaces_2, dict(derivatives=True, entries=()), "entries"),
        (surfaces_2, dict(derivatives=True, entries=((0, 0), (0, 0))), "entries"),
        (surfaces_2, dict(marker=(1.0,)), "marker"),
        (surfaces_2, dict(marker=(1.0, float("nan"))), "marker"),
        (surfaces_2, dict(extent=-1), "extent"),
        (surfaces_2, dict(resolution=2), "resolution"),
        (surfaces_2, dict(derivatives="yes"), "derivatives"),
        (sigmoid_section, dict(temperature=-2), "temperature"),
        (sigmoid_section, dict(marker=(1, 2, 3)), "marker"),
        (surfaces_3, dict(marker=(1.0, 2.0)), "marker"),
        (surfaces_3, dict(derivatives=True, entries=((3, 0),)), "entries"),
        (surfaces_3, dict(gaussians=1), "gaussians"),
    ],
)
def test_bad_options_raise_naming_them(builder, kwargs, match):
    with pytest.raises(ValueError, match=match):
        builder(**kwargs)
