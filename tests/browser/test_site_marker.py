"""Moving the Surfaces page's marker with the pointer, in a real chromium with real mouse and touch input.

In the "move the marker" mode (or with shift held) a press and moves over a surface put the marker at the
surface point under the pointer, while the camera stays where it was. The point under the pointer is
plotly's own 3D hover (a real hover after the button is let go, not the page's code) and the Python
builder's grid; the 3-class marker is checked through `softmaxlab.core.to_subspace`.
"""

from __future__ import annotations

import numpy as np
import pytest

from softmaxlab.core.geometry import to_subspace
from softmaxlab.spec import to_search
from softmaxlab.web.pages import page as web_page
from tests.browser.test_site import expected_figures, open_tab

STATE = "() => document.getElementById('page').softmaxlab.values"
CAMERAS = """() => { const d = document.getElementById('figure-0');
  return Object.keys(d.layout).filter(k => /^scene\\d*$/.test(k)).map(k => JSON.parse(JSON.stringify(d.layout[k].camera))); }"""
# every plotly_hover of the figure and every camera change plotly reports, as the page sees them
LISTEN = """() => { const d = document.getElementById('figure-0'); window.hovers = []; window.turns = 0;
  d.on('plotly_hover', e => window.hovers.push(e.points.map(p => ({uid: p.data.uid, type: p.data.type, x: p.x, y: p.y}))));
  d.on('plotly_relayout', e => { if (Object.keys(e).some(k => k.includes('camera'))) window.turns++; }); }"""
BOX = "() => { const r = document.querySelector('#figure-0 .gl-container canvas').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }"


@pytest.fixture
def laptop(browser, base_url):
    tab = open_tab(browser, base_url, width=1280, height=800)
    yield tab
    tab.context.close()


def open_surfaces(tab, base_url, query):
    tab.goto(f"{base_url}surfaces/{query}", timeout=90_000)  # two cores shared: a 3D page loads slowly
    tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
    tab.wait_for_selector("#figure-0 .gl-container canvas")
    tab.wait_for_timeout(1000)  # software WebGL draws its first frames
    tab.evaluate(LISTEN)


def plane_point(values):
    """The marker in the surfaces' own coordinates: (z0, z1), or the sum-zero plane's u for 3 classes."""
    if values["classes"] == 2:
        return np.array([values["m0"], values["m1"]])
    return to_subspace(np.array([values["m0"], values["m1"], values["m2"]]))


def sweep(tab, path, *, shift=False, steps=8):
    """Press at the first point of `path` (fractions of the scene's canvas) and move through the others."""
    left, top, width, height = tab.evaluate(BOX)
    points = [(left + fx * width, top + fy * height) for fx, fy in path]
    if shift:
        tab.keyboard.down("Shift")
    tab.mouse.move(*points[0])
    tab.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for s in range(1, steps + 1):
            tab.mouse.move(x0 + (x1 - x0) * s / steps, y0 + (y1 - y0) * s / steps)
            tab.wait_for_timeout(40)
    tab.wait_for_timeout(400)  # the last move's hover and draw
    return points[-1]


def surface_hovers(tab):
    return [p for points in tab.evaluate("() => window.hovers") for p in points if p["type"] == "surface"]


