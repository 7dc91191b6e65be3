"""Geometry of logit space: the sum-zero basis, the simplex, winning regions and the Gaussian posterior."""

import itertools
import warnings

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmaxlab.core import softmax
from softmaxlab.core.geometry import (
    from_subspace,
    gaussian_posterior,
    principal_axes,
    simplex_vertices,
    sum_zero_basis,
    tie_face,
    to_subspace,
    winning_class,
)


@pytest.fixture(autouse=True)
def strict_floats():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


@pytest.mark.parametrize("k", [2, 3, 4, 5, 10])
def test_basis_is_orthonormal_and_orthogonal_to_ones(k):
    basis = sum_zero_basis(k)
    assert basis.shape == (k, k - 1)
    np.testing.assert_allclose(basis.T @ basis, np.eye(k - 1), atol=1e-14)
    np.testing.assert_allclose(np.ones(k) @ basis, 0, atol=1e-14)
    # together with the unit ones-vector it spans R^K: the projector onto the subspace is I - 11^T/K
    np.testing.assert_allclose(basis @ basis.T, np.eye(k) - np.ones((k, k)) / k, atol=1e-14)


def test_basis_grows_by_one_column():
    np.testing.assert_allclose(sum_zero_basis(5)[:4, :3], sum_zero_basis(4), atol=0)


# elements away from the subnormals, so the test's own arithmetic stays clean; those get their own test
ELEMENTS = st.floats(-1e3, 1e3).filter(lambda x: x == 0 or abs(x) > 1e-100)


@given(st.integers(2, 8).flatmap(lambda k: hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.just(k)), elements=ELEMENTS)))
@settings(deadline=None)  # a shared machine: timing is not what these test
def test_round_trip_on_sum_zero_vectors(z):
    centred = z - z.mean(axis=-1, keepdims=True)
    u = to_subspace(centred)
    assert u.shape == z.shape[:-1] + (z.shape[-1] - 1,)
    np.testing.assert_allclose(from_subspace(u), centred, atol=1e-10)
    np.testing.assert_allclose(to_subspace(from_subspace(u)), u, atol=1e-10)
    np.testing.assert_allclose(to_subspace(z), u, atol=1e-10)  # the shift is dropped
    np.testing.assert_allclose(np.linalg.norm(u, axis=-1), np.linalg.norm(centred, axis=-1), atol=1e-10)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 7])
def test_simplex_vertices_are_equidistant_with_equal_norms(k):
    vertices = simplex_vertices(k)
    assert vertices.shape == (k, k - 1)
    np.testing.assert_allclose(np.linalg.norm(vertices, axis=1), np.sqrt((k - 1) / k))
    for i, j in itertools.combinations(range(k), 2):
        np.testing.assert_allclose(np.linalg.norm(vertices[i] - vertices[j]), np.sqrt(2))
    np.testing.assert_allclose(vertices.sum(axis=0), 0, atol=1e-14)  # centred at the origin


def test_tetrahedron_for_four_classes():
    # a regular tetrahedron: the angle between centre-to-vertex lines is arccos(-1/3)
    vertices = simplex_vertices(4)
    unit = vertices / np.linalg.norm(vertices, axis=1, keepdims=True)
    cosines = unit @ unit.T
    np.testing.assert_allclose(cosines[~np.eye(4, dtype=bool)], -1 / 3)


def test_winning_class_is_the_nearest_vertex():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(500, 4)) * 3  # (points, K)
    vertices = simplex_vertices(4)
    distances = np.linalg.norm(to_subspace(z)[:, None, :] - vertices[None], axis=-1)  # (points, K)
    np.testing.assert_array_equal(winning_class(z), distances.argmin(axis=1))
    np.testing.assert_array_equal(winning_class(z), scipy.special.softmax(z, axis=1).argmax(axis=1))
    assert winning_class([5.0, 5.0, 0.0]) == 0  # ties go to the lowest index
    assert winning_class(np.zeros((2, 3, 4))).shape == (2, 3)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_gaussian_posterior_is_softmax(k):
    rng = np.random.default_rng(k)
    z = rng.normal(size=(50, k)) * 4
    np.testing.assert_allclose(gaussian_posterior(z), softmax(z), rtol=1e-10)
    priors = rng.dirichlet(np.ones(k))
    np.testing.assert_allclose(gaussian_posterior(z, priors=priors), softmax(z + np.log(priors)), rtol=1e-9)


