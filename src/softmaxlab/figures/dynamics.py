"""Research readings of a run as figures: data map, reliability diagram, neural collapse, forgetting.

Each figure draws the numbers of one `softmaxlab.analysis` reading (the docstrings there carry
the definitions and the papers); nothing is computed here that the reading does not return, so
a figure can be checked against its reading trace by trace (every trace has a `uid`).
"""

import warnings

import numpy as np
import plotly.graph_objects as go

from softmaxlab.analysis import (
    REGIONS,
    calibration,
    calibration_report,
    cartography,
    fit_temperature,
    forgetting_events,
    neural_collapse,
)

from . import _options
from ._drawn import sample_subset
from .style import MUTED, NEUTRAL, SERIES_COLORS, base_layout, note, panel_domains

__all__ = ["data_map", "reliability_diagram", "reliability_figure", "neural_collapse_figure", "forgetting_figure"]

# correctness from never (red) to always (blue): a diverging scale reads "wrong ... right" at a glance
_CORRECTNESS_SCALE = "RdYlBu"


def data_map(run, *, records=None, confidence_threshold=0.5, variability_threshold=0.2, max_samples=None,
             seed=0) -> go.Figure:
    """The data map of Swayamdipta et al. (2020): variability against confidence, coloured by correctness.

    One dot per sample at (variability, confidence) of its true-class probability over the
    chosen records (`softmaxlab.analysis.cartography`); the dashed lines are the region
    boundaries, and each region is labelled with its number of samples: easy-to-learn (top
    left: confidently right throughout), hard-to-learn (bottom left: consistently wrong; often
    mislabelled), ambiguous (right: the model keeps changing its mind).

    Args:
        run: a `softmaxlab.store.Run`.
        records: which records to read: None (all), a slice, an int or a sequence of ints.
        confidence_threshold: the easy/hard boundary on confidence, in [0, 1].
        variability_threshold: variability at or above which a sample is ambiguous, in [0, 0.5].
        max_samples: draw at most this many dots (None: every sample): past it, a random subset drawn with
            `seed`, stated in the title. The regions' counts are always of every sample. 10,000 SVG dots
            take about 2 s to draw in a browser; the Runs page of `softmaxlab serve` draws 2,000.
        seed: the subset's seed.

    Returns:
        A Figure whose trace ``samples`` has x = variability, y = confidence and
        marker.color = correctness, in sample order (``customdata[:, 0]`` is the sample's index).

    >>> from softmaxlab.store import Run
    >>> fig = data_map(Run(logits=[[[0.0, 1.0], [2.0, 0.0]], [[1.0, 0.0], [2.0, 0.0]]], steps=[0, 1], labels=[0, 0]))
    >>> fig.data[0].y.round(3)                     # mean p_true over the records after step 0
    array([0.731, 0.881])
    """
    carto = cartography(run, records=records, confidence_threshold=confidence_threshold,
                        variability_threshold=variability_threshold)
    labels = np.asarray(run.labels)
    if max_samples is not None:
        max_samples = _options.integer(max_samples, name="max_samples", low=1)
    index = np.arange(labels.size) if max_samples is None else sample_subset(labels.size, max_samples, seed=seed)
    samples = dict(
        type="scatter", uid="samples", name="samples", mode="markers",
        x=carto.variability[index], y=carto.confidence[index],
        customdata=np.stack([index, labels[index], carto.correctness[index]], axis=1),  # (S, 3)
        text=carto.regions[index],
        marker=dict(color=carto.correctness[index], cmin=0.0, cmax=1.0, colorscale=_CORRECTNESS_SCALE, size=8,
                    line=dict(width=0.5, color="#555555"), colorbar=dict(title=dict(text="correctness"))),
        hovertemplate=("sample %{customdata[0]} (class %{customdata[1]})<br>confidence %{y:.3f}"
                       "<br>variability %{x:.3f}<br>correctness %{customdata[2]:.2f}<br>%{text}<extra></extra>"),
    )
    vt, ct = carto.variability_threshold, carto.confidence_threshold
    guide = dict(type="line", line=dict(color=NEUTRAL, width=1, dash="dash"), layer="below")
    shapes = [dict(guide, x0=vt, x1=vt, y0=0, y1=1), dict(guide, x0=0, x1=vt, y0=ct, y1=ct)]
    counts = carto.counts()
    # labels inside each region, next to the boundary: the samples crowd the far corners (0, 1) and (0, 0)
    spots = {  # region -> (x, y, x anchor) in data coordinates
        "easy-to-learn": (max(vt - 0.01, 0.0), 0.99, "right"),
        "hard-to-learn": (max(vt - 0.01, 0.0), 0.01, "right"),
        "ambiguous": (min(vt + 0.01, 0.5), 0.5, "left"),
    }
    annotations = [dict(x=x, y=y, xanchor=anchor, yanchor="top" if y > 0.5 else "bottom" if y < 0.5 else "middle",
                        text=f"<b>{name}</b> ({counts[name]})", showarrow=False, bgcolor="rgba(255,255,255,0.7)",
                        font=dict(size=13, color=NEUTRAL))
                   for name in REGIONS for x, y, anchor in [spots[name]]]
    first, last = int(carto.steps[0]), int(carto.steps[-1])
    layout = base_layout(
        figure="data-map",
        main="Data map",
        wrap_lines=True,  # the hint is wider than a phone
        hint=(f"confidence and variability of p(true class) over {carto.steps.size} records "
              f"(steps {first}–{last}); colour: fraction of records classified correctly"
              + (f"; {index.size:,} of {labels.size:,} samples drawn (random, seed {seed}), counts of all"
                 if index.size < labels.size else "")),
        xaxis=dict(title=dict(text="variability (std of p_true)"), range=[-0.01, 0.51], zeroline=False),
        yaxis=dict(title=dict(text="confidence (mean of p_true)"), range=[-0.02, 1.02], zeroline=False),
        shapes=shapes,
        annotations=annotations,
        showlegend=False,
    )
    # room above the plot for the wrapped hint (3 or 4 lines of 12 px type under the 16 px title)
    lines = layout["title"]["text"].count("<br>")
    layout["margin"] = {**layout["margin"], "t": max(layout["margin"]["t"], 46 + 17 * lines)}
    return go.Figure(data=[samples], layout=layout)