@pytest.mark.parametrize("query, path", [
    ("", [(0.4, 0.55), (0.5, 0.6), (0.6, 0.5)]),
    ("?classes=3", [(0.35, 0.6), (0.5, 0.55), (0.6, 0.65)]),
    ("?classes=3&derivatives=1", [(0.4, 0.6), (0.5, 0.62)]),
])
def test_in_the_marker_mode_the_marker_goes_to_the_surface_point_under_the_pointer(laptop, base_url, query, path):
    page = web_page("surfaces")
    open_surfaces(laptop, base_url, query)
    laptop.click("button.pick")
    assert laptop.get_attribute("button.pick", "aria-pressed") == "true"
    before, cameras = laptop.evaluate(STATE), laptop.evaluate(CAMERAS)
    x, y = sweep(laptop, path)
    during = laptop.evaluate(STATE)
    seen = surface_hovers(laptop)
    assert len({(p["x"], p["y"]) for p in seen}) >= 2, "plotly reported fewer than two surface points on the way"
    # the marker is the last surface point plotly found under the pointer, to the 0.01 (2 classes: the grid's
    # 0.3 steps are on them) or 0.001 steps (3) of a logit
    last = np.array([seen[-1]["x"], seen[-1]["y"]])
    assert np.abs(plane_point(during) - last).max() < (1e-9 if during["classes"] == 2 else 0.003), (during, last)
    # that point is a point of the Python builder's grid
    [(_, fig)] = expected_figures(page, to_search(page.controls, during, changed_only=True))
    grid = np.asarray(next(t for t in fig["data"] if t["uid"] == "p0")["x"])
    assert np.abs(grid - last[0]).min() < 1e-9 and np.abs(grid - last[1]).min() < 1e-9
    if during["classes"] == 3:  # the marker keeps its shift along (1, 1, 1), which softmax ignores
        assert sum(during[f"m{i}"] for i in range(3)) == pytest.approx(sum(before[f"m{i}"] for i in range(3)), abs=1e-9)
    # live, before the button is let go: the value boxes show the new logits
    for i in range(during["classes"]):
        assert float(laptop.input_value(f'.control[data-name="m{i}"] input.value')) == during[f"m{i}"]
    laptop.mouse.up()
    # the camera did not turn: not in the figure or the state, and plotly reported no turn (it reports one
    # when a drag that turned the scene ends: the test below sees it)
    assert laptop.evaluate(CAMERAS) == cameras and during["camera"] == before["camera"] == ""
    assert laptop.evaluate("() => window.turns") == 0
    # a real hover at the pointer's place, the button up, finds the marker (or a surface) at the marker's point
    laptop.evaluate("() => { window.hovers = []; }")
    laptop.mouse.move(x + 3, y)
    laptop.mouse.move(x, y)
    laptop.wait_for_function("() => window.hovers.length > 0")
    hovered = laptop.evaluate("() => window.hovers")[-1][0]
    step = grid[1] - grid[0]
    assert np.abs(np.array([hovered["x"], hovered["y"]]) - plane_point(during)).max() <= step, (hovered, during)
    query_now = to_search(page.controls, laptop.evaluate(STATE), changed_only=True)
    laptop.wait_for_function("q => location.search === q", arg=query_now)  # the link holds the moved marker
    assert laptop.errors == []


def test_shift_and_a_drag_moves_the_marker_and_a_plain_drag_still_turns_the_view(laptop, base_url):
    open_surfaces(laptop, base_url, "")
    before, cameras = laptop.evaluate(STATE), laptop.evaluate(CAMERAS)
    sweep(laptop, [(0.45, 0.55), (0.55, 0.6)], shift=True)
    laptop.mouse.up()
    laptop.keyboard.up("Shift")
    moved = laptop.evaluate(STATE)
    assert (moved["m0"], moved["m1"]) != (before["m0"], before["m1"])
    assert laptop.evaluate(CAMERAS) == cameras and laptop.evaluate("() => window.turns") == 0
    sweep(laptop, [(0.45, 0.55), (0.6, 0.55)])  # no mode, no shift: plotly turns the scene
    laptop.mouse.up()
    laptop.wait_for_timeout(300)
    after = laptop.evaluate(STATE)
    assert (after["m0"], after["m1"]) == (moved["m0"], moved["m1"])
    assert laptop.evaluate("() => window.turns") > 0 and after["camera"] != ""
    assert laptop.errors == []


def test_in_the_marker_mode_a_finger_moves_the_marker_on_a_phone(browser, base_url):
    tab = open_tab(browser, base_url, width=390, height=844, touch=True)
    try:
        open_surfaces(tab, base_url, "")
        tab.locator("button.pick").tap()
        tab.locator("#figure-0").scroll_into_view_if_needed()
        before, cameras = tab.evaluate(STATE), tab.evaluate(CAMERAS)
        scroll = tab.evaluate("() => window.scrollY")
        left, top, width, height = tab.evaluate(BOX)
        cdp = tab.context.new_cdp_session(tab)

        def touch(kind, x, y):
            points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        x, y = left + 0.4 * width, top + 0.55 * height
        touch("touchStart", x, y)
        for s in range(1, 11):
            touch("touchMove", x + 6 * s, y + 3 * s)
            tab.wait_for_timeout(60)
        tab.wait_for_timeout(400)
        during = tab.evaluate(STATE)
        touch("touchEnd", 0, 0)
        seen = surface_hovers(tab)
        assert seen, "plotly reported no surface point under the finger"
        assert np.abs(plane_point(during) - [seen[-1]["x"], seen[-1]["y"]]).max() < 1e-9
        assert (during["m0"], during["m1"]) != (before["m0"], before["m1"])
        assert tab.evaluate(CAMERAS) == cameras and tab.evaluate("() => window.turns") == 0
        assert tab.evaluate("() => window.scrollY") == scroll  # the finger did not scroll the page
        assert tab.errors == []
    finally:
        tab.context.close()
