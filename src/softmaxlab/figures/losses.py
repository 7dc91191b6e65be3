"""Figure 5: losses over the logit plane with their gradient fields, and the squashing functions.

Cross-entropy -log p_y has gradient p - onehot(y): it does not point at one target point, it
pulls toward the correct class and away from the others, forever (the loss never reaches 0).
The other losses of :data:`softmaxlab.core.LOSSES` shape that pull differently: focal fades it
for easy samples, squared error (on probabilities) and hinge stop pulling once a sample is right.
"""

import numpy as np
import plotly.graph_objects as go

from ..core import LOSSES, SQUASHERS
from ..core.geometry import from_subspace, simplex_vertices, sum_zero_basis
from . import _options
from .style import (
    BOTTOM_LEGEND,
    HINT_CHARS,
    NEUTRAL,
    SERIES_COLORS,
    base_layout,
    class_color,
    make_figure,
    note,
    panel_domains,
    scene,
    sub,
    subspace_axis_label,
    wrap,
)

__all__ = ["loss_landscape", "loss_curves", "squashing_functions"]


def _loss_name(loss) -> str:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}: choose one of {', '.join(LOSSES)}")
    return loss


def _loss_options(loss, *, label_smoothing, gamma, margin) -> dict:
    """The keyword options that `loss` takes, each checked (all are checked, used or not)."""
    eps = _options.number(label_smoothing, name="label_smoothing")
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")
    g = _options.number(gamma, name="gamma")
    if g < 0:
        raise ValueError(f"gamma must be >= 0, got {gamma!r}")
    m = _options.number(margin, name="margin")
    if m < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    return {"cross-entropy": dict(label_smoothing=eps), "focal": dict(gamma=g), "hinge": dict(margin=m)}.get(loss, {})


def _describe(loss, opts) -> str:
    extra = ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in opts.items() if not (k == "label_smoothing" and v == 0))
    return f"{loss} ({extra})" if extra else loss


def loss_landscape(
    loss: str = "cross-entropy",
    *,
    classes: int = 2,
    label: int = 0,
    label_smoothing: float = 0.0,
    gamma: float = 2.0,
    margin: float = 1.0,
    extent: float = 4.0,
    resolution: int = 41,
    arrows: int = 9,
) -> go.Figure:
    r"""A loss as a surface over the logit plane, with cones along its descent direction -grad L.

    For 2 classes the plane is (z_0, z_1); for 3 it is the sum-zero plane in the coordinates u of
    :func:`sum_zero_basis` B (3, 2), where the gradient is B^T dL/dz (every loss here has
    gradients that sum to 0 over the classes, so nothing is lost). Heights and gradients come from
    the loss's entry in :data:`softmaxlab.core.LOSSES`, for one sample with class `label`.

    .. math:: L_{CE} = -\log p_y, \qquad -\nabla_z L_{CE} = \operatorname{onehot}(y) - p

    Each cone sits on the surface at (x, y, L) and points along (-g_x, -g_y, -|g|^2): the
    steepest-descent direction in the plane, lifted to be tangent to the surface.

    Args:
        loss: a name in LOSSES: cross-entropy, focal, squared-error, hinge.
        classes: 2 or 3.
        label: the true class, 0 <= label < classes.
        label_smoothing: epsilon for cross-entropy, in [0, 1].
        gamma: the focal loss exponent, >= 0.
        margin: the hinge margin, >= 0.
        extent: the plane spans [-extent, extent] per axis.
        resolution: surface grid points per axis.
        arrows: cones per axis (arrows^2 cones).

    Returns:
        A Figure; trace uids ``loss`` (surface), ``gradient`` (cone), ``target`` (the true class's
        one-hot point on the floor), ``target-stem`` (a line up from it through the surface, labelled).

    Example:
        >>> fig = loss_landscape("cross-entropy", classes=2, label=0)
        >>> surface = next(t for t in fig.data if t.uid == "loss")
        >>> round(float(surface.z[20, 20]), 4)  # -log(1/2) at z = (0, 0)
        0.6931
    """
    loss = _loss_name(loss)
    k = _options.integer(classes, name="classes", low=2, high=3)
    y = _options.integer(label, name="label", low=0, high=k - 1)
    opts = _loss_options(loss, label_smoothing=label_smoothing, gamma=gamma, margin=margin)
    e = _options.positive(extent, name="extent")
    n = _options.integer(resolution, name="resolution", low=3, high=401)
    m = _options.integer(arrows, name="arrows", low=2, high=41)
    spec = LOSSES[loss]
    axis = np.linspace(-e, e, n)  # (n,)
    _, value, _ = _heights_and_grads(spec, axis, k, y, opts)
    coarse = np.linspace(-e, e, m + 2)[1:-1]  # (m,) inside the edges, so cones do not poke out
    names = ("z₀", "z₁") if k == 2 else ("u₁", "u₂")
    coords = f"{names[0]} = %{{x:.2f}}<br>{names[1]} = %{{y:.2f}}"
    title = _describe(loss, opts)
    traces = [
        dict(type="surface", uid="loss", name=f"L = {title}", x=axis, y=axis, z=value.reshape(n, n), opacity=0.85,
             colorscale="Viridis", showscale=True, colorbar=dict(title=dict(text="L"), len=0.6, x=1.0),
             contours=dict(z=dict(show=True, usecolormap=True, width=2, project=dict(z=True))),
             hovertemplate=f"{coords}<br>L = %{{z:.4f}}<extra>{title}</extra>"),
        _descent_cones(*_heights_and_grads(spec, coarse, k, y, opts), names, coords),
    ]
    traces += _target(k, y, top=1.05 * float(value.max()), coords=coords)
    labels = ["z₀", "z₁"] if k == 2 else [subspace_axis_label(sum_zero_basis(3)[:, j], j + 1) for j in range(2)]
    layout = base_layout(
        figure="loss-landscape",
        main=f"{title.capitalize()} for {k} classes, true class {y}",
        hint="Cones point downhill (−∇L). They pull toward the true class and away from the others, not to one point.",
        height=640,
        wrap_lines=True,
        legend=dict(BOTTOM_LEGEND),
        scene=scene(x=labels[0], y=labels[1], z="loss L", figure=f"loss-landscape-{k}"),
        annotations=[note(wrap(LOSSES[loss].help, HINT_CHARS), x=0.0, y=0.0, xanchor="left", yanchor="bottom")],
    )
    return make_figure(traces, layout)


