"""The static site in a real chromium, served by a plain static file server (not by softmaxlab).

Every request that is not for the site's own files is blocked and recorded: the pages must work with
nothing else. The figures a page draws are compared with the Python builders' figures for the same link.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from softmaxlab.spec import from_search, to_search
from softmaxlab.web.build import site_pages, write_single_file
from softmaxlab.web.figures import WEB_FIGURES, plain_figure
from tests.conftest import need_browser
from tests.web_compare import figure_differences
from tests.web_helpers import random_values

PAGES = [p for p in site_pages() if p.key != "paths"]  # the Logit paths page: tests/browser/test_site_paths.py
PAGE_KEYS = [p.key for p in PAGES]
THREE_D = {"surfaces", "input-space", "loss"}
pytestmark = pytest.mark.skipif(not PAGES, reason="no page has its figures in the browser yet")

# what the page drew: each visible figure's data (typed arrays as lists) and the texts plotly shows
DRAWN = """() => Array.from(document.querySelectorAll('.figure:not([hidden])')).map(d => JSON.parse(JSON.stringify({
  figure: d.dataset.figure, data: d.data, title: d.layout.title && d.layout.title.text,
  annotations: (d.layout.annotations || []).map(a => a.text)}, (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v)))"""


def open_tab(browser, allowed: str, *, width=1400, height=1000, touch=False):
    """A tab that records console errors and blocks (and records) every request outside `allowed`."""
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch, is_mobile=touch)
    tab = context.new_page()
    tab.errors, tab.blocked = [], []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))

    def gate(route):
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            tab.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    return tab


@pytest.fixture
def tab(browser, base_url):
    tab = open_tab(browser, base_url)
    yield tab
    tab.context.close()


def goto(tab, url):
    tab.goto(url)
    tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")


def expected_figures(page, query):
    values, errors = from_search(page.controls, query)
    assert not errors, errors
    plan, problems = page.plan(values)
    assert not problems, problems
    return [(name, plain_figure(WEB_FIGURES[name].build(options))) for name, options in plan]


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_a_page_draws_with_nothing_but_its_own_files(tab, base_url, key):
    goto(tab, f"{base_url}{key}/")
    assert tab.evaluate(DRAWN), "nothing drawn"
    assert tab.blocked == [] and tab.errors == [], (tab.blocked, tab.errors)


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_the_page_draws_the_python_builders_figure_for_a_link(tab, base_url, key):
    page = next(p for p in PAGES if p.key == key)
    rng = np.random.default_rng(len(key))
    for _ in range(4):
        query = to_search(page.controls, random_values(page.controls, rng), changed_only=True)
        goto(tab, f"{base_url}{key}/{query}")
        drawn = tab.evaluate(DRAWN)
        expected = expected_figures(page, query)
        assert [d["figure"] for d in drawn] == [name for name, _ in expected], query
        for got, (name, fig) in zip(drawn, expected):
            problems = figure_differences(got["data"], fig["data"], where=f"{name}.data", extra_keys=True)
            assert not problems, f"{query}:\n" + "\n".join(problems)
            assert got["title"] == fig["layout"]["title"]["text"]
            assert got["annotations"] == [a["text"] for a in fig["layout"].get("annotations", [])]
    assert tab.errors == [] and tab.blocked == []


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_every_bad_value_of_a_link_is_named_and_the_defaults_are_drawn(tab, base_url, key):
    page = next(p for p in PAGES if p.key == key)
    numeric = next(c for c in page.controls if c.kind in ("int", "float") and c.maximum is not None)
    query = f"?{numeric.name}=1e999&nosuch=1&{numeric.name[:1]}zz=" + "x" * 50
    goto(tab, f"{base_url}{key}/{query}")
    message = tab.inner_text(".message")
    expected = from_search(page.controls, query)[1]
    assert len(expected) == 3
    for error in expected:
        assert error in message
    assert tab.evaluate(DRAWN) and tab.errors == []


def test_a_control_change_rewrites_the_link_which_reopens_the_same_view(tab, base_url):
    key = PAGE_KEYS[0]
    goto(tab, f"{base_url}{key}/")
    slider = tab.locator("input[type=range]").first
    slider.focus()
    for _ in range(3):
        tab.keyboard.press("ArrowRight")
    # the link of the page's newest state (draws come once per frame, the link once the input rests)
    tab.wait_for_timeout(300)
    page = PAGES[0]
    values = tab.evaluate(STATE)
    query = to_search(page.controls, {c.name: values[c.name] for c in page.controls}, changed_only=True)
    assert query != ""
    tab.wait_for_function("q => location.search === q", arg=query)
    before = tab.evaluate(DRAWN)
    tab.reload()
    tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
    assert tab.evaluate("location.search") == query
    assert tab.evaluate(DRAWN) == before


@pytest.mark.parametrize("key", sorted(THREE_D & set(PAGE_KEYS)))
def test_a_3d_page_has_pixels_on_its_canvas(tab, base_url, key):
    from tests.browser.browser_helpers import canvas_spread

    goto(tab, f"{base_url}{key}/")
    tab.wait_for_selector(".figure canvas")
    assert canvas_spread(tab, "figure-0") > 10


CANVAS_SIZE = "() => { const c = document.querySelector('#figure-0 .gl-container canvas'); return [c.width, c.clientWidth, c.height, c.clientHeight]; }"


@pytest.mark.parametrize("ratio", [1, 2, 3])
def test_a_3d_scene_draws_at_the_screens_pixel_ratio_up_to_2_and_saves_its_png_at_2x(browser, base_url, tmp_path, ratio):
    import imageio.v3 as iio

    context = browser.new_context(viewport={"width": 1200, "height": 800}, device_scale_factor=ratio)
    try:
        tab = context.new_page()
        goto(tab, f"{base_url}surfaces/")
        tab.wait_for_selector("#figure-0 .gl-container canvas")
        width, css_width, height, css_height = tab.evaluate(CANVAS_SIZE)
        drawn = min(ratio, 2)  # plotly's own default is 2 on every screen
        assert (width, height) == (np.ceil(css_width * drawn), np.ceil(css_height * drawn))
        for press in ("page", "mode bar"):
            with tab.expect_download() as info:
                if press == "page":
                    tab.get_by_role("button", name="save PNG").click()
                else:
                    tab.hover("#figure-0")
                    tab.click('#figure-0 .modebar-btn[data-title="Download the plot as a PNG (2x)"]')
            path = tmp_path / f"{press}-{info.value.suggested_filename}"
            info.value.save_as(path)
            image = np.asarray(iio.imread(path), dtype=float)[..., :3]
            size = tab.evaluate("() => ['height', 'width'].map(k => Number(document.querySelector('#figure-0 .main-svg').getAttribute(k)))")
            assert image.shape[:2] == (2 * size[0], 2 * size[1]), press  # scale 2, whatever the screen
            box = tab.evaluate("() => { const c = document.querySelector('#figure-0 .gl-container canvas').getBoundingClientRect(),"
                               " f = document.querySelector('#figure-0 .main-svg').getBoundingClientRect();"
                               " return [c.top - f.top, c.bottom - f.top, c.left - f.left, c.right - f.left]; }")
            top, bottom, left, right = (int(2 * v) for v in box)
            assert image[top:bottom, left:right].std() > 10, press  # the scene is in the image, not a blank box
        # plotly's own image button (it would upscale the screen's drawing) is replaced by the one above
        assert tab.locator("#figure-0 .modebar-btn").count() > 1
        assert tab.locator('#figure-0 .modebar-btn[data-title="Download plot as a PNG"]').count() == 0
    finally:
        context.close()


def test_on_a_phone_the_figure_takes_the_width_below_the_controls(browser, base_url):
    tab = open_tab(browser, base_url, width=390, height=844)
    try:
        goto(tab, f"{base_url}{PAGE_KEYS[0]}/")
        box = tab.locator(".figure").first.bounding_box()
        panel = tab.locator(".panel").bounding_box()
        assert box["width"] > 330 and box["y"] > panel["y"] + panel["height"] - 1
    finally:
        tab.context.close()


def test_the_single_file_works_from_disk_and_keeps_the_state_in_the_hash(browser, tmp_path):
    need_browser()
    path = write_single_file(tmp_path / "explainer.html")
    tab = open_tab(browser, path.as_uri())
    try:
        key = PAGE_KEYS[0]
        page = PAGES[0]
        query = to_search(page.controls, random_values(page.controls, np.random.default_rng(3)), changed_only=True)
        goto(tab, f"{path.as_uri()}#{key}{query}")
        drawn = tab.evaluate(DRAWN)
        for got, (name, fig) in zip(drawn, expected_figures(page, query)):
            assert not figure_differences(got["data"], fig["data"], extra_keys=True)
        assert tab.errors == [] and tab.blocked == []
    finally:
        tab.context.close()


# every figure's title inside its figure's box, and nothing wider than the screen (a phone scrolled sideways)
READABLE = """() => ({scroll: document.documentElement.scrollWidth, screen: window.innerWidth,
  titles: Array.from(document.querySelectorAll('.figure:not([hidden])')).map(d => {
    const box = d.getBoundingClientRect(), t = d.querySelector('.gtitle');
    const r = t ? t.getBoundingClientRect() : box;
    return {left: r.left - box.left, right: box.right - r.right, top: r.top - box.top}; }),
  sliders: Array.from(document.querySelectorAll('input[type=range]')).filter(s => s.offsetParent)
    .map(s => s.getBoundingClientRect().height)})"""

PHONE_VIEWS = {"softmax": ["", "?k=2"], "surfaces": ["", "?classes=3&derivatives=1"], "input-space": ["?classes=5&fourth=0.4"],
               "loss": [""], "sampling": ["?top_p=0.8&samples=5000"]}


@pytest.mark.parametrize("key", PAGE_KEYS)
def test_on_a_phone_nothing_overflows_titles_stay_inside_and_sliders_are_touch_sized(browser, base_url, key):
    tab = open_tab(browser, base_url, width=390, height=844)
    try:
        for query in PHONE_VIEWS.get(key, [""]):
            goto(tab, f"{base_url}{key}/{query}")
            seen = tab.evaluate(READABLE)
            assert seen["scroll"] <= seen["screen"], f"{key}{query}: the page is wider than the phone"
            for box in seen["titles"]:
                assert min(box.values()) >= -1, f"{key}{query}: a title is cut at the figure's edge: {box}"
            assert all(h >= 24 for h in seen["sliders"]), f"{key}{query}: sliders under 24 px: {seen['sliders']}"
    finally:
        tab.context.close()


def test_the_derivative_scenes_fit_their_halves(tab, base_url):
    """Nothing of a scene (its cube, its tick labels) reaches the edge of its viewport, where it would be cut."""
    import io

    import imageio.v3 as iio

    for query in ("?classes=3&derivatives=1", "?derivatives=1"):
        goto(tab, f"{base_url}surfaces/{query}")
        tab.wait_for_selector("#figure-0 .gl-container canvas")
        tab.wait_for_timeout(1500)  # software WebGL draws its first frames
        for scene in ("scene", "scene2"):
            canvas = tab.locator(f"#figure-0 #{scene} canvas").first
            pixels = np.asarray(iio.imread(io.BytesIO(canvas.screenshot())), dtype=float)[..., :3]  # (h, w, 3)
            assert pixels.std() > 10, f"{scene} is blank"
            rows = pixels[: int(0.75 * len(pixels))]  # above the coordinates' note (SVG, in the bottom right corner)
            edges = np.concatenate([rows[:, :3], rows[:, -3:]], axis=1)  # the left and right 3 columns
            blank = (edges.min(axis=-1) > 235).mean(axis=0)  # (6,) the share of blank pixels in each edge column
            assert blank.min() > 0.99, f"{query} {scene}: drawing cut at the scene's edge ({blank})"


# ---- the fast path draws what a full Plotly.react draws ----------------------------------------------

# what plotly drew in a figure's SVG: every element's geometry, style and text (ids and clip paths left out)
SVG = """id => Array.from(document.getElementById(id).querySelectorAll('svg.main-svg *')).map(el => {
  const a = {tag: el.tagName, cls: el.getAttribute('class')};
  for (const n of ['d', 'transform', 'x', 'y', 'width', 'height', 'x1', 'x2', 'y1', 'y2', 'style', 'text-anchor'])
    if (el.getAttribute(n) !== null) a[n] = el.getAttribute(n);
  // the same picture in other words: plotly leaves "opacity: 1" where it once faded a group in, orders a
  // style's declarations as it last wrote them, and gives each pattern a fresh id
  if (a.style !== undefined) a.style = a.style.split(';').map(d => d.trim().replace(/url\\("#[^"]*"\\)/g, 'url(#)'))
    .filter(d => d && !/^(fill-|stroke-)?opacity: 1$/.test(d)).sort().join('; ');
  if (a.style === '') delete a.style;
  if (el.tagName === 'text' || el.tagName === 'tspan') a.text = el.textContent;
  return a; })"""
CAMERA = "id => JSON.parse(JSON.stringify(document.getElementById(id).layout.scene.camera.eye))"


def drawn_now(tab, values):
    """Set the page's state through its controller (a fast draw) and wait for the draw."""
    tab.evaluate("v => document.getElementById('page').softmaxlab.set(v)", values)
    return tab.evaluate("() => document.getElementById('page').softmaxlab.drawing.last")


def test_a_layout_only_change_is_relaid_out_and_draws_what_a_full_react_draws(tab, base_url):
    # two divs hold the same figure; one gets a new title, note, line and range through the fast path,
    # the other a full Plotly.react of the same new figure: plotly must have drawn the same SVG
    goto(tab, f"{base_url}softmax/")
    how = tab.evaluate("""() => {
      const gd = document.getElementById('figure-0');
      const before = {data: gd.data, layout: structuredClone(gd.layout)};
      const after = {data: gd.data, layout: structuredClone(gd.layout)};
      after.layout.title.text = 'a new title<br>and its line';
      after.layout.annotations[0].text = 'entropy: another note';
      after.layout.shapes[0].x0 = after.layout.shapes[0].x1 = -2.5;
      after.layout.xaxis3.range = [-6, 7];
      for (const id of ['fast', 'full']) {
        const div = document.createElement('div'); div.id = id; div.style.width = '1000px';
        document.body.append(div);
        Plotly.react(div, before.data, structuredClone(before.layout));
      }
      Plotly.react('full', after.data, structuredClone(after.layout));
      return softmaxlab.showFigure(document.getElementById('fast'), structuredClone(after), before, {});
    }""")
    assert how == "relayout"
    fast, full = tab.evaluate(SVG, "fast"), tab.evaluate(SVG, "full")
    assert len(fast) > 100 and fast == full
    assert "another note" in json.dumps(fast) and "a new title" in json.dumps(fast)


@pytest.mark.parametrize("key, steps", [
    ("softmax", [{"z0": -3.5}, {"c": 2.5}, {"t": 0.4, "z2": 6.0}, {"fit": True}, {"c": -1.5}]),
    ("sampling", [{"t": 0.3}, {"samples": 0}, {"seed": 9}, {"top_k": 3}, {"samples": 40}]),
    ("surfaces", [{"m0": -2.0}, {"camera": "0,0,2.5"}, {"t": 2.0}, {"camera": "2.5,0,0.3"}]),
    # plotly writes into the traces it is given (a colour bar's place): the page must compare with its own copy
    ("loss", [{"smoothing": 0.2}, {"camera": "0,0,2.5"}]),
])
def test_after_fast_draws_a_page_shows_what_a_fresh_page_draws_for_the_same_link(browser, base_url, key, steps):
    page = next(p for p in PAGES if p.key == key)
    tab = open_tab(browser, base_url)
    fresh = open_tab(browser, base_url)
    try:
        goto(tab, f"{base_url}{key}/")
        ways = [how for step in steps for how in drawn_now(tab, step)]
        assert "react" in ways and ({"none", "relayout"} & set(ways)), ways  # both paths were taken
        values = tab.evaluate("() => document.getElementById('page').softmaxlab.values")
        query = to_search(page.controls, {c.name: values[c.name] for c in page.controls}, changed_only=True)
        goto(fresh, f"{base_url}{key}/{query}")
        assert tab.evaluate(DRAWN) == fresh.evaluate(DRAWN)
        for got, (name, fig) in zip(tab.evaluate(DRAWN), expected_figures(page, query)):
            assert not figure_differences(got["data"], fig["data"], where=name, extra_keys=True)
        if key in THREE_D:
            assert tab.evaluate(CAMERA, "figure-0") == fresh.evaluate(CAMERA, "figure-0")
        else:
            assert tab.evaluate(SVG, "figure-0") == fresh.evaluate(SVG, "figure-0")
        assert tab.errors == [] and fresh.errors == []
    finally:
        tab.context.close()
        fresh.context.close()


def test_changes_that_queue_up_during_a_draw_make_one_more_draw_of_the_newest_state(tab, base_url):
    page = next(p for p in PAGES if p.key == "softmax")
    goto(tab, f"{base_url}softmax/")
    draws = tab.evaluate("""async () => {
      const root = document.getElementById('page');
      const input = document.querySelector('.control[data-name="z1"] input[type=range]');
      let n = 0;
      root.addEventListener('softmaxlab:drawn', () => n++);
      for (const v of ['-1', '-2', '-3', '-4', '-5.5']) {  // five moves in one task, as if queued
        input.value = v;
        input.dispatchEvent(new Event('input', {bubbles: true}));
      }
      await new Promise(r => setTimeout(r, 200));
      return n;
    }""")
    assert draws == 2  # the first at once, the four queued behind it as one
    assert tab.evaluate(STATE)["z1"] == -5.5
    [(name, fig), *_] = expected_figures(page, "?z1=-5.5")
    assert not figure_differences(tab.evaluate(DRAWN)[0]["data"], fig["data"], where=name, extra_keys=True)


# ---- direct manipulation: drag a dot -----------------------------------------------------------------

DOT = """([id, uid]) => { const gd = document.getElementById(id);
  const r = gd.querySelector(`.scatterlayer .trace${uid} path.point`).getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2]; }"""
STATE = "() => document.getElementById('page').softmaxlab.values"


def drag(tab, start, dy, *, dx=0, steps=12):
    x, y = start
    tab.mouse.move(x, y)
    tab.mouse.down()
    for s in range(1, steps + 1):
        tab.mouse.move(x + dx * s / steps, y + dy * s / steps)
    tab.wait_for_timeout(100)  # the last move's frame


@pytest.mark.parametrize("uid, dy", [("exp-1", -45), ("softmax-2", -60), ("exp-0", 70)])
def test_dragging_a_dot_sets_its_logit_and_every_number_follows(tab, base_url, uid, dy):
    page = next(p for p in PAGES if p.key == "softmax")
    goto(tab, f"{base_url}softmax/?t=1.5")
    i = int(uid.split("-")[1])
    before = tab.evaluate(STATE)
    start = tab.evaluate(DOT, ["figure-0", uid])
    drag(tab, start, dy)
    during = tab.evaluate(STATE)
    # the dot is under the pointer (drawn by plotly where the pointer is, to the 0.01 steps of the logit)
    _, y_now = tab.evaluate(DOT, ["figure-0", uid])
    assert abs(y_now - (start[1] + dy)) < 2.5, (y_now, start, dy)
    assert during[f"z{i}"] != before[f"z{i}"]
    assert {k: v for k, v in during.items() if k != f"z{i}"} == {k: v for k, v in before.items() if k != f"z{i}"}
    # live, before the button is let go: the value box, the figure's legend and notes are the new state's
    assert tab.input_value(f'.control[data-name="z{i}"] input.value') == repr(during[f"z{i}"]).removesuffix(".0")
    query = to_search(page.controls, during, changed_only=True)
    [(name, fig), *_] = expected_figures(page, query)
    drawn = tab.evaluate(DRAWN)[0]
    assert not figure_differences(drawn["data"], fig["data"], where=name, extra_keys=True)
    assert drawn["annotations"] == [a["text"] for a in fig["layout"]["annotations"]]
    tab.mouse.up()
    tab.wait_for_function("q => location.search === q", arg=query)  # the link at the drag's end
    assert tab.errors == []


def test_a_finger_drags_a_dot_on_a_phone(browser, base_url):
    tab = open_tab(browser, base_url, width=390, height=844, touch=True)
    try:
        goto(tab, f"{base_url}softmax/")
        tab.locator("#figure-0").scroll_into_view_if_needed()
        before = tab.evaluate(STATE)["z2"]
        x, y = tab.evaluate(DOT, ["figure-0", "softmax-2"])
        cdp = tab.context.new_cdp_session(tab)
        touch = lambda kind, py: cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [] if kind == "touchEnd" else [{"x": x, "y": py}]})
        touch("touchStart", y)
        for s in range(1, 9):
            touch("touchMove", y - 5 * s)
        tab.wait_for_timeout(150)
        _, y_now = tab.evaluate(DOT, ["figure-0", "softmax-2"])
        touch("touchEnd", y - 40)
        assert tab.evaluate(STATE)["z2"] > before and abs(y_now - (y - 40)) < 3, (before, y, y_now)
        assert tab.errors == []
    finally:
        tab.context.close()


def test_a_press_away_from_the_dots_is_still_plotlys_zoom(tab, base_url):
    goto(tab, f"{base_url}softmax/")
    before = tab.evaluate(STATE)
    x, y = tab.evaluate(DOT, ["figure-0", "exp-0"])
    drag(tab, (x - 150, y - 30), 40, dx=60)
    tab.mouse.up()
    tab.wait_for_timeout(300)
    assert tab.evaluate(STATE) == before
    assert tab.evaluate("() => document.getElementById('figure-0').layout.xaxis.range") != [-9, 9]  # zoomed


# ---- this page as one HTML file ----------------------------------------------------------------------

def test_this_page_as_one_html_file_downloads_the_explainer_at_this_state(tab, base_url, tmp_path):
    page = next(p for p in PAGES if p.key == "sampling")
    query = "?t=0.7&top_k=3&samples=50"
    goto(tab, f"{base_url}sampling/{query}")
    with tab.expect_download() as info:
        tab.click("button.one-file")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "softmaxlab-sampling.html"
    disk = open_tab(browser=tab.context.browser, allowed=path.as_uri())
    try:
        goto(disk, path.as_uri())
        assert disk.evaluate("location.hash") == f"#sampling{query}"
        drawn = disk.evaluate(DRAWN)
        for got, (name, fig) in zip(drawn, expected_figures(page, query), strict=True):
            assert not figure_differences(got["data"], fig["data"], where=name, extra_keys=True)
            assert got["title"] == fig["layout"]["title"]["text"]
        assert disk.errors == [] and disk.blocked == []
    finally:
        disk.context.close()


# ---- live draws: a moving control moves plotly's SVG, plotly draws once the control rests -----------

# move a slider as a hand does (input events), and as soon as the page has drawn, read what it drew and let
# plotly draw the same figure with a full Plotly.react into a twin div of the same size
LIVE_AND_TWIN = """async ([name, positions]) => {
  const root = document.getElementById('page'), gd = document.getElementById('figure-0');
  // a slider moved by a hand, or a button pressed ("button:<its label>")
  const input = document.querySelector(`.control[data-name="${name}"] input[type=range]`);
  const button = [...document.querySelectorAll('button')].find(b => `button:${b.textContent}` === name);
  // a hand that has moved the slider before: to the first position (and rested there: plotly has drawn it),
  // then on without resting (each move drawn live over the last)
  for (const [i, position] of positions.slice(0, -1).entries()) {
    input.value = String(position);
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await new Promise(r => setTimeout(r, i === 0 ? 250 : 20));
  }
  const drawn = new Promise(r => root.addEventListener('softmaxlab:drawn', e => r(e.detail.how), {once: true}));
  window.rested = false;
  root.addEventListener('softmaxlab:rested', () => { window.rested = true; }, {once: true});
  const texts = div => [...div.querySelectorAll('.gtitle, .annotation-text, .legendtext, g[class$="tick"] > text')]
    .map(e => e.textContent);
  const before = texts(gd);
  if (button) button.click();
  else {
    input.value = String(positions.at(-1));
    input.dispatchEvent(new Event('input', {bubbles: true}));
  }
  const how = await drawn;
  const fig = structuredClone({data: gd.data, layout: gd.layout});  // what the page meant to draw
  const read = div => {
    const at = s => [...div.querySelectorAll(s)];
    return {points: at('.scatterlayer .trace .point').map(e => e.getAttribute('transform')),
            lines: at('.scatterlayer .trace .js-line').map(e => e.getAttribute('d')),
            bars: at('.scatterlayer .trace .errorbar path').map(e => e.getAttribute('d')),
            columns: at('.barlayer .trace .point path').map(e => e.getAttribute('d')),
            shapes: at('.shapelayer path').map(e => e.getAttribute('d')),
            // each tick label's right end and middle height in the div (a y axis' labels end at their tick)
            ticks: at('g[class$="tick"] > text').map(e => { const r = e.getBoundingClientRect(), d = div.getBoundingClientRect();
              return `translate(${r.right - d.left},${(r.top + r.bottom) / 2 - d.top})`; }),
            texts: texts(div)}; };
  const live = read(gd);
  const twin = document.createElement('div');
  twin.style.cssText = `position:absolute;left:0;top:0;width:${gd._fullLayout.width}px;height:${gd._fullLayout.height}px`;
  document.body.append(twin);
  await Plotly.react(twin, fig.data, fig.layout);
  const full = read(twin);
  twin.remove();
  return {how, before, live, full};
}"""
NUMBERS = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def numbers(path: str) -> np.ndarray:
    """The numbers of an SVG path or a translate(), in order."""
    import re
    return np.array([float(v) for v in re.findall(NUMBERS, path)])


def vertices(line: str) -> np.ndarray:
    """The (x, y) vertices of a line's path (plotly writes a line as M x,y L x,y ...)."""
    return numbers(line).reshape(-1, 2)


def off_polyline(points: np.ndarray, line: np.ndarray) -> float:
    """The largest distance of `points` from the polyline through `line`'s vertices."""
    a, b = line[:-1], line[1:]
    worst = 0.0
    for p in points:
        ab = b - a
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12), 0, 1)
        worst = max(worst, float(np.min(np.linalg.norm(a + t[:, None] * ab - p, axis=1))))
    return worst


