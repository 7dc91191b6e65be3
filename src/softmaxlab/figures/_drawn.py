"""What a logit-path figure draws of its runs: which records and samples, and where they go in 3D.

`softmaxlab.figures.paths` (the figure) and `softmaxlab.figures.animation` (its frames and videos) read
runs through these: the evenly spaced records and the random subset of samples (`pick_drawn`), the `(K, 3)`
projection of the logits shared by the runs of one K (`fit_projection`), the inputs as 3D points, and
the axis ranges the compared scenes share.
"""

from typing import NamedTuple

import numpy as np

from ..core.geometry import principal_axes, sum_zero_basis, to_subspace
from ..core.indices import evenly_spaced
from .style import sub

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
        projection: "pca" or "classes" (see `softmaxlab.figures.paths` for K = 2 and K = 3).
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


def input_coords(inputs: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Inputs `(n, d)` as 3D points: as they are for d <= 3 (zeros fill), principal axes for d > 3."""
    n, d = inputs.shape
    if d <= 3:
        out = np.zeros((n, 3), dtype=np.float32)
        out[:, :d] = inputs
        return out, tuple(f"x{sub(i)}" if i < d else "" for i in range(3))
    pca = principal_axes(inputs)  # the sign rule is fit_projection's: the browser draws the same picture
    return ((inputs.astype(np.float64) - pca.mean) @ pca.axes).astype(np.float32), ("input PC1", "input PC2", "input PC3")


class Pick(NamedTuple):
    """What is drawn of one run: evenly spaced records, a subset of samples, and their logits."""

    records: np.ndarray  # (r,) indices into the run's records
    samples: np.ndarray  # (s,) indices into its samples
    logits: np.ndarray  # (r, s, K)


def pick_drawn(run, max_records: int, max_samples: int, seed: int) -> Pick:
    """At most `max_records` evenly spaced records (the first and the last included) of at most
    `max_samples` samples (a random subset drawn with `seed` past it)."""
    records = evenly_spaced(run.num_records, max_records)
    samples = sample_subset(run.num_samples, max_samples, seed=seed)
    return Pick(records, samples, run.logits[np.ix_(records, samples)])


def fit_projections(runs, picks, projection, classes) -> dict:
    """One projection per number of classes, fitted on all runs of that K: side-by-side runs share axes."""
    out = {}
    for k in sorted({run.num_classes for run in runs}):
        points = np.concatenate([p.logits.reshape(-1, k) for p, run in zip(picks, runs) if run.num_classes == k])
        out[k] = fit_projection(points, projection=projection, classes=classes)
    return out


def group_inputs(runs, picks) -> list:
    """`[(inputs of the drawn samples, [run indices])]`: runs drawn from the same inputs share one scene."""
    groups = []
    for i, (pick, run) in enumerate(zip(picks, runs)):
        if run.inputs is None:
            continue
        x = run.inputs[pick.samples]
        for shown, members in groups:
            if shown.shape == x.shape and np.array_equal(shown, x):
                members.append(i)
                break
        else:
            groups.append((x, [i]))
    return groups


def reaches(runs, picks, projections) -> tuple[dict, dict]:
    """Per number of classes, the longest drawn logit vector of any run (compared scenes share their axis
    ranges and their guides' length), and the span of steps (K = 2's third axis)."""
    reach = {}
    for run, pick in zip(runs, picks):
        coords = pick.logits @ projections[run.num_classes][0].astype(np.float32)  # (r, s, 3)
        flat = coords[..., :2] if projections[run.num_classes][2] == "time" else coords
        size = float(np.nanmax(np.linalg.norm(flat, axis=-1))) if flat.size else 0.0
        reach[run.num_classes] = max(reach.get(run.num_classes, 0.0), size if np.isfinite(size) else 0.0)
    spans = {k: (min(float(r.steps[0]) for r in runs if r.num_classes == k),
                 max(float(r.steps[-1]) for r in runs if r.num_classes == k)) for k in reach}
    return reach, spans


def drawn_coords(run, pick: Pick, matrix: np.ndarray, kind: str) -> np.ndarray:
    """`(r, s, 3)` float32: the picked logits through the projection (for K = 2 the third is the step)."""
    coords = (pick.logits @ matrix.astype(np.float32)).astype(np.float32)  # (r, s, 3)
    if kind == "time":
        coords[..., 2] = run.steps[pick.records][:, None]
    return coords


def at_record(run, record: int, samples: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Drawn coordinates `(n, 3)` of `samples` at `record` (exact, not decimated)."""
    at = (run.logits[record, samples] @ matrix.astype(np.float32)).astype(np.float32)  # (n, 3)
    if matrix.shape[0] == 2:  # K = 2: the third axis is the step
        at[:, 2] = run.steps[record]
    return at