def _heights_and_grads(spec, axis, k: int, y: int, opts) -> tuple:
    """The loss of one sample of class y and its gradient in the plane's coordinates, on the grid axis x axis:
    `(points (a*a, 2), value (a*a,), grad (a*a, 2))`."""
    plane = np.stack(np.broadcast_arrays(axis[None, :], axis[:, None]), axis=-1).reshape(-1, 2)  # (a*a, 2)
    z = plane if k == 2 else from_subspace(plane)  # (a*a, K) logits
    labels = np.full(len(z), y)
    value = spec.value(z, labels, reduction="none", **opts)  # (a*a,)
    grad = spec.grad(z, labels, reduction="none", **opts)  # (a*a, K)
    if k == 3:
        grad = grad @ sum_zero_basis(3)  # (a*a, 2): dL/du = B^T dL/dz
    return plane, value, grad


def _descent_cones(at, height, grad, names, coords: str) -> dict:
    """Cones on the surface at (x, y, L) along (-g_x, -g_y, -|g|^2): steepest descent, tangent to the surface."""
    return dict(type="cone", uid="gradient", name="−∇L (descent)", x=at[:, 0], y=at[:, 1], z=height,
                u=-grad[:, 0], v=-grad[:, 1], w=-(grad**2).sum(axis=1), anchor="tail", sizemode="scaled", sizeref=0.6,
                colorscale=[[0, "#fbe3d6"], [1, "#b2182b"]], showscale=False, showlegend=True,
                hovertemplate=f"{coords}<br>L = %{{z:.4f}}<br>−∂L/∂{names[0]} = %{{u:.4f}}<br>−∂L/∂{names[1]} = %{{v:.4f}}"
                              "<extra>descent direction</extra>")


