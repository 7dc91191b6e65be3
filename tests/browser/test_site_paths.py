"""The Logit paths page of the static site in a real chromium, served by a plain static file server.

The page trains in Web Workers; the tests read what it trained (`#page.controller.runs`) and hold what it
draws against the Python builders for those runs, its link against `softmaxlab.web.pages.paths_runs`, and
its "Open in Python" lines against the Python lab.
"""

from __future__ import annotations

import numpy as np
import pytest

from softmaxlab.figures.paths import logit_paths
from softmaxlab.figures.readings import readings
from softmaxlab.lab import Experiment
from softmaxlab.store import Run
from softmaxlab.web.build import write_single_file
from softmaxlab.web.figures import plain_figure
from softmaxlab.web.pages import paths_runs
from tests.browser.browser_helpers import canvas_spread
from tests.browser.test_site import open_tab
from tests.conftest import need_browser
from tests.web_compare import figure_differences

# every run of the page trained: at once if they already are (a short run can end before the test listens)
TRAINED = """() => new Promise(r => { const page = document.getElementById('page'), c = page.controller;
  if (c && c.runs.length && c.runs.every(run => run.done)) return r({});
  page.addEventListener('softmaxlab:trained', e => r(e.detail), {once: true}); })"""
RUNS = """() => { const c = document.getElementById('page').controller; return {
  runs: c.runs.map(r => ({logits: Array.from(r.logits), shape: r.shape, steps: Array.from(r.steps), labels: Array.from(r.labels),
    inputs: Array.from(r.inputs), dim: r.dim, loss: Array.from(r.loss), accuracy: Array.from(r.accuracy)})),
  titles: c.titles, snippet: c.snippet, values: c.values, experiment: c.experiment}; }"""
FIGURE = """(id) => { const d = document.getElementById(id); return JSON.parse(JSON.stringify({data: d.data,
  layout: {title: d.layout.title, annotations: d.layout.annotations, meta: d.layout.meta, shapes: d.layout.shapes,
  scene: d.layout.scene, scene2: d.layout.scene2}}, (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v)); }"""
QUICK = "steps=150&hidden=16"  # a short run keeps the tests quick under load


@pytest.fixture
def tab(browser, base_url):
    tab = open_tab(browser, base_url, width=1280, height=800)
    yield tab
    tab.context.close()


def open_trained(tab, url):
    """Open `url` and wait until every run of the page is trained and drawn."""
    tab.goto(url)
    tab.evaluate(TRAINED)
    tab.wait_for_function("() => document.getElementById('figure-0').data")
    return tab.evaluate(RUNS)


def as_runs(got):
    out = []
    for r in got["runs"]:
        records, samples, k = r["shape"]
        out.append(Run(logits=np.array(r["logits"], np.float32).reshape(records, samples, k), steps=r["steps"],
                       labels=r["labels"], inputs=np.array(r["inputs"], np.float32).reshape(samples, r["dim"]),
                       loss=np.array(r["loss"], np.float32), accuracy=np.array(r["accuracy"], np.float32)))
    return out


def test_the_page_trains_in_the_browser_with_nothing_but_its_own_files_and_draws_the_builders_figures(tab, base_url):
    query = f"?{QUICK}&against=adam,rmsprop&step=60"
    got = open_trained(tab, f"{base_url}paths/{query}")
    values, experiments, titles, errors = paths_runs(query)
    assert errors == [] and got["titles"] == titles and tab.errors == [] and tab.blocked == []
    # what the page trained is the link's experiments, each its own length
    runs = as_runs(got)
    assert [r.num_records for r in runs] == [e.num_records for e in experiments]
    expected = plain_figure(logit_paths(runs, step=60, titles=titles))
    drawn = tab.evaluate(FIGURE, "figure-0")
    assert figure_differences(drawn["data"], expected["data"], extra_keys=True) == []
    for key in ("title", "annotations", "meta", "scene", "scene2"):
        assert figure_differences(drawn["layout"][key], expected["layout"][key], extra_keys=True, where=key) == []
    expected = plain_figure(readings(runs, titles=titles, step=60))
    drawn = tab.evaluate(FIGURE, "figure-1")
    angles = lambda data: [t for t in data if not t["uid"].startswith("angle-")]  # noqa: E731  (float32 arccos: test_web_paths)
    assert figure_differences(angles(drawn["data"]), angles(expected["data"]), tol=1e-5, extra_keys=True) == []
    assert [s["x0"] for s in drawn["layout"]["shapes"]] == [60] * 5
    assert canvas_spread(tab, "figure-0") > 10  # the 3D scenes really have pixels