# the slider's positions (the temperature's slider is logarithmic: positions 0..1000), the last one measured
@pytest.mark.parametrize("key, query, name, positions", [
    ("softmax", "", "z0", [-3.7]), ("softmax", "?k=5&c=1.5", "z3", [4.2]), ("softmax", "?k=2", "z1", [6.5]),
    ("sampling", "", "t", [650, 661]), ("sampling", "?top_p=0.9&samples=300", "t", [400, 405]),
    # the fixed log axis of e^{z/T}: its range and ticks' values follow T, its ticks stay in place
    ("softmax", "", "t", [500, 530, 560]), ("softmax", "?k=7&z5=-6", "t", [300, 290]),
    # a filter's value names its row (a tick of the middle axis); no token crosses it between the positions
    ("sampling", "?top_p=0.82", "top_p", [0.83, 0.84, 0.86]), ("sampling", "?min_p=0.14", "min_p", [0.15, 0.16]),
    # a button that moves every dot
    ("softmax", "?c=1.5", "button:add c to every logit", [None]),
])
def test_a_moving_slider_is_drawn_live_where_plotly_draws_it_and_plotly_draws_it_at_rest(browser, base_url, key, query,
                                                                                           name, positions):
    tab, fresh = open_tab(browser, base_url), open_tab(browser, base_url)
    try:
        goto(tab, f"{base_url}{key}/{query}")
        got = tab.evaluate(LIVE_AND_TWIN, [name, positions])
        assert got["how"][0] == "live", got["how"]
        live, full = got["live"], got["full"]
        assert live["texts"] == full["texts"] != got["before"]
        assert live["points"] and (live["columns"] if key == "sampling" else live["shapes"])  # something moved
        for kind in ("points", "bars", "shapes", "columns", "ticks"):
            assert len(live[kind]) == len(full[kind]), kind
            for a, b in zip(live[kind], full[kind]):
                assert np.abs(numbers(a) - numbers(b)).max() < 0.6, (kind, a, b)
        assert len(live["lines"]) == len(full["lines"])
        for a, b in zip(live["lines"], full["lines"]):
            # plotly's vertices lie on the live line, which has every point; plotly leaves out the points that
            # lie within max(line width, 3) / 4 px of the line it keeps (its line simplification)
            assert off_polyline(vertices(b), vertices(a)) < 0.6 and off_polyline(vertices(a), vertices(b)) < 1.0
        # at rest, plotly has drawn the page: the same SVG as a fresh page of the same link
        tab.wait_for_function("() => window.rested")
        tab.wait_for_timeout(300)  # plotly's react may finish drawing after the event's task
        goto(fresh, f"{base_url}{key}/{tab.evaluate('() => location.search')}")
        assert tab.evaluate(SVG, "figure-0") == fresh.evaluate(SVG, "figure-0")
        assert tab.errors == [] and fresh.errors == []
    finally:
        tab.context.close()
        fresh.context.close()


def test_a_moving_slider_that_changes_an_axis_is_drawn_by_plotly(tab, base_url):
    # with axes that fit, the temperature changes the exp panel's range and ticks: no live draw can move an
    # axis, plotly reacts
    goto(tab, f"{base_url}softmax/?fit=1")
    got = tab.evaluate(LIVE_AND_TWIN, ["t", [300]])
    assert got["how"][0] == "react", got["how"]
    live, full = got["live"], got["full"]
    live_ticks, full_ticks = live.pop("ticks"), full.pop("ticks")
    assert live == full  # the page's react draws what a full react draws
    assert len(live_ticks) == len(full_ticks)  # and its tick labels where it draws them (boxes to float rounding)
    for a, b in zip(live_ticks, full_ticks):
        assert np.abs(numbers(a) - numbers(b)).max() < 0.01
