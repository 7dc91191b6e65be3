"""`FIGURES`: every figure by its short name, read by `softmaxlab export` and the app.

A `FigureSpec` names a builder function by its import path and states what data it needs; its
options (`Param`: name, kind, default, help) are read from the function itself, the keyword
defaults from its signature and the help from the "Args:" section of its docstring, so a
figure's options are written down once, where the figure is. The CLI turns each `Param` into a
flag (`temperature` -> `--temperature 0.5`, `logits` -> `--logits 2,1,0.1`).

Adding a figure (e.g. the research readings of `softmaxlab.figures.dynamics`) is one entry in
`_SPECS` below: a name, a one-line description, the builder's `"module:function"`, and `data="run"`
or `data="runs"` for builders whose first argument is one run or a list of runs. Options whose
default is None need their `kind` in `kinds`, options the docstring does not explain their
help in `helps`, and a data argument without a default a default in `defaults`; CLI flags that
would collide with the experiment flags of `softmaxlab train` (such as `classes`, `seed`) get
another name in `flags`.

Example:
    >>> FIGURES["softmax-2d"].description
    'Softmax of K logits in 2D: exp(z/T), normalised, and one logit swept.'
    >>> [p.name for p in FIGURES["softmax-2d"].params()][:2]
    ['logits', 'temperature']
"""

import dataclasses
import importlib
import inspect
import re
from types import MappingProxyType

from softmaxlab.spec import Control

__all__ = ["FIGURES", "FigureSpec", "Param", "KINDS", "parse_value"]

# how an option's value is written on a command line
KINDS = {
    "float": "a number",
    "int": "an integer",
    "bool": "on/off",
    "str": "a word",
    "floats": "numbers separated by commas, e.g. 2,1,0.1",
    "ints": "integers separated by commas, e.g. 0,1,2",
    "strs": "words separated by commas",
    "pairs": "index pairs i:j separated by commas, e.g. 0:0,0:1",
}


@dataclasses.dataclass(frozen=True)
class Param:
    """One keyword option of a figure: its name, kind (a key of `KINDS`), default and help."""

    name: str
    kind: str
    default: object
    help: str
    choices: tuple | None = None
    flag: str = ""  # the CLI flag without dashes; default: the name with "-" for "_"

    @property
    def cli_flag(self) -> str:
        return "--" + (self.flag or self.name.replace("_", "-"))


def _no_entries() -> MappingProxyType:
    return MappingProxyType({})


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    """A figure: short name, one-line description, builder (`target` = "module:function"), data it needs.

    `data` is "none" (the builder needs only options), "run" (its first argument is one `Run`)
    or "runs" (a `Run` or a list of them). `build` imports and returns the builder.
    """

    name: str
    description: str
    target: str
    data: str = "none"
    # option -> kind, where the default does not tell
    kinds: MappingProxyType = dataclasses.field(default_factory=_no_entries)
    # option -> allowed values
    choices: MappingProxyType = dataclasses.field(default_factory=_no_entries)
    # option -> CLI flag name
    flags: MappingProxyType = dataclasses.field(default_factory=_no_entries)
    # option -> default used by the CLI and the app
    defaults: MappingProxyType = dataclasses.field(default_factory=_no_entries)
    # option -> help, where the docstring has none
    helps: MappingProxyType = dataclasses.field(default_factory=_no_entries)
    skip: tuple = ()  # options not offered as flags (still keyword arguments of the builder)
    animated: bool = False  # can export to .gif/.mp4

    def __post_init__(self):
        if self.data not in ("none", "run", "runs"):
            raise ValueError(f"FigureSpec.data must be 'none', 'run' or 'runs', got {self.data!r}")
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.name):
            raise ValueError(f"figure names are short, lower-case and hyphenated, got {self.name!r}")

    @property
    def build(self):
        """The builder function (imported on first use, so the registry itself stays light)."""
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def params(self) -> tuple[Param, ...]:
        """The builder's options: every parameter with a default, except the data argument and `skip`."""
        function = self.build
        helps = _docstring_args(function.__doc__ or "")
        out = []
        for i, p in enumerate(inspect.signature(function).parameters.values()):
            if (i == 0 and self.data != "none") or p.name in self.skip or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            default = self.defaults.get(p.name, p.default)
            if default is inspect.Parameter.empty:
                raise ValueError(f"figure {self.name}: option {p.name!r} needs a default in FigureSpec.defaults")
            kind = self.kinds.get(p.name) or _kind_of(default)
            if kind is None:
                raise ValueError(f"figure {self.name}: give the kind of option {p.name!r} in FigureSpec.kinds")
            help_text = self.helps.get(p.name) or helps.get(p.name, "")
            if not help_text:
                raise ValueError(f"figure {self.name}: option {p.name!r} has no help in {self.target}'s docstring")
            out.append(Param(p.name, kind, default, help_text, self.choices.get(p.name), self.flags.get(p.name, "")))
        return tuple(out)


