"""softmax, log_softmax, logsumexp, the Jacobian, sigmoid and entropy against independent references:
scipy.special, scipy.stats, finite differences, torch.func.jacrev and closed forms.

Every test runs with NumPy floating-point errors raised and warnings turned into errors (the
autouse fixture), so "no overflow or underflow warnings" is shown, not assumed.
"""

import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmaxlab.core import (
    effective_choices,
    entropy,
    log_softmax,
    logsumexp,
    sigmoid,
    softmax,
    softmax_jacobian,
)

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def strict_floats():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def quietly(reference):
    """The reference itself may warn (scipy's softmax underflows in exp); only ours must not."""

    def call(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return reference(*args, **kwargs)

    return call


ref_softmax = quietly(scipy.special.softmax)
ref_log_softmax = quietly(scipy.special.log_softmax)
ref_logsumexp = quietly(scipy.special.logsumexp)
ref_expit = quietly(scipy.special.expit)
ref_entropy = quietly(scipy.stats.entropy)
assert_close = quietly(np.testing.assert_allclose)  # comparing subnormals may underflow
quiet_exp = quietly(np.exp)


def logits_arrays(min_side=1, max_dims=3, bound=1e3):
    return hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=min_side, max_side=6),
        elements=st.floats(-bound, bound, allow_nan=False),
    )


# ---- against scipy.special ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (1, 1), (2, 1, 3, 2)])
@pytest.mark.parametrize("scale", [1.0, 50.0, 1e4])
def test_softmax_family_matches_scipy_on_every_axis(shape, scale):
    rng = np.random.default_rng(len(shape))
    z = rng.normal(size=shape) * scale
    for axis in range(-len(shape), len(shape)):
        assert_close(softmax(z, axis), ref_softmax(z, axis=axis), rtol=1e-12, atol=1e-300)
        assert_close(log_softmax(z, axis), ref_log_softmax(z, axis=axis), rtol=1e-12)
        assert_close(logsumexp(z, axis), ref_logsumexp(z, axis=axis), rtol=1e-12)
        assert_close(
            logsumexp(z, axis, keepdims=True), ref_logsumexp(z, axis=axis, keepdims=True), rtol=1e-12
        )


@pytest.mark.parametrize("temperature", [0.1, 0.5, 2.0, 37.0])
def test_temperature_divides_the_logits(temperature):
    z = np.random.default_rng(1).normal(size=(4, 6)) * 3
    assert_close(softmax(z, temperature=temperature), ref_softmax(z / temperature, axis=-1), rtol=1e-12)
    assert_close(
        log_softmax(z, 0, temperature=temperature), ref_log_softmax(z / temperature, axis=0), rtol=1e-12
    )


@given(logits_arrays())
@settings(deadline=None)  # a shared machine: timing is not what these test
def test_rows_sum_to_one_and_match_scipy(z):
    p = softmax(z)
    assert_close(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(p >= 0)
    assert_close(p, ref_softmax(z, axis=-1), rtol=1e-9, atol=1e-300)
    assert_close(quiet_exp(log_softmax(z)), p, rtol=1e-9, atol=1e-300)


@given(logits_arrays(bound=100), st.floats(-100, 100))
@settings(deadline=None)  # a shared machine: timing is not what these test
def test_shift_invariance(z, c):
    assert_close(softmax(z + c), softmax(z), rtol=1e-9, atol=1e-15)
    assert_close(log_softmax(z + c), log_softmax(z), rtol=1e-9, atol=1e-9)
    assert_close(logsumexp(z + c), logsumexp(z) + c, rtol=1e-12, atol=1e-9)


# ---- exactness at the extremes ----------------------------------------------------------------


def test_huge_logits_are_exact():
    assert softmax([1000.0, 0.0]).tolist() == [1.0, 0.0]
    assert log_softmax([1000.0, 0.0]).tolist() == [0.0, -1000.0]
    assert log_softmax(np.float32([1000.0, 0.0])).tolist() == [0.0, -1000.0]
    assert softmax([1e308, -1e308]).tolist() == [1.0, 0.0]
    assert log_softmax([-1e308, 1e308])[1] == 0.0  # the difference overflows to -inf: correctly
    assert logsumexp([1000.0, 1000.0]) == 1000.0 + np.log(2)
    assert logsumexp([-1000.0, -1000.0]) == -1000.0 + np.log(2)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_every_finite_extreme_without_warnings(dtype):
    info = np.finfo(dtype)
    z = np.array([[info.max, -info.max, 0], [info.tiny, -info.tiny, 0], [info.max, info.max, info.max]], dtype=dtype)
    p = softmax(z)
    assert p.dtype == dtype and np.all(np.isfinite(p))
    assert_close(p[0], [1, 0, 0])
    assert_close(p[2], [1 / 3] * 3, rtol=1e-3)
    lp = log_softmax(z)
    assert lp[0, 0] == 0 and lp[0, 1] == -np.inf  # -max - max is beyond the dtype: -inf is the exact rounding
    assert np.all(np.isfinite(logsumexp(z)))
    assert np.all(np.isfinite(softmax_jacobian(z)))


@given(
    hnp.arrays(
        st.sampled_from([np.float16, np.float32, np.float64]),
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6),
        elements={"allow_nan": False, "allow_infinity": False},  # every finite value, subnormals and +-max too
    )
)
@settings(deadline=None)
def test_no_warning_and_a_distribution_for_every_finite_input(z):
    p, lp, lse = softmax(z), log_softmax(z), logsumexp(z)  # the fixture raises on any warning
    jac = softmax_jacobian(z)
    assert p.dtype == lp.dtype == lse.dtype == jac.dtype == z.dtype
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(lse)) and np.all(np.isfinite(jac))
    assert not np.isnan(lp).any() and np.all(lp <= 0)
    tolerance = 4 * z.shape[-1] * np.finfo(z.dtype).eps
    assert np.all(lp.max(axis=-1) >= -np.log(z.shape[-1]) - tolerance)  # the top class has at least 1/K
    assert_close(p.astype(np.float64).sum(axis=-1), 1.0, rtol=0, atol=tolerance)


