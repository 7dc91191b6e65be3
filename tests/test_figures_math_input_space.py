"""input_space: the simplex, the winning regions and the tie walls, checked by reading the figure.

References are independent of the figure's code: argmax of logits rebuilt from the coordinates,
distances between vertices, and the tie condition z_i = z_j >= every other z_k.
"""

import itertools

import numpy as np
import pytest

from softmaxlab.core.geometry import sum_zero_basis
from softmaxlab.figures import input_space


def trace(fig, uid):
    found = [t for t in fig.data if t.uid == uid]
    assert len(found) == 1, f"expected one trace {uid!r}, found {len(found)}"
    return found[0]


def logits_at(points, k, fourth):
    """Logits z = B (u1, u2, u3[, fourth]) of slice points (n, 3), with B checked to be a sum-zero basis."""
    b = sum_zero_basis(k)
    np.testing.assert_allclose(b.T @ b, np.eye(k - 1), atol=1e-12)
    np.testing.assert_allclose(b.T @ np.ones(k), 0.0, atol=1e-12)
    u = points if k == 4 else np.concatenate([points, np.full((len(points), 1), fourth)], axis=1)
    return u @ b.T


def test_tetrahedron_vertices_are_equidistant():
    v = trace(input_space(4), "vertices")
    pts = np.stack([v.x, v.y, v.z], axis=1)  # (4, 3)
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    np.testing.assert_allclose(d[~np.eye(4, dtype=bool)], np.sqrt(2), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(pts, axis=1), np.sqrt(3 / 4), rtol=1e-12)
    # they are the one-hot points e_i, centred: B u = e_i - 1/4
    np.testing.assert_allclose(pts @ sum_zero_basis(4).T, np.eye(4) - 0.25, atol=1e-12)
    edges = trace(input_space(4), "edges")
    assert np.isnan(np.asarray(edges.x, dtype=float)).sum() == 6  # all 6 edges of the tetrahedron, NaN between


def test_five_vertices_carry_their_fourth_coordinate():
    v = trace(input_space(5, fourth=0.3), "vertices")
    pts = np.stack([v.x, v.y, v.z], axis=1)  # (5, 3) first three coordinates
    full = (np.eye(5) - 0.2) @ sum_zero_basis(5)  # (5, 4)
    np.testing.assert_allclose(pts, full[:, :3], atol=1e-12)
    # in the hover, not the label (long labels overlapped at the centre)
    np.testing.assert_allclose(np.asarray(v.customdata, dtype=float), np.stack([np.arange(5), full[:, 3]], axis=1), atol=1e-12)
    assert "u₄ = %{customdata[1]:.2f}" in v.hovertemplate
    d = np.linalg.norm(full[:, None] - full[None], axis=-1)
    np.testing.assert_allclose(d[~np.eye(5, dtype=bool)], np.sqrt(2), rtol=1e-12)


@pytest.mark.parametrize("k,fourth", [(4, 0.0), (5, 0.0), (5, 0.35), (5, -0.6)])
def test_points_of_a_region_really_have_that_argmax(k, fourth):
    n = 7
    fig = input_space(k, fourth=fourth, resolution=n, extent=1.1)
    total = 0
    for c in range(k):
        r = trace(fig, f"region-{c}")
        pts = np.stack([r.x, r.y, r.z], axis=1)
        total += len(pts)
        if not len(pts):
            continue
        z = logits_at(pts, k, fourth)
        np.testing.assert_allclose(np.asarray(r.customdata), z, atol=1e-12)
        best = z.max(axis=1)
        # class c is a (first) argmax: ties go to the lowest index, as winning_class documents
        assert np.all(z[:, c] == best)
        assert np.all(np.argmax(z, axis=1) == c)
        assert np.all(np.abs(pts) <= 1.1 + 1e-12)
    assert total == n**3  # the regions partition the grid


@pytest.mark.parametrize("k,fourth", [(4, 0.0), (5, 0.0), (5, 0.35), (5, -0.6)])
def test_tie_walls_are_where_two_classes_tie_for_the_lead(k, fourth):
    fig = input_space(k, fourth=fourth, points=False, extent=1.0)
    walls = [t for t in fig.data if t.uid.startswith("tie-")]
    assert walls, "some classes tie inside the box"
    for w in walls:
        i, j = map(int, w.uid.split("-")[1:])
        pts = np.stack([w.x, w.y, w.z], axis=1)
        z = logits_at(pts, k, fourth)
        others = np.delete(z, [i, j], axis=1)
        np.testing.assert_allclose(z[:, i], z[:, j], atol=1e-9)
        assert np.all(z[:, i] >= others.max(axis=1) - 1e-9)
        assert np.all(np.abs(pts) <= 1.0 + 1e-9)
        # triangles index real vertices
        assert max(max(w.i), max(w.j), max(w.k)) < len(pts)


def test_four_classes_have_six_walls_meeting_at_the_origin():
    fig = input_space(4, points=False)
    walls = {t.uid for t in fig.data if t.uid.startswith("tie-")}
    assert walls == {f"tie-{i}-{j}" for i, j in itertools.combinations(range(4), 2)}
    for uid in walls:
        w = trace(fig, uid)
        pts = np.stack([w.x, w.y, w.z], axis=1)
        assert np.min(np.linalg.norm(pts, axis=1)) < 1e-12  # the cones' apex is 0


def test_tie_walls_are_the_boundaries_between_sampled_regions():
    """Across a wall between i and j, the argmax changes from i to j (checked on a fine probe)."""
    fig = input_space(4, points=False)
    b = sum_zero_basis(4)
    w = trace(fig, "tie-1-3")
    pts = np.stack([w.x, w.y, w.z], axis=1)
    inner = pts.mean(axis=0)  # inside the convex face
    normal = b[1, :3] - b[3, :3]
    z_plus = (inner + 1e-3 * normal) @ b.T
    z_minus = (inner - 1e-3 * normal) @ b.T
    assert np.argmax(z_plus) == 1 and np.argmax(z_minus) == 3


def test_slices_change_with_the_fourth_coordinate():
    near_4 = input_space(5, fourth=-0.8, resolution=9)
    far_4 = input_space(5, fourth=0.8, resolution=9)
    assert len(trace(near_4, "region-4").x) > 0  # vertex 4 has u4 = -0.894: its region is in that slice
    assert len(trace(far_4, "region-4").x) == 0


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(classes=3), "classes"),
        (dict(classes=6), "classes"),
        (dict(classes=4.0), "classes"),
        (dict(classes=5, fourth=float("nan")), "fourth"),
        (dict(extent=0.0), "extent"),
        (dict(resolution=1), "resolution"),
        (dict(points="no"), "points"),
    ],
)
def test_bad_options_raise_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        input_space(**kwargs)
