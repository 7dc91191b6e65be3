"""Experiment: defaults, field specs, validation naming the field, and round trips (dict, JSON, URL query)."""

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmaxlab.lab import DATASETS, LOSSES, MODELS, OPTIMIZERS, Experiment, FieldSpec
from softmaxlab.store import Run


def test_defaults_are_the_reference_experiment_of_design_md():
    e = Experiment()
    assert (e.dataset, e.classes, e.dim, e.samples_per_class) == ("reference", 3, 3, 20)
    assert (e.model, e.hidden, e.activation, e.init) == ("mlp", (32, 32), "relu", "zeros")
    assert (e.loss, e.optimizer, e.learning_rate, e.steps, e.record_every) == ("cross-entropy", "sgd", 0.1, 1000, 1)
    assert e.batch_size is None and e.num_samples == 60 and e.num_records == 1001


def test_adam_defaults_to_pytorchs_learning_rate():
    assert Experiment(optimizer="adam").learning_rate == 1e-3
    assert Experiment(optimizer="adam", lr=0.01).learning_rate == 0.01


def test_field_specs_describe_every_field_with_help_and_registry_choices():
    specs = {s.name: s for s in Experiment.field_specs()}
    assert set(specs) == set(Experiment().to_dict())
    assert all(isinstance(s, FieldSpec) and s.help for s in specs.values())
    assert specs["dataset"].choices == tuple(DATASETS)
    assert specs["model"].choices == tuple(MODELS) == ("mlp", "free-logits", "free-features")
    assert specs["optimizer"].choices == tuple(OPTIMIZERS)
    assert specs["loss"].choices == ("cross-entropy", "focal", "squared-error", "hinge")
    assert (specs["classes"].minimum, specs["classes"].maximum) == (2, 10)
    assert specs["steps"].maximum == 100_000 and specs["samples_per_class"].maximum == 5000
    for s in specs.values():
        assert s.check(s.default) == s.default


def test_field_types_come_from_the_annotations_and_the_specs_are_made_once():
    specs = {s.name: s for s in Experiment.field_specs()}
    # written out by hand from the class body: list fields, optional fields, and the rest typed like their default
    expected = {"hidden": (int, True, False), "frequencies": (float, True, False), "lr": (float, False, True),
                "batch_size": (int, False, True)}
    for name, spec in specs.items():
        assert (spec.type, spec.many, spec.optional) == expected.get(name, (type(spec.default), False, False)), name
    assert Experiment.field_specs() is Experiment.field_specs()  # cached, not rebuilt on every call
    assert Experiment.field_spec("lr") is specs["lr"]


def test_a_new_field_needs_only_its_annotation():
    from softmaxlab.lab.config import _f

    @dataclasses.dataclass(frozen=True)
    class Wider(Experiment):  # no name-by-name exception: an empty or None default says nothing of the type
        widths: tuple[int, ...] = _f((), "more widths", minimum=1)
        cap: int | None = _f(None, "a cap", minimum=0)
        ratios: tuple[float, ...] | None = _f(None, "ratios")

    specs = {s.name: s for s in Wider.field_specs()}
    assert (specs["widths"].type, specs["widths"].many, specs["widths"].optional) == (int, True, False)
    assert (specs["cap"].type, specs["cap"].many, specs["cap"].optional) == (int, False, True)
    assert (specs["ratios"].type, specs["ratios"].many, specs["ratios"].optional) == (float, True, True)
    assert specs["widths"].parse("3,4") == (3, 4) and specs["cap"].parse("") is None
    with pytest.raises(ValueError, match="widths: expected comma-separated integers"):
        specs["widths"].parse("3.5x")
    assert Wider(widths=(2,), cap=5).cap == 5 and len(Wider.field_specs()) == len(Experiment.field_specs()) + 3

    @dataclasses.dataclass(frozen=True)
    class Untyped(Experiment):
        things: list = _f((), "things")

    with pytest.raises(TypeError, match="things: a field is annotated"):
        Untyped.field_specs()