def _reliability_panel(cal, which: str, axes: tuple[str, str], *, show_legend: bool) -> list[dict]:
    """Bars of accuracy per bin, the gap to the bin's mean confidence, and the diagonal."""
    width = 1.0 / cal.bin_counts.size
    centres = (cal.bin_edges[:-1] + cal.bin_edges[1:]) / 2  # (B,)
    filled = cal.bin_counts > 0
    xa, ya = axes
    return [
        dict(type="bar", uid=f"accuracy-{which}", name="accuracy", x=centres[filled],
             y=cal.bin_accuracy[filled], width=width, customdata=cal.bin_counts[filled],
             marker=dict(color=SERIES_COLORS[2], line=dict(color="#333333", width=0.5)),
             showlegend=show_legend, legendgroup="accuracy", xaxis=xa, yaxis=ya,
             hovertemplate="confidence bin %{x:.3f}<br>accuracy %{y:.3f}<br>%{customdata} samples<extra></extra>"),
        dict(type="bar", uid=f"gap-{which}", name="gap to confidence", x=centres[filled],
             base=cal.bin_accuracy[filled], y=cal.bin_confidence[filled] - cal.bin_accuracy[filled], width=width,
             marker=dict(color="rgba(214,39,40,0.25)", line=dict(color="#d62728", width=1)),
             showlegend=show_legend, legendgroup="gap", xaxis=xa, yaxis=ya,
             hovertemplate="mean confidence − accuracy = %{y:.3f}<extra></extra>"),
        dict(type="scatter", uid=f"diagonal-{which}", name="perfect calibration", x=[0, 1], y=[0, 1],
             mode="lines", line=dict(color=NEUTRAL, dash="dash", width=1), showlegend=show_legend,
             legendgroup="diagonal", hoverinfo="skip", xaxis=xa, yaxis=ya),
    ]


