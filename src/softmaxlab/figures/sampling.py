"""Figure 6: temperature and sampling filters, as in text generation.

A distribution over tokens under a temperature, what top-k, top-p and min-p each keep, the
renormalised distribution that is really sampled, its entropy and effective number of choices,
and a histogram of draws next to the exact probabilities.
"""

import numpy as np
import plotly.graph_objects as go

from ..core import effective_choices, entropy, filter_logits, sample, softmax
from ..core.random import Threefry
from . import _options
from .style import MUTED, base_layout, class_color, make_figure, note, panel_domains

__all__ = ["sampling"]

_BAR = "#1f77b4"  # one colour for all tokens when there are more than the palette's 10
# q's bars are dotted, p's are plain (removed ones hatched): the two swatches of the legend differ
Q_PATTERN = dict(shape=".", fgcolor="white", size=6, solidity=0.4)
_FIXED_TOP = 1.04  # the fixed p and q axes: [0, 1], and room for a bar of height 1 and its outline


def _keeps(z, t, **one_filter) -> np.ndarray:
    """Which tokens survive temperature and one filter (bool (K,)), from the core's filter_logits."""
    return np.isfinite(filter_logits(z, temperature=t, **one_filter))


def sampling(
    logits=(3.0, 2.4, 2.0, 1.2, 0.5, 0.0, -0.6, -1.5),
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    min_p: float | None = None,
    samples: int = 0,
    seed: int = 0,
    labels=None,
    axes: str = "fixed",
) -> go.Figure:
    r"""A token distribution under temperature and sampling filters, and what sampling draws from it.

    .. math:: p = \operatorname{softmax}(z / T), \qquad
              q = \operatorname{softmax}(\text{filter}(z / T)) \quad (\text{removed tokens: } q_i = 0)

    The filters apply in the order of :func:`softmaxlab.core.filter_logits` (top-k, then top-p
    on what is left, then min-p). Entropy H (nats, bits) and the effective number of choices
    e^H are given for p and for q: "more similar probabilities" means higher entropy.

    Args:
        logits: `(K,)`, 2 <= K <= 1000.
        temperature: T > 0.
        top_k: keep the k most probable (int >= 1), or None.
        top_p: keep the smallest set with probability >= top_p, in (0, 1], or None.
        min_p: keep p_i >= min_p * max p, in [0, 1], or None.
        samples: n draws from :func:`softmaxlab.core.sample` to histogram (0: none).
        seed: seed of the draws, a :class:`softmaxlab.core.random.Threefry` stream (same seed, same
            histogram, in Python and in the browser).
        labels: `(K,)` names of the tokens (e.g. words), or None for their indices.
        axes: "fixed" (default) or "fit". Fixed: the p and q panels' y axes are [0, 1.04], so raising
            T visibly flattens the bars and lowering it grows the tallest towards 1 (an axis that fits
            the tallest bar shows every distribution about as tall). "fit": they fit the tallest bar,
            for many tokens whose probabilities are all small. The tokens' axis is [-0.5, K - 0.5].

    Returns:
        A Figure with three panels. Trace uids: ``tempered`` (bars of p; `customdata[:, 0]` is 1
        where the token survives all filters), ``keeps-{filter}`` (one row of markers per filter
        given, and ``keeps-all``, at y = 0, 1, ..., named by the middle axis' ticks; `customdata`
        1 = kept), ``final`` (bars of q), ``samples`` (bars of the observed frequencies;
        `customdata` the counts).

    Example:
        >>> fig = sampling([2.0, 1.0, 0.1, -1.0], top_k=2, samples=100)
        >>> final = next(t for t in fig.data if t.uid == "final")
        >>> [round(float(q), 3) for q in final.y]
        [0.731, 0.269, 0.0, 0.0]
        >>> int(sum(next(t for t in fig.data if t.uid == "samples").customdata))
        100
    """
    z = _options.vector(logits, name="logits", low=2, high=1000)  # (K,)
    k = z.size
    t = _options.positive(temperature, name="temperature")
    n = _options.integer(samples, name="samples", low=0, high=10_000_000)
    seed = _options.integer(seed, name="seed", low=0)
    if axes not in ("fixed", "fit"):
        raise ValueError(f"axes must be 'fixed' or 'fit', got {axes!r}")
    names = _token_names(labels, k)
    filters = {"top_k": top_k, "top_p": top_p, "min_p": min_p}
    final_logits = filter_logits(z, temperature=t, **filters)  # checks top_k, top_p, min_p: ValueError naming them
    kept = np.isfinite(final_logits)  # (K,)
    p = softmax(z, temperature=t)  # (K,)
    q = softmax(final_logits)  # (K,) renormalised over the kept tokens
    colors = [class_color(i) for i in range(k)] if k <= 10 else [_BAR] * k
    rows = [(name, value) for name, value in filters.items() if value is not None]

    traces = [_tempered_bars(z, p, t, kept, colors)]
    traces += _filter_rows(z, t, rows, kept, colors)
    traces.append(_final_bars(q, colors))
    if n:
        traces.append(_draws(z, n, seed, t, filters))
    return make_figure(traces, _layout(p, q, kept, t, names, rows=rows, drawn=bool(n), fixed=axes == "fixed"))


def _token_names(labels, k: int) -> list[str]:
    if labels is None:
        return [str(i) for i in range(k)]
    names = [str(v) for v in labels]
    if len(names) != k:
        raise ValueError(f"labels must name every token: got {len(names)} labels for {k} logits")
    return names


