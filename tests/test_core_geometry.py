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
    simplex_vertices,
    sum_zero_basis,
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