def test_gaussian_posterior_closed_form_with_densities():
    # the posterior from the actual Gaussian densities (Bayes' rule, naive but fine for small z)
    z = np.array([0.3, -0.8, 1.1])
    priors = np.array([0.2, 0.5, 0.3])
    centres = np.eye(3)
    densities = np.exp(-((z - centres) ** 2).sum(axis=1) / 2) / (2 * np.pi) ** 1.5
    expected = priors * densities / (priors * densities).sum()
    np.testing.assert_allclose(gaussian_posterior(z, priors=priors), expected, rtol=1e-12)


def test_gaussian_posterior_zero_prior_and_bad_priors():
    p = gaussian_posterior([3.0, 0.0], priors=[0.0, 1.0])
    assert p.tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="priors must have shape"):
        gaussian_posterior([1.0, 2.0], priors=[1.0])
    with pytest.raises(ValueError, match="sum to 1"):
        gaussian_posterior([1.0, 2.0], priors=[0.3, 0.3])


def test_subnormal_logits_without_warnings():
    tiny = np.array([5e-324, -5e-324, 0.0, 1e-310])
    assert np.all(np.abs(to_subspace(tiny)) < 1e-300)
    assert np.all(np.abs(from_subspace(tiny[:3])) < 1e-300)


def test_float32_and_errors():
    assert to_subspace(np.float32([1, 2, 3])).dtype == np.float32
    assert from_subspace(np.float32([1, 2])).dtype == np.float32
    for bad in (1, 0, 2.5, True):
        with pytest.raises(ValueError, match="number of classes"):
            sum_zero_basis(bad)
    with pytest.raises(ValueError, match="number of classes"):
        to_subspace([1.0])  # one class has no sum-zero subspace to speak of
    with pytest.raises(ValueError, match="empty class axis"):
        winning_class(np.zeros((2, 0)))


@pytest.mark.parametrize("n,d,count", [(200, 3, 3), (80, 5, 3), (60, 9, 2), (500, 64, 3), (30, 4, 4)])
def test_principal_axes_match_an_svd_of_the_centred_points(n, d, count):
    rng = np.random.default_rng(n + d)
    scales = np.geomspace(5.0, 0.2, d)  # distinct spreads, so the axes are defined up to sign
    rotation, _ = np.linalg.qr(rng.normal(size=(d, d)))
    points = (rng.normal(size=(n, d)) * scales) @ rotation.T + rng.normal(size=d) * 10  # (n, d)
    pca = principal_axes(points, count=count)
    centred = points - points.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)  # the reference: singular values, descending
    assert pca.axes.shape == (d, count) and pca.spread.shape == (count,)
    np.testing.assert_allclose(pca.mean, points.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.abs(np.sum(pca.axes * vt[:count].T, axis=0)), 1.0, atol=1e-9)  # same lines
    np.testing.assert_allclose(pca.spread, s[:count] ** 2, rtol=1e-9)
    np.testing.assert_allclose(pca.total, np.sum(centred**2), rtol=1e-12)  # the scatter's trace
    np.testing.assert_allclose(pca.axes.T @ pca.axes, np.eye(count), atol=1e-12)
    # the sign rule: each axis's entry of largest magnitude is positive, so a flipped cloud gives the same axes
    assert np.all(pca.axes[np.abs(pca.axes).argmax(axis=0), np.arange(count)] > 0)
    np.testing.assert_allclose(principal_axes(-points, count=count).axes, pca.axes, atol=1e-9)


