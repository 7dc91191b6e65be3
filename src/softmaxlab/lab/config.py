"""`Experiment`: one frozen, serialisable object that determines a training run, seed included.

Every field has a name, a default, one line of help, its choices (read from the registries) or
bounds; ``Experiment.field_specs()`` hands them to the CLI, the app and the URL, so a new choice
appears everywhere at once. ``Experiment()`` is the reference experiment of docs/design.md.

>>> e = Experiment(optimizer="adam", seed=3)
>>> e.to_query()
'optimizer=adam&seed=3'
>>> Experiment.from_query(e.to_query()) == e
True
>>> e.learning_rate  # lr=None means the optimizer's default
0.001
"""

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from softmaxlab.spec import _NUMBER as _NUMBER_LIKE  # the one syntax of numbers in a link
from softmaxlab.spec import MAX_QUERY, Control

from .datasets import DATASETS, class_counts, imbalanced_frequencies
from .losses import LOSSES
from .models import ACTIVATIONS, INITS, MODELS
from .optimizers import OPTIMIZERS

# records x samples x classes above this would not fit comfortably in memory (200 MB of float32)
MAX_LOGITS = 50_000_000

# What a browser tab trains (the web build's Logit paths page): the reference run is 60 samples x 1000 steps
# x width 32 (1.9 M); bigger runs belong to `softmaxlab train`, whose message the page shows.
BROWSER_LIMITS = {"samples": 2000, "steps": 5000, "width": 128, "work": 50_000_000, "logits": 4_000_000}

# How a person reads each field: its group on a form, words instead of its name, and whether it sits in
# the form's "advanced" fold. The web build's Logit paths page shows these; every field has an entry.
FIELD_WORDS = {
    "dataset": ("data", "dataset", False), "classes": ("data", "classes", False),
    "dim": ("data", "input dimensions", False), "samples_per_class": ("data", "points per class", False),
    "noise": ("data", "spread of the points", False), "frequencies": ("data", "class frequencies", True),
    "model": ("model", "model", False), "hidden": ("model", "hidden layer widths", False),
    "activation": ("model", "activation", False), "feature_dim": ("model", "free-feature width", True),
    "init": ("model", "last layer starts", False), "loss": ("loss", "loss", False),
    "label_smoothing": ("loss", "label smoothing", True), "focal_gamma": ("loss", "focal gamma", True),
    "temperature": ("loss", "temperature of the loss", True), "optimizer": ("optimiser", "optimiser", False),
    "lr": ("optimiser", "learning rate", False), "momentum": ("optimiser", "momentum", True),
    "weight_decay": ("optimiser", "weight decay", True), "steps": ("training", "steps", False),
    "batch_size": ("training", "mini-batch size", True), "record_every": ("training", "record every k steps", True),
    "seed": ("training", "seed", False), "record_features": ("training", "record the features", True),
}


