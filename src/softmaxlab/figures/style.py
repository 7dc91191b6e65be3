"""Shared look of every softmaxlab figure: class colours, layout defaults, titles and notes.

One palette, indexed by class, so class 2 is the same colour in the 2D dots, the 3D surfaces,
the winning regions, the sampling bars and the logit paths. Builders take what they need from
here and never hard-code colours of their own.

Example:
    >>> class_color(0), class_color(10) == class_color(0)
    ('#1f77b4', True)
    >>> sub(12)
    '₁₂'
"""

import numpy as np
import plotly.graph_objects as go

__all__ = [
    "CLASS_COLORS",
    "SERIES_COLORS",
    "NEUTRAL",
    "MUTED",
    "FONT",
    "class_color",
    "class_colors",
    "rgba",
    "flat_colorscale",
    "sub",
    "TITLE_CHARS",
    "HINT_CHARS",
    "wrap",
    "BOTTOM_LEGEND",
    "title",
    "note",
    "base_layout",
    "scene",
    "panel_domains",
    "subspace_axis_label",
    "make_figure",
]

# A qualitative palette (Tableau/D3 category10): 10 colours distinct in hue and lightness;
# class i gets CLASS_COLORS[i % 10], everywhere.
CLASS_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
# A second qualitative palette (ColorBrewer Dark2) for series that are not classes (losses,
# squashing functions), so they never look like a class.
SERIES_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
NEUTRAL = "#444444"  # reference curves, guides, the current point's drop lines
MUTED = "#c7c7c7"  # what a filter removed, what is not the focus
FONT = dict(family="Inter, Helvetica, Arial, sans-serif", size=13, color="#222222")

_SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


def class_color(i: int) -> str:
    """The colour of class `i` (0-based), a hex string."""
    return CLASS_COLORS[int(i) % len(CLASS_COLORS)]


def class_colors(k: int) -> list[str]:
    """The colours of classes 0..k-1."""
    return [class_color(i) for i in range(k)]


def rgba(color: str, alpha: float) -> str:
    """`#rrggbb` with an opacity, as a CSS `rgba(...)` string.

    Example:
        >>> rgba("#ff0000", 0.5)
        'rgba(255,0,0,0.5)'
    """
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"


def flat_colorscale(color: str) -> list[list]:
    """A one-colour colorscale: a surface painted in its class colour, shaded only by lighting."""
    return [[0.0, color], [1.0, color]]


def sub(i) -> str:
    """`i` as Unicode subscript digits (they render in 2D and 3D axis titles alike, unlike <sub>)."""
    return str(i).translate(_SUBSCRIPTS)


# Widest lines of a title that fit a phone: a 390 px screen leaves the figure about 370 px, and a line of
# N characters is about 0.55 N em wide in the site's sans-serif (tests/test_figures_readable.py checks it).
TITLE_CHARS = 41  # the main line, 16 px
HINT_CHARS = 55  # the hint below it, 12 px


# a 3D figure's legend below its scene, in rows: beside it, the legend takes a phone's width from the view
BOTTOM_LEGEND = dict(orientation="h", x=0.0, y=0.0, yanchor="top", itemsizing="constant", bgcolor="rgba(255,255,255,0.7)")


def wrap(text: str, width: int) -> str:
    """`text` broken at spaces into lines of at most `width` characters, joined by `<br>` (plotly's line break).

    A word longer than `width` gets a line of its own. The browser's figures wrap with the same rule
    (`wrap` in static/js/figures/common.js).

    Example:
        >>> wrap("one two three four", 9)
        'one two<br>three<br>four'
    """
    lines = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def title(main: str, hint: str | None = None, *, wrap_lines: bool = False) -> dict:
    """A layout title: what the figure is, and below it in small type what to look at.

    With `wrap_lines`, both are broken into lines that fit a phone's width (`TITLE_CHARS`, `HINT_CHARS`).
    """
    if wrap_lines:
        main = wrap(main, TITLE_CHARS)
        hint = None if hint is None else wrap(hint, HINT_CHARS)
    text = main if hint is None else f"{main}<br><span style='font-size:12px;color:#555'>{hint}</span>"
    # pinned to the container's top: plotly puts a title of several lines 11 px higher than one of one line
    # (the old y=0.98 cut the first line's top), so it gets that much more padding
    pad = 22 if "<br>" in text else 10
    return dict(text=text, x=0.01, xanchor="left", y=1.0, yref="container", yanchor="top", pad=dict(t=pad),
                font=dict(size=16))


def note(text: str, *, x: float = 0.99, y: float = 0.99, xanchor: str = "right", yanchor: str = "top") -> dict:
    """A boxed annotation placed in paper coordinates (e.g. entropy, a caveat about the view)."""
    return dict(
        text=text,
        x=x,
        y=y,
        xref="paper",
        yref="paper",
        xanchor=xanchor,
        yanchor=yanchor,
        showarrow=False,
        align="left",
        bgcolor="rgba(255,255,255,0.85)",
        bordercolor="#bbbbbb",
        borderwidth=1,
        font=dict(size=12),
    )


