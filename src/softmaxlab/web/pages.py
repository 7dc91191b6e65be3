"""The explainer's pages: what each shows, its settings (the one state spec) and the figures it draws.

A page's `plan(values)` says which figures to draw with which builder options, or why it cannot (a message
for the page). The browser's `app/pages/<key>.js` mirrors each `plan` line by line; the browser tests
check, for random states, that the figures a page draws equal these builders' figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from softmaxlab.spec import Control

__all__ = ["WebPage", "PAGES", "page", "PATHS", "paths_runs", "RUNS", "READINGS"]

MAX_K = 10
LOGIT_RANGE = 8.0
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5, -1.5, 0.8, -0.8)
SURFACE_RESOLUTION = 41  # grid points per axis: smooth on screen, and quick to recompute on every move
MARKER_RANGE = 6.0  # the 2-class plane's extent: the marker can be moved to any point of the surfaces
MAX_SAMPLING_CLASSES = 50
MAX_SAMPLES = 100_000


CAMERA = Control("camera", "str", "", label="view", help="the 3D camera's eye x,y,z (turn the scene to set it; "
                 "empty: the figure's own view)", extra={"hidden": True})


def camera_of(text: str):
    """The eye `(x, y, z)` written as "x,y,z" (None for ""), or ValueError naming the setting.

    >>> camera_of("1.5,-1.5,0.8")
    (1.5, -1.5, 0.8)
    """
    if text == "":
        return None
    parts = text.split(",")
    number = Control("camera", "float", 0.0, minimum=-100.0, maximum=100.0)
    if len(parts) != 3:
        raise ValueError(f"camera: expected three numbers x,y,z, got {len(parts)}")
    eye = tuple(number.coerce(p) for p in parts)
    if all(v == 0 for v in eye):
        raise ValueError("camera: the eye cannot sit at the centre (0,0,0)")
    return eye


def _camera_errors(values) -> list[str]:
    try:
        camera_of(values["camera"])
    except ValueError as e:
        return [str(e)]
    return []


@dataclass(frozen=True)
class WebPage:
    """A page: its key (URL path and file name), title, help text, settings, and `plan(values)`."""

    key: str
    title: str
    help: str
    controls: tuple[Control, ...]
    plan: Callable[[dict], tuple[list[tuple[str, dict]], list[str]]]

    @property
    def figures(self) -> tuple[str, ...]:
        """Every figure this page can draw (its web figures must exist for the page to be built)."""
        return _PAGE_FIGURES[self.key]


# ---- Softmax -----------------------------------------------------------------------------------

SOFTMAX_HELP = (
    "Each dot sits at height exp(z/T); divided by their sum the heights add up to 1: that is softmax. "
    "**Drag a dot** up or down to set its logit. "
    "**Add c to every logit** and the exponentials all grow by e^c while the probabilities stay put "
    "(shift invariance), so K logits really have K-1 degrees of freedom. "
    "With K = 2, p₀ = sigmoid(z₀ - z₁): only the difference matters."
)

SOFTMAX_CONTROLS = (
    Control("k", "int", 4, label="classes K", help="number of classes (2 to 10)", minimum=2, maximum=MAX_K, step=1),
    *(Control(f"z{i}", "float", DEFAULT_LOGITS[i], label=f"logit z{i}", help=f"the logit of class {i}",
              minimum=-LOGIT_RANGE, maximum=LOGIT_RANGE, step=0.1) for i in range(MAX_K)),
    Control("t", "float", 1.0, label="temperature T", help="p = softmax(z / T)", minimum=0.05, maximum=10.0,
            step=0.01, scale="log"),
    Control("sweep", "int", 0, label="swept logit", help="the class whose logit sweeps in the right panel",
            minimum=0, maximum=MAX_K - 1, step=1),
    Control("c", "float", 1.0, label="shift c", help="the constant the button adds to every logit",
            minimum=-4.0, maximum=4.0, step=0.5),
    Control("fit", "bool", False, label="fit the axes to the logits", help="off: the axes stay put, so adding c "
            "moves every dot while the probabilities do not move"),
)


def softmax_plan(values):
    k = values["k"]
    logits = [values[f"z{i}"] for i in range(k)]
    # the swept class follows K down rather than pointing at a class that no longer exists
    plan = [("softmax-2d", {"logits": logits, "temperature": values["t"], "sweep": min(values["sweep"], k - 1),
                            "axes": "fit" if values["fit"] else "fixed"})]
    if k == 2:
        plan.append(("sigmoid", {"temperature": values["t"], "marker": logits}))
    return plan, []


# ---- Surfaces ----------------------------------------------------------------------------------

SURFACES_HELP = (
    "With 2 classes, p₀ and p₁ are ridges along (1, 1): adding the same constant to both logits changes "
    "nothing, so only z₀ - z₁ matters (turn on **shift line**). Softmax is exactly the posterior of unit "
    "Gaussians centred at the one-hot points (turn on **Gaussians**), and its derivative "
    "∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ - pⱼ)/T is largest where the classes tie. "
    "**Move the marker**: press the button (or hold shift), then press and move over a surface, and the "
    "marker follows the pointer; a plain drag turns the view."
)

SURFACES_CONTROLS = (
    Control("classes", "choice", 2, label="classes", help="2 classes over the logit plane, or 3 over the "
            "sum-zero plane", choices=(2, 3), extra={"widget": "radio"}),
    Control("t", "float", 1.0, label="temperature T", help="p = softmax(z / T)", minimum=0.1, maximum=5.0, step=0.01,
            scale="log"),
    Control("derivatives", "bool", False, label="derivative surfaces", help="add the surfaces ∂pᵢ/∂zⱼ"),
    Control("gaussians", "bool", False, label="Gaussians", help="add the class Gaussians and their posterior"),
    Control("shift", "bool", False, label="shift line", help="the line z + c(1, 1), along which p is constant "
            "(2 classes)"),
    *(Control(f"m{i}", "float", v, label=f"marker z{i}", help=f"logit z{i} of the marked point",
              minimum=-MARKER_RANGE, maximum=MARKER_RANGE, step=0.1) for i, v in enumerate((1.0, -0.5, 0.0))),
    CAMERA,
)


def surfaces_plan(values):
    k = values["classes"]
    options = {"temperature": values["t"], "derivatives": values["derivatives"], "gaussians": values["gaussians"],
               "marker": [values[f"m{i}"] for i in range(k)], "resolution": SURFACE_RESOLUTION}
    errors = _camera_errors(values)
    if k == 2:
        return [("surfaces-2", {**options, "shift_line": values["shift"]})], errors
    return [("surfaces-3", options)], errors


# ---- Input space -------------------------------------------------------------------------------

INPUT_SPACE_HELP = (
    "Shift invariance leaves K-1 numbers, so 4 logits live in 3D: the one-hot points become the corners of a "
    "regular tetrahedron, and class i wins wherever its corner is the nearest. Five classes need 4D: move "
    "the **fourth coordinate** to slide a 3D cut through it."
)

INPUT_SPACE_CONTROLS = (
    Control("classes", "choice", 4, label="classes", help="4 (a 3D space) or 5 (a 4D space, shown in slices)",
            choices=(4, 5), extra={"widget": "radio"}),
    Control("fourth", "float", 0.0, label="fourth coordinate", help="where the 3D slice cuts the fourth axis of "
            "the 5-class space", minimum=-1.2, maximum=1.2, step=0.05),
    CAMERA,
)


def input_space_plan(values):
    k = values["classes"]
    return [("input-space", {"classes": k, "fourth": values["fourth"] if k == 5 else 0.0})], _camera_errors(values)


# ---- Loss --------------------------------------------------------------------------------------

LOSS_HELP = (
    "Cross-entropy is -log p_y, and its gradient with respect to the logits is p - onehot(y). The arrows "
    "do not point at one target point: they pull toward the true class's corner *and* push away from the "
    "others, and they fade as p_y nears 1. Compare how the other losses flatten far from the answer."
)

LOSS_CONTROLS = (
    Control("loss", "choice", "cross-entropy", label="loss", help="the loss drawn over the logits",
            choices=("cross-entropy", "focal", "squared-error", "hinge")),
    Control("classes", "choice", 2, label="classes", help="2 or 3 classes", choices=(2, 3), extra={"widget": "radio"}),
    Control("label", "choice", 0, label="true class y", help="the class the loss rewards (clamped to the classes)",
            choices=(0, 1, 2), extra={"widget": "radio"}),
    Control("smoothing", "float", 0.0, label="label smoothing ε", help="the target puts 1-ε on y and spreads ε over "
            "all classes (cross-entropy)", minimum=0.0, maximum=0.9, step=0.05),
    Control("gamma", "float", 2.0, label="focusing γ", help="the focal loss is -(1-p_y)^γ log p_y",
            minimum=0.0, maximum=5.0, step=0.25),
    Control("margin", "float", 1.0, label="margin", help="the hinge loss wants z_y above every other logit by this "
            "margin", minimum=0.0, maximum=3.0, step=0.25),
    CAMERA,
)


def loss_plan(values):
    k = values["classes"]
    # a switch to 2 classes with y = 2 keeps the last class rather than refusing the view
    label = min(values["label"], k - 1)
    return [("loss", {"loss": values["loss"], "classes": k, "label": label, "label_smoothing": values["smoothing"],
                      "gamma": values["gamma"], "margin": values["margin"]})], _camera_errors(values)


# ---- Sampling ----------------------------------------------------------------------------------

SAMPLING_HELP = (
    "Temperature, top-k, top-p and min-p reshape the distribution a language model samples from. "
    "How \"random\" a distribution is, is its **entropy** H (and e^H, the effective number of choices), "
    "not how similar the probabilities look: draw n samples and compare the histogram with p. "
    "On the fixed 0 to 1 axes, raise T and watch the bars flatten towards 1/K."
)

SAMPLING_CONTROLS = (
    Control("logits", "str", "3,2.5,2,1.2,1,0.5,0,-0.5,-1,-2", label="logits (comma-separated)",
            help=f"2 to {MAX_SAMPLING_CLASSES} finite numbers", extra={"widget": "input"}),
    Control("t", "float", 1.0, label="temperature T", help="sample from softmax(z / T)", minimum=0.05, maximum=10.0,
            step=0.01, scale="log"),
    Control("top_k", "int", 0, label="top-k (0: off)", help="keep the k most likely classes", minimum=0,
            maximum=MAX_SAMPLING_CLASSES, step=1),
    Control("top_p", "float", 1.0, label="top-p (1: off)", help="keep the smallest set with probability >= p",
            minimum=0.01, maximum=1.0, step=0.01),
    Control("min_p", "float", 0.0, label="min-p (0: off)", help="drop classes below min_p times the top "
            "probability", minimum=0.0, maximum=1.0, step=0.01),
    Control("samples", "int", 1000, label="draw n samples", help=f"0 to {MAX_SAMPLES:,} draws for the histogram",
            minimum=0, maximum=MAX_SAMPLES, extra={"widget": "input"}),
    Control("seed", "int", 0, label="seed", help="seed of the draws", minimum=0, maximum=2**31 - 1,
            extra={"widget": "input"}),
    Control("fit", "bool", False, label="fit p and q to the tallest bar", help="off: p and q on a fixed 0 to 1 "
            "scale, so a higher temperature visibly flattens the bars"),
)


def parse_logits(text: str) -> list[float]:
    """Logits typed as comma-separated numbers, or ValueError naming the problem.

    >>> parse_logits("1, 2.5,-3")
    [1.0, 2.5, -3.0]
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not 2 <= len(parts) <= MAX_SAMPLING_CLASSES:
        raise ValueError(f"logits: give 2 to {MAX_SAMPLING_CLASSES} numbers, got {len(parts)}")
    probe = Control("logits", "float", 0.0, minimum=-1e4, maximum=1e4)
    return [probe.coerce(p) for p in parts]