class ExperimentError(ValueError):
    """Every problem of an experiment's values at once (`problems`); the message joins them with "; "."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class FieldSpec:
    """Everything a form, a flag or a URL needs to know about one `Experiment` field.

    ``type`` is the type of one value (int, float, str or bool); ``many`` marks a tuple of them (written
    ``"32,32"``), ``optional`` a field that may be None (written as an empty string).
    """

    name: str
    type: type
    default: object
    help: str
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    many: bool = False
    optional: bool = False

    def control(self) -> Control:
        """The field as a `softmaxlab.spec.Control` of one value (a list field: of one element of it).

        The one parser: `parse` reads every number, choice and on/off through this control's `coerce`,
        and the browser's `app/experiment.js` reads a link with the same controls (`Experiment.spec_json`).
        """
        kind = "bool" if self.type is bool else "choice" if self.choices else {int: "int", float: "float"}.get(
            self.type, "str")
        default = None if self.many else self.default
        return Control(self.name, kind, default, help=self.help, minimum=self.minimum, maximum=self.maximum,
                       choices=self.choices, nullable=self.optional and not self.many)

    def parse(self, text):
        """The value written as ``text`` (a flag or a query value); ValueError naming the field if bad.

        >>> Experiment.field_spec("hidden").parse("64,16")
        (64, 16)
        >>> Experiment.field_spec("steps").parse("1e9")
        Traceback (most recent call last):
        ...
        ValueError: steps: 1e+09 is above the maximum 100000
        """
        text = str(text).strip()
        if self.optional and text.lower() in ("", "none"):
            return None
        control = self.control()
        if not self.many:
            return control.coerce(text)
        parts = [t for t in text.split(",") if t.strip()]
        for part in parts:
            if not _NUMBER_LIKE.fullmatch(part.strip()):
                words = "integers" if self.type is int else "numbers"
                raise ValueError(f"{self.name}: expected comma-separated {words}, got {text[:40]!r}")
        return tuple(control.coerce(t) for t in parts)

    def format(self, value):
        """``value`` written as text, the inverse of :meth:`parse`."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if self.many:
            return ",".join(repr(v) if isinstance(v, float) else str(v) for v in value)
        return repr(value) if isinstance(value, float) else str(value)

    def check(self, value):
        """``value`` coerced to the field's type and checked against choices and bounds, else ValueError."""
        if value is None:
            if self.optional:
                return None
            raise ValueError(f"{self.name}: a value is required")
        if self.many:
            if isinstance(value, str):
                return self.check(self.parse(value))
            if not isinstance(value, (list, tuple)):
                raise ValueError(f"{self.name}: expected a sequence of {self.type.__name__}s, got {value!r}")
            return tuple(self._check_one(v) for v in value)
        return self._check_one(value)

    def _check_one(self, value):
        if self.type is str:
            if not isinstance(value, str):
                raise ValueError(f"{self.name}: expected a string, got {value!r}")
        elif self.type is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{self.name}: expected true or false, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or (
            self.type is int and isinstance(value, float) and not value.is_integer()
        ):
            raise ValueError(f"{self.name}: expected {self.type.__name__}, got {value!r}")
        else:
            value = self.type(value)
            if value != value:  # NaN
                raise ValueError(f"{self.name}: expected a number, got nan")
        if self.choices and value not in self.choices:
            raise ValueError(f"{self.name}: {value!r} is not one of {', '.join(self.choices)}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{self.name}: {value!r} is below the minimum {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{self.name}: {value!r} is above the maximum {self.maximum}")
        return value


def _f(default, help, *, choices=(), minimum=None, maximum=None):
    """A dataclass field carrying its help, choices and bounds as metadata (its type is its annotation)."""
    meta = {"help": help, "choices": tuple(choices), "minimum": minimum, "maximum": maximum}
    return field(default=default, metadata=meta)


def _value_type(name: str, annotation) -> tuple[type, bool, bool]:
    """`(type of one value, many, optional)` of a field's annotation: ``int``, ``float | None``,
    ``tuple[int, ...]`` (a list field of ints) or ``tuple[float, ...]``."""
    args = typing.get_args(annotation)
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args
    if optional:
        (annotation,) = [a for a in args if a is not type(None)]
    if typing.get_origin(annotation) is tuple:
        if len(typing.get_args(annotation)) != 2 or typing.get_args(annotation)[1] is not Ellipsis:
            raise TypeError(f"{name}: a list field is annotated tuple[T, ...], got {annotation}")
        return typing.get_args(annotation)[0], True, optional
    if annotation not in (int, float, str, bool):
        raise TypeError(f"{name}: a field is annotated int, float, str, bool, tuple[T, ...] or T | None, got {annotation}")
    return annotation, False, optional


@functools.cache
def _field_specs(cls) -> tuple:
    """`Experiment.field_specs()`, made once per class: the annotations and the metadata never change."""
    hints = typing.get_type_hints(cls)
    specs = []
    for f in dataclasses.fields(cls):
        kind, many, optional = _value_type(f.name, hints[f.name])
        meta = f.metadata
        specs.append(FieldSpec(f.name, kind, f.default, meta["help"], meta["choices"], meta["minimum"], meta["maximum"],
                               many=many, optional=optional))
    return tuple(specs)


