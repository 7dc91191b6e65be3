"""loss_landscape, loss_curves, squashing_functions: heights against torch, arrows against minus
torch autograd gradients, squashers against scipy, all read from the figures' data."""

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch
import torch.nn.functional as F

from softmaxlab.core import LOSSES
from softmaxlab.core.geometry import sum_zero_basis
from softmaxlab.figures import loss_curves, loss_landscape, squashing_functions


def trace(fig, uid):
    found = [t for t in fig.data if t.uid == uid]
    assert len(found) == 1, f"expected one trace {uid!r}, found {len(found)}"
    return found[0]


def torch_loss(z, y, loss, *, label_smoothing=0.0, gamma=2.0, margin=1.0):
    """Per-sample losses of logits z (n, K) with true class y, written directly in torch."""
    labels = torch.full((z.shape[0],), y, dtype=torch.long)
    if loss == "cross-entropy":
        return F.cross_entropy(z, labels, reduction="none", label_smoothing=label_smoothing)
    logp = F.log_softmax(z, dim=1)[:, y]
    if loss == "focal":
        return -((1 - logp.exp()) ** gamma) * logp
    if loss == "squared-error":
        return ((F.softmax(z, dim=1) - F.one_hot(labels, z.shape[1]).double()) ** 2).sum(dim=1)
    if loss == "hinge":
        others = torch.cat([z[:, :y], z[:, y + 1 :]], dim=1)
        return torch.relu(margin + others.max(dim=1).values - z[:, y])
    raise AssertionError(loss)


def to_logits(points, k):
    """Logits from plane coordinates: the (z0, z1) plane, or the sum-zero plane through z = B u."""
    if k == 2:
        return points
    b = torch.as_tensor(sum_zero_basis(3))
    assert torch.allclose(b.T @ b, torch.eye(2, dtype=b.dtype)) and torch.allclose(b.sum(0), torch.zeros(2, dtype=b.dtype))
    return points @ b.T


CASES = [
    ("cross-entropy", 2, 0, {}),
    ("cross-entropy", 2, 1, dict(label_smoothing=0.2)),
    ("cross-entropy", 3, 2, {}),
    ("cross-entropy", 3, 0, dict(label_smoothing=0.1)),
    ("focal", 2, 0, dict(gamma=2.0)),
    ("focal", 3, 1, dict(gamma=0.5)),
    ("squared-error", 2, 1, {}),
    ("squared-error", 3, 0, {}),
    ("hinge", 2, 0, dict(margin=1.0)),
    ("hinge", 3, 1, dict(margin=0.5)),
]


def test_every_registered_loss_is_covered():
    assert {case[0] for case in CASES} == set(LOSSES)


