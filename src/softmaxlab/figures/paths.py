"""Figure 7: logit paths, the reference experiment's picture. Every sample's logits drawn as a 3D line.

While a classifier trains, each probe sample's logit vector z moves through R^K; drawn over the
recorded steps it is a path, coloured by the sample's class, from the logits before training (an
open dot) to the final logits (a filled dot). Several runs sit side by side (e.g. SGD next to
Adam) with one shared camera; the input points get a scene of their own.

Which three directions are drawn:

- K = 3: the raw logits (z0, z1, z2), as the explainer drew them. The dashed grey line is the
  shift direction (1, 1, 1), which softmax ignores; the sum-zero plane is orthogonal to it. Raw
  logits were chosen over the 2D sum-zero plane because they lose nothing: SGD with a zeroed
  last layer keeps every path in the plane (the cross-entropy gradient p - y sums to zero), while
  Adam's per-coordinate steps let paths drift along (1, 1, 1), which the plane would hide.
- K > 3, `projection="pca"`: z is mapped to the (K-1)-dimensional sum-zero subspace
  (`core.geometry.to_subspace`), then onto the three principal axes of the drawn points there
  (the axes are fitted on centred points, but the points are not shifted, so the origin is still
  uniform probabilities). The full map is z @ P with P `(K, 3)` orthonormal and P^T 1 = 0.
- K > 3, `projection="classes"`: the raw logits of three chosen classes.
- K = 2: (z0, z1) against the training step as the third axis.

Scale: paths are drawn at no more than `max_records` evenly spaced records (always the first and
the last) and, past `max_samples`, for a random subset of samples drawn with `seed`, which the
figure states. One trace per class (paths separated by NaN gaps) and no hover on the long traces
keep a run of 10,000 samples x 1,000 records a few MB and a second to build.
"""

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from ..core.indices import evenly_spaced
from . import _options
from ._drawn import (
    PROJECTIONS,
    as_runs,
    at_record,
    drawn_coords,
    fit_projection,
    fit_projections,
    group_inputs,
    input_coords,
    pick_drawn,
    reaches,
    run_titles,
    sample_subset,
)
from .style import MUTED, NEUTRAL, base_layout, class_color, make_figure, note, panel_domains, scene

__all__ = ["logit_paths", "highlight_traces", "sample_subset", "fit_projection", "PROJECTIONS"]


def _gapped(block: np.ndarray) -> tuple:
    """`(records, n, 3)` coordinates -> x, y, z with one path per sample, NaN between paths."""
    r, n, _ = block.shape
    padded = np.full((n, r + 1, 3), np.nan, dtype=np.float32)  # (n, records + 1, 3)
    padded[:, :r] = block.transpose(1, 0, 2)
    flat = padded.reshape(-1, 3)[:-1]  # no gap after the last path
    return flat[:, 0], flat[:, 1], flat[:, 2]