def test_minus_infinity_gets_probability_zero():
    p = softmax([-np.inf, 1.0, 2.0])
    assert p[0] == 0.0
    assert_close(p[1:], ref_softmax([1.0, 2.0]), rtol=1e-15)
    lp = log_softmax([-np.inf, 0.0, 0.0])
    assert lp[0] == -np.inf and np.allclose(lp[1:], -np.log(2))
    assert logsumexp([-np.inf, 0.0]) == 0.0


def test_all_minus_infinity_row_is_nan_and_others_unaffected():
    z = np.array([[-np.inf, -np.inf], [0.0, 1.0]])
    p, lp = softmax(z), log_softmax(z)
    assert np.isnan(p[0]).all() and np.isnan(lp[0]).all()
    assert_close(p[1], ref_softmax([0.0, 1.0]))
    assert logsumexp(z)[0] == -np.inf  # log of an empty sum: well defined


def test_nan_propagates_to_its_row_only():
    z = np.array([[np.nan, 1.0, 2.0], [0.0, 1.0, 2.0]])
    assert np.isnan(softmax(z)[0]).all() and np.isnan(log_softmax(z)[0]).all() and np.isnan(logsumexp(z)[0])
    assert_close(softmax(z)[1], ref_softmax([0.0, 1.0, 2.0]))


def test_plus_infinity_is_the_zero_temperature_limit():
    assert softmax([np.inf, 0.0, np.inf]).tolist() == [0.5, 0.0, 0.5]
    assert_close(log_softmax([np.inf, 0.0, np.inf]), [-np.log(2), -np.inf, -np.log(2)])
    assert softmax([np.inf, -np.inf]).tolist() == [1.0, 0.0]
    assert logsumexp([np.inf, 0.0]) == np.inf


# ---- temperature limits --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("temperature", [1e-3, 1e-30, 1e-45, 5e-324])
def test_zero_temperature_is_argmax_with_ties_split(dtype, temperature):
    z = np.array([[1.0, 3.0, 3.0, -2.0], [7.0, 1.0, 6.999, 0.0]], dtype=dtype)
    expected = np.array([[0, 0.5, 0.5, 0], [1, 0, 0, 0]])
    if temperature == 1e-3:  # 7 and 6.999 are T apart: not yet the limit, so scipy's value
        expected[1] = ref_softmax(z[1].astype(np.float64) / 1e-3)
    p = softmax(z, temperature=temperature)
    assert p.dtype == dtype
    assert_close(p, expected, atol=1e-6)
    if temperature < 1e-3:
        assert p.tolist() == expected.tolist()