def sampling_plan(values):
    try:
        logits = parse_logits(values["logits"])
    except ValueError as e:
        return [], [str(e)]
    top_k = values["top_k"] or None
    if top_k is not None and top_k > len(logits):
        top_k = None  # keeping more classes than there are keeps them all
    return [("sampling", {"logits": logits, "temperature": values["t"], "top_k": top_k,
                          "top_p": None if values["top_p"] >= 1 else values["top_p"],
                          "min_p": values["min_p"] or None, "samples": values["samples"], "seed": values["seed"],
                          "axes": "fit" if values["fit"] else "fixed"})], []


_PAGE_FIGURES = {"softmax": ("softmax-2d", "sigmoid"), "surfaces": ("surfaces-2", "surfaces-3"),
                 "input-space": ("input-space",), "loss": ("loss",), "sampling": ("sampling",)}

PAGES = (
    WebPage("softmax", "Softmax", SOFTMAX_HELP, SOFTMAX_CONTROLS, softmax_plan),
    WebPage("surfaces", "Surfaces", SURFACES_HELP, SURFACES_CONTROLS, surfaces_plan),
    WebPage("input-space", "Input space", INPUT_SPACE_HELP, INPUT_SPACE_CONTROLS, input_space_plan),
    WebPage("loss", "Loss", LOSS_HELP, LOSS_CONTROLS, loss_plan),
    WebPage("sampling", "Sampling", SAMPLING_HELP, SAMPLING_CONTROLS, sampling_plan),
)


