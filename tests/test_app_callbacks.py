"""The app's callbacks answered in-process (Flask test client), with requests written by hand as a stranger could.

Good values draw figures whose numbers match an independent reference (scipy); bad values give a
message in the page and no work (no figure in the answer, no training job started).
"""

import base64
import json

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax

from softmaxlab.app import create_app
from softmaxlab.app.page_paths import APP_LIMITS
from softmaxlab.app.page_softmax import CONTROLS as SOFTMAX_CONTROLS
from softmaxlab.app.page_softmax import DEFAULT_LOGITS
from .app_requests import RUNS_OUTPUTS


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from softmaxlab.store import Run

    root = tmp_path_factory.mktemp("runs")
    z = np.cumsum(np.random.default_rng(0).normal(size=(5, 6, 3)), axis=0)  # (records, samples, classes)
    Run(logits=z, steps=np.arange(5) * 10, labels=[0, 1, 2, 0, 1, 2]).save(root / "first")
    (tmp_path_factory.mktemp("outside") / "secret").mkdir()
    return create_app(logdir=root)


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def key_of(app, contains):
    (key,) = [k for k in app.callback_map if contains in k]
    return key


def controls(page, values):
    return [{"id": {"page": page, "name": name}, "property": "value", "value": value} for name, value in values.items()]


def post(client, app, contains, inputs, *, outputs=None, state=None):
    """POST one callback request; returns (status, {component id: {property: value}})."""
    key = key_of(app, contains)
    if outputs is None:
        outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
                   for part in key.strip(".").split("...")]
    payload = {"output": key, "outputs": outputs, "inputs": inputs, "changedPropIds": [], "state": state or []}
    response = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
    if response.status_code != 200:
        return response.status_code, {}
    return 200, response.get_json()["response"]


def softmax_outputs(k):
    key = "softmax-graph.figure...softmax-sigmoid.figure"
    plain = [{"id": i, "property": p} for i, p in (("softmax-graph", "figure"), ("softmax-sigmoid", "figure"),
                                                   ("softmax-sigmoid-box", "style"), ("softmax-message", "children"),
                                                   ("softmax-drawn", "data"))]
    return key, plain


def softmax_values(**changes):
    values = {c.name: c.default for c in SOFTMAX_CONTROLS}
    values.update(changes)
    return values