def reliability_diagram(logits, labels, *, bins=15, temperature=None) -> go.Figure:
    """Reliability diagrams (Guo et al. 2017) before and after temperature scaling, ECE in the titles.

    Left: the logits as they are (T = 1); right: divided by `temperature`. In each, a bar per
    non-empty confidence bin at height accuracy, a red box from accuracy up (or down) to the
    bin's mean confidence (the gap ECE averages), and the diagonal of perfect calibration.

    Args:
        logits: `(n, K)` logits.
        labels: `(n,)` int true classes.
        bins: number of equal-width confidence bins.
        temperature: T for the right panel; None fits it on these logits (`fit_temperature`;
            for an honest picture fit it on other samples and pass it here).

    Returns:
        A Figure with traces ``accuracy-before``, ``gap-before``, ``diagonal-before`` and the
        same with ``-after``; the bars are `calibration(...).bin_accuracy` of the non-empty bins.

    >>> fig = reliability_diagram([[2.0, 0.0], [2.0, 0.0], [0.0, 2.0]], [0, 1, 1], bins=4, temperature=2.0)
    >>> fig.layout.title.text.split("<br>")[0]     # confidence 0.881, then 0.731; accuracy 2/3
    'Reliability diagram: ECE 0.214 at T = 1, 0.064 at T = 2'
    """
    t = fit_temperature(logits, labels) if temperature is None else temperature
    return _reliability(logits, labels, bins=bins, temperature=t,
                        how="T fitted on these samples" if temperature is None else "T given")


def _reliability(logits, labels, *, bins, temperature, how: str, where: str = "") -> go.Figure:
    """The reliability figure at T = 1 and T = `temperature`; `how` and `where` go into the hint."""
    t = temperature
    before = calibration(logits, labels, bins=bins)
    after = calibration(logits, labels, bins=bins, temperature=t)
    left, right = panel_domains([1, 1], gap=0.1)
    traces = (_reliability_panel(before, "before", ("x", "y"), show_legend=True)
              + _reliability_panel(after, "after", ("x2", "y2"), show_legend=False))

    def axes(suffix, domain, label):
        return {
            f"xaxis{suffix}": dict(domain=domain, anchor=f"y{suffix}", range=[0, 1], constrain="domain",
                                   title=dict(text=f"confidence (max probability), {label}")),
            f"yaxis{suffix}": dict(anchor=f"x{suffix}", range=[0, 1.02], title=dict(text="accuracy")),
        }

    annotations = [
        note(f"T = 1<br>ECE {before.ece:.3f}, MCE {before.mce:.3f}<br>NLL {before.nll:.3f}",
             x=left[0] + 0.01, y=0.97, xanchor="left"),
        note(f"T = {after.temperature:.3g}<br>ECE {after.ece:.3f}, MCE {after.mce:.3f}"
             f"<br>NLL {after.nll:.3f}", x=right[0] + 0.01, y=0.97, xanchor="left"),
    ]
    layout = base_layout(
        figure="reliability",
        main=f"Reliability diagram: ECE {before.ece:.3f} at T = 1, {after.ece:.3f} at T = {after.temperature:.3g}",
        hint=f"{where}{before.samples} samples in {before.bin_counts.size} equal-width confidence bins "
             f"({how}); left as trained, right after temperature scaling",
        height=520, barmode="overlay", annotations=annotations,
        legend=dict(orientation="h", x=0.0, y=-0.15, yanchor="top"),
        **axes("", left, "as trained"), **axes("2", right, "scaled"),
    )
    return go.Figure(data=traces, layout=layout)