def _kind_of(default) -> str | None:
    """The kind of an option, read from its default value (None: cannot tell)."""
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    if isinstance(default, (tuple, list)) and default:
        if all(isinstance(v, (tuple, list)) and len(v) == 2 for v in default):
            return "pairs"
        if all(isinstance(v, int) and not isinstance(v, bool) for v in default):
            return "ints"
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in default):
            return "floats"
        if all(isinstance(v, str) for v in default):
            return "strs"
    return None


def _docstring_args(doc: str) -> dict[str, str]:
    """`name -> help` from the "Args:" section of a Google-style docstring (continuation lines joined)."""
    lines = inspect.cleandoc(doc).splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Args:")
    except StopIteration:
        return {}
    out, current, indent = {}, None, None
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        width = len(line) - len(line.lstrip())
        if indent is None:
            indent = width
        if width < indent:  # the section ended
            break
        match = re.match(r"\s*([\w, ]+?)(?: \([^)]*\))?: (.*)", line)
        if width == indent and match:
            current = [n.strip() for n in match.group(1).split(",")]
            for name in current:
                out[name] = match.group(2).strip()
        elif current:
            for name in current:
                out[name] += " " + line.strip()
    return out


# each kind as a control of the one state spec: (kind of one value, a list of them); a pair's sides are ints
_CONTROLS = {"float": ("float", False), "int": ("int", False), "bool": ("bool", False), "str": ("str", False),
             "floats": ("float", True), "ints": ("int", True), "strs": ("str", True), "pairs": ("int", True)}


def parse_value(kind: str, text: str, *, name: str = "value"):
    """A CLI string as a value of `kind`; ValueError naming `name` if it is not one.

    The checks are the state spec's (`softmaxlab.spec.Control.coerce`, as for a page's link): numbers
    must be finite, so a NaN or infinite option is refused here rather than by the builder.

    Example:
        >>> parse_value("floats", "2,1,0.1"), parse_value("pairs", "0:0,0:1")
        ((2.0, 1.0, 0.1), ((0, 0), (0, 1)))
        >>> parse_value("floats", "2,a", name="--logits")
        Traceback (most recent call last):
        ...
        ValueError: --logits: 'a' is not a number (give numbers separated by commas, e.g. 2,1,0.1)
    """
    if kind not in _CONTROLS:
        raise ValueError(f"unknown option kind {kind!r}")
    element, many = _CONTROLS[kind]
    if kind != "pairs":
        return Control(name, element, None, many=many).coerce(text)
    pairs = [part.strip().split(":") for part in str(text).split(",") if part.strip()]
    if not all(len(pair) == 2 for pair in pairs):
        raise ValueError(f"{name} must be {KINDS[kind]}, got {text!r}")
    index = Control(name, "int", None)
    try:
        return tuple((index.coerce(i), index.coerce(j)) for i, j in pairs)
    except ValueError as e:
        raise ValueError(f"{e} (give {KINDS[kind]})") from None