def arr(value):
    """A trace's array as NumPy: plotly writes NumPy arrays as base64 typed arrays ({"dtype", "bdata"})."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).reshape(
            value.get("shape", -1) if not isinstance(value.get("shape"), str) else
            tuple(int(n) for n in value["shape"].split(",")))
    return np.asarray(value, dtype=float)


def message_text(response, ident):
    return json.dumps(response.get(ident, {}).get("children", ""))


def test_softmax_draws_the_probabilities_of_scipy(app, client):
    key, outputs = softmax_outputs(5)
    logits = [1.5, -2.0, 0.3, 4.0, 0.0]
    values = softmax_values(k=5, t=0.7, **{f"z{i}": z for i, z in enumerate(logits)})
    status, response = post(client, app, key, [controls("softmax", values)], outputs=outputs)
    assert status == 200
    data = response["softmax-graph"]["figure"]["data"]
    drawn = [arr(next(t for t in data if t["uid"] == f"softmax-{i}")["y"])[0] for i in range(5)]
    np.testing.assert_allclose(drawn, scipy_softmax(np.array(logits) / 0.7), rtol=1e-12)


@pytest.mark.parametrize("k,shown", [(5, 5), (2, 2), ("9; drop", 10), (None, 10), (True, 10)])
def test_only_k_logit_sliders_are_shown(app, client, k, shown):
    key = key_of(app, '{"page":"softmax","wrap":["ALL"]}.style')
    outputs = [[{"id": {"page": "softmax", "wrap": c.name}, "property": "style"} for c in SOFTMAX_CONTROLS],
               {"id": {"name": "sweep", "page": "softmax"}, "property": "max"},
               {"id": {"name": "sweep", "page": "softmax"}, "property": "marks"}]
    payload = {"output": key, "outputs": outputs, "changedPropIds": [],
               "inputs": [{"id": {"name": "k", "page": "softmax"}, "property": "value", "value": k}]}
    response = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
    answer = response.get_json()["response"]
    styles = {json.loads(i)["wrap"]: v["style"] for i, v in answer.items() if "wrap" in i}
    assert [styles[f"z{i}"] for i in range(10)] == [{}] * shown + [{"display": "none"}] * (10 - shown)
    assert styles["t"] == {} and styles["k"] == {}
    assert answer['{"name":"sweep","page":"softmax"}']["max"] == shown - 1  # only existing classes can sweep


def test_two_classes_show_the_sigmoid_of_the_difference(app, client):
    key, outputs = softmax_outputs(2)
    values = softmax_values(k=2, z0=1.3, z1=-0.4)
    status, response = post(client, app, key, [controls("softmax", values)], outputs=outputs)
    assert status == 200 and response["softmax-sigmoid-box"]["style"] == {"display": "block"}
    marker = next(t for t in response["softmax-sigmoid"]["figure"]["data"] if t["uid"] == "marker")
    assert np.isclose(arr(marker["y"])[0], 1 / (1 + np.exp(-(1.3 + 0.4))))


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"t": "NaN"}, "not a finite number"),
        ({"t": 1e300}, "above the maximum"),
        ({"t": -1}, "below the minimum"),
        ({"k": 11}, "above the maximum 10"),
        ({"k": 3.5}, "whole number"),
        ({"z0": None}, "a value is required"),
        ({"z0": [1, 2]}, "expected a number"),
        ({"rm -rf": 1}, "unknown setting"),
    ],
)
def test_softmax_bad_values_give_a_message_and_no_figure(app, client, changes, words):
    key, outputs = softmax_outputs(4)
    status, response = post(client, app, key, [controls("softmax", softmax_values(**changes))], outputs=outputs)
    assert status == 200
    assert "softmax-graph" not in response  # no work: the figure is left as it was
    assert words in message_text(response, "softmax-message")


def test_a_request_with_foreign_ids_is_refused(app, client):
    key, outputs = softmax_outputs(4)
    inputs = controls("softmax", softmax_values()) + [{"id": {"page": "runs", "name": "run"}, "property": "value",
                                                       "value": "/etc"}]
    status, response = post(client, app, key, [inputs], outputs=outputs)
    assert status == 200 and "softmax-graph" not in response
    assert "not a control of this page" in message_text(response, "softmax-message")


def test_the_shift_button_adds_c_to_every_logit_and_refuses_to_leave_the_range(app, client):
    key = key_of(app, '{"name":["ALL"],"page":"softmax"}.value')
    names = [c.name for c in SOFTMAX_CONTROLS]
    outputs = [[{"id": {"page": "softmax", "name": n}, "property": "value"} for n in names],
               {"id": "softmax-message", "property": "children"}]
    inputs = [{"id": "softmax-shift", "property": "n_clicks", "value": 1},
              {"id": "softmax-two", "property": "n_clicks", "value": 0}]
    state = [controls("softmax", softmax_values(c=1.5))]
    payload = {"output": key, "outputs": outputs, "inputs": inputs, "state": state,
               "changedPropIds": ["softmax-shift.n_clicks"]}
    response = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
    new = {json.loads(k)["name"]: v["value"] for k, v in response.get_json()["response"].items() if '"name"' in k}
    # only the first K = 4 logits move, each by exactly c
    assert new == {f"z{i}": DEFAULT_LOGITS[i] + 1.5 for i in range(4)}
    payload["state"] = [controls("softmax", softmax_values(c=4.0, z0=7.0))]
    answer = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
    assert "past" in json.dumps(answer.get_json()["response"]["softmax-message"])


def paths_outputs():
    return [{"id": i, "property": p} for i, p in (("paths-graph", "figure"),
                                                  ("paths-message", "children"), ("paths-status", "children"))] + [
        {"id": {"name": "step", "page": "paths"}, "property": p} for p in ("max", "marks")]


def paths_values(**changes):
    from softmaxlab.app.page_paths import CONTROLS

    values = {c.name: c.encode(c.default) if c.kind == "str" else c.default for c in CONTROLS}
    values.update(changes)
    return values


@pytest.mark.parametrize(
    "changes,words",
    [
        ({"steps": "1000000"}, "maximum"),
        ({"steps": str(APP_LIMITS["steps"] + 1)}, "app's limit"),
        ({"samples_per_class": "4000"}, "app's limit"),
        ({"lr": "nan"}, "lr"),
        ({"lr": "1e9"}, "above the maximum"),
        ({"hidden": "4096"}, "hidden"),
        ({"optimizer": "sgd; rm -rf /"}, "unknown choice"),
        ({"compare": "optimizer", "against": "adam,sgd,momentum,nesterov"}, "at most 3"),
        ({"compare": "optimizer", "against": "lbfgs"}, "against"),
        ({"seed": "-1"}, "seed"),
    ],
)
def test_paths_bad_values_give_a_message_and_train_nothing(app, client, changes, words):
    jobs = app.softmaxlab.jobs
    before = jobs.started
    inputs = [controls("paths", paths_values(**changes))]
    status, response = post(client, app, "paths-graph.figure", inputs, outputs=paths_outputs(),
                            state=[{"id": "paths-session", "property": "data", "value": "test"}])
    assert status == 200 and "paths-graph" not in response
    assert words in message_text(response, "paths-message")
    assert jobs.started == before


@pytest.mark.parametrize("name", ["../outside", "/etc", "..", "first/../../outside", "missing", ".first", 7])
def test_runs_page_reads_nothing_outside_the_folder(app, client, name):
    outputs = RUNS_OUTPUTS
    values = {"run": name, "reading": "data map", "step": -1}
    inputs = [controls("runs", values), {"id": "runs-refresh", "property": "n_intervals", "value": None}]
    status, response = post(client, app, "runs-paths.figure", inputs, outputs=outputs,
                            state=[{"id": {"name": "step", "page": "runs"}, "property": "max", "value": 1}])
    assert status == 200
    text = message_text(response, "runs-message")
    assert "not a run name" in text or "no run called" in text or "outside" in text or "expected text" in text
    assert response.get("runs-paths", {}).get("figure", {"data": []})["data"] == []


def test_routes_show_pages_and_url_problems(app, client):
    def route(pathname, search):
        payload = {"output": "page.children", "outputs": {"id": "page", "property": "children"},
                   "inputs": [{"id": "url", "property": "pathname", "value": pathname}],
                   "state": [{"id": "url", "property": "search", "value": search}], "changedPropIds": []}
        response = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
        assert response.status_code == 200
        return json.dumps(response.get_json()["response"]["page"]["children"])

    assert "No such page" in route("/nope", "")
    shown = route("/softmax", "?t=nan&k=3&bogus=1")
    assert "cannot use" in shown and "t: 'nan' is not a finite number" in shown and "unknown setting 'bogus'" in shown
    assert "cannot use" not in route("/sampling", "?t=0.5&top_k=3")


def test_moving_the_runs_step_redraws_only_the_paths(app, client):
    key = key_of(app, "runs-paths.figure")
    slider = json.dumps({"name": "step", "page": "runs"}, separators=(",", ":"))

    def draw(step, changed):
        payload = {"output": key, "outputs": RUNS_OUTPUTS, "changedPropIds": changed,
                   "inputs": [controls("runs", {"run": "first", "reading": "data map", "step": step}),
                              {"id": "runs-refresh", "property": "n_intervals", "value": None}],
                   "state": [{"id": {"name": "step", "page": "runs"}, "property": "max", "value": 40}]}
        response = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
        assert response.status_code == 200
        return response.get_json()["response"]

    opened = draw(-1, [])  # opening the run draws everything
    assert {"runs-paths", "runs-readings", "runs-analysis"} <= set(opened)
    moved = draw(20, [f"{slider}.value"])
    assert "runs-readings" not in moved and "runs-analysis" not in moved  # left as drawn
    marked = [t for t in moved["runs-paths"]["figure"]["data"] if str(t.get("uid", "")).startswith("step-")]
    assert marked, "the step marker is drawn"
    # the marker sits on the logits at step 20 (record 2 of the run saved by the fixture)
    z = np.cumsum(np.random.default_rng(0).normal(size=(5, 6, 3)), axis=0)
    xs = sorted(x for t in marked for x in arr(t["x"]))
    np.testing.assert_allclose(xs, sorted(z[2, :, 0]), rtol=1e-5)
