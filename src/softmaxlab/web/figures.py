"""Which figures the browser draws, and the skeletons it draws them from.

One design of each figure: the Python builder (`softmaxlab.figures`) makes it. For each structural variant
of a figure (for example one per number of classes) the build embeds the builder's figure with its bulky
data arrays taken out, a *skeleton*; the browser's module of the same name (`static/js/figures/`) writes
into a copy of it every number and text that the options change. `tests/test_web_figures.py` proves, for
random options, that the browser's figure equals the builder's, every array to 1e-9 and every text exactly.

A `WebFigure` names the builder (its key in `softmaxlab.figures.FIGURES`), says which variant a set of
options needs (`variant`, mirrored by the JS module's `variant`) and lists the options that make each
variant's skeleton (`variants`).
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

__all__ = ["WebFigure", "WEB_FIGURES", "skeleton", "skeletons", "plain_figure", "template"]

# trace keys that hold the bulky numbers; the browser recomputes them, so skeletons leave them out
DATA_KEYS = ("x", "y", "z", "customdata")


@dataclass(frozen=True)
class WebFigure:
    """A figure the browser draws: builder `name` (in `FIGURES`), `variant(options) -> key`, `variants`."""

    name: str
    variant: Callable[[dict], str]
    variants: Mapping[str, dict]
    # key -> more options whose figures' traces join the variant's skeleton (a superset of the structure,
    # e.g. every wall some slice of a 4D space can show; the browser leaves out what a state lacks)
    extra: Mapping[str, tuple] = field(default_factory=lambda: MappingProxyType({}))

    def build(self, options: dict):
        """The Python builder's figure for these options (keyword arguments of the builder)."""
        from softmaxlab.figures import FIGURES

        return FIGURES[self.name].build(**options)


def plain_figure(fig) -> dict:
    """A figure as plain JSON-ready data: arrays become lists and NaN becomes None, as JSON writes them."""
    return _plain(fig.to_plotly_json())


def _plain(value):
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:  # plotly's base64 typed array
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if shape is not None:
            array = array.reshape([int(n) for n in str(shape).split(",")])
        return _plain(array)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def skeleton(fig) -> dict:
    """`fig` as plain data with every trace's data arrays (`DATA_KEYS`) set to None, and without the
    session's template (every figure has the same one: the site carries it once, `template()`)."""
    out = plain_figure(fig)
    out["layout"].pop("template", None)
    for trace in out["data"]:
        for key in DATA_KEYS:
            if key in trace:
                trace[key] = None
    return out


def template() -> dict:
    """The template every builder's figure takes (plotly's session default), as plain data."""
    import plotly.graph_objects as go

    return plain_figure(go.Figure())["layout"].get("template", {})


def skeletons(names=None) -> dict:
    """`{figure name: {variant key: skeleton}}` for every web figure (or those in `names`)."""
    chosen = WEB_FIGURES if names is None else {n: WEB_FIGURES[n] for n in names}
    return {name: {key: _skeleton_of(spec, key) for key in spec.variants} for name, spec in chosen.items()}


def _skeleton_of(spec: WebFigure, key: str) -> dict:
    out = skeleton(spec.build(spec.variants[key]))
    for options in spec.extra.get(key, ()):
        more = skeleton(spec.build(options))["data"]
        have = {t["uid"] for t in out["data"]}
        for trace in more:
            if trace["uid"] not in have:
                out["data"].append(trace)
                have.add(trace["uid"])
    order = {t["uid"]: n for n, t in enumerate(skeleton(spec.build(spec.variants[key]))["data"])}
    if spec.extra.get(key):
        # the builder's order: walls by class pair (i < j), then everything else as it comes
        out["data"].sort(key=lambda t: _trace_rank(t["uid"], order))
    return out


def _trace_rank(uid: str, order: dict) -> tuple:
    if uid.startswith("tie-"):
        i, j = (int(v) for v in uid.split("-")[1:])
        return (0, i, j)
    return (1, order.get(uid, 0), 0)


# ---- the figures -----------------------------------------------------------------------------------

def _sigmoid_variant(options):
    return "plain" if options.get("marker") is None else "marker"


def _softmax_variant(options):
    # the fixed axes (a log y axis) hold while every logit is in [-8, 8]; past that the builder fits
    fixed = options.get("axes", "fixed") == "fixed" and max(abs(v) for v in options["logits"]) <= 8
    return f"k{len(options['logits'])}" + ("" if fixed else "-fit")


# the Softmax page's default logits; a skeleton's numbers are replaced, only its structure (K traces) counts
_LOGITS = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5, -1.5, 0.8, -0.8)

def _surfaces_key(options, k):
    bit = lambda name: int(bool(options.get(name)))  # noqa: E731
    key = f"d{bit('derivatives')}g{bit('gaussians')}m{int(options.get('marker') is not None)}"
    return key + (f"s{bit('shift_line')}" if k == 2 else "")