def logit_paths(
    runs,
    *,
    step: int | None = None,
    projection: str = "pca",
    classes=(0, 1, 2),
    titles=None,
    show_inputs: bool = True,
    show_start: bool = True,
    show_guides: bool = True,
    max_samples: int = 2000,
    max_records: int = 200,
    max_frames: int = 60,
    seed: int = 0,
    animate: bool = False,
    columns: int | None = None,
    highlight: int | None = None,
) -> go.Figure:
    r"""The path of every sample's logits over training, one 3D line per sample, coloured by class.

    A sample s with logits z_s(t) at recorded step t is drawn as the polyline
    z_s(t_0) @ P, z_s(t_1) @ P, ..., with P the `(K, 3)` projection of the module docstring; an open
    dot marks the logits before training, a filled dot the last record, a diamond the logits at
    `step`. Dashed lines point from the origin toward each class's simplex vertex e_c - 1/K
    (where class c's samples should head), and for raw logits a grey line shows (1, ..., 1).

    Args:
        runs: a `Run` or a list of them, drawn side by side with one camera.
        step: mark the logits at this training step (the last record at or before it; -1: the last
            record, as `Run.record_of_step`); None: no mark.
        projection: "pca" or "classes" (used for K > 3).
        classes: the three classes of `projection="classes"`.
        titles: one title per run; default its folder name or optimizer.
        show_inputs: add a scene with the input points (one per distinct input set).
        show_start: draw the open dots at the start.
        show_guides: draw the vertex directions and the shift direction.
        max_samples: draw at most this many samples per run (a random subset past it, stated).
        max_records: draw paths through at most this many evenly spaced records.
        max_frames: frames of the animation.
        seed: seed of the sample subset.
        animate: add a play button and a step slider moving the diamonds along the paths.
        columns: panels per row; default all in one row up to 3 panels, else two rows.
        highlight: draw this sample's path thick in every run and enlarge its input point (what a page's
            linked views show while the pointer is over a path or an input point); None: none.

    Compared runs of the same number of classes share one cube of axis ranges [-R, R] (R the longest
    drawn logit vector of any of them), so a longer path is a longer line in every panel; raw 3-class
    logits open looking down (1, 1, 1), the sum-zero plane face-on.

    Returns:
        A Figure. Traces carry uids ``lines-R-C``, ``start-R-C``, ``end-R-C``, ``step-R-C``
        (run R, class C), ``inputs-G-C`` (input set G); with `highlight`, ``highlight-R`` and
        ``highlight-inputs-G`` last, in the scenes where the sample is drawn. The end, step and input
        points carry their sample index as `customdata`. `layout.meta["softmaxlab"]` records, per run, the drawn `records` and
        `samples` (indices into the run), the projection `matrix` and its `kind`, and the scene;
        `linked_scenes` names the scenes whose cameras move together in an HTML export.

    Example:
        >>> from softmaxlab.store import Run
        >>> z = np.cumsum(np.random.default_rng(0).normal(size=(50, 6, 3)), axis=0)  # (records, samples, classes)
        >>> fig = logit_paths(Run(logits=z, steps=np.arange(50), labels=[0, 1, 2, 0, 1, 2]), step=20)
        >>> end = fig.select_traces(selector=dict(uid="end-0-1")).__next__()
        >>> np.allclose(end.x, z[-1, [1, 4], 0])
        True
    """
    runs = as_runs(runs)
    titles = run_titles(runs, titles)
    max_samples = _options.integer(max_samples, name="max_samples", low=1)
    max_records = _options.integer(max_records, name="max_records", low=2)
    max_frames = _options.integer(max_frames, name="max_frames", low=2)
    seed = _options.integer(seed, name="seed", low=0)
    if columns is not None:
        columns = _options.integer(columns, name="columns", low=1)
    if highlight is not None:
        highlight = _options.integer(highlight, name="highlight", low=0)
    show_inputs, show_start, show_guides, animate = (
        _options.flag(v, name=n)
        for v, n in ((show_inputs, "show_inputs"), (show_start, "show_start"), (show_guides, "show_guides"),
                     (animate, "animate"))
    )
    if projection not in PROJECTIONS:
        raise ValueError(f"projection must be one of {PROJECTIONS}, got {projection!r}")
    step_records = [None if step is None else run.record_of_step(step) for run in runs]

    picks = [pick_drawn(run, max_records, max_samples, seed) for run in runs]
    projections = fit_projections(runs, picks, projection, classes)
    input_groups = group_inputs(runs, picks) if show_inputs else []
    cells, rows = panel_grid(len(runs) + len(input_groups), columns)
    reach, spans = reaches(runs, picks, projections)

    panels = [_run_panel(run, i, pick, projections[run.num_classes], cell=cells[i], title=titles[i],
                         reach=reach[run.num_classes], span=spans[run.num_classes],
                         legend_from=max([r.num_classes for r in runs[:i]], default=0), start=show_start,
                         guides=show_guides, step_record=step_records[i], animate=animate)
              for i, (run, pick) in enumerate(zip(runs, picks))]
    panels += [_inputs_panel(j, x, runs[members[0]].labels[picks[members[0]].samples], picks[members[0]].samples,
                             name=f"scene{len(runs) + j + 1}",
                             cell=cells[len(runs) + j],
                             of="" if len(members) == len(runs) else ", ".join(titles[m] for m in members))
               for j, (x, members) in enumerate(input_groups)]
    traces, diamonds = [], []  # the diamonds' trace indices: the animation frames move them
    for panel in panels:
        diamonds += [len(traces) + d for d in panel.diamonds]
        traces += panel.traces
    if highlight is not None:
        traces += highlight_traces(traces, highlight)

    notes = _notes(runs, picks, projections, seed=seed, max_records=max_records, show_guides=show_guides)
    layout = _paths_layout(panels, notes, runs=len(runs), rows=rows, marks=_marks(step, animate), animate=animate)
    frames = []
    if animate:
        from .animation import animation_parts  # animation.py builds on this module, so import it only here

        shown_steps = runs[0].steps[evenly_spaced(runs[0].num_records, max_frames)]
        frames, changes = animation_parts(runs, [pick.samples for pick in picks],
                                          [projections[r.num_classes][0] for r in runs], diamonds, shown_steps)
        layout.update(changes)
    return make_figure(traces, layout, frames=frames)