def test_the_camera_opens_looking_down_one_one_one_and_stays_through_steps_play_and_retrains(tab, base_url):
    open_trained(tab, f"{base_url}paths/?{QUICK}")
    eye = lambda: tab.evaluate("() => ['scene', 'scene2', 'scene3'].map(s => document.getElementById('figure-0')._fullLayout[s].camera.eye)")  # noqa: E731
    assert all(e["x"] == e["y"] == e["z"] for e in eye()[:2])  # the two runs' scenes; the inputs keep their view
    tab.get_by_role("button", name="from the side").click()
    side = eye()
    assert all(e == side[0] for e in side) and side[0]["x"] == 2.5
    tab.locator("#control-step").fill("40")  # the step slider: only the diamonds move
    assert eye() == side
    tab.locator("#control-optimizer").select_option("momentum")  # a retrain
    tab.evaluate(TRAINED)
    assert eye() == side and "camera=2.5%2C-0.4%2C0.3" in tab.url


def test_a_control_change_rewrites_a_short_link_cancels_the_run_and_reload_and_back_reopen_it(tab, base_url):
    tab.goto(f"{base_url}softmax/?k=3")
    tab.goto(f"{base_url}paths/?steps=3000")  # a long run, still training when the control changes
    tab.wait_for_function("() => document.getElementById('page').controller.generation === 1")
    tab.locator("#control-init").select_option("default")
    tab.evaluate(TRAINED)
    got = tab.evaluate(RUNS)
    assert got["experiment"]["init"] == "default" and tab.evaluate("() => document.getElementById('page').controller.generation") == 2
    tab.wait_for_function("() => location.search.includes('init=default')")
    assert tab.url.endswith("paths/?init=default&steps=3000")  # only what differs from the defaults
    tab.reload()
    tab.evaluate(TRAINED)
    assert tab.evaluate(RUNS)["experiment"]["init"] == "default"
    tab.go_back()  # Back leaves the page (the link was replaced, not pushed, at every change)
    assert tab.url == f"{base_url}softmax/?k=3"


def test_every_bad_value_of_a_link_is_listed_at_once_and_the_page_still_trains(tab, base_url):
    query = "?steps=ten&lr=-1&colour=red&compare=nothing&hidden=a,b"
    open_trained(tab, f"{base_url}paths/{query}")
    shown = tab.locator(".message").inner_text().splitlines()
    assert [line.removeprefix("The link: ").removesuffix(" (the default is used).") for line in shown] == paths_runs(query)[3]
    big = "?samples_per_class=900&steps=4000"
    tab.goto(f"{base_url}paths/{big}")
    tab.wait_for_selector(".message:not([hidden])")
    text = tab.locator(".message").inner_text()
    assert "softmaxlab train" in text and "browser's limit" in text


@pytest.mark.parametrize("link", [f"{QUICK}&init=default&against=adam", "steps=200&against=momentum"],
                         ids=["sgd-adam-default-init", "sgd-momentum-zero-init"])
def test_open_in_python_shows_lines_that_reproduce_the_page(tab, base_url, link):
    """The lines the page shows, run in Python, train the page's runs: the same logits to 1e-4 of their size
    (the browser and the lab draw the same data and init from one counter-based generator)."""
    got = open_trained(tab, f"{base_url}paths/?{link}")
    snippet = got["snippet"]
    assert snippet.startswith("from softmaxlab import Experiment, train")
    scope: dict = {}
    import plotly.graph_objects as go

    show, go.Figure.show = go.Figure.show, lambda self, *a, **k: scope.setdefault("shown", self)
    try:
        exec(snippet, scope)  # the page's lines, as a learner pastes them
    finally:
        go.Figure.show = show
    runs = scope["runs"]
    assert [Experiment.from_run(r) for r in runs] == paths_runs(f"?{link}")[1]
    assert scope["shown"].layout.annotations[0].text == f"<b>{got['titles'][0]}</b>"
    for python, page in zip(runs, as_runs(got), strict=True):
        scale = float(np.abs(python.logits).max())
        assert np.abs(python.logits - page.logits).max() <= 1e-4 * scale