def test_lab_loss_names_match_core():
    from softmaxlab.core import LOSSES as CORE_LOSSES

    assert set(LOSSES) == set(CORE_LOSSES)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"classes": 11, "dataset": "blobs"}, "classes"),
        ({"classes": 1, "dataset": "blobs"}, "classes"),
        ({"steps": 100_001}, "steps"),
        ({"steps": -1}, "steps"),
        ({"samples_per_class": 5001}, "samples_per_class"),
        ({"dataset": "moons"}, "dataset"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"steps": "10"}, "steps"),
        ({"classes": 4}, "classes"),  # the reference set has 3 classes
        ({"dataset": "spirals", "dim": 1}, "dim"),
        ({"dataset": "blobs", "frequencies": (0.5, 0.5)}, "frequencies"),  # 3 classes
        ({"frequencies": (0.2, 0.3, 0.5)}, "frequencies"),  # reference sizes are fixed
        ({"batch_size": 61}, "batch_size"),
        ({"hidden": (32, 0)}, "hidden"),
        ({"hidden": (8,) * 5}, "hidden"),
        ({"record_features": 1}, "record_features"),
        ({"record_features": True, "model": "free-logits"}, "record_features"),
        ({"dataset": "blobs", "classes": 10, "samples_per_class": 5000, "steps": 1000}, "record_every"),
    ],
)
def test_bad_values_raise_value_error_naming_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        Experiment(**changes)


def test_zero_batch_size_means_full_batch():
    assert Experiment(batch_size=0) == Experiment()


def test_replace_validates_and_rejects_unknown_fields():
    assert Experiment().replace(seed=4).seed == 4
    with pytest.raises(ValueError, match="nosuch"):
        Experiment().replace(nosuch=1)
    with pytest.raises(ValueError, match="steps"):
        Experiment().replace(steps=10**9)


def test_reference_query_is_empty_and_defaults_are_omitted():
    assert Experiment().to_query() == ""
    assert Experiment.from_query("") == Experiment()
    assert Experiment.from_query("?seed=7&hidden=64,16") == Experiment(seed=7, hidden=(64, 16))
    assert Experiment.from_query("record_features=true&lr=") == Experiment(record_features=True)


@pytest.mark.parametrize(("query", "name"), [("sed=1", "sed"), ("steps=ten", "steps"), ("lr=-1", "lr"),
                                             ("optimizer=lbfgs", "optimizer"), ("hidden=a,b", "hidden"),
                                             ("record_features=maybe", "record_features"),
                                             ("seed=1&seed=2", "seed")])
def test_bad_queries_name_the_key(query, name):
    with pytest.raises(ValueError, match=name):
        Experiment.from_query(query)


def test_from_dict_and_json_reject_unknown_keys_and_bad_json():
    with pytest.raises(ValueError, match="colour"):
        Experiment.from_dict({"colour": "red"})
    with pytest.raises(ValueError, match="JSON"):
        Experiment.from_json("{not json")


experiments = st.builds(
    Experiment,
    dataset=st.sampled_from(["blobs", "shells", "spirals", "imbalanced"]),
    classes=st.just(3),
    dim=st.integers(2, 64),
    samples_per_class=st.integers(1, 50),
    noise=st.floats(0.0, 10.0, allow_nan=False),
    frequencies=st.one_of(st.just(()), st.tuples(*[st.floats(0.01, 100.0)] * 3)),
    model=st.sampled_from(["mlp", "free-features"]),
    hidden=st.lists(st.integers(1, 512), max_size=4).map(tuple),
    loss=st.sampled_from(list(LOSSES)),
    label_smoothing=st.floats(0.0, 0.99),
    temperature=st.floats(0.01, 100.0),
    optimizer=st.sampled_from(list(OPTIMIZERS)),
    lr=st.one_of(st.none(), st.floats(1e-7, 10.0)),
    batch_size=st.one_of(st.none(), st.integers(1, 3)),
    steps=st.integers(0, 100_000),
    record_every=st.integers(200, 100_000),  # <= 501 records: within MAX_LOGITS with features of width 512
    seed=st.integers(0, 2**31 - 1),
    record_features=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(experiments)
def test_round_trips_through_dict_json_and_query(e):
    assert Experiment.from_dict(e.to_dict()) == e
    assert Experiment.from_json(e.to_json()) == e
    assert Experiment.from_dict(json.loads(json.dumps(e.to_dict()))) == e
    assert Experiment.from_query(e.to_query()) == e


def test_from_run_reads_the_config_and_refuses_recorded_runs():
    import numpy as np

    e = Experiment(seed=5, optimizer="adam")
    logits = np.zeros((1, 2, 3), np.float32)
    run = Run(logits=logits, steps=np.zeros(1, np.int64), labels=np.array([0, 1]), config=e.to_dict())
    assert Experiment.from_run(run) == e
    with pytest.raises(ValueError, match="config"):
        Experiment.from_run(Run(logits=logits, steps=np.zeros(1, np.int64), labels=np.array([0, 1])))