class _Panel(NamedTuple):
    """One scene of the figure: its traces, which of them are diamonds, its layout, title and meta."""

    name: str  # "scene", "scene2", ...
    traces: list
    diamonds: list  # indices into `traces`
    scene: dict
    title: dict  # the panel's title annotation
    meta: dict | None  # a run's entry of layout.meta (None for an inputs panel)


def _run_panel(run, i: int, pick, projection, *, cell, title: str, reach: float, span: tuple, legend_from: int,
               start: bool, guides: bool, step_record: int | None, animate: bool) -> _Panel:
    """Run i's scene: per class its paths, dots and diamonds, then the guides. Classes below `legend_from`
    already have their legend entry (from an earlier run)."""
    k = run.num_classes
    matrix, axes, kind = projection
    name = "scene" if i == 0 else f"scene{i + 1}"
    coords = drawn_coords(run, pick, matrix, kind)  # (r, s, 3)
    labels = run.labels[pick.samples]  # (s,)
    at = 0 if animate and step_record is None else step_record  # the diamonds' record (None: no diamonds)
    traces, diamonds = [], []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        traces += _class_traces(run, i, c, pick.samples[members], coords[:, members], matrix, scene_name=name,
                                legend=c >= legend_from, start=start, step_record=at)
        if at is not None:
            diamonds.append(len(traces) - 1)  # the diamonds come last
    if guides:
        traces += _guides(k, matrix, reach or 1.0, name, i)
    meta = dict(scene=name, records=pick.records.tolist(), samples=pick.samples.tolist(), kind=kind,
                matrix=matrix.tolist(), step_record=step_record)
    return _Panel(name, traces, diamonds, _run_scene(axes, kind, cell, reach, span), _panel_title(title, cell), meta)


def _inputs_panel(j: int, x: np.ndarray, labels: np.ndarray, samples: np.ndarray, *, name: str, cell,
                  of: str) -> _Panel:
    """The scene of input set j (`x` `(n, d)` of the run's `samples`, drawn as 3D points), of the runs
    named in `of` ("": all)."""
    points, axes = input_coords(x)
    box = scene(x=axes[0], y=axes[1], z=axes[2], figure="logit-paths", domain=dict(x=cell[0], y=cell[1]))
    title = _panel_title("inputs" + (f" of {of}" if of else ""), cell)
    return _Panel(name, _input_traces(j, points, labels, samples, name), [], box, title, None)


def _paths_layout(panels, notes, *, runs: int, rows: int, marks: str, animate: bool) -> dict:
    """The layout: every panel's scene and title, the notes below (under an animation's slider), the meta."""
    annotations = [panel.title for panel in panels]
    if notes:
        below = -0.3 if animate else -0.02  # under the slider of an animation
        annotations.append(note("<br>".join(notes), x=1.0, y=below, yanchor="top"))
    meta_runs = [panel.meta for panel in panels if panel.meta is not None]
    return base_layout(
        figure="logit-paths",
        main="Logit paths while training" + ("" if runs == 1 else f": {runs} runs"),
        hint=f"one line per sample, coloured by its class: {marks}; dashed: toward each class's vertex",
        height=600 if rows == 1 else 150 + 430 * rows,
        annotations=annotations,
        legend=dict(orientation="h", x=0.0, y=-0.02, yanchor="top"),
        meta={"softmaxlab": dict(figure="logit-paths", runs=meta_runs,
                                 linked_scenes=[m["scene"] for m in meta_runs])},
        **{panel.name: panel.scene for panel in panels},
    )


