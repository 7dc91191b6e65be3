"""Losses and their gradients against torch: F.cross_entropy (label smoothing, probability targets,
reductions) and autograd through independent torch expressions of focal, squared-error and hinge."""

import warnings

import numpy as np
import pytest

from softmaxlab.core import (
    LOSSES,
    cross_entropy,
    cross_entropy_grad,
    focal_loss,
    focal_loss_grad,
    hinge_loss,
    hinge_loss_grad,
    squared_error_loss,
    squared_error_loss_grad,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional

N, K = 7, 5


@pytest.fixture(autouse=True)
def strict_floats():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        yield


def problem(seed, *, soft=False, scale=3.0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(N, K)) * scale  # (n, K)
    if soft:
        raw = rng.random((N, K)) ** 3
        return logits, raw / raw.sum(axis=1, keepdims=True)  # (n, K) distributions
    return logits, rng.integers(0, K, size=N)  # (n,)


def torch_value_and_grad(expression, logits, labels):
    """Loss value and d loss / d logits by torch autograd, from a torch expression of the loss."""
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(labels)
    value = expression(z, y)
    (grad,) = torch.autograd.grad(value.sum(), z)
    return value.detach().numpy(), grad.numpy()


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_torch(soft, smoothing, reduction):
    logits, labels = problem(int(smoothing * 10) + soft, soft=soft)
    expected, expected_grad = torch_value_and_grad(
        lambda z, y: F.cross_entropy(z, y, label_smoothing=smoothing, reduction=reduction), logits, labels
    )
    value = cross_entropy(logits, labels, label_smoothing=smoothing, reduction=reduction)
    grad = cross_entropy_grad(logits, labels, label_smoothing=smoothing, reduction=reduction)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-15)
    assert np.shape(value) == np.shape(expected) and grad.shape == logits.shape


def test_cross_entropy_gradient_is_p_minus_onehot():
    logits, labels = problem(3)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # small logits: the naive formula is fine
    onehot = np.eye(K)[labels]
    np.testing.assert_allclose(cross_entropy_grad(logits, labels), (p - onehot) / N, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(cross_entropy(logits, labels, reduction="none"), -np.log(p[np.arange(N), labels]), rtol=1e-12)


def test_integer_labels_equal_their_onehot_targets():
    logits, labels = problem(4)
    onehot = np.eye(K)[labels]
    for spec in LOSSES.values():
        np.testing.assert_allclose(spec.value(logits, labels, reduction="none"), spec.value(logits, onehot, reduction="none"))
        np.testing.assert_allclose(spec.grad(logits, labels), spec.grad(logits, onehot))


def test_extreme_logits_give_finite_exact_losses():
    assert cross_entropy([[1000.0, 0.0]], [1]) == 1000.0
    assert cross_entropy([[1000.0, 0.0]], [0]) == 0.0
    assert cross_entropy_grad([[1000.0, 0.0]], [1]).tolist() == [[1.0, -1.0]]
    assert np.isfinite(focal_loss([[1000.0, 0.0]], [1])) and np.isfinite(focal_loss_grad([[1e300, -1e300]], [1])).all()
    assert squared_error_loss([[1000.0, 0.0]], [1]) == 2.0
    assert cross_entropy([[-np.inf, 0.0]], [1]) == 0.0  # a -inf logit with target 0 contributes nothing


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_focal_loss_matches_torch_autograd(soft, gamma, reduction):
    logits, labels = problem(int(gamma * 2) + soft, soft=soft)
    targets = np.eye(K)[labels] if not soft else labels

    def focal(z, y):
        logp = torch.log_softmax(z, dim=-1)
        per = -(y * (1 - logp.exp()) ** gamma * logp).sum(dim=-1)
        return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]

    expected, expected_grad = torch_value_and_grad(focal, logits, targets)
    np.testing.assert_allclose(focal_loss(logits, labels, gamma=gamma, reduction=reduction), expected, rtol=1e-12)
    np.testing.assert_allclose(focal_loss_grad(logits, labels, gamma=gamma, reduction=reduction), expected_grad, rtol=1e-9, atol=1e-15)


def test_focal_with_gamma_zero_is_cross_entropy():
    logits, labels = problem(9)
    np.testing.assert_allclose(focal_loss(logits, labels, gamma=0.0), cross_entropy(logits, labels), rtol=1e-14)
    np.testing.assert_allclose(focal_loss_grad(logits, labels, gamma=0.0), cross_entropy_grad(logits, labels), rtol=1e-12, atol=1e-17)


