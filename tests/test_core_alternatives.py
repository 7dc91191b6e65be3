"""sparsemax, 1.5-entmax and the 2-class squashers against independent references: the threshold found
by root finding (scipy.optimize.brentq), the simplex projection by scipy.optimize.minimize, torch
autograd through a torch implementation (torch.func.jacrev), finite differences and closed forms."""

import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmaxlab.core import sigmoid
from softmaxlab.core.alternatives import SQUASHERS, entmax15, entmax15_jacobian, sparsemax, sparsemax_jacobian

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def strict_floats():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


# ---- references --------------------------------------------------------------------------


def threshold_by_root(z, power):
    """tau with sum max(z - tau, 0)^power == 1, by bracketing root finding (no sorting)."""
    f = lambda tau: (np.maximum(z - tau, 0) ** power).sum() - 1  # noqa: E731
    return scipy.optimize.brentq(f, z.max() - 1, z.max(), xtol=1e-15, rtol=1e-15)


def sparsemax_by_root(z):
    return np.maximum(z - threshold_by_root(z, 1), 0)


def entmax15_by_root(z):
    return np.maximum(z / 2 - threshold_by_root(z / 2, 2), 0) ** 2


def torch_sparsemax(z):
    """Martins & Astudillo's algorithm in torch, so autograd differentiates it independently."""
    zs, _ = torch.sort(z, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cs = torch.cumsum(zs, dim=-1)
    size = (1 + k * zs > cs).sum()
    tau = (cs[size - 1] - 1) / size
    return torch.clamp(z - tau, min=0)


def torch_entmax15(z):
    """The same in torch for 1.5-entmax, tau from the support's mean and variance."""
    x = z / 2
    xs, _ = torch.sort(x, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    mean = torch.cumsum(xs, -1) / k
    ss = k * (torch.cumsum(xs**2, -1) / k - mean**2)
    tau = mean - torch.sqrt(torch.clamp((1 - ss) / k, min=0))
    size = (tau <= xs).sum()
    return torch.clamp(x - tau[size - 1], min=0) ** 2


def finite_difference_jacobian(f, z, h=1e-7):
    return np.stack([(f(z + h * e) - f(z - h * e)) / (2 * h) for e in np.eye(len(z))], axis=-1)


# away from support boundaries (where the Jacobian jumps and finite differences straddle it)
POINTS = [np.array(v) for v in ([0.5, 0.3, -1.0], [2.0, 1.2, 0.1, -1.0], [0.1, 0.2, 0.15, 0.05, -0.3], [3.0, -2.0])]


# ---- values ------------------------------------------------------------------------------------


def test_sparsemax_matches_root_finding_and_a_projection_solver():
    rng = np.random.default_rng(0)
    for z in POINTS + list(rng.normal(size=(20, 6))):
        np.testing.assert_allclose(sparsemax(z), sparsemax_by_root(z), atol=1e-12)
    for z in POINTS[:3]:
        projection = scipy.optimize.minimize(
            lambda q, z=z: ((q - z) ** 2).sum(),
            np.full(len(z), 1 / len(z)),
            method="SLSQP",
            bounds=[(0, 1)] * len(z),
            constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1}],
            options={"ftol": 1e-14},
        )
        np.testing.assert_allclose(sparsemax(z), projection.x, atol=1e-6)


def test_entmax15_matches_root_finding():
    rng = np.random.default_rng(1)
    for z in POINTS + list(rng.normal(size=(20, 6)) * 2):
        np.testing.assert_allclose(entmax15(z), entmax15_by_root(z), atol=1e-12)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 7)), elements=st.floats(-50, 50)), st.floats(-50, 50))
@settings(max_examples=80, deadline=None)
def test_distributions_shift_invariant_and_sparse(z, c):
    for mapping in (sparsemax, entmax15):
        p = mapping(z)
        assert np.all(p >= 0)
        np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=1e-12)
        np.testing.assert_allclose(mapping(z + c), p, atol=1e-9)
        larger = z[..., :, None] > z[..., None, :]  # (rows, K, K): z_i > z_j ...
        assert np.all((p[..., :, None] >= p[..., None, :] - 1e-12)[larger])  # ... implies p_i >= p_j
    # sparsemax keeps exactly the classes within 1 of the top that its threshold lets through
    assert np.all(sparsemax(z)[z < z.max(axis=-1, keepdims=True) - 1] == 0)


@given(
    hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        st.tuples(st.integers(1, 3), st.integers(1, 6)),
        elements={"allow_nan": False, "allow_infinity": False},  # every finite value
    )
)
@settings(deadline=None)
def test_every_finite_input_without_warnings(z):
    for mapping, jacobian in ((sparsemax, sparsemax_jacobian), (entmax15, entmax15_jacobian)):
        p = mapping(z)  # the fixture raises on any floating-point warning
        assert p.dtype == z.dtype and np.all(p >= 0)
        np.testing.assert_allclose(p.astype(np.float64).sum(axis=-1), 1, atol=8 * np.finfo(z.dtype).eps * z.shape[-1])
        assert np.all(np.isfinite(jacobian(z)))