def _class_traces(run, i: int, c: int, samples, coords, matrix, *, scene_name: str, legend: bool, start: bool,
                  step_record: int | None) -> list[dict]:
    """Run i's class c: its paths, the open dots at the start, the filled dots at the end and, at
    `step_record` (None: none), the diamonds, last. `coords` `(r, n, 3)` are its `samples`' drawn paths."""
    color, group = class_color(c), f"class-{c}"
    common = dict(type="scatter3d", legendgroup=group, scene=scene_name)
    x, y, zz = _gapped(coords)
    # the paths answer the pointer (a page's linked views find the sample from the point's index, as
    # `highlight_traces` does) with the class alone: a sample index per vertex would double the data
    out = [dict(common, uid=f"lines-{i}-{c}", name=f"class {c}", showlegend=legend, x=x, y=y, z=zz, mode="lines",
                line=dict(color=color, width=2), hovertemplate=f"a path of class {c}<extra></extra>")]
    ends = dict(common, showlegend=False, mode="markers", customdata=samples)
    if start:
        out.append(dict(ends, uid=f"start-{i}-{c}", name=f"class {c}, start", x=coords[0, :, 0], y=coords[0, :, 1],
                        z=coords[0, :, 2], hoverinfo="skip", marker=dict(color=color, size=2, symbol="circle-open")))
    tip = f"sample %{{customdata}}<br>class {c}<br>%{{meta}}<extra></extra>"
    out.append(dict(ends, uid=f"end-{i}-{c}", name=f"class {c}, end", x=coords[-1, :, 0], y=coords[-1, :, 1],
                    z=coords[-1, :, 2], meta=f"step {run.steps[-1]}", hovertemplate=tip,
                    marker=dict(color=color, size=3, symbol="circle")))
    if step_record is not None:
        at = at_record(run, step_record, samples, matrix)
        out.append(dict(ends, uid=f"step-{i}-{c}", name=f"class {c}, at step", x=at[:, 0], y=at[:, 1], z=at[:, 2],
                        meta=f"step {run.steps[step_record]}", hovertemplate=tip,
                        marker=dict(color=color, size=4, symbol="diamond", line=dict(color=NEUTRAL, width=1))))
    return out


def _run_scene(axes, kind: str, cell, reach: float, span: tuple) -> dict:
    """A run's scene: its axis titles, its cell of the grid, and the cube of ranges it shares."""
    out = scene(x=axes[0], y=axes[1], z=axes[2], figure="logit-paths", domain=dict(x=cell[0], y=cell[1]))
    for key, value in _shared_axes(reach, kind, span).items():
        out[key] = {**out.get(key, {}), **value}
    return out


def _input_traces(j: int, points: np.ndarray, labels: np.ndarray, samples: np.ndarray, scene_name: str) -> list[dict]:
    """The input points `(n, 3)` of input set j (of the run's `samples`), one trace per class."""
    out = []
    for c in range(int(labels.max()) + 1):
        at = labels == c
        out.append(dict(type="scatter3d", uid=f"inputs-{j}-{c}", name=f"class {c}, inputs", scene=scene_name,
                        legendgroup=f"class-{c}", showlegend=False, mode="markers", x=points[at, 0],
                        y=points[at, 1], z=points[at, 2], customdata=samples[at],
                        hovertemplate=f"sample %{{customdata}}<br>class {c}, input<extra></extra>",
                        marker=dict(color=class_color(c), size=3)))
    return out


def highlight_traces(traces: list, sample: int) -> list[dict]:
    """Sample `sample` picked out of the figure's `traces`: its drawn path thick (``highlight-R``, one per run
    that draws it) and its input point drawn large (``highlight-inputs-G``).

    The coordinates are the figure's own: the sample's stretch of its class's ``lines-R-C`` (the m-th of
    the trace's NaN-separated paths, m its place in ``end-R-C``'s customdata) and its point of
    ``inputs-G-C``. The browser's linked views (figures/paths.js `highlightTraces`) do the same on the
    figure they drew.
    """
    lines = {t["uid"]: t for t in traces if t["uid"].startswith("lines-")}
    out = []
    for t in traces:
        kind, *at = t["uid"].split("-")
        if kind not in ("end", "inputs"):
            continue
        hit = np.flatnonzero(np.asarray(t["customdata"]) == sample)
        if not hit.size:
            continue
        m = int(hit[0])
        c = int(at[-1])
        # the pointer stays on a picked-out path or point: it answers as the sample, so the pick holds
        common = dict(type="scatter3d", scene=t["scene"], showlegend=False, legendgroup=f"class-{c}",
                      hovertemplate=f"sample {sample}<br>class {c}<extra></extra>")
        if kind == "end":
            path = lines[f"lines-{at[0]}-{c}"]
            r = (len(path["x"]) + 1) // len(t["customdata"]) - 1  # records drawn: paths of r points, one NaN between
            part = slice(m * (r + 1), m * (r + 1) + r)
            out.append(dict(common, uid=f"highlight-{at[0]}", name=f"sample {sample}", mode="lines",
                            x=path["x"][part], y=path["y"][part], z=path["z"][part],
                            line=dict(color=NEUTRAL, width=7)))  # dark: it stands out among its class's paths
        else:
            out.append(dict(common, uid=f"highlight-inputs-{at[0]}", name=f"sample {sample}, input", mode="markers",
                            x=t["x"][m:m + 1], y=t["y"][m:m + 1], z=t["z"][m:m + 1],
                            marker=dict(color=class_color(c), size=9, line=dict(color=NEUTRAL, width=2))))
    return out  # the runs' paths, then the input sets' points (the traces' order)