def reliability_figure(run, *, record=-1, bins=15, fit_fraction=None, seed=0, holdout=None) -> go.Figure:
    """The reliability diagram of one record of a run, before and after temperature scaling.

    `softmaxlab.analysis.calibration_report` fits the temperature (on a held-out share of the
    samples when `fit_fraction` is given) and the evaluated samples are drawn with `reliability_diagram`.

    Args:
        run: a `softmaxlab.store.Run`.
        record: which record's logits to read (an index; -1 is the last, the trained model).
        bins: number of equal-width confidence bins.
        fit_fraction: fraction of the samples that fits the temperature, the rest are drawn; None: every
            sample both fits it and is drawn.
        seed: seed of the split.
        holdout: the old name of `fit_fraction` (deprecated; it meant the same fraction).

    >>> from softmaxlab.store import Run
    >>> run = Run(logits=[[[3.0, 0.0], [3.0, 0.0], [0.0, 3.0], [3.0, 0.0]]], steps=[7], labels=[0, 0, 1, 1])
    >>> fig = reliability_figure(run, bins=5)
    >>> len(fig.data), "step 7: 4 samples" in fig.layout.title.text
    (6, True)
    """
    if holdout is not None:
        warnings.warn("reliability_figure(holdout=...) is now fit_fraction=... (the fraction that fits T)",
                      DeprecationWarning, stacklevel=2)
        if fit_fraction is not None:
            raise ValueError("give fit_fraction or its old name holdout, not both")
        fit_fraction = holdout
    report = calibration_report(run, record=record, bins=bins, fit_fraction=fit_fraction, seed=seed)
    z = np.asarray(run.logits[report.record])[report.eval_index]  # (eval samples, K)
    how = ("T fitted on these samples" if report.fit_fraction is None else
           f"T fitted on {report.fit_samples} other, held-out samples")
    return _reliability(z, np.asarray(run.labels)[report.eval_index], bins=bins, temperature=report.temperature,
                        how=how, where=f"step {report.step}: ")


def neural_collapse_figure(run, *, records=None, source="auto") -> go.Figure:
    """NC1-NC4 of Papyan, Han & Donoho (2020) over the recorded steps; each falls toward 0 at collapse.

    Panels: NC1 (within-class over between-class variability, log scale when every value is
    positive), NC2 (distance of the centred class means from a simplex ETF, with its equinorm
    and equiangularity parts dashed), NC3 (classifier against means), NC4 (disagreement with
    the nearest class centre). The numbers are `softmaxlab.analysis.neural_collapse(run)`.

    Args:
        run: a `softmaxlab.store.Run`.
        records: which records to read: None (all), a slice, an int or a sequence of ints.
        source: "auto" (recorded features when the run has them, else the logits), "features" or "logits".

    Returns:
        A Figure with traces ``nc1``, ``nc2``, ``nc2-equinorm``, ``nc2-equiangular``, ``nc3``,
        ``nc4`` whose x are the steps and y the readings (NaN where undefined).

    >>> from softmaxlab.store import Run
    >>> fig = neural_collapse_figure(Run(logits=[[[1.0, 0.0], [0.0, 1.0]]], steps=[5], labels=[0, 1]))
    >>> [trace.uid for trace in fig.data]
    ['nc1', 'nc2', 'nc2-equinorm', 'nc2-equiangular', 'nc3', 'nc4']
    """
    nc = neural_collapse(run, records=records, source=source)
    left, right = panel_domains([1, 1], gap=0.1)
    bottom, top = panel_domains([1, 1], gap=0.16)
    series = [  # (uid, values, axis number, name, dash, colour)
        ("nc1", nc.nc1, 1, "NC1: tr(Σ_W Σ_B⁺)/K", "solid", SERIES_COLORS[0]),
        ("nc2", nc.nc2, 2, "NC2: ‖Gram − ETF‖_F", "solid", SERIES_COLORS[1]),
        ("nc2-equinorm", nc.nc2_equinorm, 2, "NC2 equinorm: std/mean of ‖M_c‖", "dash", SERIES_COLORS[2]),
        ("nc2-equiangular", nc.nc2_equiangular, 2, "NC2 equiangular: mean |cos + 1/(K−1)|", "dot", SERIES_COLORS[3]),
        ("nc3", nc.nc3, 3, "NC3: ‖W/‖W‖ − M/‖M‖‖²", "solid", SERIES_COLORS[4]),
        ("nc4", nc.nc4, 4, "NC4: disagreement with nearest centre", "solid", SERIES_COLORS[5]),
    ]
    traces = [dict(type="scatter", uid=uid, name=name, x=nc.steps, y=values, mode="lines+markers",
                   marker=dict(size=4), line=dict(color=color, dash=dash, width=2),
                   xaxis="x" if n == 1 else f"x{n}", yaxis="y" if n == 1 else f"y{n}",
                   hovertemplate=f"step %{{x}}<br>{uid} = %{{y:.4g}}<extra></extra>")
              for uid, values, n, name, dash, color in series]
    finite = nc.nc1[np.isfinite(nc.nc1)]
    nc1_axis = dict(type="log") if finite.size and finite.min() > 0 else dict(rangemode="tozero")

    def axes(n, x_domain, y_domain, title, **y_extra):
        suffix = "" if n == 1 else str(n)
        return {
            f"xaxis{suffix}": dict(domain=x_domain, anchor=f"y{suffix}", title=dict(text="step")),
            f"yaxis{suffix}": dict(domain=y_domain, anchor=f"x{suffix}", title=dict(text=title), **y_extra),
        }

    where = {"features": "recorded features and classifier weights",
             "features without weights": "recorded features (no weights recorded: NC3 undefined)",
             "logits": "the logits (projected to sum zero) as features, the identity as classifier"}[nc.source]
    layout = base_layout(
        figure="neural-collapse",
        main="Neural collapse over training",
        hint=f"from {where}; every reading is 0 at full collapse",
        height=720,
        **axes(1, left, top, "NC1", **nc1_axis),
        **axes(2, right, top, "NC2", rangemode="tozero"),
        **axes(3, left, bottom, "NC3", rangemode="tozero"),
        **axes(4, right, bottom, "NC4", range=[-0.02, 1.02]),
        legend=dict(orientation="h", x=0.0, y=-0.1, yanchor="top"),
    )
    return go.Figure(data=traces, layout=layout)