def test_focal_gradient_is_finite_at_certainty_with_small_gamma():
    # p_y = 1 exactly: gamma (1-p)^(gamma-1) p log p is 0 * inf in floating point; the limit is 0
    grad = focal_loss_grad([[50.0, -50.0]], [0], gamma=0.5)
    np.testing.assert_array_equal(grad, [[0.0, 0.0]])


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_squared_error_matches_torch_autograd(soft, reduction):
    logits, labels = problem(11 + soft, soft=soft)
    targets = np.eye(K)[labels] if not soft else labels

    def brier(z, y):
        per = ((torch.softmax(z, dim=-1) - y) ** 2).sum(dim=-1)
        return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]

    expected, expected_grad = torch_value_and_grad(brier, logits, targets)
    np.testing.assert_allclose(squared_error_loss(logits, labels, reduction=reduction), expected, rtol=1e-12)
    np.testing.assert_allclose(squared_error_loss_grad(logits, labels, reduction=reduction), expected_grad, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("margin", [0.0, 1.0, 4.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_hinge_matches_torch_autograd(soft, margin, reduction):
    logits, labels = problem(13 + soft, soft=soft, scale=1.5)
    targets = np.eye(K)[labels] if not soft else labels

    def crammer_singer(z, y):
        # for every candidate true class c: margin + max over the other classes - z_c
        eye = torch.eye(K, dtype=torch.bool)
        others = z[:, None, :].masked_fill(eye, -torch.inf).amax(dim=-1)  # (n, K)
        per = (y * torch.clamp(margin + others - z, min=0)).sum(dim=-1)
        return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]

    expected, expected_grad = torch_value_and_grad(crammer_singer, logits, targets)
    assert (expected > 0).any()  # the hinge is active somewhere, so the gradient test means something
    np.testing.assert_allclose(hinge_loss(logits, labels, margin=margin, reduction=reduction), expected, rtol=1e-12)
    np.testing.assert_allclose(hinge_loss_grad(logits, labels, margin=margin, reduction=reduction), expected_grad, atol=1e-15)


def test_hinge_is_zero_beyond_the_margin():
    assert hinge_loss([[3.0, 1.0, 1.9]], [0]) == 0.0
    assert hinge_loss_grad([[3.0, 1.0, 1.9]], [0]).tolist() == [[0.0, 0.0, 0.0]]
    assert hinge_loss([[3.0, 1.0, 2.5]], [0]) == 0.5
    assert hinge_loss_grad([[3.0, 1.0, 2.5]], [0], reduction="sum").tolist() == [[-1.0, 0.0, 1.0]]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_gradient_matches_finite_differences(name):
    spec = LOSSES[name]
    logits, labels = problem(17, scale=1.2)
    grad = spec.grad(logits, labels)
    h = 1e-6
    fd = np.zeros_like(logits)
    for i in range(N):
        for j in range(K):
            step = np.zeros_like(logits)
            step[i, j] = h
            fd[i, j] = (spec.value(logits + step, labels) - spec.value(logits - step, labels)) / (2 * h)
    np.testing.assert_allclose(grad, fd, atol=1e-7)


def test_registry_names_and_shapes():
    assert set(LOSSES) == {"cross-entropy", "focal", "squared-error", "hinge"}
    logits, labels = problem(21)
    for name, spec in LOSSES.items():
        assert spec.name == name and spec.help
        assert spec.value(logits, labels, reduction="none").shape == (N,)
        assert np.ndim(spec.value(logits, labels)) == 0
        assert spec.grad(logits, labels).shape == logits.shape


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_stays_float32(name):
    logits, labels = problem(23)
    spec = LOSSES[name]
    value = spec.value(logits.astype(np.float32), labels, reduction="none")
    assert value.dtype == np.float32
    assert spec.grad(logits.astype(np.float32), labels).dtype == np.float32
    np.testing.assert_allclose(value, spec.value(logits, labels, reduction="none"), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_bad_input_is_named(name):
    spec = LOSSES[name]
    logits = np.zeros((3, 4))
    for function in (spec.value, spec.grad):
        with pytest.raises(ValueError, match="out of range"):
            function(logits, [0, 1, 4])
        with pytest.raises(ValueError, match="out of range"):
            function(logits, [0, -1, 2])
        with pytest.raises(ValueError, match="non-integer"):
            function(logits, [0.0, 1.5, 2.0])
        with pytest.raises(ValueError, match="integer class indices"):
            function(logits, ["a", "b", "c"])
        with pytest.raises(ValueError, match="do not match"):
            function(logits, [0, 1])
        with pytest.raises(ValueError, match="do not match"):
            function(logits, np.zeros((3, 5)))
        with pytest.raises(ValueError, match="sum to 1"):
            function(logits, np.full((3, 4), 0.3))
        with pytest.raises(ValueError, match="non-negative"):
            function(logits, np.array([[1.5, -0.5, 0, 0]] * 3))
        with pytest.raises(ValueError, match="reduction"):
            function(logits, [0, 1, 2], reduction="average")
        with pytest.raises(ValueError, match="empty class axis"):
            function(np.zeros((3, 0)), [0, 0, 0])
        with pytest.raises(ValueError, match="at least one sample"):
            function(np.zeros((0, 4)), np.zeros(0, dtype=int))
    assert spec.value(np.zeros((0, 4)), np.zeros(0, dtype=int), reduction="sum") == 0.0
    # integral floats are accepted as class indices
    np.testing.assert_allclose(spec.value(logits, [0.0, 1.0, 2.0]), spec.value(logits, [0, 1, 2]))


def test_option_ranges_are_named():
    logits, labels = problem(25)
    for smoothing in (-0.1, 1.5):
        with pytest.raises(ValueError, match="label_smoothing"):
            cross_entropy(logits, labels, label_smoothing=smoothing)
        with pytest.raises(ValueError, match="label_smoothing"):
            cross_entropy_grad(logits, labels, label_smoothing=smoothing)
    with pytest.raises(ValueError, match="gamma"):
        focal_loss(logits, labels, gamma=-1)
    with pytest.raises(ValueError, match="margin"):
        hinge_loss_grad(logits, labels, margin=np.nan)