def _notes(runs, picks, projections, *, seed: int, max_records: int, show_guides: bool) -> list[str]:
    """What the figure leaves out, said below it: a subset of samples, thinned records, the grey line."""
    out = []
    shown = [(run, len(p.samples)) for run, p in zip(runs, picks)]
    if any(n < run.num_samples for run, n in shown):
        counts = "; ".join(f"{n:,} of {run.num_samples:,} samples" for run, n in shown)
        out.append(f"showing {counts}: a random subset (seed {seed})")
    if any(len(p.records) < run.num_records for run, p in zip(runs, picks)):
        out.append(f"paths through {max_records} evenly spaced records")
    if show_guides and any(kind in ("raw", "classes") for _, _, kind in projections.values()):
        out.append("grey: the shift (1,1,1), which softmax ignores")
    return out


def _marks(step, animate: bool) -> str:
    """The hint's legend of the dots and the diamond."""
    diamond = (", ◆ the last step" if step == -1 else f", ◆ step {step}" if step is not None else
               ", ◆ the slider's step" if animate else "")
    return "○ before training, ● end" + diamond


def _guides(k: int, matrix: np.ndarray, reach: float, scene_name: str, run: int) -> list[dict]:
    """Dashed lines from 0 toward each simplex vertex e_c - 1/K, and (for raw axes) the shift (1,...,1),
    `reach` long (the scenes' shared half range)."""
    if matrix.shape[0] == 2:
        return []
    out = []
    centred = np.eye(k) - 1.0 / k  # (K, K): rows are the one-hot points minus their mean
    for c, direction in enumerate(centred @ matrix):  # (3,) each
        length = np.linalg.norm(direction)
        if length < 1e-9:  # this vertex is orthogonal to the drawn axes
            continue
        end = direction / length * reach
        out.append(dict(type="scatter3d", uid=f"vertex-{run}-{c}", name=f"toward vertex {c}", scene=scene_name,
                        showlegend=False, legendgroup=f"class-{c}", mode="lines", x=[0, end[0]], y=[0, end[1]],
                        z=[0, end[2]], hoverinfo="name", line=dict(color=class_color(c), width=3, dash="dash")))
    shift = np.ones(k) @ matrix  # (3,)
    if np.linalg.norm(shift) > 1e-9:
        end = shift / np.linalg.norm(shift) * reach
        out.append(dict(type="scatter3d", uid=f"shift-{run}", name="shift (1,…,1): softmax ignores it",
                        scene=scene_name, showlegend=run == 0, mode="lines", x=[-end[0], end[0]],
                        y=[-end[1], end[1]], z=[-end[2], end[2]], hoverinfo="name",
                        line=dict(color=MUTED, width=4, dash="dash")))
    return out


def panel_grid(count: int, columns: int | None = None) -> tuple[list, int]:
    """`([(x domain, y domain)] per panel, rows)`: one row up to 3 panels, else two rows (or `columns` a row).

    Example:
        >>> panel_grid(4)
        ([([0.0, 0.485], [0.54, 1.0]), ([0.515, 1.0], [0.54, 1.0]), ([0.0, 0.485], [0.0, 0.46]), ([0.515, 1.0], [0.0, 0.46])], 2)
    """
    if columns is None:
        columns = count if count <= 3 else -(-count // 2)
    columns = min(columns, count)
    rows = -(-count // columns)
    xs = panel_domains([1] * columns, gap=0.03)
    ys = panel_domains([1] * rows, gap=0.08)[::-1]  # paper y grows upward: the first row is the top one
    return [(xs[i % columns], ys[i // columns]) for i in range(count)], rows


def _shared_axes(reach: float, kind: str, span: tuple) -> dict:
    """One cube [-R, R] on every axis (the step's range on the third for K = 2) and, for raw 3-class
    logits, the eye on (1, 1, 1): equal ranges make that view the sum-zero plane face-on."""
    half = round(1.05 * (reach or 1.0), 6)
    axis = dict(range=[-half, half])
    out = dict(xaxis=axis, yaxis=dict(axis), zaxis=dict(axis))
    if kind == "time":
        out["zaxis"] = dict(range=[span[0], max(span[1], span[0] + 1)])
    if kind == "raw":
        # orthographic: the plane's three 120-degree arms are drawn at 120 degrees, without perspective
        out["camera"] = dict(eye=dict(x=1.4, y=1.4, z=1.4), projection=dict(type="orthographic"))
    return out


def _panel_title(text: str, cell) -> dict:
    x, y = cell
    return dict(text=f"<b>{text}</b>", x=(x[0] + x[1]) / 2, y=y[1], xref="paper", yref="paper",
                xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14))