def forgetting_figure(run, *, records=None) -> go.Figure:
    """How many samples were forgotten 0, 1, 2, ... times (Toneva et al. 2019), never-learned apart.

    A forgetting event is a change from correct to wrong between consecutive records
    (`softmaxlab.analysis.forgetting_events`). Samples never classified correctly have no
    event to count (the paper counts them as infinitely forgettable): they get their own bar.

    Args:
        run: a `softmaxlab.store.Run`.
        records: which records to read: None (all), a slice, an int or a sequence of ints.

    Returns:
        A Figure with one bar trace ``forgetting`` whose x are the counts as text ("0", "1", ...,
        "never learned") and y the number of samples, i.e. `Forgetting.histogram()`.

    >>> from softmaxlab.store import Run
    >>> logits = [[[0.0, 1.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]]
    >>> # after step 0: sample 0 learned at step 1, forgotten at step 2; sample 1 never learned
    >>> fig = forgetting_figure(Run(logits=logits, steps=[0, 1, 2], labels=[0, 0]))
    >>> fig.data[0].x, fig.data[0].y
    (('0', '1', 'never learned'), (0, 1, 1))
    """
    events = forgetting_events(run, records=records)
    table = events.histogram()
    top = max((k for k in table if isinstance(k, int)), default=0)
    names = [str(k) for k in range(top + 1)] + ["never learned"]
    heights = [table.get(k, 0) for k in range(top + 1)] + [table["never learned"]]
    colors = [SERIES_COLORS[2]] * (top + 1) + [MUTED]
    bars = dict(type="bar", uid="forgetting", name="samples", x=names, y=heights, marker=dict(color=colors),
                hovertemplate="%{x} forgetting events: %{y} samples<extra></extra>")
    unforgettable = int(events.unforgettable.sum())
    layout = base_layout(
        figure="forgetting",
        main="Forgetting events per sample",
        hint=(f"correct → wrong transitions over {events.steps.size} records; {unforgettable} unforgettable "
              f"(learned, never forgotten), {table['never learned']} never learned"),
        height=460,
        xaxis=dict(title=dict(text="forgetting events"), type="category"),
        yaxis=dict(title=dict(text="samples"), rangemode="tozero"),
        showlegend=False,
    )
    return go.Figure(data=[bars], layout=layout)