@pytest.mark.parametrize("temperature", [1e6, 1e30, 1e300])
def test_infinite_temperature_is_uniform(temperature):
    z = np.array([5.0, -3.0, 0.0, 100.0])
    assert_close(softmax(z, temperature=temperature), 0.25, rtol=1e-3)
    assert_close(softmax(z.astype(np.float32), temperature=temperature), 0.25, rtol=1e-3)


# ---- dtypes, shapes, array-likes --------------------------------------------------------------


@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp])
def test_dtypes_are_kept_and_ints_become_float64(function):
    z = np.arange(6.0).reshape(2, 3)
    for dtype in (np.float16, np.float32, np.float64):
        assert function(z.astype(dtype)).dtype == dtype
    assert function([[0, 1, 2], [3, 4, 5]]).dtype == np.float64
    assert function(np.arange(6).reshape(2, 3)).dtype == np.float64
    assert_close(function(z.astype(np.float32)), function(z), rtol=1e-6)


def test_batch_shapes_and_axes():
    z = np.random.default_rng(3).normal(size=(2, 3, 4, 5))
    for axis in range(4):
        p = softmax(z, axis)
        assert p.shape == z.shape
        assert_close(p.sum(axis=axis), 1.0)
        assert logsumexp(z, axis).shape == z.shape[:axis] + z.shape[axis + 1 :]


# ---- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.inf, np.nan, "hot"])
@pytest.mark.parametrize("function", [softmax, log_softmax, softmax_jacobian])
def test_bad_temperature_is_named(function, temperature):
    with pytest.raises(ValueError, match="temperature"):
        function([1.0, 2.0], temperature=temperature)


@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp])
def test_bad_shapes_and_types_are_named(function):
    with pytest.raises(ValueError, match="empty class axis"):
        function(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="empty class axis"):
        function(np.zeros((0, 3)), axis=0)
    with pytest.raises(ValueError, match="at least one axis"):
        function(1.0)
    with pytest.raises(ValueError, match="out of range"):
        function([1.0, 2.0], axis=1)
    with pytest.raises(ValueError, match="real numbers"):
        function(["a", "b"])
    with pytest.raises(ValueError, match="real numbers"):
        function([1 + 2j, 0])
    with pytest.raises(ValueError, match="axis must be an int"):
        function([1.0, 2.0], axis=0.5)


def test_empty_batch_is_fine():
    assert softmax(np.zeros((0, 3))).shape == (0, 3)


# ---- the Jacobian ----------------------------------------------------------------------------


def finite_difference_jacobian(f, z, h=1e-6):
    """Central differences: column j is (f(z + h e_j) - f(z - h e_j)) / 2h."""
    k = z.shape[-1]
    columns = []
    for j in range(k):
        step = np.zeros(k)
        step[j] = h
        columns.append((f(z + step) - f(z - step)) / (2 * h))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("temperature", [1.0, 0.3, 4.0])
def test_jacobian_matches_finite_differences_and_torch(temperature):
    z = np.random.default_rng(5).normal(size=(3, 4)) * 2  # a batch of 3 points
    jac = softmax_jacobian(z, temperature=temperature)
    assert jac.shape == (3, 4, 4)
    for row, point in zip(jac, z):
        fd = finite_difference_jacobian(lambda v: softmax(v, temperature=temperature), point)
        assert_close(row, fd, atol=1e-8)
        reference = torch.func.jacrev(lambda v: torch.softmax(v / temperature, dim=-1))(torch.tensor(point))
        assert_close(row, reference.numpy(), rtol=1e-10, atol=1e-14)


@given(logits_arrays(min_side=1, max_dims=2, bound=50))
@settings(max_examples=60, deadline=None)
def test_jacobian_rows_sum_to_zero_and_it_is_symmetric(z):
    jac = softmax_jacobian(z)
    assert jac.shape == z.shape + z.shape[-1:]
    assert_close(jac.sum(axis=-1), 0, atol=1e-15)
    np.testing.assert_array_equal(jac, np.swapaxes(jac, -1, -2))
    assert np.all(np.linalg.eigvalsh(jac) >= -1e-15)  # positive semi-definite


def test_jacobian_keeps_float32_and_survives_tiny_temperature():
    jac = softmax_jacobian(np.float32([1.0, 1.0, 0.0]), temperature=1e-40)
    assert jac.dtype == np.float32
    assert np.isinf(jac[0, 0]) and jac[2].tolist() == [0, 0, 0]  # 0.25 / 1e-40 is beyond float32


# ---- sigmoid -------------------------------------------------------------------------------------