@dataclass(frozen=True)
class Experiment:
    """Everything that determines a training run of the lab; the defaults are the reference experiment of docs/design.md.

    Data: ``dataset`` with ``classes`` classes of ``samples_per_class`` points in ``dim`` dimensions
    (``frequencies`` makes the class sizes K n f_k). Model: an MLP with ``hidden`` widths, or free
    logits / free features. Training: ``steps`` updates of ``optimizer`` on ``loss(z / temperature)``,
    recording every sample's logits before step 0 and after every ``record_every`` steps.
    Invalid values raise ``ValueError`` naming the field.
    """

    dataset: str = _f("reference", "dataset to train on", choices=DATASETS)
    classes: int = _f(3, "number of classes K", minimum=2, maximum=10)
    dim: int = _f(3, "input dimensions d", minimum=1, maximum=64)
    samples_per_class: int = _f(20, "samples per class (the mean, with frequencies)", minimum=1, maximum=5000)
    noise: float = _f(1.0, "spread of the points (std of the Gaussians; jitter for shells and spirals)",
                      minimum=0.0, maximum=10.0)
    frequencies: tuple[float, ...] = _f((), "class frequencies, e.g. 0.7,0.2,0.1 (empty: equal; imbalanced: 1:1/2:1/4...)",
                            minimum=0.0, maximum=1e6)
    model: str = _f("mlp", "model", choices=MODELS)
    hidden: tuple[int, ...] = _f((32, 32), "hidden layer widths of the MLP, e.g. 32,32", minimum=1, maximum=512)
    activation: str = _f("relu", "activation of the MLP's hidden layers", choices=ACTIVATIONS)
    feature_dim: int = _f(16, "feature width of the free-features model", minimum=1, maximum=512)
    init: str = _f("zeros", "init of the last (classifier) layer", choices=INITS)
    loss: str = _f("cross-entropy", "training loss", choices=LOSSES)
    label_smoothing: float = _f(0.0, "label smoothing eps of cross-entropy", minimum=0.0, maximum=0.99)
    focal_gamma: float = _f(2.0, "focusing exponent gamma of the focal loss", minimum=0.0, maximum=10.0)
    temperature: float = _f(1.0, "the loss sees logits / temperature", minimum=0.01, maximum=100.0)
    optimizer: str = _f("sgd", "optimizer", choices=OPTIMIZERS)
    lr: float | None = _f(None, "learning rate (empty: the optimizer's default, 0.1 for sgd, 1e-3 for adam)",
                          minimum=1e-7, maximum=10.0)
    momentum: float = _f(0.9, "momentum of the momentum and nesterov optimizers", minimum=0.0, maximum=0.999)
    weight_decay: float = _f(0.0, "weight decay (L2 on the gradient; decoupled for adamw)", minimum=0.0, maximum=1.0)
    batch_size: int | None = _f(None, "mini-batch size (empty or 0: full batch)", minimum=0, maximum=50_000)
    steps: int = _f(1000, "optimizer steps", minimum=0, maximum=100_000)
    record_every: int = _f(1, "record every sample's logits after every k-th step", minimum=1, maximum=100_000)
    seed: int = _f(0, "random seed of the data, the init and the mini-batches", minimum=0, maximum=2**31 - 1)
    record_features: bool = _f(False, "also record the features feeding the last layer and its weights "
                                      "(for neural collapse)")

    def __post_init__(self):
        for spec in self.field_specs():
            object.__setattr__(self, spec.name, spec.check(getattr(self, spec.name)))
        if self.batch_size == 0:  # 0 and None both mean full batch; keep one spelling
            object.__setattr__(self, "batch_size", None)
        problems = self.relation_errors()
        if problems:
            raise ExperimentError(problems)

    def relation_errors(self) -> list[str]:
        """What is wrong between fields (each field alone is valid): every problem, in the fields' order.

        The browser's `app/experiment.js` mirrors these checks (tests/js/experiment.test.mjs).
        """
        out = []
        if len(self.hidden) > 4:
            out.append(f"hidden: at most 4 hidden layers, got {len(self.hidden)}")
        data = DATASETS[self.dataset]
        for name, fixed in (("classes", data.fixed_classes), ("dim", data.fixed_dim)):
            if fixed is not None and getattr(self, name) != fixed:
                out.append(f"{name}: dataset {self.dataset!r} has {name} = {fixed}, got {getattr(self, name)}")
        if self.dim < data.min_dim:
            out.append(f"dim: dataset {self.dataset!r} needs dim >= {data.min_dim}, got {self.dim}")
        if self.frequencies:
            if self.dataset == "reference":
                out.append("frequencies: the reference dataset has fixed class sizes")
            elif len(self.frequencies) != self.classes or min(self.frequencies) <= 0:
                out.append(f"frequencies: need {self.classes} positive numbers (one per class), got {self.frequencies}")
        if out:
            return out  # the sizes below need a consistent dataset
        if self.batch_size is not None and self.batch_size > self.num_samples:
            out.append(f"batch_size: {self.batch_size} is more than the {self.num_samples} samples")
        if self.record_features:
            if self.model == "free-logits":
                out.append("record_features: the free-logits model has no features")
            elif self.num_records * self.num_samples * self.feature_width > MAX_LOGITS:
                out.append(f"record_features: {self.num_records} records x {self.num_samples} samples x "
                           f"{self.feature_width} features is more than {MAX_LOGITS:,} numbers")
        if self.num_records * self.num_samples * self.classes > MAX_LOGITS:
            out.append(f"steps/record_every: {self.num_records} records x {self.num_samples} samples x "
                       f"{self.classes} classes is more than {MAX_LOGITS:,} logits; record less often")
        return out

    def browser_errors(self) -> list[str]:
        """Why a browser tab should not train this run (`BROWSER_LIMITS`), each naming `softmaxlab train`.

        >>> Experiment().browser_errors()
        []
        >>> Experiment(steps=20000).browser_errors()[0]
        "steps: 20,000 is above the browser's limit 5,000 (train bigger runs with softmaxlab train)"
        """
        limits, out = BROWSER_LIMITS, []
        width = max([*self.hidden, self.feature_dim if self.model == "free-features" else 0, self.dim, self.classes])
        for name, value, limit in (("steps", self.steps, limits["steps"]),
                                   ("samples", self.num_samples, limits["samples"]),
                                   ("width", width, limits["width"]),
                                   ("samples x steps x width", self.num_samples * self.steps * width, limits["work"]),
                                   ("recorded logits", self.num_records * self.num_samples * self.classes,
                                    limits["logits"])):
            if value > limit:
                out.append(f"{name}: {value:,} is above the browser's limit {limit:,} "
                           "(train bigger runs with softmaxlab train)")
        return out

    # ---- derived values -------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """``lr``, or the optimizer's default when ``lr`` is None."""
        return OPTIMIZERS[self.optimizer].default_lr if self.lr is None else self.lr

    @property
    def num_samples(self) -> int:
        """Total number of samples of the dataset."""
        freqs = () if self.dataset == "reference" else self.frequencies
        if self.dataset == "imbalanced" and not freqs:
            freqs = imbalanced_frequencies(self.classes)
        return int(class_counts(classes=self.classes, samples_per_class=self.samples_per_class,
                                frequencies=freqs).sum())

    @property
    def feature_width(self) -> int:
        """Width of the features that feed the last layer (0 for free logits)."""
        if self.model == "mlp":
            return self.hidden[-1] if self.hidden else self.dim
        return self.feature_dim if self.model == "free-features" else 0

    @property
    def num_records(self) -> int:
        """Records of a run: before step 0, after every k-th step, and after the last step."""
        return 1 + -(-self.steps // self.record_every)

    # ---- fields ---------------------------------------------------------------------------------
    @classmethod
    def field_specs(cls) -> tuple:
        """One `FieldSpec` per field, in declaration order; each field's type is read from its annotation.

        Made once and kept (the same tuple every call).

        >>> [s.name for s in Experiment.field_specs()][:3]
        ['dataset', 'classes', 'dim']
        >>> [(s.type.__name__, s.many, s.optional) for s in Experiment.field_specs() if s.name in ("hidden", "lr")]
        [('int', True, False), ('float', False, True)]
        """
        return _field_specs(cls)

    @classmethod
    def field_spec(cls, name) -> FieldSpec:
        """The `FieldSpec` of one field; ValueError for an unknown name."""
        for spec in cls.field_specs():
            if spec.name == name:
                return spec
        raise ValueError(f"{name}: not a field of Experiment")

    def replace(self, **changes) -> "Experiment":
        """A copy with some fields changed (validated); unknown names raise ValueError."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a field of Experiment")
        return dataclasses.replace(self, **changes)

    # ---- serialisation --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Every field as plain JSON-ready values (tuples become lists)."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
                for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "Experiment":
        """The experiment of a dict as written by :meth:`to_dict`; missing keys take defaults."""
        if not isinstance(data, dict):
            raise ValueError(f"experiment: expected a dict, got {type(data).__name__}")
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a field of Experiment")
        return cls(**data)

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> "Experiment":
        """The inverse of :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"experiment: not valid JSON ({e})") from None
        return cls.from_dict(data)

    def to_query(self) -> str:
        """A URL query string of the fields that differ from the defaults ('' for the reference experiment)."""
        pairs = [(s.name, s.format(getattr(self, s.name))) for s in self.field_specs()
                 if getattr(self, s.name) != s.default]
        return urlencode(pairs, safe=",")

    @classmethod
    def from_query(cls, query: str) -> "Experiment":
        """The inverse of :meth:`to_query` (a leading '?' is fine); bad keys or values raise `ExperimentError`
        listing every problem of the query."""
        experiment, problems = cls.read_query(query)
        if problems:
            raise ExperimentError(problems)
        return experiment

    @classmethod
    def read_query(cls, query: str) -> tuple["Experiment | None", list[str]]:
        """`(experiment, [])` for a good query, else `(None, every problem)`: unknown and repeated keys,
        each bad value, then what is wrong between fields. The browser lists the same (`app/experiment.js`).

        >>> Experiment.read_query("steps=ten&lr=-1&colour=red")[1]
        ["unknown setting 'colour'", 'lr: -1 is below the minimum 1e-07', "steps: 'ten' is not a number"]
        """
        query = query if isinstance(query, str) else ""
        if len(query) > MAX_QUERY:
            return None, [f"the URL query is longer than {MAX_QUERY} characters"]
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, strict_parsing=False)
        specs = {s.name: s for s in cls.field_specs()}
        problems, seen, kwargs = [], set(), {}
        for key, _ in pairs:
            if key not in specs and key not in seen:
                problems.append(f"unknown setting {key[:40]!r}")
            elif key in specs and key in seen:
                problems.append(f"{key}: given more than once")
            seen.add(key)
        for name, spec in specs.items():
            texts = [v for k, v in pairs if k == name]
            if texts:
                try:
                    kwargs[name] = spec.parse(texts[-1])
                except ValueError as e:
                    problems.append(str(e))
        if problems:
            return None, problems
        try:
            return cls(**kwargs), []
        except ExperimentError as e:
            return None, e.problems

    @classmethod
    def spec_json(cls) -> dict:
        """The fields as plain data for the browser (the web build writes it; `app/experiment.js` reads it):
        each field's control, its words and group, and what the cross-field checks and limits need."""
        fields = []
        for spec in cls.field_specs():
            group, label, advanced = FIELD_WORDS[spec.name]
            control = spec.control().to_json()
            control.update(label=label, group=group, advanced=advanced, many=spec.many, optional=spec.optional,
                           type={int: "int", float: "float", bool: "bool"}.get(spec.type, "str"),
                           default=list(spec.default) if spec.many else spec.default, text=spec.format(spec.default))
            if spec.name == "lr":
                control["scale"] = "log"
            fields.append(control)
        datasets = {name: {"fixed_classes": d.fixed_classes, "fixed_dim": d.fixed_dim, "min_dim": d.min_dim}
                    for name, d in DATASETS.items()}
        defaults = {name: o.default_lr for name, o in OPTIMIZERS.items()}
        return {"fields": fields, "datasets": datasets, "default_lr": defaults, "max_logits": MAX_LOGITS,
                "limits": dict(BROWSER_LIMITS)}

    @classmethod
    def from_run(cls, run) -> "Experiment":
        """The experiment that produced a lab run (``run.config``); ValueError for a recorded run."""
        if not isinstance(getattr(run, "config", None), dict):
            raise ValueError(f"run{'' if run is None else ' ' + str(getattr(run, 'path', '') or '')}: "
                             "has no experiment config (a recorded run?)")
        return cls.from_dict(run.config)