def test_the_single_file_trains_the_paths_page_from_disk(browser, tmp_path):
    need_browser()
    path = write_single_file(tmp_path / "explainer.html")
    tab = open_tab(browser, path.as_uri())
    try:
        tab.goto(f"{path.as_uri()}#paths?{QUICK}")
        tab.evaluate(TRAINED)
        assert tab.evaluate("() => document.getElementById('figure-0').data.length") > 10
        assert tab.errors == [] and tab.blocked == []
    finally:
        tab.context.close()


# every Worker the page makes, whether it was terminated and whether it finished, and a promise of the
# first paths on screen (an init script: it listens before the page's scripts run, so a quick first draw
# cannot come before the test listens; the event does not bubble, so it is caught on its way down)
TRACK_WORKERS = """(() => { window.__workers = []; const W = window.Worker;
  window.__firstPaths = new Promise(r => window.addEventListener('softmaxlab:first-paths', () => r(true), {capture: true, once: true}));
  window.Worker = class extends W { constructor(...a) { super(...a); const rec = {terminated: false, done: false};
    window.__workers.push(rec); this.__rec = rec;
    this.addEventListener('message', (e) => { if (e.data && e.data.type === 'done') rec.done = true; }); }
  terminate() { this.__rec.terminated = true; return super.terminate(); } }; })()"""
FIRST_PATHS = "() => window.__firstPaths"


def test_a_change_while_training_terminates_the_old_workers_and_trains_the_new_runs(tab, base_url):
    tab.add_init_script(TRACK_WORKERS)
    long = "steps=5000&hidden=128,128&record_every=25"  # seconds of training (the browser's limits), few records to draw
    tab.goto(f"{base_url}paths/?{long}")
    tab.evaluate(FIRST_PATHS)  # both runs are training and their first records are drawn
    assert tab.evaluate("() => window.__workers.map(w => w.done)") == [False, False]
    tab.locator("#control-optimizer").select_option("momentum", timeout=120_000)  # the page draws while it trains
    tab.evaluate(TRAINED)  # the new runs' end (an old run's messages are dropped once a change came)
    workers = tab.evaluate("() => window.__workers")
    assert len(workers) == 4, workers
    assert all(w["terminated"] and not w["done"] for w in workers[:2]), workers  # cancelled mid-run
    assert all(w["done"] for w in workers[2:]), workers
    got = tab.evaluate(RUNS)
    assert got["experiment"]["optimizer"] == "momentum" and got["experiment"]["steps"] == 5000
    assert [r["shape"][0] for r in got["runs"]] == [Experiment.from_query(long).num_records] * 2
    assert tab.errors == []


# plotly's hover event on the paths figure for point `point` of the trace `uid`, as a 3D scene emits it
# (curveNumber, pointNumber, the trace), then the page's answer: the sample it picked out (null: none)
HOVER = """([uid, point]) => new Promise(r => { const gd = document.getElementById('figure-0');
  document.getElementById('page').addEventListener('softmaxlab:highlight', e => r(e.detail.sample), {once: true});
  const i = gd.data.findIndex(t => t.uid === uid);
  if (uid === null) gd.emit('plotly_unhover', {points: []});
  else gd.emit('plotly_hover', {points: [{curveNumber: i, pointNumber: point, data: gd.data[i], fullData: gd._fullData[i]}]}); })"""