def test_sigmoid_is_the_two_class_softmax_and_matches_scipy():
    x = np.linspace(-800, 800, 4001)
    assert_close(sigmoid(x), ref_expit(x), rtol=1e-15, atol=1e-307)  # scipy flushes subnormals to 0
    tail = np.linspace(-745, -40, 200)
    assert_close(sigmoid(tail), quiet_exp(tail), rtol=1e-15, atol=0)  # closed form: sigma(x) = e^x / (1 + e^x) ~ e^x
    a, b = np.random.default_rng(2).normal(size=(2, 100)) * 20
    assert_close(softmax(np.stack([a, b], axis=-1))[:, 0], sigmoid(a - b), rtol=1e-12)
    assert_close(sigmoid(x), 1 - sigmoid(-x), atol=1e-15)  # closed form symmetry
    assert sigmoid(np.float32([-1e30, 1e30])).tolist() == [0.0, 1.0]
    assert sigmoid(np.float32(0.5)).dtype == np.float32
    assert np.isnan(sigmoid([np.nan]))[0] and sigmoid([-np.inf, np.inf]).tolist() == [0.0, 1.0]


# ---- entropy -----------------------------------------------------------------------------------


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)), elements=st.floats(0, 1)))
@settings(deadline=None)  # a shared machine: timing is not what these test
def test_entropy_matches_scipy(raw):
    rows = raw[raw.sum(axis=1) > 1e-3]
    with np.errstate(all="ignore"):
        p = rows / rows.sum(axis=1, keepdims=True)
    for base in (np.e, 2.0, 10.0):
        assert_close(entropy(p, base=base), ref_entropy(p, base=base, axis=-1), rtol=1e-10, atol=1e-14)


def test_entropy_values_and_effective_choices():
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    assert_close(entropy(np.full(8, 1 / 8), base=2), 3.0)
    assert_close(effective_choices(np.full((2, 5), 0.2)), [5.0, 5.0])
    assert effective_choices([0.0, 1.0]) == 1.0
    assert_close(entropy(np.full((4, 3), 1 / 3), axis=-1), np.log(3))
    assert_close(entropy(np.full((4, 3), 0.25), axis=0), np.log(4))


def test_entropy_rejects_what_is_not_a_distribution():
    with pytest.raises(ValueError, match="sum to 1"):
        entropy([0.5, 0.6])
    with pytest.raises(ValueError, match="non-negative"):
        entropy([1.5, -0.5])
    with pytest.raises(ValueError, match="base"):
        entropy([0.5, 0.5], base=1)
    with pytest.raises(ValueError, match="base"):
        entropy([0.5, 0.5], base=-2)


def _ulps(value16, exact):
    """|value - exact| in units of the float16 spacing at the exact value."""
    with np.errstate(under="ignore"):  # tiny probabilities round to float16 subnormals or 0: their spacing
        spacing = np.spacing(np.abs(exact).astype(np.float16)).astype(np.float64)
    return np.abs(value16.astype(np.float64) - exact) / spacing


@pytest.mark.parametrize("scale", [1.0, 4.0, 10.0])
def test_float16_is_computed_in_float32_and_rounded_once_no_worse_than_pytorch(scale):
    rng = np.random.default_rng(int(scale))
    z16 = (scale * rng.standard_normal((400, 12))).astype(np.float16)
    z64 = z16.astype(np.float64)  # the float16 values exactly
    exact_p, exact_lp = scipy.special.softmax(z64, axis=-1), scipy.special.log_softmax(z64, axis=-1)
    ours_p, ours_lp = softmax(z16), log_softmax(z16)
    assert ours_p.dtype == ours_lp.dtype == np.float16
    torch_p = torch.softmax(torch.from_numpy(z16), dim=-1).numpy()  # PyTorch accumulates in float32
    torch_lp = torch.log_softmax(torch.from_numpy(z16), dim=-1).numpy()
    # correctly rounded is <= 0.5 ULP; one float32 rounding before it may add a hair
    assert _ulps(ours_p, exact_p).max() <= max(_ulps(torch_p, exact_p).max(), 0.5 + 1e-3)
    assert _ulps(ours_lp, exact_lp).max() <= max(_ulps(torch_lp, exact_lp).max(), 0.5 + 1e-3)
    assert np.abs(ours_lp - exact_lp).max() <= np.abs(torch_lp - exact_lp).max()
    np.testing.assert_allclose(logsumexp(z16).astype(np.float64), scipy.special.logsumexp(z64, axis=-1),
                               rtol=np.finfo(np.float16).eps)
