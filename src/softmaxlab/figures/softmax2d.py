"""Figure 1: softmax of K logits in 2D, the explainer's first graph.

Top left, one dot per class at height exp(z_i / T) on the curve x -> exp(x / T); bottom left, the
same dots divided by their sum, so their heights add up to 1: that is the softmax. Right, each
p_i as one logit sweeps across a range while the others stay fixed, with the current point marked.
"""

import numpy as np
import plotly.graph_objects as go

from ..core import effective_choices, entropy, softmax
from . import _options
from .style import NEUTRAL, base_layout, class_color, make_figure, note, panel_domains, sub

__all__ = ["softmax_2d"]

_SWEEP_POINTS = 241  # samples of the swept logit: smooth curves, still a few kB of JSON
_MAX_EXPONENT = 700.0  # exp overflows float64 just above 709


_FIXED_LOGITS = 8.0  # the Softmax page's logits stay in [-8, 8]: the fixed axes hold every one of them
_FIXED_EDGE = _FIXED_LOGITS + 1.0  # the fixed x range, a margin past the last logit
# the fixed log axis' ticks: the heights e^{z/T} of these logits, level with them on the x axis whatever T is
# (so a moving temperature changes the ticks' texts, not their places, and the page draws it live)
_TICK_LOGITS = np.array([-8.0, -4.0, 0.0, 4.0, 8.0])


def softmax_2d(
    logits=(2.0, 1.0, 0.1, -1.0),
    *,
    temperature: float = 1.0,
    sweep: int = 0,
    sweep_range=(-8.0, 8.0),
    axes: str = "fixed",
) -> go.Figure:
    r"""Softmax of K logits: exponentials, their normalisation, and one logit swept.

    .. math:: p_i = \operatorname{softmax}(z / T)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}

    Raising one logit raises its dot and squashes all the others; a high temperature T flattens
    the distribution toward uniform, a low one sharpens it toward the argmax. The title gives the
    entropy H (nats and bits) and the effective number of choices e^H.

    Args:
        logits: `(K,)` with 2 <= K <= 10.
        temperature: T > 0.
        sweep: the (0-based) class whose logit sweeps in the right panel.
        sweep_range: `(low, high)` of the swept logit; the current value is always included. The
            default covers the page's whole range of logits, [-8, 8], so the curves do not kink at
            the edge of the sweep.
        axes: "fixed" (default) or "fit". Fixed: the left panels' x axis is [-9, 9] and the top
            panel's y axis is logarithmic from e^{-9/T} to e^{9/T}, ranges that do not depend on the
            logits, so adding c to every logit visibly moves every dot right by c and every height
            up by the same factor e^{c/T} (the same distance on a log axis) while the probabilities
            below do not move: shift invariance on screen. A log axis because a fixed linear one
            would flatten every height below e^{8/T} to 0; on the log axis the curve e^{z/T} is a
            straight line of slope 1/T, and its ticks are the heights of z = -8, -4, 0, 4, 8 (the
            same places on screen at every T). If a logit leaves [-8, 8] the axes fit instead. "fit":
            both axes re-fit the logits (linear heights), the view before this option.

    Returns:
        A Figure. Traces, in order, for each class i: ``exp-i`` (the dot (z_i, e^{z_i/T}), top
        left), ``softmax-i`` (the dot (z_i, p_i), bottom left), ``sweep-i`` (p_i against z_sweep,
        right); then ``exp-curve``, ``scaled-curve``, ``current`` (the marked points at the
        current z_sweep). Each trace's `uid` is its name. If |max z|/T exceeds 700 the top panel
        shows e^{(z_i - max z)/T} instead (shift invariance: the same softmax), and says so.

    Example:
        >>> fig = softmax_2d([2.0, 1.0, 0.1], temperature=0.5)
        >>> dots = [t for t in fig.data if t.uid.startswith("softmax-")]
        >>> round(sum(float(t.y[0]) for t in dots), 12)
        1.0
        >>> fig.layout.yaxis.type, fig.layout.xaxis.range
        ('log', (-9.0, 9.0))
    """
    z = _options.vector(logits, name="logits", low=2, high=10)  # (K,)
    k = z.size
    t = _options.positive(temperature, name="temperature")
    s = _options.integer(sweep, name="sweep", low=0, high=k - 1)
    lo, hi = _options.interval(sweep_range, name="sweep_range")
    if axes not in ("fixed", "fit"):
        raise ValueError(f"axes must be 'fixed' or 'fit', got {axes!r}")
    fixed = axes == "fixed" and bool(np.abs(z).max() <= _FIXED_LOGITS)

    p = softmax(z, temperature=t)  # (K,)
    # Heights e^{z/T} as drawn by the explainer; where the largest would overflow or underflow float64,
    # shift by max z (softmax ignores it), so the largest dot has height 1.
    shift = float(z.max()) if abs(z.max() / t) > _MAX_EXPONENT else 0.0
    heights = np.exp((z - shift) / t)  # (K,)
    swept, sweep_p = _sweep(z, s, t, lo, hi)
    ch = f"exp((z−{shift:.3g})/T)" if shift else "exp(z/T)"
    x_left, y_top = _left_ranges(z, t, shift, heights, fixed)
    # on the fixed log axis a stem reaches down to the axis' bottom edge (a log axis has no 0)
    floor = 10.0 ** y_top[0] if fixed else 0.0
    traces = _class_traces(z, p, heights, floor, swept, sweep_p, s, ch)
    traces += _curves(z, s, t, p, shift, heights, ch, x_left[0] if fixed else z.min() - 1.5)
    layout = _layout(z, s, t, p, swept, ch, x_left, y_top, _height_ticks(t, shift) if fixed else None)
    return make_figure(traces, layout)