def _target(k: int, y: int, *, top: float, coords: str) -> list[dict]:
    """The true class's one-hot point on the floor and, since the surface lies above it (L > 0 there), a
    stem up through the surface to `top`, labelled there."""
    target = np.eye(k)[y][:2] if k == 2 else simplex_vertices(3)[y]  # (2,) in the plane's coordinates
    point = dict(type="scatter3d", uid="target", name=f"one-hot point of class {y}", x=[target[0]], y=[target[1]],
                 z=[0.0], mode="markers", showlegend=True, legendgroup="target",
                 marker=dict(size=7, color=class_color(y), symbol="diamond", line=dict(color="black", width=1)),
                 hovertemplate=f"{coords}<extra>one-hot point of the true class {y}</extra>")
    stem = dict(type="scatter3d", uid="target-stem", name=f"one-hot point of class {y}", x=[target[0]] * 2,
                y=[target[1]] * 2, z=[0.0, top], mode="lines+text", text=[" ", f"e{sub(y)}"], textposition="top center",
                textfont=dict(size=15, color="#222222"), showlegend=False, legendgroup="target", hoverinfo="skip",
                line=dict(color="#555555", width=3))
    return [point, stem]


def loss_curves(
    *, label_smoothing: float = 0.1, gamma: float = 2.0, margin: float = 1.0, extent: float = 6.0, resolution: int = 241
) -> go.Figure:
    r"""Every loss of LOSSES along the margin, side by side with how hard it pushes.

    Two classes, true class 0, logits z = (m/2, -m/2), so the margin z_0 - z_1 is m. Left: L(m).
    Right: the push -dL/dm = -(dL/dz_0 - dL/dz_1)/2 from each loss's gradient: cross-entropy
    never stops pushing (its push is sigmoid(-m)), focal fades it early, hinge and squared error
    stop once a sample is right. With `label_smoothing` > 0, cross-entropy with smoothing is added
    (its push turns negative past a finite margin: it wants confidence to stop growing).

    Args:
        label_smoothing: epsilon of the extra smoothed cross-entropy curve (0: no such curve).
        gamma: the focal loss exponent, >= 0.
        margin: the hinge margin, >= 0.
        extent: the margin m spans [-extent, extent].
        resolution: points along m.

    Returns:
        A Figure; trace uids ``value-{name}`` and ``push-{name}`` per loss (name as in LOSSES,
        ``cross-entropy-smoothed`` for the extra curve).

    Example:
        >>> fig = loss_curves()
        >>> ce = next(t for t in fig.data if t.uid == "value-cross-entropy")
        >>> round(float(ce.y[120]), 4)  # m = 0: -log(1/2)
        0.6931
    """
    opts_all = {name: _loss_options(name, label_smoothing=0.0, gamma=gamma, margin=margin) for name in LOSSES}
    eps = _loss_options("cross-entropy", label_smoothing=label_smoothing, gamma=gamma, margin=margin)["label_smoothing"]
    e = _options.positive(extent, name="extent")
    n = _options.integer(resolution, name="resolution", low=3, high=100_001)
    margins = np.linspace(-e, e, n)  # (n,)
    z = np.stack([margins / 2, -margins / 2], axis=-1)  # (n, 2)
    labels = np.zeros(n, dtype=int)
    series = [(name, LOSSES[name], opts_all[name], name) for name in LOSSES]
    if eps > 0:
        smoothed = dict(label_smoothing=eps)
        series.append(("cross-entropy-smoothed", LOSSES["cross-entropy"], smoothed, f"cross-entropy, ε = {eps:g}"))
    left, right = panel_domains([1, 1])
    traces = []
    for c, (uid, spec, opts, label) in enumerate(series):
        value = spec.value(z, labels, reduction="none", **opts)  # (n,)
        grad = spec.grad(z, labels, reduction="none", **opts)  # (n, 2)
        push = -(grad[:, 0] - grad[:, 1]) / 2  # -dL/dm, chain rule through z = (m/2, -m/2)
        dash = "dash" if uid.endswith("smoothed") else "solid"
        style = dict(color=SERIES_COLORS[c % len(SERIES_COLORS)], width=2.5, dash=dash)
        traces.append(dict(type="scatter", uid=f"value-{uid}", name=label, legendgroup=uid, x=margins, y=value, mode="lines",
                           line=style, xaxis="x", yaxis="y", hovertemplate=f"m = %{{x:.2f}}<br>L = %{{y:.4f}}<extra>{label}</extra>"))
        traces.append(dict(type="scatter", uid=f"push-{uid}", name=label, legendgroup=uid, showlegend=False, x=margins, y=push,
                           mode="lines", line=style, xaxis="x2", yaxis="y2",
                           hovertemplate=f"m = %{{x:.2f}}<br>−dL/dm = %{{y:.4f}}<extra>{label}</extra>"))
    layout = base_layout(
        figure="loss-curves",
        main="Losses along the margin m = z_true − z_other (2 classes)",
        hint="Left: the loss. Right: how hard it pushes the margin up. Only cross-entropy pushes forever.",
        height=480,
        xaxis=dict(domain=left, anchor="y", title=dict(text="margin m"), zeroline=True),
        yaxis=dict(anchor="x", title=dict(text="loss L(m)"), rangemode="tozero"),
        xaxis2=dict(domain=right, anchor="y2", title=dict(text="margin m"), zeroline=True),
        yaxis2=dict(anchor="x2", title=dict(text="push −dL/dm"), zeroline=True),
    )
    return make_figure(traces, layout)


