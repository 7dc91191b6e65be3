"""Figure 8: training readings over steps, one line per run: what the logit paths add up to.

Five panels share the step axis:

- loss: the run's recorded loss (mean cross-entropy -log p_y for lab runs);
- accuracy: the fraction of samples whose largest logit is their class;
- mean logit norm: (1/S) sum_s ||z_s||, how far the logits have travelled from the origin;
- mean margin: (1/S) sum_s (z_{s,y} - max_{j != y} z_{s,j}), positive once a sample is right;
- vertex angles: for each class c, the angle between its mean logit (in the sum-zero subspace)
  and its simplex vertex; 0 degrees when the class heads straight for its vertex. Zero-initialised
  runs start with every logit at the origin, where the angle is undefined (a gap in the line).

The numbers are the `Run` readings (`loss`, `accuracy`, `logit_norms`, `margins`, `vertex_angles`).
"""

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from ._drawn import as_runs, run_titles
from .style import NEUTRAL, base_layout, class_color, panel_domains

__all__ = ["readings", "reading_values"]

_RUN_COLORS = (NEUTRAL, *qualitative.Dark2)  # one colour per run; classes keep their own palette
_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")  # one dash per run, on the angles


def reading_values(run) -> dict[str, np.ndarray]:
    """The readings of one run over its records: `loss`, `accuracy`, `norm`, `margin` `(R,)` and `angles` `(R, K)`.

    Example:
        >>> from softmaxlab.store import Run
        >>> values = reading_values(Run(logits=[[[3.0, 4.0]], [[0.0, 1.0]]], steps=[0, 1], labels=[1]))
        >>> values["norm"], values["margin"]
        (array([5., 1.], dtype=float32), array([1., 1.], dtype=float32))
    """
    return dict(
        loss=run.loss,
        accuracy=run.accuracy,
        norm=run.logit_norms().mean(axis=1),  # (R,)
        margin=run.margins().mean(axis=1),  # (R,)
        angles=run.vertex_angles(),  # (R, K) degrees
    )


def readings(runs, *, titles=None, step=None) -> go.Figure:
    """Loss, accuracy, mean logit norm, mean margin and each class's angle to its vertex, over steps.

    Args:
        runs: a `Run` or a list of runs; each gets one line (one colour) per panel, and on the
            angles panel one dash style, with the classes in their colours.
        titles: one name per run for the legend; default its folder name or optimizer.
        step: draw a "now" cursor, a dashed vertical line on every panel at this training step.

    Returns:
        A Figure with traces (uids) ``loss-R``, ``accuracy-R``, ``norm-R``, ``margin-R`` and
        ``angle-R-C`` for run R and class C; every trace's x is the run's `steps`.

    Example:
        >>> from softmaxlab.store import Run
        >>> z = np.array([[[0.0, 0.0]], [[1.0, -1.0]]])  # (records, samples, classes)
        >>> fig = readings(Run(logits=z, steps=[0, 10], labels=[0]))
        >>> [round(float(v), 3) for v in fig.select_traces(selector=dict(uid="margin-0")).__next__().y]
        [0.0, 2.0]
    """
    runs = as_runs(runs)
    titles = run_titles(runs, titles)
    # a wide gap between the columns: on a phone the right panels' tick labels and y titles need ~45 px of it
    left, right = panel_domains([1, 1], gap=0.16)
    bottom, middle, top = panel_domains([1, 1, 1], gap=0.12)
    panels = {  # key -> (x axis, y axis, title)
        "loss": ("x", "y", "loss"),
        "accuracy": ("x2", "y2", "accuracy"),
        "norm": ("x3", "y3", "mean logit norm ‖z‖"),
        "margin": ("x4", "y4", "mean margin z_y − max other"),
    }
    traces = []
    for i, (run, name) in enumerate(zip(runs, titles)):
        values = reading_values(run)
        color = _RUN_COLORS[i % len(_RUN_COLORS)]
        for key, (xa, ya, label) in panels.items():
            traces.append(dict(type="scatter", uid=f"{key}-{i}", name=name, legendgroup=f"run-{i}",
                               showlegend=key == "loss", x=run.steps, y=values[key], mode="lines", xaxis=xa,
                               yaxis=ya, line=dict(color=color, width=2),
                               hovertemplate=f"step %{{x}}<br>{label} = %{{y:.4g}}<extra>{name}</extra>"))
        for c in range(run.num_classes):
            traces.append(dict(type="scatter", uid=f"angle-{i}-{c}", name=f"{name}: class {c}",
                               legendgroup=f"run-{i}", showlegend=False, x=run.steps, y=values["angles"][:, c],
                               mode="lines", xaxis="x5", yaxis="y5",
                               line=dict(color=class_color(c), width=2, dash=_DASHES[i % len(_DASHES)]),
                               hovertemplate=f"step %{{x}}<br>class {c}: %{{y:.1f}}°<extra>{name}</extra>"))

    def axes(n, x_domain, y_domain, title, **y_extra):
        suffix = "" if n == 1 else str(n)
        return {
            f"xaxis{suffix}": dict(domain=x_domain, anchor=f"y{suffix}", title=dict(text="step")),
            # automargin: the left margin grows to hold the widest tick labels and title (else cut on a phone)
            f"yaxis{suffix}": dict(domain=y_domain, anchor=f"x{suffix}", title=dict(text=title), automargin=True,
                                   **y_extra),
        }

    layout = base_layout(
        figure="readings",
        main="Training readings over steps",
        hint="angles: each class's mean logit against its simplex vertex (colour: class; dash: run)",
        height=820,
        wrap_lines=True,  # the hint is wider than a phone
        margin=dict(l=60, r=30, t=100, b=55),  # room for the hint's two lines
        **axes(1, left, top, "loss", rangemode="tozero"),
        **axes(2, right, top, "accuracy", range=[-0.02, 1.02]),
        **axes(3, left, middle, "mean ‖z‖", rangemode="tozero"),
        **axes(4, right, middle, "mean margin"),
        **axes(5, [0.0, 1.0], bottom, "angle to vertex (°)", range=[0, 180], dtick=30),
        legend=dict(orientation="h", x=0.0, y=-0.07, yanchor="top"),
    )
    if step is not None:
        # one line per panel, the full height of its y axis ("y domain"), at the step on its x axis
        layout["shapes"] = [dict(type="line", name="now", x0=step, x1=step, xref=xa, y0=0, y1=1,
                                 yref=f"{ya} domain", line=dict(color=NEUTRAL, width=1, dash="dot"))
                            for xa, ya in (("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4"), ("x5", "y5"))]
    return go.Figure(data=traces, layout=layout)
