"""The app's state: controls <-> URL query, and every value checked as if a stranger sent it."""

import math
import os
import threading
import time
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmaxlab.app.jobs import Busy, Jobs, Superseded
from softmaxlab.app.layout import collect
from softmaxlab.app.page_runs import resolve_run
from softmaxlab.app.state import Control, from_search, to_search, validate

T = Control("t", "float", 1.0, minimum=0.05, maximum=10.0)
K = Control("k", "int", 4, minimum=2, maximum=10)
ON = Control("on", "bool", False)
LOSS = Control("loss", "choice", "cross-entropy", choices=("cross-entropy", "focal"))
CLASSES = Control("classes", "choice", 2, choices=(2, 3))
TEXT = Control("lr", "str", None, nullable=True)
CONTROLS = (T, K, ON, LOSS, CLASSES, TEXT)


@pytest.mark.parametrize(
    "control,value,expected",
    [
        (T, "2.5", 2.5), (T, 3, 3.0), (T, 0.05, 0.05), (T, "10", 10.0),
        (K, "7", 7), (K, 7.0, 7), (K, 2, 2),
        (ON, ["on"], True), (ON, [], False), (ON, "1", True), (ON, "false", False), (ON, True, True),
        (LOSS, "focal", "focal"), (CLASSES, "3", 3), (CLASSES, 2, 2),
        (TEXT, "", None), (TEXT, "none", None), (TEXT, "0.01", "0.01"),
    ],
)
def test_coerce_accepts_what_components_and_urls_send(control, value, expected):
    got = control.coerce(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    "control,value,words",
    [
        (T, "nan", "finite"), (T, float("inf"), "finite"), (T, "-Infinity", "finite"), (T, 1e308 * 10, "finite"),
        (T, 0.0, "below the minimum 0.05"), (T, 11, "above the maximum 10"), (T, "abc", "not a number"),
        (T, True, "expected a number"), (T, [1], "expected a number"), (T, {"a": 1}, "expected a number"),
        (T, None, "required"), (K, 3.5, "whole number"), (K, 10**30, "above the maximum"), (K, 2**70, "above the maximum"), (K, 10**400, "finite"),
        (ON, "maybe", "on or off"), (ON, ["a", "b"], "on or off"),
        (LOSS, "cross_entropy", "unknown choice"), (LOSS, 3, "unknown choice"), (CLASSES, "4", "unknown choice"),
        (TEXT, "x" * 500, "longer than"), (TEXT, ["0.1"], "expected text"),
    ],
)
def test_coerce_refuses_with_a_message_naming_the_control(control, value, words):
    with pytest.raises(ValueError) as info:
        control.coerce(value)
    assert str(info.value).startswith(control.name + ":") and words in str(info.value)


def test_from_search_defaults_unknown_and_duplicate_names():
    values, errors = from_search(CONTROLS, "?t=0.5&k=3&k=4&colour=red")
    assert values["t"] == 0.5 and values["loss"] == "cross-entropy" and values["lr"] is None
    assert errors == ["k: given more than once", "unknown setting 'colour'"]
    values, errors = from_search(CONTROLS, "?t=" + "9" * 9000)
    assert values == {c.name: c.default for c in CONTROLS} and "longer than" in errors[0]
    assert from_search(CONTROLS, None) == ({c.name: c.default for c in CONTROLS}, [])


def test_bad_values_fall_back_to_defaults_with_one_message_each():
    values, errors = validate(CONTROLS, {"t": "nan", "k": 99, "loss": "mse", "on": "1"})
    assert values["t"] == 1.0 and values["k"] == 4 and values["loss"] == "cross-entropy" and values["on"] is True
    assert len(errors) == 3


@settings(max_examples=200, deadline=None)
@given(
    t=st.floats(0.05, 10.0, allow_nan=False),
    k=st.integers(2, 10),
    on=st.booleans(),
    loss=st.sampled_from(LOSS.choices),
    classes=st.sampled_from(CLASSES.choices),
    lr=st.one_of(st.none(), st.text(alphabet="0123456789.,e-", min_size=1, max_size=20)),
)
def test_url_round_trip_reproduces_every_value_exactly(t, k, on, loss, classes, lr):
    values = {"t": t, "k": k, "on": on, "loss": loss, "classes": classes, "lr": lr}
    search = to_search(CONTROLS, values)
    # the query is plain key=value pairs in the controls' order (independent parse with the standard library)
    assert [key for key, _ in parse_qsl(search[1:], keep_blank_values=True)] == [c.name for c in CONTROLS]
    back, errors = from_search(CONTROLS, search)
    assert errors == [] and back == values
    assert math.copysign(1, back["t"]) == math.copysign(1, t)  # -0.0 never arises, and 0.1 stays 0.1


def test_collect_refuses_malformed_ids():
    ok = {"id": {"page": "p", "name": "t"}, "property": "value", "value": 2}
    assert collect("p", [ok]) == ({"t": 2}, [])
    raw, problems = collect("p", [ok, ok, {"id": "t"}, {"id": {"page": "q", "name": "x"}}, 5])
    assert raw == {"t": 2} and len(problems) == 4 and "more than once" in problems[0]
    assert collect("p", "not a list")[1] == ["the request is not a list of inputs"]
    assert collect("p", [ok] * 500)[1][-1] == "the request holds too many inputs"


def test_resolve_run_allows_only_runs_directly_inside_the_folder(tmp_path):
    root = tmp_path / "runs"
    (root / "first").mkdir(parents=True)
    outside = tmp_path / "secret"
    outside.mkdir()
    os.symlink(outside, root / "escape")
    os.symlink(root / "first", root / "alias")  # a symlink that stays inside is fine
    assert resolve_run(root, "first") == (root / "first").resolve()
    assert resolve_run(root, "alias") == (root / "first").resolve()
    for bad in ("..", "../secret", str(outside), "/etc", "first/../..", ".hidden", "a\\b", "", None, 3, "x\x00"):
        with pytest.raises(ValueError, match="not a run name|outside"):
            resolve_run(root, bad)
    with pytest.raises(ValueError, match="outside the runs folder"):
        resolve_run(root, "escape")
    with pytest.raises(ValueError, match="no run called"):
        resolve_run(root, "missing")


def test_jobs_newest_request_wins_and_superseded_work_is_dropped():
    jobs = Jobs(workers=1, debounce=0.2)
    ran, results = [], {}

    def request(name):
        try:
            results[name] = jobs.run("tab", name, lambda: ran.append(name) or name)
        except Superseded:
            results[name] = "superseded"

    threads = [threading.Thread(target=request, args=(n,)) for n in ("a", "b", "c")]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # a, b, c arrive in order within the debounce
    for thread in threads:
        thread.join()
    assert results == {"a": "superseded", "b": "superseded", "c": "c"}
    assert ran == ["c"] and jobs.started == 1
    # other tabs are not affected, and a finished result is served from the cache
    assert jobs.run("other", "c", lambda: 1 / 0) == "c"
    jobs.close()


def test_jobs_refuse_when_too_many_wait():
    jobs = Jobs(workers=1, debounce=0.0, max_pending=1)
    gate = threading.Event()
    first = threading.Thread(target=lambda: jobs.run("tab-1", "slow", gate.wait))
    first.start()
    time.sleep(0.1)
    with pytest.raises(Busy, match="busy"):
        jobs.run("tab-2", "another", lambda: 1)
    gate.set()
    first.join()
    jobs.close()