@pytest.mark.parametrize("loss,k,y,opts", CASES)
def test_surface_heights_equal_torch(loss, k, y, opts):
    fig = loss_landscape(loss, classes=k, label=y, resolution=17, **opts)
    s = trace(fig, "loss")
    x, yy = np.asarray(s.x), np.asarray(s.y)
    pts = torch.as_tensor(np.stack(np.broadcast_arrays(x[None, :], yy[:, None]), axis=-1).reshape(-1, 2))
    reference = torch_loss(to_logits(pts, k), y, loss, **opts).numpy().reshape(17, 17)
    np.testing.assert_allclose(np.asarray(s.z), reference, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("loss,k,y,opts", CASES)
def test_cones_are_minus_torch_autograd_gradients(loss, k, y, opts):
    fig = loss_landscape(loss, classes=k, label=y, arrows=7, **opts)
    c = trace(fig, "gradient")
    pts = torch.tensor(np.stack([c.x, c.y], axis=1), requires_grad=True)
    value = torch_loss(to_logits(pts, k), y, loss, **opts)
    (grad,) = torch.autograd.grad(value.sum(), pts)
    grad = grad.numpy()
    keep = np.ones(len(grad), dtype=bool)
    if loss == "hinge":  # at a tie between rivals or on the hinge's kink a subgradient is a choice: skip those
        z = to_logits(pts.detach(), k).numpy()
        others = np.delete(z, y, axis=1)
        top2 = np.sort(others, axis=1)[:, -2:] if others.shape[1] > 1 else None
        margin_gap = np.abs(opts["margin"] + others.max(axis=1) - z[:, y])
        keep = margin_gap > 1e-9
        if top2 is not None:
            keep &= np.abs(top2[:, 1] - top2[:, 0]) > 1e-9
    assert keep.sum() >= len(keep) // 2
    np.testing.assert_allclose(np.asarray(c.u)[keep], -grad[keep, 0], atol=1e-12)
    np.testing.assert_allclose(np.asarray(c.v)[keep], -grad[keep, 1], atol=1e-12)
    # lifted to be tangent to the surface: dL along -g is -|g|^2
    np.testing.assert_allclose(np.asarray(c.w), -(np.asarray(c.u) ** 2 + np.asarray(c.v) ** 2), rtol=1e-12)
    # and each cone sits on the surface
    np.testing.assert_allclose(np.asarray(c.z), value.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_descent_is_onehot_minus_p():
    """The DESIGN fact: -grad = onehot(y) - p (2 classes, read off the cones)."""
    c = trace(loss_landscape("cross-entropy", classes=2, label=1, arrows=5), "gradient")
    z = np.stack([c.x, c.y], axis=1)
    p = scipy.special.softmax(z, axis=1)
    np.testing.assert_allclose(np.stack([c.u, c.v], axis=1), np.array([0.0, 1.0]) - p, atol=1e-12)


def test_loss_curves_along_the_margin():
    eps, gamma, margin = 0.2, 1.5, 0.7
    fig = loss_curves(label_smoothing=eps, gamma=gamma, margin=margin, resolution=101)
    m = np.asarray(trace(fig, "value-cross-entropy").x)
    z = torch.as_tensor(np.stack([m / 2, -m / 2], axis=1), dtype=torch.float64).requires_grad_(True)
    for uid, loss, opts in [
        ("cross-entropy", "cross-entropy", {}),
        ("cross-entropy-smoothed", "cross-entropy", dict(label_smoothing=eps)),
        ("focal", "focal", dict(gamma=gamma)),
        ("squared-error", "squared-error", {}),
        ("hinge", "hinge", dict(margin=margin)),
    ]:
        value = torch_loss(z, 0, loss, **opts)
        (g,) = torch.autograd.grad(value.sum(), z)
        push = -(g[:, 0] - g[:, 1]).numpy() / 2  # -dL/dm through z = (m/2, -m/2)
        np.testing.assert_allclose(trace(fig, f"value-{uid}").y, value.detach().numpy(), rtol=1e-9, atol=1e-12)
        keep = np.abs(m - margin) > 1e-9 if loss == "hinge" else slice(None)
        np.testing.assert_allclose(np.asarray(trace(fig, f"push-{uid}").y)[keep], push[keep], atol=1e-12)
    # closed form: cross-entropy pushes with sigmoid(-m), never 0
    np.testing.assert_allclose(trace(fig, "push-cross-entropy").y, scipy.special.expit(-m), rtol=1e-9)


def test_loss_curves_without_smoothing_has_no_extra_curve():
    assert not [t for t in loss_curves(label_smoothing=0.0).data if "smoothed" in t.uid]


def test_squashing_functions_against_scipy():
    fig = squashing_functions(resolution=121)
    x = np.asarray(trace(fig, "squash-logistic").x)
    references = {
        "logistic": scipy.special.expit(x),
        "probit": scipy.stats.norm.cdf(x * np.sqrt(2 * np.pi) / 4),
        "arctan": 0.5 + np.arctan(np.pi * x / 4) / np.pi,
        "softsign": (1 + (x / 2) / (1 + np.abs(x / 2))) / 2,
        "hard": np.clip(0.5 + x / 4, 0, 1),
    }
    names = {t.uid.removeprefix("squash-") for t in fig.data if t.uid.startswith("squash-")}
    assert names == set(references)
    for name, ref in references.items():
        np.testing.assert_allclose(trace(fig, f"squash-{name}").y, ref, rtol=1e-9, atol=1e-15)
        tail = trace(fig, f"tail-{name}")
        tx = np.asarray(tail.x)
        assert np.all(tx < 0)
        expected = np.interp(tx, x, ref)
        got = np.asarray(tail.y, dtype=float)
        np.testing.assert_allclose(got[expected > 0], expected[expected > 0], rtol=1e-9)
        assert np.all(np.isnan(got[expected == 0]))  # exact zeros are left out of the log axis
    # all agree at 0 in value and slope 1/4, so only their shapes differ
    near0 = squashing_functions(extent=1e-4, resolution=3)  # x = -h, 0, h
    for name in references:
        y = np.asarray(trace(near0, f"squash-{name}").y)
        assert y[1] == pytest.approx(0.5)
        assert (y[2] - y[0]) / 2e-4 == pytest.approx(0.25, rel=1e-3)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(loss="nll"), "unknown loss"),
        (dict(classes=4), "classes"),
        (dict(classes=1), "classes"),
        (dict(label=2), "label"),
        (dict(classes=3, label=-1), "label"),
        (dict(label_smoothing=1.5), "label_smoothing"),
        (dict(gamma=-1.0), "gamma"),
        (dict(margin=float("nan")), "margin"),
        (dict(arrows=1), "arrows"),
        (dict(extent=0), "extent"),
    ],
)
def test_bad_options_raise_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        loss_landscape(**kwargs)


def test_bad_curve_options_raise():
    with pytest.raises(ValueError, match="label_smoothing"):
        loss_curves(label_smoothing=-0.1)
    with pytest.raises(ValueError, match="extent"):
        squashing_functions(extent=-1)
