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

import numpy as np
import plotly.graph_objects as go

from ..core.geometry import principal_axes, sum_zero_basis, to_subspace
from ..core.indices import evenly_spaced
from . import _options
from .style import MUTED, NEUTRAL, base_layout, class_color, note, panel_domains, scene, sub

__all__ = ["logit_paths", "sample_subset", "fit_projection", "PROJECTIONS"]

PROJECTIONS = ("pca", "classes")


def sample_subset(count: int, limit: int, *, seed: int = 0) -> np.ndarray:
    """All of `range(count)` if `count <= limit`, else `limit` of them drawn at random with `seed`, sorted.

    Example:
        >>> sample_subset(4, 10)
        array([0, 1, 2, 3])
        >>> len(sample_subset(10_000, 2000)), bool((sample_subset(50, 5) == sample_subset(50, 5)).all())
        (2000, True)
    """
    if count <= limit:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size=limit, replace=False))


def fit_projection(points: np.ndarray, *, projection: str = "pca", classes=(0, 1, 2)) -> tuple[np.ndarray, tuple, str]:
    """The `(K, 3)` map from logits to drawn coordinates, its axis titles and its kind.

    Args:
        points: logits `(..., K)` to fit principal axes on (used only for K > 3 and "pca").
        projection: "pca" or "classes" (see the module docstring for K = 2 and K = 3).
        classes: three distinct classes for "classes".

    Returns:
        `(matrix, axis_titles, kind)`; drawn coordinates are `z @ matrix`, and kind is "time"
        (K = 2: the third coordinate is then the step), "raw" (K = 3), "classes" or "pca".

    Example:
        >>> m, axes, kind = fit_projection(np.random.default_rng(0).normal(size=(50, 6)))
        >>> kind, np.allclose(m.T @ m, np.eye(3)), np.allclose(m.sum(axis=0), 0)
        ('pca', True, True)
    """
    if projection not in PROJECTIONS:
        raise ValueError(f"projection must be one of {PROJECTIONS}, got {projection!r}")
    k = points.shape[-1]
    if k == 2:
        return np.eye(2, 3), (f"z{sub(0)}", f"z{sub(1)}", "step"), "time"
    if projection == "classes" or k == 3:
        chosen = (0, 1, 2) if projection == "pca" else _three_classes(classes, k)
        matrix = np.zeros((k, 3))
        matrix[list(chosen), [0, 1, 2]] = 1.0
        return matrix, tuple(f"z{sub(c)}" for c in chosen), "raw" if k == 3 else "classes"
    # the axes are fitted on centred points, but the points are not shifted: 0 stays uniform probabilities
    pca = principal_axes(to_subspace(points.reshape(-1, k).astype(np.float64)))  # in the (K-1)-dim subspace
    shares = pca.spread / pca.total if pca.total > 0 else np.zeros(3)
    axes = tuple(f"PC{i + 1} ({100 * s:.0f}%)" for i, s in enumerate(shares))
    return sum_zero_basis(k) @ pca.axes, axes, "pca"


def _three_classes(classes, k: int) -> tuple[int, int, int]:
    try:
        chosen = tuple(int(c) for c in classes)
    except (TypeError, ValueError):
        raise ValueError(f"classes must be three class indices, got {classes!r}") from None
    if len(chosen) != 3 or len(set(chosen)) != 3 or not all(0 <= c < k for c in chosen):
        raise ValueError(f"classes must be three distinct classes in [0, {k}), got {classes!r}")
    return chosen


def as_runs(runs) -> list:
    runs = list(runs) if isinstance(runs, (list, tuple)) else [runs]
    if not runs:
        raise ValueError("runs must be a Run or a non-empty list of Runs")
    for i, run in enumerate(runs):
        if not all(hasattr(run, a) for a in ("logits", "steps", "labels", "inputs")):
            raise ValueError(f"runs[{i}] is not a Run (a softmaxlab.store.Run), got {type(run).__name__}")
        if run.num_records < 1:
            raise ValueError(f"runs[{i}] has no records to draw")
    return runs