def base_layout(*, figure: str, main: str, hint: str | None = None, height: int = 560, wrap_lines: bool = False,
                **extra) -> dict:
    """Layout defaults shared by every figure.

    No `template` is set: the figure takes the session's default template (`plotly.io.templates
    .default`), which plotly applies without re-validating it; naming one here costs ~45 ms a figure.

    `figure` names the figure and becomes `uirevision`: while it stays the same, the app can
    replace the data and the user's camera, zoom and legend choices survive the redraw.
    `wrap_lines`: break the title's lines to fit a phone (see `title`).
    """
    layout = dict(
        title=title(main, hint, wrap_lines=wrap_lines),
        font=FONT,
        height=height,
        margin=dict(l=60, r=30, t=90, b=55),
        legend=dict(itemsizing="constant", bgcolor="rgba(255,255,255,0.7)"),
        hoverlabel=dict(namelength=-1),
        uirevision=figure,
    )
    layout.update(extra)
    return layout


def scene(*, x: str, y: str, z: str, figure: str, domain: dict | None = None, **extra) -> dict:
    """A 3D scene with labelled axes and a fixed `uirevision` (the camera stays when data changes)."""
    axis = dict(backgroundcolor="rgba(240,240,245,0.6)", gridcolor="#dddddd", zerolinecolor="#999999")
    out = dict(
        xaxis=dict(title=dict(text=x), **axis),
        yaxis=dict(title=dict(text=y), **axis),
        zaxis=dict(title=dict(text=z), **axis),
        aspectmode="cube",
        camera=dict(eye=dict(x=1.6, y=-1.6, z=1.0)),
        uirevision=figure,
    )
    if domain is not None:
        out["domain"] = domain
    out.update(extra)
    return out


def panel_domains(sizes, *, gap: float = 0.08) -> list[list[float]]:
    """`[start, end]` paper-coordinate domains for panels of relative `sizes`, side by side with a gap.

    For rows, remember that paper y grows upward: the first domain is the bottom panel.
    Laying out panels by hand like this costs microseconds, where `plotly.subplots.make_subplots`
    costs ~20 ms per figure, a large share of a redraw's budget.

    Example:
        >>> panel_domains([1, 1])
        [[0.0, 0.46], [0.54, 1.0]]
    """
    widths = [float(s) for s in sizes]
    usable = 1.0 - gap * (len(widths) - 1)
    edges, start = [], 0.0
    for w in (w / sum(widths) * usable for w in widths):
        edges.append([round(start, 6), round(start + w, 6)])  # lists: an unvalidated tuple breaks reading it back
        start += w + gap
    return edges


def subspace_axis_label(column, index: int) -> str:
    """What coordinate `u_index` of the sum-zero subspace means, read off its basis column.

    A column like (1, 1, -2)/sqrt(6) reads "u₂ = (z₀ + z₁ − 2z₂)/√6"; a column without small
    integer ratios falls back to decimals.

    Example:
        >>> subspace_axis_label(np.array([1.0, -1.0, 0.0]) / np.sqrt(2), 1)
        'u₁ = (z₀ − z₁)/√2'
    """
    col = np.asarray(column, dtype=float)
    nonzero = np.abs(col[np.abs(col) > 1e-12])
    scaled = col / nonzero.min()
    if np.allclose(scaled, np.round(scaled), atol=1e-9) and np.abs(scaled).max() <= 99:
        ints = np.round(scaled).astype(int)
        norm_sq = int((ints**2).sum())
        terms = []
        for i, c in enumerate(ints):
            if c == 0:
                continue
            mag = "" if abs(c) == 1 else str(abs(c))
            sign = ("−" if c < 0 else "+") if terms else ("−" if c < 0 else "")
            terms.append(f"{sign} {mag}z{sub(i)}".strip() if terms else f"{sign}{mag}z{sub(i)}")
        return f"u{sub(index)} = ({' '.join(terms)})/√{norm_sq}"
    terms = " ".join(f"{c:+.2f}z{sub(i)}" for i, c in enumerate(col) if abs(c) > 1e-12)
    return f"u{sub(index)} = {terms}"


def make_figure(traces: list[dict], layout: dict, *, frames=None) -> go.Figure:
    """A `go.Figure` from trace and layout dicts, built without plotly's property validation.

    Validation costs about 1 ms per trace (5-6x the build itself), too much for a redraw in the
    app; the builders' output is validated instead by the tests (`go.Figure(fig.to_dict())`).
    Validation is switched back on for the figure, its layout and its traces, so later
    `update_layout` / `update_traces` calls by a user are checked as usual. Pass lists, not
    tuples: plotly cannot read an unvalidated tuple property back (`fig.layout.xaxis.domain`).
    `frames`, an animation's, go in unvalidated too.
    """
    fig = go.Figure(data=traces, layout=layout, frames=frames, _validate=False)
    fig._validate = True
    fig.layout._validate = True
    for trace in fig.data:
        trace._validate = True
    return fig