def page(key: str) -> WebPage:
    """The page with this key; ValueError naming the keys otherwise."""
    for p in PAGES:
        if p.key == key:
            return p
    raise ValueError(f"no page {key!r} (pages: {', '.join(p.key for p in PAGES)})")


# ---- Logit paths (the lab, trained in the page's Web Worker) ----------------------------------------

PATHS_HELP = (
    "Each line is one sample's logits while the network trains in your browser, from the open dot (before "
    "training) to the filled dot. With **the last layer starting at zero** every sample starts at the centre "
    "with equal probabilities, where gradients are healthy. Seen looking down (1, 1, 1), SGD's paths stay in "
    "the sum-zero plane and form a three-armed star: the gradient p - onehot(y) sums to zero. Adam's "
    "per-coordinate steps let them drift along (1, 1, 1), which softmax ignores."
)
MAX_COMPARE = 3  # comparison runs beside the main one, as on the Dash page
# the fields a comparison can differ in (the Dash page's list, so its links keep their meaning)
COMPARE_FIELDS = ("none", "dataset", "model", "activation", "init", "loss", "optimizer", "lr", "seed", "steps",
                  "noise", "temperature")

PATHS_CONTROLS = (
    Control("compare", "choice", "optimizer", label="compare runs that differ in", help="the setting that differs "
            "between the runs drawn side by side", choices=COMPARE_FIELDS),
    Control("against", "str", "adam", label="its other values (comma-separated)",
            help=f"up to {MAX_COMPARE} values of the compared setting, one run each", extra={"widget": "input"}),
    Control("step", "int", -1, label="step", help="the training step marked on the paths (-1: the last)",
            minimum=-1, maximum=100_000, extra={"hidden": True}),
    CAMERA,
)