def _sweep(z, s, t, lo, hi):
    """The swept logit's values (the current one included) and every p along them: `(n,)`, `(n, K)`."""
    swept = np.union1d(np.linspace(lo, hi, _SWEEP_POINTS), [z[s]])  # (n,) includes the current value
    grid = np.repeat(z[None, :], swept.size, axis=0)  # (n, K): only column s moves
    grid[:, s] = swept
    return swept, softmax(grid, temperature=t)  # (n, K)


def _left_ranges(z, t, shift, heights, fixed):
    """The left panels' x range and the top panel's y range (log10 units on the fixed log axis)."""
    if fixed:
        edge = _FIXED_EDGE / t / np.log(10)  # e^{+-9/T} in decades, moved with the drawn shift
        return [-_FIXED_EDGE, _FIXED_EDGE], [-edge - shift / t / np.log(10), edge - shift / t / np.log(10)]
    pad = 0.06 * (z.max() - z.min() + 1)
    return [z.min() - 1.5 - pad, z.max() + pad], [0, 1.08 * heights.max()]


def _height_ticks(t, shift) -> dict:
    """The fixed log axis' ticks: e^{(z - shift)/T} at `_TICK_LOGITS`, those a float64 holds, to 2 digits."""
    with np.errstate(over="ignore", under="ignore"):  # a tick past float64 at a tiny T is left out
        values = np.exp((_TICK_LOGITS - shift) / t)
    values = values[np.isfinite(values) & (values > 0)]
    return dict(type="log", tickmode="array", tickvals=values, ticktext=[f"{v:.2g}" for v in values])


def _class_traces(z, p, heights, floor, swept, sweep_p, s, ch):
    """For each class: its exp dot (top left), its softmax dot (bottom left), its sweep curve (right)."""
    traces = []
    for i in range(z.size):
        c = class_color(i)
        name = f"class {i}"
        group = f"class-{i}"
        stem = dict(type="data", symmetric=False, array=[0.0], thickness=2, width=0, color=c)
        traces.append(
            dict(
                type="scatter", uid=f"exp-{i}", name=name, legendgroup=group, showlegend=False,
                x=[z[i]], y=[heights[i]], mode="markers", marker=dict(color=c, size=12),
                error_y=dict(stem, arrayminus=[heights[i] - floor]), xaxis="x", yaxis="y",
                hovertemplate=f"class {i}<br>z{sub(i)} = %{{x:.3f}}<br>{ch} = %{{y:.4g}}<extra></extra>",
            )
        )
        traces.append(
            dict(
                type="scatter", uid=f"softmax-{i}", name=name, legendgroup=group, showlegend=False,
                x=[z[i]], y=[p[i]], mode="markers", marker=dict(color=c, size=12),
                error_y=dict(stem, arrayminus=[p[i]]), xaxis="x2", yaxis="y2",
                hovertemplate=f"class {i}<br>z{sub(i)} = %{{x:.3f}}<br>p{sub(i)} = %{{y:.4f}}<extra></extra>",
            )
        )
        traces.append(
            dict(
                type="scatter", uid=f"sweep-{i}", name=f"{name}: z{sub(i)} = {z[i]:.3g}, p{sub(i)} = {p[i]:.3f}",
                legendgroup=group, x=swept, y=sweep_p[:, i], mode="lines",
                line=dict(color=c, width=3 if i == s else 2), xaxis="x3", yaxis="y3",
                hovertemplate=f"z{sub(s)} = %{{x:.3f}}<br>p{sub(i)} = %{{y:.4f}}<extra>class {i}</extra>",
            )
        )
    return traces