def test_principal_axes_of_fewer_points_than_dimensions_and_of_float32():
    one = principal_axes([[1.0, 2.0, 3.0, 4.0]])  # no spread at all: still three orthonormal axes
    np.testing.assert_allclose(one.axes.T @ one.axes, np.eye(3), atol=1e-12)
    assert one.total == 0.0 and np.all(one.spread == 0.0)
    two = principal_axes([[0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 4.0, 0.0]])  # one line: all the spread on its axis
    np.testing.assert_allclose(two.axes[:, 0], [0.6, 0.0, 0.8, 0.0], atol=1e-12)
    np.testing.assert_allclose(two.spread / two.total, [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(two.axes.T @ two.axes, np.eye(3), atol=1e-12)
    x = np.random.default_rng(1).normal(size=(40, 5)).astype(np.float32) + np.float32(1000)
    # float32 points are centred in float64: the mean of 40 points near 1000 keeps its digits
    np.testing.assert_allclose(principal_axes(x).mean, x.astype(np.float64).mean(axis=0), rtol=1e-15)


def test_principal_axes_refuse_bad_input():
    with pytest.raises(ValueError, match="shape"):
        principal_axes([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        principal_axes(np.zeros((0, 3)))
    for count in (0, 4, 2.0, True):
        with pytest.raises(ValueError, match="count must be an int in"):
            principal_axes(np.eye(3), count=count)


def _face_vertices_by_enumeration(rows, offset, i, j, extent):
    """The face's vertices from scratch: every point of the plane z_i = z_j where two more constraints are
    tight (another class's z_i >= z_k, or a side of the box), kept if it satisfies all of them."""
    k = len(rows)
    constraints = [(rows[i] - rows[c], offset[i] - offset[c]) for c in range(k) if c not in (i, j)]
    constraints += [(sign * np.eye(3)[d], extent) for d in range(3) for sign in (1.0, -1.0)]  # extent + sign x_d >= 0
    found = []
    for (a1, b1), (a2, b2) in itertools.combinations(constraints, 2):
        system = np.stack([rows[i] - rows[j], a1, a2])  # (3, 3)
        if abs(np.linalg.det(system)) < 1e-12:
            continue
        x = np.linalg.solve(system, -np.array([offset[i] - offset[j], b1, b2]))
        if all(a @ x + b >= -1e-9 for a, b in constraints):
            found.append(x)
    unique = []
    for x in found:
        if not any(np.allclose(x, u, atol=1e-9) for u in unique):
            unique.append(x)
    return np.array(unique).reshape(-1, 3)


@pytest.mark.parametrize("k,fourth,extent", [(4, 0.0, 1.2), (4, 0.0, 0.3), (5, 0.0, 1.2), (5, 0.35, 1.0),
                                             (5, -0.6, 1.2), (5, 0.9, 2.0)])
def test_tie_faces_have_the_vertices_of_an_independent_enumeration(k, fourth, extent):
    basis = sum_zero_basis(k)
    rows = basis[:, :3]
    offset = basis[:, 3] * fourth if k == 5 else np.zeros(k)
    faces = 0
    for i, j in itertools.combinations(range(k), 2):
        face = tie_face(rows, offset, i, j, extent=extent)  # (m, 3)
        expected = _face_vertices_by_enumeration(rows, offset, i, j, extent)
        area = np.linalg.norm(np.cross(face, np.roll(face, -1, axis=0)).sum(axis=0)) / 2 if len(face) else 0.0
        if len(expected) < 3:  # the classes do not tie for the lead on an area inside the box: nothing, or a point
            assert area < 1e-12
            if len(face):
                assert np.linalg.norm(face[:, None] - expected[None], axis=-1).min(axis=1).max() < 1e-9
            continue
        faces += 1
        # the same corners (the clipping may repeat one where an edge ends exactly on a plane)
        distances = np.linalg.norm(face[:, None] - expected[None], axis=-1)  # (m, expected)
        assert distances.min(axis=1).max() < 1e-9 and distances.min(axis=0).max() < 1e-9
        z = face @ rows.T + offset  # (m, K)
        np.testing.assert_allclose(z[:, i], z[:, j], atol=1e-12)
        # in order around a convex polygon: every turn goes the same way about the plane's normal
        edges = np.roll(face, -1, axis=0) - face
        turns = np.cross(edges, np.roll(edges, -1, axis=0)) @ (rows[i] - rows[j])
        assert np.all(turns >= -1e-12) or np.all(turns <= 1e-12)
    assert faces >= 3


def test_tie_face_is_empty_where_two_classes_cannot_tie_and_refuses_bad_input():
    rows = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert tie_face(rows, np.array([0.0, 1.0, 0.0]), 0, 1, extent=1.0).shape == (0, 3)  # z_1 - z_0 = 1 always
    # z_0 = z_2 on x = y, but class 1 (z_1 = z_0 + 5) leads everywhere: no face
    assert tie_face(rows, np.array([0.0, 5.0, 0.0]), 0, 2, extent=1.0).shape == (0, 3)
    far = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert tie_face(far, np.array([-3.0, 0.0]), 0, 1, extent=1.0).shape == (0, 3)  # z_0 = z_1 at x = 3: off the box
    square = tie_face(far, np.array([-0.5, 0.0]), 0, 1, extent=1.0)  # x = 0.5: the box's whole section, 2 x 2
    np.testing.assert_allclose(np.sort(np.abs(square), axis=0), [[0.5, 1.0, 1.0]] * 4, atol=1e-12)
    with pytest.raises(ValueError, match="different"):
        tie_face(far, np.zeros(2), 1, 1, extent=1.0)
    with pytest.raises(ValueError, match="j must be a class"):
        tie_face(far, np.zeros(2), 0, 2, extent=1.0)
    with pytest.raises(ValueError, match="rows must be"):
        tie_face(np.zeros((3, 2)), np.zeros(3), 0, 1, extent=1.0)
    with pytest.raises(ValueError, match="extent"):
        tie_face(far, np.zeros(2), 0, 1, extent=0.0)