@dataclass(frozen=True)
class AppPage:
    """A page that draws its own figures, with no plan: its key, title, help and settings (`controls`)."""

    key: str
    title: str
    help: str
    controls: tuple[Control, ...]


# the Logit paths page: its own settings beside every `Experiment` field (the lab's spec)
PATHS = AppPage("paths", "Logit paths", PATHS_HELP, PATHS_CONTROLS)


def paths_runs(search: str):
    """`(page values, [Experiment], [title], errors)` of a Logit paths link, as the page reads it.

    The page's own keys (compare, against, step, camera) are read by `softmaxlab.spec.from_search`, the rest
    by `Experiment.read_query`; then the comparison runs. Every problem is listed; with any, no runs.
    The browser's `app/pages/paths.js` mirrors this (tests/browser/test_site_paths.py holds the two equal).

    >>> values, runs, titles, errors = paths_runs("?optimizer=sgd&against=adam,rmsprop&lr=0.05")
    >>> titles, errors
    (['optimizer = sgd', 'optimizer = adam', 'optimizer = rmsprop'], [])
    >>> paths_runs("?steps=ten&compare=colour")[3]
    ["compare: unknown choice 'colour' (choose from none, dataset, model, activation, init, loss, optimizer, lr, seed, steps, noise, temperature)", "steps: 'ten' is not a number"]
    """
    from urllib.parse import parse_qsl, urlencode

    from softmaxlab.lab import Experiment
    from softmaxlab.spec import MAX_QUERY, from_search

    search = search or ""
    if len(search) > MAX_QUERY:
        return {c.name: c.default for c in PATHS_CONTROLS}, [], [], [f"the URL query is longer than {MAX_QUERY} characters"]
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True)
    own = {c.name for c in PATHS_CONTROLS}
    values, errors = from_search(PATHS_CONTROLS, urlencode([(k, v) for k, v in pairs if k in own]))
    base, more = Experiment.read_query(urlencode([(k, v) for k, v in pairs if k not in own]))
    errors = errors + more
    if errors:
        return values, [], [], errors
    runs, field = [base], values["compare"]
    against = [a.strip() for a in values["against"].split(",") if a.strip()]
    if field != "none":
        if not against:
            return values, [], [], [f"against: give a value of {field} for the comparison run (or compare none)"]
        if len(against) > MAX_COMPARE:
            return values, [], [], [f"against: at most {MAX_COMPARE} values, got {len(against)}"]
        spec = Experiment.field_spec(field)
        for text in against:
            try:
                runs.append(base.replace(**{field: spec.parse(text)}))
            except ValueError as e:
                return values, [], [], [f"against: {e}"]
    for e in runs:
        errors += [m for m in e.browser_errors() if m not in errors]
    if errors:
        return values, [], [], errors
    return values, runs, [paths_title(e, field) for e in runs], []