def _tempered_bars(z, p, t: float, kept, colors) -> dict:
    """The top panel: p = softmax(z / T), the tokens no filter keeps hatched grey."""
    return dict(
        type="bar", uid="tempered", name=f"p = softmax(z/T), T = {t:g}", x=np.arange(z.size), y=p, width=0.6,
        offset=-0.3, customdata=np.stack([kept, z], axis=1),
        marker=dict(color=[c if keep else MUTED for c, keep in zip(colors, kept)],
                    pattern=dict(shape=["" if keep else "/" for keep in kept], fgcolor="#888888")),
        xaxis="x", yaxis="y",
        hovertemplate="token %{x}<br>logit %{customdata[1]:.3f}<br>p = %{y:.4f}<br>kept by all filters: %{customdata[0]}"
                      "<extra></extra>")


def _filter_rows(z, t: float, rows, kept, colors) -> list[dict]:
    """The middle panel: one row of markers per filter given (what it alone keeps), then all together."""
    k = z.size
    out = []
    for row, (name, value) in enumerate([*rows, ("all", None)]):
        keep = kept if name == "all" else _keeps(z, t, **{name: value})
        row_label = _row_label(name, value)
        # rows at y = 0, 1, ... labelled by the axis' ticks: a moving filter value changes a tick's text, not
        # the rows' places (the page draws it live)
        out.append(
            dict(type="scatter", uid=f"keeps-{name.replace('_', '-')}", name=row_label, showlegend=False, x=np.arange(k),
                 y=np.full(k, float(row)), customdata=keep.astype(int), mode="markers", xaxis="x2", yaxis="y2",
                 marker=dict(symbol=["square" if v else "x-thin-open" for v in keep], size=13,
                             color=[c if v else "#999999" for c, v in zip(colors, keep)], line=dict(width=2, color="#999999")),
                 hovertemplate=f"token %{{x}}<br>{row_label}: %{{customdata}} (1 = kept)<extra></extra>")
        )
    return out


def _row_label(name: str, value) -> str:
    return "all together" if name == "all" else f"{name.replace('_', '-')} = {value:g}"


def _final_bars(q, colors) -> dict:
    """The bottom panel: q, what is really sampled from."""
    return dict(type="bar", uid="final", name="q: filtered and renormalised", x=np.arange(q.size), y=q,
                offsetgroup="exact", marker=dict(color=colors, pattern=Q_PATTERN), xaxis="x3", yaxis="y3",
                hovertemplate="token %{x}<br>q = %{y:.4f}<extra>sampled from</extra>")


def _draws(z, n: int, seed: int, t: float, filters) -> dict:
    """The bottom panel's histogram of n draws from q (a Threefry stream of `seed`: the browser draws the same)."""
    draws = sample(z, n, rng=Threefry(seed), temperature=t, **filters)  # (n,)
    counts = np.bincount(draws, minlength=z.size)  # (K,)
    return dict(type="bar", uid="samples", name=f"{n} draws (seed {seed})", x=np.arange(z.size), y=counts / n,
                customdata=counts, offsetgroup="drawn", marker=dict(color="rgba(0,0,0,0)", line=dict(color="#222222", width=1.5)),
                xaxis="x3", yaxis="y3", hovertemplate="token %{x}<br>%{customdata} draws = %{y:.4f}<extra>histogram</extra>")


def _layout(p, q, kept, t: float, names, *, rows, drawn: bool, fixed: bool) -> dict:
    """Three panels sharing the tokens' axis (the middle one as tall as its rows), the entropies above."""
    # fixed ranges: a moving temperature moves the bars, never the axes (and the page draws it live)
    ticks = dict(tickmode="array", tickvals=np.arange(len(names)), ticktext=names, range=[-0.5, len(names) - 0.5],
                 zeroline=False)  # token 0 is a token, not a zero
    heights = dict(range=[0.0, _FIXED_TOP]) if fixed else dict(rangemode="tozero")
    labels = [_row_label(name, value) for name, value in [*rows, ("all", None)]]
    bottom, middle, top = panel_domains([1.0, 0.2 + 0.12 * len(labels), 1.0], gap=0.1)
    h_p, h_q = float(entropy(p)), float(entropy(q))
    numbers = (f"p: entropy {h_p:.3f} nats ({h_p / np.log(2):.3f} bits), e<sup>H</sup> = {float(effective_choices(p)):.2f} "
               f"choices<br>q: entropy {h_q:.3f} nats, e<sup>H</sup> = {float(effective_choices(q)):.2f} of {int(kept.sum())} kept")
    return base_layout(
        figure="sampling",
        main=f"Sampling at T = {t:g}: what the filters keep",
        hint="Top: the tempered distribution p (hatched grey = removed). Middle: what each filter keeps. "
             "Bottom: q, what is really sampled" + (", next to the draws." if drawn else "."),
        wrap_lines=True,
        # above the top panel, below the title: inside it, on a phone, the note covered the tallest bars
        annotations=[note(numbers, x=1.0, y=top[1], yanchor="bottom")],
        height=760,
        barmode="group",
        xaxis=dict(anchor="y", matches="x3", showticklabels=False, **ticks),
        yaxis=dict(domain=top, anchor="x", title=dict(text="p"), **heights),
        xaxis2=dict(anchor="y2", matches="x3", showticklabels=False, showgrid=False, **ticks),
        # the first row on top; its range and ticks fixed, so a filter's moving value is drawn live
        yaxis2=dict(domain=middle, anchor="x2", range=[len(labels) - 0.5, -0.5], tickmode="array",
                    tickvals=np.arange(len(labels)), ticktext=labels, showgrid=False, zeroline=False),
        xaxis3=dict(anchor="y3", title=dict(text="token"), **ticks),
        yaxis3=dict(domain=bottom, anchor="x3", title=dict(text="q"), **heights),
        legend=dict(orientation="h", x=0.0, y=-0.1, yanchor="top"),
        margin=dict(l=110, r=30, t=145, b=80),
    )