def test_a_path_under_the_pointer_picks_out_its_sample_and_its_input_point_and_back(tab, base_url):
    query = f"?{QUICK}&against=adam&step=60"
    got = open_trained(tab, f"{base_url}paths/{query}")
    runs, titles = as_runs(got), got["titles"]
    records = tab.evaluate("() => document.getElementById('figure-0').layout.meta.softmaxlab.runs[0].records")
    # the pointer on class 1's path: its 4th path (the member at place 3), two points along it
    members = np.flatnonzero(runs[0].labels == 1)
    s = int(members[3])
    assert tab.evaluate(HOVER, ["lines-0-1", 3 * (len(records) + 1) + 2]) == s
    drawn = tab.evaluate(FIGURE, "figure-0")["data"]
    picked = {t["uid"]: t for t in drawn if t["uid"].startswith("highlight-")}
    assert list(picked) == ["highlight-0", "highlight-1", "highlight-inputs-0"]  # both runs (one input set)
    for i, run in enumerate(runs):  # K = 3: the drawn path is the sample's raw logits at the drawn records
        path = np.array([picked[f"highlight-{i}"][a] for a in "xyz"]).T
        np.testing.assert_allclose(path, run.logits[records, s], rtol=1e-6)
        assert picked[f"highlight-{i}"]["line"]["width"] > 2  # thicker than the paths
    np.testing.assert_array_equal([picked["highlight-inputs-0"][a][0] for a in "xyz"], runs[0].inputs[s])
    expected = plain_figure(logit_paths(runs, step=60, titles=titles, highlight=s))
    assert figure_differences(drawn, expected["data"], extra_keys=True) == []
    # and back: the pointer on an input point of class 2 picks out that sample's paths
    inputs = np.flatnonzero(runs[0].labels == 2)
    s = int(inputs[5])
    assert tab.evaluate(HOVER, ["inputs-0-2", 5]) == s
    drawn = tab.evaluate(FIGURE, "figure-0")["data"]
    expected = plain_figure(logit_paths(runs, step=60, titles=titles, highlight=s))
    assert figure_differences(drawn, expected["data"], extra_keys=True) == []
    # the step slider keeps the sample picked out; the pointer leaving puts the figure back as it was
    tab.locator("#control-step").fill("40")
    assert [t["uid"] for t in tab.evaluate(FIGURE, "figure-0")["data"]][-1] == "highlight-inputs-0"
    assert tab.evaluate(HOVER, [None, 0]) is None
    drawn = tab.evaluate(FIGURE, "figure-0")["data"]
    expected = plain_figure(logit_paths(runs, step=40, titles=titles))
    assert figure_differences(drawn, expected["data"], extra_keys=True) == []
    assert tab.errors == []


# the readings' cursor where the page shows it: plotly's drawn shapes (at rest) or the moving lines, in pixels
CURSOR_X = """() => ({shapes: [...document.querySelectorAll('#figure-1 .shapelayer path')].map(p => { const r = p.getBoundingClientRect();
  return r.left + r.width / 2; }), lines: [...document.querySelectorAll('#figure-1 .now-cursor')].filter(l => !l.hidden)
  .map(l => l.getBoundingClientRect().left), visible: document.getElementById('figure-1').layout.shapes.map(s => s.visible),
  x0: document.getElementById('figure-1').layout.shapes.map(s => s.x0)})"""
MOVE = """(step) => { const s = document.getElementById('control-step'); s.value = String(step);
  s.dispatchEvent(new Event('input', {bubbles: true})); return true; }"""


def test_the_now_cursor_follows_the_step_as_lines_while_it_moves_and_as_the_builder_s_shapes_at_rest(tab, base_url):
    got = open_trained(tab, f"{base_url}paths/?{QUICK}&step=30")
    runs, titles = as_runs(got), got["titles"]
    tab.evaluate(MOVE, 90)
    # moving: the shapes are hidden and one line per panel stands at step 90
    moving = tab.evaluate(CURSOR_X)
    assert moving["visible"] == [False] * 5 and len(moving["lines"]) == 5
    # at rest (the slider left): the builder's shapes at step 90, and no lines
    tab.wait_for_function("() => !document.querySelector('#figure-1 .now-cursor')")
    rest = tab.evaluate(CURSOR_X)
    assert rest["x0"] == [90] * 5 and rest["visible"] == [None] * 5 and rest["lines"] == [] and len(rest["shapes"]) == 5
    drawn = tab.evaluate(FIGURE, "figure-1")["layout"]["shapes"]
    expected = plain_figure(readings(runs, titles=titles, step=90))["layout"]["shapes"]
    assert figure_differences(drawn, expected, extra_keys=True, where="shapes") == []
    # the lines stood where plotly draws the shapes of that step (to a pixel)
    np.testing.assert_allclose(sorted(moving["lines"]), sorted(rest["shapes"]), atol=1.5)
    assert tab.errors == []
