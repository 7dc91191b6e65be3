"""The Runs page and every other page against a real `softmaxlab serve` process, in a real chromium.

The runs are real: one trained by the `softmaxlab train` command, one written by `softmaxlab.store.RunWriter`
(5 classes, more records than the page asks for, so the server decimates), a copy under an ISO-timestamp
name, a broken one, one whose last record diverged, and one written by a RunWriter in another process while
the page watches. What the page draws is held against the run read back by `softmaxlab.store.load_run` and
projected here with NumPy (not by the page's code), and the analysis against the server's own answer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request

import numpy as np
import pytest

from softmaxlab.spec import from_search
from softmaxlab.store import RunWriter, list_runs, load_run
from softmaxlab.web.build import site_pages
from softmaxlab.web.pages import RUNS, camera_of
from tests.browser.browser_helpers import canvas_spread
from tests.browser.conftest import TRAIN_ARGS, start_server
from tests.browser.test_site import open_tab
from tests.conftest import need_browser

ISO = "2026-12-02T12:30"
THREE_D = {"surfaces", "input-space", "loss", "paths"}

PAGE = "document.getElementById('page')"
# the open run is on screen: its summary, its logits drawn and its analysis answered
OPENED = f"""name => {{ const c = {PAGE}.controller; const d = document.getElementById('figure-0');
  return Boolean(c && c.summary && c.summary.name === name && c.run && d.data && d.data.length && c.analysis.reading); }}"""
TRACE = """uid => { const d = document.getElementById('figure-0'); const t = d.data.find(t => t.uid === uid);
  return t ? JSON.parse(JSON.stringify({x: t.x, y: t.y, z: t.z, customdata: t.customdata, meta: t.meta},
    (k, v) => ArrayBuffer.isView(v) ? Array.from(v, x => Number.isNaN(x) ? null : x) : v)) : null; }"""
STATE = f"() => {{ const c = {PAGE}.controller; return {{values: c.values, records: c.run && c.run.shape[0], polling: c.polling, " \
        "complete: c.summary && c.summary.complete, analysis: c.analysis, decimated: c.decimated}; }"


def api(url: str, path: str):
    """The server's JSON answer (status, body) to GET `path`, as a script would read it."""
    try:
        with urllib.request.urlopen(url + path, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def write_five(path):
    """A recorded run of 5 classes: 250 records of 100 samples drifting toward their class at different
    speeds (distinct principal axes), with 4D inputs."""
    rng = np.random.default_rng(5)
    labels = np.arange(100) % 5
    speed = np.eye(5, dtype=np.float32)[labels] * (0.02 * (1 + labels[:, None]))
    logits = np.cumsum(speed + rng.normal(scale=0.03, size=(250, 100, 5)).astype(np.float32), axis=0, dtype=np.float32)
    with RunWriter(path, labels=labels, num_classes=5, inputs=rng.normal(size=(100, 4)).astype(np.float32),
                   description="five classes, recorded") as w:
        w.append(np.arange(250) * 4, logits)


def write_diverged(path):
    """A run whose last record is not finite (a training that blew up): the analyses cannot be made."""
    labels = np.arange(12) % 3
    logits = np.cumsum(np.ones((6, 12, 3), np.float32) * np.eye(3, dtype=np.float32)[labels], axis=0)
    logits[-1, 0, 0] = np.nan
    with RunWriter(path, labels=labels, num_classes=3) as w:
        w.append(np.arange(6), logits)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`softmaxlab serve` of a runs folder with the runs of this module; yields (url, logdir)."""
    need_browser()
    logdir = tmp_path_factory.mktemp("runs")
    done = subprocess.run([sys.executable, "-m", "softmaxlab", "train", *TRAIN_ARGS, "--out", str(logdir / "first")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    shutil.copytree(logdir / "first", logdir / ISO)
    write_five(logdir / "five")
    write_diverged(logdir / "diverged")
    (logdir / "broken").mkdir()
    (logdir / "broken" / "zarr.json").write_text("{ not json")
    process, url = start_server(logdir, timeout=300)  # it builds the pages first: slow on a busy machine
    try:
        yield url, logdir
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def tab(browser, served):
    url, _ = served
    tab = open_tab(browser, url, width=1280, height=800)
    yield tab
    tab.context.close()


def open_run(tab, url, name, query=""):
    tab.goto(f"{url}/runs/?run={urllib.parse.quote(name, safe='')}{query}")
    tab.wait_for_function(OPENED, arg=name, timeout=60_000)


def gapped(coords, members):
    """The builder's one-path-per-sample layout: each member's points, NaN (None) between paths."""
    out = []
    for i, s in enumerate(members):
        if i:
            out.append(None)
        out.extend(coords[:, s].tolist())
    return out


def same(drawn, expected, tol=1e-6):
    drawn = np.array([np.nan if v is None else v for v in drawn], float)
    expected = np.array([np.nan if v is None else v for v in expected], float)
    return drawn.shape == expected.shape and np.allclose(drawn, expected, atol=tol, rtol=tol, equal_nan=True)


def test_a_trained_run_opens_at_its_last_step_with_the_run_s_own_numbers_and_pixels(tab, served):
    url, logdir = served
    run = load_run(logdir / "first")
    open_run(tab, url, "first")
    state = tab.evaluate(STATE)
    assert state["values"]["step"] == -1 and state["records"] == run.num_records and state["decimated"] == ""
    last = int(run.steps[-1])
    assert tab.locator("#control-step").input_value() == str(last)
    assert tab.locator(".step-value").inner_text() == f"{last} of {last}"
    # 3 classes are drawn as they are (z0, z1, z2): every path is the run's logits, record by record
    for c in range(3):
        members = np.flatnonzero(run.labels == c)
        lines = tab.evaluate(TRACE, f"lines-0-{c}")
        for axis, key in enumerate("xyz"):
            assert same(lines[key], gapped(run.logits[:, :, axis], members)), (c, key)
        diamonds = tab.evaluate(TRACE, f"step-0-{c}")  # the ◆ at the last record
        assert diamonds["customdata"] == members.tolist() and diamonds["meta"] == f"step {last}"
        assert same(diamonds["x"], run.logits[-1, members, 0]) and same(diamonds["z"], run.logits[-1, members, 2])
    assert "◆ step 60" in tab.evaluate("() => document.getElementById('figure-0').layout.title.text")
    # the readings over steps and the data map: the server's figures, drawn as they are, with the cursor at the last step
    status, readings = api(url, "/api/runs/first/figures/readings")
    assert status == 200
    drawn = tab.evaluate("() => { const d = document.getElementById('figure-1'); return {names: d.data.map(t => [t.uid, t.name, t.xaxis, t.yaxis]), "
                         "shapes: d.layout.shapes.map(s => [s.x0, s.xref, s.yref]), title: d.layout.title.text}; }")
    assert drawn["names"] == [[t["uid"], t["name"], t["xaxis"], t["yaxis"]] for t in readings["data"]]
    assert [t["uid"] for t in readings["data"]][:2] == ["loss-0", "accuracy-0"]  # the builder's uids
    assert drawn["title"] == readings["layout"]["title"]["text"]
    assert drawn["shapes"] == [[last, x, f"{y} domain"] for x, y in (("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4"), ("x5", "y5"))]
    status, data_map = api(url, "/api/runs/first/figures/data-map")
    analysis = tab.evaluate("() => { const d = document.getElementById('figure-2'); return {n: d.data.length, title: d.layout.title.text}; }")
    assert status == 200 and analysis == {"n": len(data_map["data"]), "title": data_map["layout"]["title"]["text"]}
    assert canvas_spread(tab, "figure-0") > 10  # the 3D scene really has pixels
    assert tab.errors == [] and tab.blocked == []


def test_a_recorded_run_of_five_classes_is_decimated_by_the_server_and_projected_on_its_principal_axes(tab, served):
    url, logdir = served
    run = load_run(logdir / "five")
    open_run(tab, url, "five")
    # the server kept 200 evenly spaced records, the first and the last among them (round-half-even linspace)
    records = np.unique(np.round(np.linspace(0, run.num_records - 1, 200)).astype(int))
    assert tab.evaluate(STATE)["decimated"] == "200 of 250 records (evenly spaced)"
    assert "drawn: 200 of 250 records (evenly spaced)" in tab.locator(".run-status").inner_text()
    # 5 classes live in 4 sum-zero dimensions: the figure shows the 3 principal axes of the drawn logits
    z = run.logits[records].astype(np.float64)
    flat = (z - z.mean(axis=2, keepdims=True)).reshape(-1, 5)  # onto the sum-zero subspace
    _, sizes, axes = np.linalg.svd(flat - flat.mean(axis=0), full_matrices=False)
    assert np.all(sizes[:3] / sizes[1:4] > 1.05)  # distinct axes, so each is defined up to its sign
    expected = np.einsum("rsk,ak->rsa", z - z.mean(axis=2, keepdims=True), axes[:3])
    for c in range(5):
        members = np.flatnonzero(run.labels == c)
        lines = tab.evaluate(TRACE, f"lines-0-{c}")
        for a, key in enumerate("xyz"):
            want = gapped(expected[:, :, a], members)
            scale = float(np.abs(expected[:, :, a]).max())
            flipped = [None if v is None else -v for v in want]
            assert same(lines[key], want, 1e-4 * scale) or same(lines[key], flipped, 1e-4 * scale), (c, key)
    # its 4D inputs: a scene of their own; its description in the page
    assert tab.evaluate("() => document.getElementById('figure-0').data.some(t => t.uid === 'inputs-0-4')")
    assert "five classes, recorded" in tab.locator(".run-summary").inner_text()
    assert tab.errors == []


def test_the_step_slider_and_play_move_the_diamonds_and_the_link_keeps_the_step(tab, served):
    url, logdir = served
    run = load_run(logdir / "first")
    open_run(tab, url, "first")
    slider = tab.locator("#control-step")
    slider.fill("20")
    tab.wait_for_function("() => location.search.includes('step=20')")
    record = run.record_of_step(20)
    members = np.flatnonzero(run.labels == 1)
    diamonds = tab.evaluate(TRACE, "step-0-1")
    assert diamonds["meta"] == "step 20" and same(diamonds["y"], run.logits[record, members, 1])
    tab.reload()
    tab.wait_for_function(OPENED, arg="first")
    assert slider.input_value() == "20" and tab.evaluate(TRACE, "step-0-1")["meta"] == "step 20"
    # play runs from here to the last step, then the link says the last again (no step)
    tab.evaluate(f"() => {{ window.__steps = []; {PAGE}.addEventListener('softmaxlab:step', e => window.__steps.push(e.detail.step)); }}")
    tab.get_by_role("button", name="play").click()
    tab.wait_for_function("() => document.querySelector('button.play').textContent === 'play' && window.__steps.length > 2", timeout=60_000)
    steps = tab.evaluate("() => window.__steps")
    assert steps[0] > 20 and steps[-1] == int(run.steps[-1]) and steps == sorted(steps)
    tab.wait_for_function("() => !location.search.includes('step=')")
    assert same(tab.evaluate(TRACE, "step-0-1")["y"], run.logits[-1, members, 1])
    assert tab.errors == []


def test_the_list_shows_every_run_a_row_opens_it_and_a_broken_run_says_what_is_wrong_without_paths(tab, served):
    url, logdir = served
    tab.goto(f"{url}/runs/")
    tab.wait_for_selector(".runs-list tbody tr")
    summaries = list_runs(logdir)
    rows = tab.locator(".runs-list tbody tr")
    assert [rows.nth(i).get_attribute("data-run") for i in range(rows.count())] == [s.name for s in summaries]
    broken = tab.locator(".runs-list tr[data-run=broken]").inner_text()
    assert "broken" in broken and "zarr.json" in broken and str(logdir) not in tab.content()
    first = tab.locator(".runs-list tr[data-run=first]").inner_text().split("\t")
    want = next(s for s in summaries if s.name == "first")
    assert first[:6] == ["first", "lab", str(want.records), str(want.samples), "3", "yes"]
    # a row opens its run, here the one named like an ISO timestamp (":" in a run name is fine)
    tab.locator(f".runs-list tr[data-run='{ISO}'] td").nth(2).click()
    tab.wait_for_function(OPENED, arg=ISO)
    assert tab.url.endswith("/runs/?run=2026-12-02T12%3A30")
    assert tab.locator(".runs-list tr.current").get_attribute("data-run") == ISO
    # the broken run, opened: the server's message, no absolute path
    tab.goto(f"{url}/runs/?run=broken")
    tab.wait_for_selector(".message:not([hidden])")
    message = tab.locator(".message").inner_text()
    assert message.startswith("run: ") and "zarr.json" in message and str(logdir) not in message
    assert tab.errors == [] or all("422" in e for e in tab.errors)  # the browser logs the failed fetch's status


def test_on_a_phone_the_runs_table_fits_its_width_and_a_row_still_opens_its_run(browser, served):
    url, logdir = served
    phone = open_tab(browser, url, width=390, height=844)
    try:
        phone.goto(f"{url}/runs/")
        phone.wait_for_selector(".runs-list tbody tr")
        box = phone.evaluate("""() => { const s = document.querySelector('.table-scroll');
          return {scroll: s.scrollWidth, client: s.clientWidth, page: document.documentElement.scrollWidth}; }""")
        assert box["scroll"] <= box["client"] and box["page"] <= 390, box  # nothing scrolls sideways
        heads = phone.locator(".runs-list th:visible").all_inner_texts()
        assert heads == ["run", "records", "done", "loss", "accuracy"]
        first = phone.locator(".runs-list tr[data-run=first] td:visible").all_inner_texts()
        want = next(s for s in list_runs(logdir) if s.name == "first")
        assert first[:3] == ["first", str(want.records), "yes"]
        phone.locator(".runs-list tr[data-run=first] td").nth(2).click()
        phone.wait_for_function(OPENED, arg="first")
        assert phone.errors == []
    finally:
        phone.context.close()


def test_a_reading_the_run_cannot_make_shows_the_server_s_message(tab, served):
    url, _ = served
    open_run(tab, url, "diverged", "&reading=data-map")
    status, answer = api(url, "/api/runs/diverged/figures/data-map")
    assert status == 422
    note = tab.locator(".analysis-note")
    assert note.is_visible() and note.inner_text() == answer["error"]
    assert tab.locator("#figure-2").is_hidden()
    tab.get_by_label("forgetting").check()  # another reading of the same run
    tab.wait_for_function("() => location.search.includes('reading=forgetting')")
    tab.wait_for_function(f"() => {PAGE}.controller.analysis.reading === 'forgetting'")
    status, answer = api(url, "/api/runs/diverged/figures/forgetting")
    assert tab.evaluate(f"() => {PAGE}.controller.analysis.error") == (None if status == 200 else answer["error"])


def test_bad_values_of_the_link_are_listed_in_the_page_and_the_defaults_are_used(tab, served):
    url, _ = served
    query = "?run=first&step=ten&reading=colour&camera=1,2&nosuch=1"
    tab.goto(f"{url}/runs/{query}")
    tab.wait_for_function(OPENED, arg="first")
    shown = [line.removeprefix("The link: ").removesuffix(" (the default is used).")
             for line in tab.locator(".message").inner_text().splitlines()]
    expected = from_search(RUNS.controls, query)[1]
    with pytest.raises(ValueError) as camera:
        camera_of("1,2")
    assert len(expected) == 3 and shown == [*expected, str(camera.value)]
    state = tab.evaluate(STATE)
    assert state["values"]["reading"] == "data-map" and state["values"]["step"] == -1 and state["analysis"]["reading"] == "data-map"
    # a step the run never recorded: said, and the last step shown
    open_run(tab, url, "first", "&step=99999")
    assert "step: 99999 is not a recorded step of first (0 to 60)" in tab.locator(".message").inner_text()
    assert tab.locator("#control-step").input_value() == "60"
    # no such run, and names that try to leave the runs folder: the server's message, in the page
    for name in ("nosuch", "../first", ".hidden", "a\\b"):
        tab.goto(f"{url}/runs/?run={urllib.parse.quote(name, safe='')}")
        tab.wait_for_function(f"() => {PAGE}.controller.values.run && !document.querySelector('.message').hidden")
        message = tab.locator(".message").inner_text()
        status, answer = api(url, f"/api/runs/{urllib.parse.quote(name, safe='').replace('.', '%2E')}")
        assert status in (400, 404) and message == f"run: {answer['error']}", name
        assert not tab.evaluate("() => document.getElementById('figure-0').data"), name
    # "." and "..": a browser resolves them as the URL's own dot segments (escaped too), so the page says it
    for name in (".", ".."):
        tab.goto(f"{url}/runs/?run={urllib.parse.quote(name, safe='')}")
        tab.wait_for_function(f"() => {PAGE}.controller.values.run && !document.querySelector('.message').hidden")
        assert tab.locator(".message").inner_text() == f"run: {name!r} is not a run name (a folder directly inside the runs folder)"
    assert tab.errors == [] or all(" 40" in e for e in tab.errors)  # the browser logs each refused fetch's status


def test_the_run_in_the_link_is_the_state_reload_and_back_reopen_it(tab, served):
    url, _ = served
    tab.goto(f"{url}/runs/")
    tab.wait_for_selector(".runs-list tbody tr")
    tab.locator(".runs-list tr[data-run=first] a").click()
    tab.wait_for_function(OPENED, arg="first")
    tab.locator(".runs-list tr[data-run=five] a").click()
    tab.wait_for_function(OPENED, arg="five")
    assert tab.url.endswith("/runs/?run=five")
    tab.get_by_label("reliability diagram").check()
    tab.wait_for_function("() => location.search === '?run=five&reading=reliability'")
    tab.reload()
    tab.wait_for_function(OPENED, arg="five")
    assert tab.evaluate(STATE)["values"]["reading"] == "reliability"
    assert tab.get_by_label("reliability diagram").is_checked()
    tab.go_back()  # to the run before
    tab.wait_for_function(OPENED, arg="first")
    assert tab.url.endswith("/runs/?run=first") and tab.locator(".runs-list tr.current").get_attribute("data-run") == "first"
    tab.go_back()  # to the list
    tab.wait_for_function(f"() => {PAGE}.controller.values.run === ''")
    assert tab.evaluate("() => document.getElementById('figure-0').data") is None
    tab.go_forward()
    tab.wait_for_function(OPENED, arg="first")
    assert tab.errors == []


WRITER = r"""
import sys, time
from pathlib import Path
import numpy as np
from softmaxlab.store import RunWriter

out, signals = Path(sys.argv[1]), Path(sys.argv[2])
labels = np.arange(30) % 3
rng = np.random.default_rng(0)
z = np.zeros((30, 3), np.float32)

def wait(name):
    while not (signals / name).exists():
        time.sleep(0.05)

def block(first, n):
    global z
    out = []
    for _ in range(n):
        z = z + np.eye(3, dtype=np.float32)[labels] * 0.2 + rng.normal(scale=0.3, size=z.shape).astype(np.float32)
        out.append(z.copy())
    return np.arange(first, first + n) * 10, np.stack(out)

writer = RunWriter(out, labels=labels, num_classes=3, description="written while you watch")
print("empty", flush=True)
wait("go1")
writer.append(*block(0, 5))
print("5", flush=True)
wait("go2")
writer.append(*block(5, 7))
print("12", flush=True)
wait("close")
writer.close()
print("closed", flush=True)
"""


def test_a_run_being_written_in_another_process_refreshes_and_follows_its_newest_record(tab, served, tmp_path):
    url, logdir = served
    name = "live"
    signals = tmp_path / "signals"
    signals.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(logdir / name), str(signals)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "empty"
        tab.goto(f"{url}/runs/?run={name}")
        tab.wait_for_function(f"() => {PAGE}.controller.summary && {PAGE}.controller.analysis.reading")
        state = tab.evaluate(STATE)
        assert state["records"] == 0 and state["complete"] is False and state["polling"]
        assert f"{name}: no records yet" in tab.locator(".run-status").inner_text()
        status, answer = api(url, f"/api/runs/{name}/figures/data-map")
        assert status == 422 and tab.locator(".analysis-note").inner_text() == answer["error"]
        # its first records: the page finds them on its own and opens at the newest
        (signals / "go1").touch()
        assert writer.stdout.readline().strip() == "5"
        tab.wait_for_function(f"() => {PAGE}.controller.run && {PAGE}.controller.run.shape[0] === 5", timeout=30_000)
        assert tab.locator("#control-step").input_value() == "40"
        assert "still being written" in tab.locator(".run-status").inner_text()
        # more records: at the last step the view follows them, the list too
        (signals / "go2").touch()
        assert writer.stdout.readline().strip() == "12"
        tab.wait_for_function(f"() => {PAGE}.controller.run.shape[0] === 12", timeout=30_000)
        run = load_run(logdir / name)
        assert run.num_records == 12 and not run.complete
        assert tab.locator("#control-step").input_value() == "110" and tab.locator(".step-value").inner_text() == "110 of 110"
        members = np.flatnonzero(run.labels == 2)
        diamonds = tab.evaluate(TRACE, "step-0-2")
        assert diamonds["meta"] == "step 110" and same(diamonds["z"], run.logits[-1, members, 2])
        lines = tab.evaluate(TRACE, "lines-0-2")
        assert same(lines["x"], gapped(run.logits[:, :, 0], members))
        tab.wait_for_function(f"() => document.querySelector(\".runs-list tr[data-run='{name}']\").innerText.includes('12')", timeout=30_000)
        # closed: complete, and the page stops asking
        (signals / "close").touch()
        assert writer.stdout.readline().strip() == "closed"
        tab.wait_for_function(f"() => {PAGE}.controller.summary.complete && !{PAGE}.controller.polling", timeout=30_000)
        assert "still being written" not in tab.locator(".run-status").inner_text()
        assert tab.errors == [] or all("422" in e for e in tab.errors)  # the empty run's analysis, refused
    finally:
        for signal in ("go1", "go2", "close"):
            (signals / signal).touch()
        writer.wait(timeout=30)


def test_a_run_being_written_not_at_its_last_step_stays_where_it_was_put(tab, served, tmp_path):
    url, logdir = served
    name = "live-held"
    signals = tmp_path / "signals"
    signals.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(logdir / name), str(signals)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "empty"
        (signals / "go1").touch()
        assert writer.stdout.readline().strip() == "5"
        open_run(tab, url, name, "&step=20")
        (signals / "go2").touch()
        assert writer.stdout.readline().strip() == "12"
        tab.wait_for_function(f"() => {PAGE}.controller.run.shape[0] === 12", timeout=30_000)
        assert tab.locator("#control-step").input_value() == "20" and tab.locator(".step-value").inner_text() == "20 of 110"
    finally:
        for signal in ("go1", "go2", "close"):
            (signals / signal).touch()
        writer.wait(timeout=30)


@pytest.mark.parametrize("key", [p.key for p in site_pages(runs=True)])
def test_every_page_served_by_serve_loads_with_no_console_error_and_its_3d_canvas_has_pixels(browser, served, key):
    url, _ = served
    tab = open_tab(browser, url, width=1280, height=800)
    try:
        tab.goto(f"{url}/{key}/" + ("?run=first" if key == "runs" else ""))
        tab.wait_for_function("() => document.getElementById('figure-0') && document.getElementById('figure-0').data", timeout=60_000)
        assert tab.locator("nav a[data-page=runs]").get_attribute("href") == "../runs/"
        if key in THREE_D or key == "runs":
            assert canvas_spread(tab, "figure-0") > 10
        assert tab.errors == [] and tab.blocked == [], (tab.errors, tab.blocked)
    finally:
        tab.context.close()


def test_training_never_freezes_other_pages(browser, served):
    """The Logit paths page trains in a Web Worker: while it trains a long run in one tab, the Softmax page in
    another answers its slider (its draw happens, and the training is still going when it has)."""
    url, _ = served
    trainer = open_tab(browser, url, width=1280, height=800)
    other = open_tab(browser, url, width=1280, height=800)
    try:
        trainer.goto(f"{url}/paths/?compare=none&steps=5000&samples_per_class=50&hidden=64,64")  # about 48 M of the 50 M work the browser allows
        trainer.wait_for_function(f"() => {PAGE}.controller && {PAGE}.controller.runs.length === 1", timeout=60_000)
        other.goto(f"{url}/softmax/")
        other.wait_for_function("() => document.getElementById('figure-0').data")
        slider = other.locator("input[type=range]").first
        slider.focus()
        moved = []
        for _ in range(3):
            other.evaluate(f"() => {{ window.__drawn = new Promise(r => {PAGE}.addEventListener('softmaxlab:drawn', e => r(e.detail.ms), {{once: true}})); window.__t0 = performance.now(); }}")
            other.keyboard.press("ArrowRight")
            ms = other.evaluate("async () => { const draw = await window.__drawn; return [draw, performance.now() - window.__t0]; }")
            training = trainer.evaluate(f"() => {PAGE}.controller.runs.map(r => [r.shape[0], r.records, r.done])")
            moved.append((ms, training))
        for (draw_ms, answer_ms), training in moved:
            (records, total, done), = training
            assert not done and records < total, moved  # the update came while the training ran
        print("softmax page while the paths page trains: draw ms, key-to-draw ms, records trained:",
              [(round(d, 1), round(a, 1), t[0][0]) for (d, a), t in moved])
        assert other.errors == [] and trainer.errors == []
    finally:
        trainer.context.close()
        other.context.close()


def test_a_run_added_to_the_folder_appears_in_an_idle_list_without_a_reload(tab, served):
    url, logdir = served
    tab.goto(f"{url}/runs/")
    tab.wait_for_selector(".runs-list tbody tr[data-run=first]")
    assert tab.locator(".runs-list tr[data-run=late]").count() == 0
    labels = np.arange(9) % 3
    with RunWriter(logdir / "late", labels=labels, num_classes=3) as w:  # complete at once: nothing is being written
        w.append(np.arange(4), np.ones((4, 9, 3), np.float32) * np.arange(1, 5, dtype=np.float32)[:, None, None])
    try:
        tab.wait_for_selector(".runs-list tr[data-run=late]", timeout=60_000)  # the idle list asks every 15 s
        row = tab.locator(".runs-list tr[data-run=late]").inner_text().split("\t")
        assert row[:6] == ["late", "recorded", "4", "9", "3", "yes"]
    finally:
        shutil.rmtree(logdir / "late")


def test_the_pointer_on_a_path_or_an_input_point_picks_out_the_sample_on_the_runs_page_too(tab, served):
    url, logdir = served
    run = load_run(logdir / "first")
    open_run(tab, url, "first")
    hover = """([uid, point]) => new Promise(r => { const gd = document.getElementById('figure-0');
      document.getElementById('page').addEventListener('softmaxlab:highlight', e => r(e.detail.sample), {once: true});
      const i = gd.data.findIndex(t => t.uid === uid);
      if (uid === null) gd.emit('plotly_unhover', {points: []});
      else gd.emit('plotly_hover', {points: [{curveNumber: i, pointNumber: point, data: gd.data[i]}]}); })"""
    members = np.flatnonzero(run.labels == 2)
    s = int(members[4])
    assert tab.evaluate(hover, ["end-0-2", 4]) == s  # the ● at the end of the sample's path
    records = tab.evaluate("() => document.getElementById('figure-0').layout.meta.softmaxlab.runs[0].records")
    path = tab.evaluate(TRACE, "highlight-0")
    for axis, key in enumerate("xyz"):  # 3 classes: the sample's own logits at the drawn records
        assert same(path[key], run.logits[records, s, axis]), key
    point = tab.evaluate(TRACE, "highlight-inputs-0")  # its input point, drawn large
    assert same([point[k][0] for k in "xyz"], run.inputs[s, :3])
    # back: an input point of class 0 picks out its path
    s = int(np.flatnonzero(run.labels == 0)[7])
    assert tab.evaluate(hover, ["inputs-0-0", 7]) == s
    assert same(tab.evaluate(TRACE, "highlight-0")["y"], run.logits[records, s, 1])
    assert tab.evaluate(hover, [None, 0]) is None and tab.evaluate(TRACE, "highlight-0") is None
    assert tab.errors == []