def test_exact_zeros_where_softmax_has_none():
    assert sparsemax([2.0, 1.0, 0.1]).tolist() == [1.0, 0.0, 0.0]
    p = entmax15([1.0, 0.8, -3.0])
    assert p[2] == 0 and p[0] > p[1] > 0


def test_axes_dtypes_and_temperature():
    z = np.random.default_rng(2).normal(size=(3, 4, 5))
    for mapping in (sparsemax, entmax15):
        for axis in range(3):
            expected = np.moveaxis(np.apply_along_axis(mapping, axis, z), axis, axis)
            np.testing.assert_allclose(mapping(z, axis), expected, atol=1e-15)
        assert mapping(z.astype(np.float32)).dtype == np.float32
        assert mapping([[1, 2, 3]]).dtype == np.float64
        np.testing.assert_allclose(mapping(z, temperature=0.5), mapping(2 * z), atol=1e-15)
        assert mapping([1.0, 3.0, 3.0], temperature=1e-30).tolist() == [0.0, 0.5, 0.5]
        np.testing.assert_allclose(mapping([1.0, 3.0, -2.0], temperature=1e6), 1 / 3, rtol=1e-4)
        with pytest.raises(ValueError, match="temperature"):
            mapping([1.0, 2.0], temperature=0)
        with pytest.raises(ValueError, match="empty class axis"):
            mapping(np.zeros((2, 0)))


def test_non_finite_rows_follow_softmax_rules():
    for mapping in (sparsemax, entmax15):
        z = np.array([[-np.inf, 0.0, 0.0], [np.inf, 0.0, np.inf], [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0], [1e308, -1e308, 0]])
        p = mapping(z)
        assert p[0].tolist() == [0.0, 0.5, 0.5]
        assert p[1].tolist() == [0.5, 0.0, 0.5]
        assert np.isnan(p[2]).all() and np.isnan(p[3]).all()
        assert p[4].tolist() == [1.0, 0.0, 0.0]


# ---- Jacobians ------------------------------------------------------------------------------


@pytest.mark.parametrize("mapping, jacobian, torch_mapping", [
    (sparsemax, sparsemax_jacobian, torch_sparsemax),
    (entmax15, entmax15_jacobian, torch_entmax15),
])
@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_jacobians_match_finite_differences_and_torch(mapping, jacobian, torch_mapping, temperature):
    for z in POINTS:
        jac = jacobian(z, temperature=temperature)
        fd = finite_difference_jacobian(lambda v: mapping(v, temperature=temperature), z)
        np.testing.assert_allclose(jac, fd, atol=1e-6)
        reference = torch.func.jacrev(lambda v: torch_mapping(v / temperature))(torch.tensor(z))
        np.testing.assert_allclose(jac, reference.numpy(), atol=1e-12)
    batch = np.stack([POINTS[0], POINTS[0][::-1]])  # (2, 3)
    np.testing.assert_allclose(jacobian(batch)[1], jacobian(POINTS[0][::-1]))


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 6)), elements=st.floats(-20, 20)))
@settings(max_examples=60, deadline=None)
def test_jacobian_rows_sum_to_zero_and_symmetric(z):
    for jacobian in (sparsemax_jacobian, entmax15_jacobian):
        jac = jacobian(z)
        assert jac.shape == z.shape + z.shape[-1:]
        np.testing.assert_allclose(jac.sum(axis=-1), 0, atol=1e-12)
        np.testing.assert_allclose(jac, np.swapaxes(jac, -1, -2), atol=0)


# ---- squashers --------------------------------------------------------------------------------


def test_squashers_share_centre_symmetry_and_slope():
    assert set(SQUASHERS) >= {"logistic", "probit", "arctan", "softsign", "hard"}
    x = np.linspace(-30, 30, 601)
    for name, f in SQUASHERS.items():
        y = f(x)
        assert f(np.array([0.0]))[0] == 0.5, name
        np.testing.assert_allclose(y + f(-x), 1, atol=1e-15, err_msg=name)
        assert np.all(np.diff(y) >= 0) and y.min() >= 0 and y.max() <= 1, name
        slope = (f(np.array([1e-6]))[0] - f(np.array([-1e-6]))[0]) / 2e-6
        np.testing.assert_allclose(slope, 0.25, rtol=1e-6, err_msg=name)
        assert f(np.array([-np.inf, np.inf])).tolist() == [0.0, 1.0], name
        assert f(np.float32([1.0])).dtype == np.float32, name


def test_squashers_closed_forms():
    x = np.linspace(-40, 40, 801)
    np.testing.assert_allclose(SQUASHERS["logistic"](x), sigmoid(x))
    np.testing.assert_allclose(SQUASHERS["probit"](x), scipy.stats.norm.cdf(x * np.sqrt(2 * np.pi) / 4), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(SQUASHERS["arctan"](x), 0.5 + np.arctan(np.pi * x / 4) / np.pi, rtol=1e-15)
    np.testing.assert_allclose(SQUASHERS["softsign"](x), 0.5 + x / (4 + 2 * np.abs(x)), rtol=1e-15)
    np.testing.assert_allclose(SQUASHERS["hard"](x), np.clip(0.5 + x / 4, 0, 1))