def squashing_functions(*, extent: float = 6.0, resolution: int = 241) -> go.Figure:
    """Logistic sigmoid next to the other 2-class squashing functions of :data:`softmaxlab.core.SQUASHERS`.

    Left: each s(x), the probability of class 0 from the logit difference x (all are scaled to
    agree at 0 in value 1/2 and slope 1/4, so only their shapes differ). Right: the same on a log
    axis for x < 0, the tail: the logistic falls like e^x, probit like a Gaussian, arctan and
    softsign only polynomially; hard reaches exactly 0 (not drawn on a log axis).

    Args:
        extent: the logit difference x spans [-extent, extent].
        resolution: points along x.

    Returns:
        A Figure; trace uids ``squash-{name}`` and ``tail-{name}``.

    Example:
        >>> fig = squashing_functions()
        >>> sorted(t.uid for t in fig.data if t.uid.startswith("squash-"))[:2]
        ['squash-arctan', 'squash-hard']
    """
    e = _options.positive(extent, name="extent")
    n = _options.integer(resolution, name="resolution", low=3, high=100_001)
    x = np.linspace(-e, e, n)  # (n,)
    tail_x = x[x < 0]
    left, right = panel_domains([1, 1])
    traces = []
    for c, (name, fn) in enumerate(SQUASHERS.items()):
        logistic = name == "logistic"
        style = dict(color="black" if logistic else SERIES_COLORS[c % len(SERIES_COLORS)], width=4 if logistic else 2)
        s = np.asarray(fn(x), dtype=float)  # (n,)
        tail = np.asarray(fn(tail_x), dtype=float)
        tail_plot = np.where(tail > 0, tail, np.nan)  # log axis: exact zeros have no place
        traces.append(dict(type="scatter", uid=f"squash-{name}", name=name, legendgroup=name, x=x, y=s, mode="lines", line=style,
                           xaxis="x", yaxis="y", hovertemplate=f"x = %{{x:.2f}}<br>s(x) = %{{y:.4f}}<extra>{name}</extra>"))
        traces.append(dict(type="scatter", uid=f"tail-{name}", name=name, legendgroup=name, showlegend=False, x=tail_x, y=tail_plot,
                           mode="lines", line=style, xaxis="x2", yaxis="y2",
                           hovertemplate=f"x = %{{x:.2f}}<br>s(x) = %{{y:.3e}}<extra>{name}</extra>"))
    layout = base_layout(
        figure="squashing-functions",
        main="The logistic sigmoid and other squashing functions",
        hint="All agree near 0; they differ in their tails: how fast a confident prediction stops being corrected.",
        height=460,
        xaxis=dict(domain=left, anchor="y", title=dict(text="logit difference x = z₀ − z₁")),
        yaxis=dict(anchor="x", title=dict(text="s(x) = p₀"), range=[-0.02, 1.02]),
        xaxis2=dict(domain=right, anchor="y2", title=dict(text="x (< 0: the wrong side)")),
        yaxis2=dict(anchor="x2", type="log", title=dict(text="s(x), log scale"), exponentformat="power"),
        shapes=[dict(type="line", xref="x", yref="y", x0=-e, x1=e, y0=0.5, y1=0.5,
                     line=dict(color=NEUTRAL, width=1, dash="dot"))],
    )
    return make_figure(traces, layout)