def _curves(z, s, t, p, shift, heights, ch, start):
    """The curves the dots lie on (exp(x/T) from `start` up to the largest dot, and the same curve divided
    by the sum), and the current point on every sweep curve."""
    k = z.size
    x_curve = np.linspace(start, z.max(), 200)  # (200,)
    y_curve = np.exp((x_curve - shift) / t)
    guide = dict(type="scatter", mode="lines", showlegend=False, hoverinfo="skip", line=dict(color=NEUTRAL, width=1, dash="dot"))
    return [
        dict(guide, uid="exp-curve", name=ch, x=x_curve, y=y_curve, xaxis="x", yaxis="y"),
        dict(guide, uid="scaled-curve", name=f"{ch} / sum", x=x_curve, y=y_curve / heights.sum(), xaxis="x2", yaxis="y2"),
        dict(
            type="scatter", uid="current", name=f"current z{sub(s)}", showlegend=False,
            x=np.full(k, z[s]), y=p, customdata=np.arange(k), mode="markers", xaxis="x3", yaxis="y3",
            marker=dict(color=[class_color(i) for i in range(k)], size=11, line=dict(color="white", width=1.5)),
            hovertemplate=f"current z{sub(s)} = %{{x:.3f}}<br>p = %{{y:.4f}}<extra>class %{{customdata}}</extra>",
        ),
    ]


def _layout(z, s, t, p, swept, ch, x_left, y_top, log_ticks):
    """Three panels (exp dots, softmax dots, the sweep), the entropy note and the legend of p values."""
    k = z.size
    h_nats = float(entropy(p))
    h_bits = float(entropy(p, base=2))
    eff = float(effective_choices(p))
    left, right = panel_domains([1, 1.15], gap=0.12)  # on a phone the right panel's axis title needs the gap
    bottom, top = panel_domains([1, 1], gap=0.14)
    return base_layout(
        figure="softmax-2d",
        main=f"Softmax of {k} logits at T = {t:g}",
        hint="Left: dots at exp(z/T), then scaled to add up to 1. Right: every p moves as one logit sweeps.",
        height=600,
        wrap_lines=True,
        xaxis=dict(domain=left, anchor="y", range=x_left, title=dict(text="logit z")),
        yaxis=dict(domain=top, anchor="x", range=y_top, title=dict(text=ch), **(log_ticks or {})),
        xaxis2=dict(domain=left, anchor="y2", range=x_left, matches="x", title=dict(text="logit z")),
        yaxis2=dict(domain=bottom, anchor="x2", range=[0, 1.04], title=dict(text="p = softmax(z/T)")),
        xaxis3=dict(domain=right, anchor="y3", range=[swept[0], swept[-1]], title=dict(text=f"z{sub(s)} (the swept logit)")),
        yaxis3=dict(domain=[0, 1], anchor="x3", range=[-0.02, 1.02], title=dict(text="p")),
        shapes=[
            dict(type="line", xref="x3", yref="y3", x0=z[s], x1=z[s], y0=0, y1=1, line=dict(color=NEUTRAL, width=1, dash="dash"))
        ],
        annotations=[
            note(
                f"entropy H = {h_nats:.3f} nats = {h_bits:.3f} bits<br>effective choices e<sup>H</sup> = {eff:.2f} of {k}",
                x=1.0, y=1.03, yanchor="bottom",
            )
        ],
        margin=dict(l=60, r=30, t=125, b=100),  # the entropy note sits below a two-line hint
        legend=dict(orientation="h", x=0.0, y=-0.13, yanchor="top"),
    )