def paths_title(e, field: str) -> str:
    """A run's title: its optimiser and learning rate, or the compared setting's value."""
    from softmaxlab.lab import Experiment

    if field == "none":
        return f"{e.optimizer}, lr {e.learning_rate:g}"
    return f"{field} = {Experiment.field_spec(field).format(getattr(e, field)) or 'default'}"



# ---- Runs (served by `softmaxlab serve` only: it reads the runs under --logdir through the server's API) ------

RUNS_HELP = (
    "Every run in the runs folder (softmaxlab serve --logdir DIR), from softmaxlab train or your own "
    "training wrapped in LogitRecorder. **Open a run** to see its logit paths in the same view as the Logit "
    "paths lab, its readings over steps and one analysis: the **data map** shows which samples are easy, "
    "ambiguous or hard, the **reliability diagram** whether confidence matches accuracy (with the fitted "
    "temperature), **forgetting** how often a learned sample was lost again, and **neural collapse** whether "
    "the classes' features collapse to the vertices of a simplex. A run still being written refreshes on its own."
)
# the analysis figures of a run (the server's /api/runs/<name>/figures/<reading>), in the page's order
READINGS = ("data-map", "reliability", "forgetting", "neural-collapse")
MAX_STEP = 10**9

RUNS_CONTROLS = (
    Control("run", "str", "", label="run", help="the run's folder name inside the runs folder (empty: only the list)",
            extra={"hidden": True}),
    Control("step", "int", -1, label="step", help="the training step marked on the paths (-1: the last; a run "
            "still being written then follows its newest record)", minimum=-1, maximum=MAX_STEP,
            extra={"hidden": True}),
    Control("reading", "choice", "data-map", label="analysis", help="the analysis figure drawn below the paths",
            choices=READINGS, extra={"widget": "radio"}),
    CAMERA,
)


# the Runs page: a run's name, step and analysis in the URL; everything else comes from the server
RUNS = AppPage("runs", "Runs", RUNS_HELP, RUNS_CONTROLS)