def run_titles(runs, titles) -> list[str]:
    """`titles` checked against `runs`, or a title for each run: its folder name or optimizer."""
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != len(runs):
            raise ValueError(f"titles must have one entry per run ({len(runs)}), got {len(titles)}")
        return titles
    out = []
    for i, run in enumerate(runs):
        config = run.config or {}
        if run.path is not None:
            out.append(run.path.name)
        elif "optimizer" in config:
            # a lab run's config is Experiment.to_dict(): "lr" is None for the optimizer's default
            lr = config.get("lr")
            out.append(f"{config['optimizer']}" + (f", lr {lr:g}" if isinstance(lr, (int, float)) else ", default lr"))
        else:
            out.append(f"run {i + 1}")
    return out


def _gapped(block: np.ndarray) -> tuple:
    """`(records, n, 3)` coordinates -> x, y, z with one path per sample, NaN between paths."""
    r, n, _ = block.shape
    padded = np.full((n, r + 1, 3), np.nan, dtype=np.float32)  # (n, records + 1, 3)
    padded[:, :r] = block.transpose(1, 0, 2)
    flat = padded.reshape(-1, 3)[:-1]  # no gap after the last path
    return flat[:, 0], flat[:, 1], flat[:, 2]


def _input_coords(inputs: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Inputs `(n, d)` as 3D points: as they are for d <= 3 (zeros fill), principal axes for d > 3."""
    n, d = inputs.shape
    if d <= 3:
        out = np.zeros((n, 3), dtype=np.float32)
        out[:, :d] = inputs
        return out, tuple(f"x{sub(i)}" if i < d else "" for i in range(3))
    pca = principal_axes(inputs)  # the sign rule is fit_projection's: the browser draws the same picture
    return ((inputs.astype(np.float64) - pca.mean) @ pca.axes).astype(np.float32), ("input PC1", "input PC2", "input PC3")


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

    Compared runs of the same number of classes share one cube of axis ranges [-R, R] (R the longest
    drawn logit vector of any of them), so a longer path is a longer line in every panel; raw 3-class
    logits open looking down (1, 1, 1), the sum-zero plane face-on.

    Returns:
        A Figure. Traces carry uids ``lines-R-C``, ``start-R-C``, ``end-R-C``, ``step-R-C``
        (run R, class C). `layout.meta["softmaxlab"]` records, per run, the drawn `records` and
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
    show_inputs, show_start, show_guides, animate = (
        _options.flag(v, name=n)
        for v, n in ((show_inputs, "show_inputs"), (show_start, "show_start"), (show_guides, "show_guides"),
                     (animate, "animate"))
    )
    if projection not in PROJECTIONS:
        raise ValueError(f"projection must be one of {PROJECTIONS}, got {projection!r}")
    step_records = [None if step is None else run.record_of_step(step) for run in runs]

    # what is drawn of each run: decimated records x a subset of samples
    picks = []
    for run in runs:
        records = evenly_spaced(run.num_records, max_records)
        samples = sample_subset(run.num_samples, max_samples, seed=seed)
        picks.append((records, samples, run.logits[np.ix_(records, samples)]))  # (r, s, K)
    # one projection per number of classes, fitted on all runs of that K: side-by-side runs share axes
    projections = {}
    for k in sorted({run.num_classes for run in runs}):
        points = np.concatenate([z.reshape(-1, k) for (_, _, z), run in zip(picks, runs) if run.num_classes == k])
        projections[k] = fit_projection(points, projection=projection, classes=classes)

    input_groups = []  # [(inputs of the drawn samples, [run indices])]
    if show_inputs:
        for i, ((_, samples, _), run) in enumerate(zip(picks, runs)):
            if run.inputs is None:
                continue
            x = run.inputs[samples]
            for shown, members in input_groups:
                if shown.shape == x.shape and np.array_equal(shown, x):
                    members.append(i)
                    break
            else:
                input_groups.append((x, [i]))

    cells, rows = panel_grid(len(runs) + len(input_groups), columns)
    # one reach per number of classes: compared scenes share their axis ranges and their guides' length
    reach = {}
    for run, (records, _, z) in zip(runs, picks):
        coords = z @ projections[run.num_classes][0].astype(np.float32)  # (r, s, 3)
        flat = coords[..., :2] if projections[run.num_classes][2] == "time" else coords
        size = float(np.nanmax(np.linalg.norm(flat, axis=-1))) if flat.size else 0.0
        reach[run.num_classes] = max(reach.get(run.num_classes, 0.0), size if np.isfinite(size) else 0.0)
    spans = {k: (min(float(r.steps[0]) for r in runs if r.num_classes == k),
                 max(float(r.steps[-1]) for r in runs if r.num_classes == k)) for k in reach}  # K = 2's step axis
    traces, layout_scenes, annotations, meta_runs = [], {}, [], []
    step_traces = []  # indices of the diamonds, which the animation frames move
    in_legend = set()  # one legend entry per class, wherever it first appears
    for i, (run, (records, samples, z)) in enumerate(zip(runs, picks)):
        k = run.num_classes
        matrix, axes, kind = projections[k]
        coords = (z @ matrix.astype(np.float32)).astype(np.float32)  # (r, s, 3)
        if kind == "time":
            coords[..., 2] = run.steps[records][:, None]
        name = "scene" if i == 0 else f"scene{i + 1}"
        labels = run.labels[samples]  # (s,)
        for c in range(k):
            members = np.flatnonzero(labels == c)
            color, group = class_color(c), f"class-{c}"
            common = dict(type="scatter3d", legendgroup=group, scene=name)
            x, y, zz = _gapped(coords[:, members])
            traces.append(dict(common, uid=f"lines-{i}-{c}", name=f"class {c}", showlegend=c not in in_legend,
                               x=x, y=y, z=zz, mode="lines", line=dict(color=color, width=2), hoverinfo="skip"))
            in_legend.add(c)
            ends = dict(common, showlegend=False, mode="markers", customdata=samples[members])
            if show_start:
                traces.append(dict(ends, uid=f"start-{i}-{c}", name=f"class {c}, start", x=coords[0, members, 0],
                                   y=coords[0, members, 1], z=coords[0, members, 2], hoverinfo="skip",
                                   marker=dict(color=color, size=2, symbol="circle-open")))
            tip = f"sample %{{customdata}}<br>class {c}<br>%{{meta}}<extra></extra>"
            traces.append(dict(ends, uid=f"end-{i}-{c}", name=f"class {c}, end", x=coords[-1, members, 0],
                               y=coords[-1, members, 1], z=coords[-1, members, 2], meta=f"step {run.steps[-1]}",
                               hovertemplate=tip, marker=dict(color=color, size=3, symbol="circle")))
            if step_records[i] is not None or animate:
                at = at_record(run, step_records[i] or 0, samples[members], matrix)
                step_traces.append(len(traces))
                traces.append(dict(ends, uid=f"step-{i}-{c}", name=f"class {c}, at step", x=at[:, 0], y=at[:, 1],
                                   z=at[:, 2], meta=f"step {run.steps[step_records[i] or 0]}", hovertemplate=tip,
                                   marker=dict(color=color, size=4, symbol="diamond",
                                               line=dict(color=NEUTRAL, width=1))))
        if show_guides:
            traces.extend(_guides(k, matrix, reach[k] or 1.0, name, i))
        layout_scenes[name] = scene(x=axes[0], y=axes[1], z=axes[2], figure="logit-paths",
                                    domain=dict(x=cells[i][0], y=cells[i][1]))
        for key, value in _shared_axes(reach[k], kind, spans[k]).items():
            layout_scenes[name][key] = {**layout_scenes[name].get(key, {}), **value}
        annotations.append(_panel_title(titles[i], cells[i]))
        meta_runs.append(dict(scene=name, records=records.tolist(), samples=samples.tolist(), kind=kind,
                              matrix=matrix.tolist(), step_record=step_records[i]))

    for j, (x, members) in enumerate(input_groups):
        name = f"scene{len(runs) + j + 1}"
        points, axes = _input_coords(x)
        labels = runs[members[0]].labels[picks[members[0]][1]]
        for c in range(int(labels.max()) + 1):
            at = labels == c
            traces.append(dict(type="scatter3d", uid=f"inputs-{j}-{c}", name=f"class {c}, inputs", scene=name,
                               legendgroup=f"class-{c}", showlegend=False, mode="markers", x=points[at, 0],
                               y=points[at, 1], z=points[at, 2], hoverinfo="skip",
                               marker=dict(color=class_color(c), size=3)))
        cell = cells[len(runs) + j]
        layout_scenes[name] = scene(x=axes[0], y=axes[1], z=axes[2], figure="logit-paths",
                                    domain=dict(x=cell[0], y=cell[1]))
        which = "" if len(members) == len(runs) else " of " + ", ".join(titles[m] for m in members)
        annotations.append(_panel_title(f"inputs{which}", cell))

    shown = [(run, len(s)) for run, (_, s, _) in zip(runs, picks)]
    notes = []
    if any(n < run.num_samples for run, n in shown):
        counts = "; ".join(f"{n:,} of {run.num_samples:,} samples" for run, n in shown)
        notes.append(f"showing {counts}: a random subset (seed {seed})")
    if any(len(r) < run.num_records for run, (r, _, _) in zip(runs, picks)):
        notes.append(f"paths through {max_records} evenly spaced records")
    if show_guides and any(kind in ("raw", "classes") for _, _, kind in projections.values()):
        notes.append("grey: the shift (1,1,1), which softmax ignores")
    if notes:
        below = -0.3 if animate else -0.02  # under the slider of an animation
        annotations.append(note("<br>".join(notes), x=1.0, y=below, yanchor="top"))
    marks = "○ before training, ● end" + (", ◆ the last step" if step == -1 else f", ◆ step {step}" if step is not None else
                                          ", ◆ the slider's step" if animate else "")
    layout = base_layout(
        figure="logit-paths",
        main="Logit paths while training" + ("" if len(runs) == 1 else f": {len(runs)} runs"),
        hint=f"one line per sample, coloured by its class: {marks}; dashed: toward each class's vertex",
        height=600 if rows == 1 else 150 + 430 * rows,
        annotations=annotations,
        legend=dict(orientation="h", x=0.0, y=-0.02, yanchor="top"),
        meta={"softmaxlab": dict(figure="logit-paths", runs=meta_runs,
                                 linked_scenes=[m["scene"] for m in meta_runs])},
        **layout_scenes,
    )
    frames = []
    if animate:
        from .animation import animation_parts  # animation.py builds on this module, so import it only here

        shown_steps = runs[0].steps[evenly_spaced(runs[0].num_records, max_frames)]
        frames, changes = animation_parts(runs, [samples for _, samples, _ in picks],
                                          [projections[r.num_classes][0] for r in runs], step_traces, shown_steps)
        layout.update(changes)
    # plotly's validation would copy every array (most of the build time); the tests validate instead
    fig = go.Figure(data=traces, layout=layout, frames=frames, _validate=False)
    fig._validate = True  # later update_* calls by a user are checked as usual
    fig.layout._validate = True
    for trace in fig.data:
        trace._validate = True
    return fig


def at_record(run, record: int, samples: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Drawn coordinates `(n, 3)` of `samples` at `record` (exact, not decimated)."""
    at = (run.logits[record, samples] @ matrix.astype(np.float32)).astype(np.float32)  # (n, 3)
    if matrix.shape[0] == 2:  # K = 2: the third axis is the step
        at[:, 2] = run.steps[record]
    return at


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