def _spec(name, description, target, **kw) -> FigureSpec:
    tables = ("kinds", "choices", "flags", "defaults", "helps")
    frozen = {k: MappingProxyType(dict(v)) for k, v in kw.items() if k in tables}
    return FigureSpec(name, description, target, **{**kw, **frozen})


_SPECS = (
    # the explainer's graphs (softmaxlab.figures, figures 1-6)
    _spec("softmax-2d", "Softmax of K logits in 2D: exp(z/T), normalised, and one logit swept.",
          "softmaxlab.figures:softmax_2d", kinds={"logits": "floats"}),
    _spec("surfaces-2", "Two classes in 3D: p over the (z0, z1) plane, derivatives, Gaussians, shift line.",
          "softmaxlab.figures:surfaces_2", kinds={"marker": "floats"}),
    _spec("sigmoid", "Two classes as a sigmoid: p0 against z0 - z1, on the logistic curve.",
          "softmaxlab.figures:sigmoid_section", kinds={"marker": "floats"}),
    _spec("surfaces-3", "Three classes in 3D: p over the sum-zero plane, derivatives, Gaussians.",
          "softmaxlab.figures:surfaces_3", kinds={"marker": "floats"}),
    _spec("input-space", "The sum-zero space of 4 or 5 logits: the simplex and where each class wins.",
          "softmaxlab.figures:input_space"),
    _spec("loss", "Loss over the logit plane with its gradient p - y, for each loss of the lab.",
          "softmaxlab.figures:loss_landscape"),
    _spec("squashing", "The logistic sigmoid beside other squashing functions of two classes.",
          "softmaxlab.figures:squashing_functions",
          helps={"extent": "the logit difference x spans [-extent, extent].", "resolution": "points along x."}),
    _spec("sampling", "A distribution under temperature, top-k, top-p and min-p, with samples drawn.",
          "softmaxlab.figures:sampling",
          kinds={"logits": "floats", "top_k": "int", "top_p": "float", "min_p": "float", "labels": "strs"}),
    # the paths of training (figures 7-8): they need runs, from --run or from training an experiment
    _spec("logit-paths", "Each sample's logits as a 3D path over training, runs side by side.",
          "softmaxlab.figures.paths:logit_paths", data="runs", animated=True,
          kinds={"step": "int", "titles": "strs", "columns": "int", "highlight": "int"}, choices={"projection": ("pca", "classes")},
          flags={"classes": "projection-classes", "seed": "subset-seed"}),
    _spec("readings", "Loss, accuracy, logit norm, margin and angle to the vertex over steps.",
          "softmaxlab.figures.readings:readings", data="runs", kinds={"titles": "strs", "step": "int"}),
    # research readings (softmaxlab.figures.dynamics): one run each; `records` (a slice) stays a keyword
    _spec("data-map", "Dataset cartography: each sample's variability against confidence, by correctness.",
          "softmaxlab.figures.dynamics:data_map", data="run", skip=("records",), kinds={"max_samples": "int"},
          flags={"seed": "sample-seed"}),
    _spec("reliability", "Reliability diagram with ECE, before and after temperature scaling.",
          "softmaxlab.figures.dynamics:reliability_figure", data="run", kinds={"fit_fraction": "float"},
          flags={"seed": "fit-seed"}, skip=("holdout",)),
    _spec("neural-collapse", "Neural collapse NC1-NC4 over steps, from features or the logits.",
          "softmaxlab.figures.dynamics:neural_collapse_figure", data="run", skip=("records",),
          choices={"source": ("auto", "features", "logits")}),
    _spec("forgetting", "How many samples were forgotten 0, 1, 2, ... times; never learned apart.",
          "softmaxlab.figures.dynamics:forgetting_figure", data="run", skip=("records",)),
)

FIGURES = MappingProxyType({spec.name: spec for spec in _SPECS})
