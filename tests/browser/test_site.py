"""The static site in a real chromium, served by a plain static file server (not by softmaxlab).

Every request that is not for the site's own files is blocked and recorded: the pages must work with
nothing else. The figures a page draws are compared with the Python builders' figures for the same link.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from softmaxlab.spec import from_search, to_search
from softmaxlab.web.build import site_pages, write_single_file, write_site
from softmaxlab.web.figures import WEB_FIGURES, plain_figure
from tests.browser.conftest import free_port
from tests.conftest import need_browser
from tests.web_compare import figure_differences
from tests.web_helpers import random_values, static_server

PAGES = site_pages()
PAGE_KEYS = [p.key for p in PAGES]
THREE_D = {"surfaces", "input-space", "loss"}
pytestmark = pytest.mark.skipif(not PAGES, reason="no page has its figures in the browser yet")

# what the page drew: each visible figure's data (typed arrays as lists) and the texts plotly shows
DRAWN = """() => Array.from(document.querySelectorAll('.figure:not([hidden])')).map(d => JSON.parse(JSON.stringify({
  figure: d.dataset.figure, data: d.data, title: d.layout.title && d.layout.title.text,
  annotations: (d.layout.annotations || []).map(a => a.text)}, (k, v) => ArrayBuffer.isView(v) ? Array.from(v) : v)))"""


@pytest.fixture(scope="module")
def site_root(tmp_path_factory):
    """A site written by `write_site`, inside a folder so that it is served under a sub-path."""
    root = tmp_path_factory.mktemp("host")
    write_site(root / "explainer")
    return root


@pytest.fixture(scope="module")
def base_url(site_root):
    need_browser()
    with static_server(site_root, port=free_port()) as url:
        yield url + "explainer/"


def open_tab(browser, allowed: str, *, width=1400, height=1000):
    """A tab that records console errors and blocks (and records) every request outside `allowed`."""
    context = browser.new_context(viewport={"width": width, "height": height})
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
    tab.wait_for_function("() => location.search.length > 1")
    query = tab.evaluate("location.search")
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