def _surfaces_variants(k):
    out = {}
    for d, g, m, s in itertools.product((False, True), repeat=4):
        if k == 3 and s:
            continue
        options = {"derivatives": d, "gaussians": g, "marker": [1.0, -0.5, 0.0][:k] if m else None}
        if k == 2:
            options["shift_line"] = s
        out[_surfaces_key(options, k)] = options
    return MappingProxyType(out)


def _loss_key(options):
    return f"{options.get('loss', 'cross-entropy')}-k{options.get('classes', 2)}-y{options.get('label', 0)}"


_LOSS_VARIANTS = MappingProxyType({
    _loss_key(o): o for o in ({"loss": loss, "classes": k, "label": y}
                              for loss in ("cross-entropy", "focal", "squared-error", "hinge")
                              for k in (2, 3) for y in range(k))
})

def _sampling_key(options):
    on = "".join("0" if options.get(name) is None else "1" for name in ("top_k", "top_p", "min_p"))
    return f"f{on}n{int(bool(options.get('samples')))}" + ("-fit" if options.get("axes") == "fit" else "")


_SAMPLING_VARIANTS = MappingProxyType({
    _sampling_key(o): o for o in ({"logits": [3.0, 2.4, 2.0, 1.2, 0.5, 0.0, -0.6, -1.5], "top_k": 3 if a else None, "top_p": 0.9 if b else None, "min_p": 0.05 if c else None,
                                   "samples": 100 if d else 0, "axes": "fit" if e else "fixed"}
                                  for a, b, c, d, e in itertools.product((0, 1), repeat=5))
})

_FOURTHS = tuple(float(v) for v in np.round(np.linspace(-1.2, 1.2, 49), 6))

_FIGURES = (
    WebFigure("sampling", _sampling_key, _SAMPLING_VARIANTS),
    WebFigure("input-space", lambda o: f"k{o.get('classes', 4)}",
              MappingProxyType({"k4": {"classes": 4}, "k5": {"classes": 5}}),
              extra=MappingProxyType({"k5": tuple({"classes": 5, "fourth": f} for f in _FOURTHS)})),
    WebFigure("loss", _loss_key, _LOSS_VARIANTS),
    WebFigure("surfaces-2", lambda o: _surfaces_key(o, 2), _surfaces_variants(2)),
    WebFigure("surfaces-3", lambda o: _surfaces_key(o, 3), _surfaces_variants(3)),
    WebFigure("softmax-2d", _softmax_variant,
              MappingProxyType({f"k{k}{fit}": {"logits": _LOGITS[:k], "axes": "fit" if fit else "fixed"}
                                for k in range(2, 11) for fit in ("", "-fit")})),
    WebFigure("sigmoid", _sigmoid_variant, MappingProxyType({"plain": {}, "marker": {"marker": (1.0, 0.0)}})),
)

WEB_FIGURES = MappingProxyType({f.name: f for f in _FIGURES})


# ---- the Logit paths page's figures ----------------------------------------------------------------

PATHS_CLASSES = range(2, 11)  # the lab's classes K: one skeleton of each figure per K


def _skeleton_run(k: int):
    """A stand-in run of K classes (its numbers are replaced; only its structure counts): more records than
    the page draws, so the figure carries its note about evenly spaced records."""
    from softmaxlab.store import Run

    rng = np.random.default_rng(k)
    logits = np.cumsum(rng.normal(size=(301, 2 * k, k)), axis=0).astype(np.float32)  # (records, samples, K)
    return Run(logits=logits, steps=np.arange(301), labels=np.arange(2 * k) % k,
               inputs=rng.normal(size=(2 * k, 3)).astype(np.float32), loss=np.ones(301, np.float32),
               accuracy=np.ones(301, np.float32))


def paths_skeletons() -> dict:
    """`{"logit-paths": {K: skeleton}, "readings": {K: skeleton}, "palette": ...}` for the Logit paths page.

    Each skeleton is the builder's figure of one run with its inputs, a marked step, a highlighted sample
    and the readings' "now" cursor; the browser's `figures/paths.js` repeats run 0's traces and scene for every run it trains.
    """
    from softmaxlab.figures.paths import logit_paths
    from softmaxlab.figures.readings import _DASHES, _RUN_COLORS, readings

    paths, reads = {}, {}
    for k in PATHS_CLASSES:
        run = _skeleton_run(k)
        paths[str(k)] = skeleton(logit_paths(run, step=10, titles=["run"], highlight=0))  # the linked views' style too
        reads[str(k)] = skeleton(readings(run, titles=["run"], step=10))
    return {"logit-paths": paths, "readings": reads,
            "palette": {"run_colors": list(_RUN_COLORS), "dashes": list(_DASHES)}}
