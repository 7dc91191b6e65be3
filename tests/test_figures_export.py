"""Exports are real files: an HTML page that works offline in a real browser, PNG/SVG images, GIF/MP4 animations."""

import imageio.v3 as iio
import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from softmaxlab.figures.animation import export_animation
from softmaxlab.figures.export import export
from softmaxlab.figures.paths import logit_paths
from softmaxlab.store import Run
from tests.conftest import decode_mp4

# skipped where the exporter finds no browser, except in CI (which installs it): there they fail
needs_chromium = pytest.mark.usefixtures("needs_browser")


def small_run(seed=0, records=12):
    rng = np.random.default_rng(seed)
    z = np.cumsum(rng.normal(size=(records, 12, 3)), axis=0)  # (records, samples, classes)
    return Run(logits=z, steps=np.arange(records) * 10, labels=np.arange(12) % 3, inputs=rng.normal(size=(12, 3)))


def test_html_is_self_contained(tmp_path):
    out = export(logit_paths(small_run()), tmp_path / "deep" / "paths.html")
    html = out.read_text()
    # booleans first: pytest would otherwise diff the 4 MB page on failure
    remote_script = "<script src=\"http" in html or "<script src='http" in html
    inlined = get_plotlyjs()[:2000] in html  # the library itself
    linked = "var scenes = " in html  # one scene: nothing to link
    assert (remote_script, inlined, linked) == (False, True, False)


def test_html_links_the_cameras_of_side_by_side_runs(tmp_path):
    html = export(logit_paths([small_run(1), small_run(2)]), tmp_path / "two.html").read_text()
    linked = 'var scenes = ["scene", "scene2"];' in html
    assert linked


def test_unknown_suffix_and_non_figures_are_refused(tmp_path):
    fig = go.Figure(go.Scatter(y=[1, 2]))
    with pytest.raises(ValueError, match="suffix"):
        export(fig, tmp_path / "f.pdf")
    with pytest.raises(ValueError, match="export_animation"):
        export(fig, tmp_path / "f.gif")
    with pytest.raises(ValueError, match="Figure"):
        export({"data": []}, tmp_path / "f.html")
    with pytest.raises(ValueError, match=".gif or .mp4"):
        export_animation(small_run(), tmp_path / "f.html")
    assert not any(tmp_path.iterdir())


@needs_chromium
@pytest.mark.slow
def test_html_draws_offline_in_headless_chromium(tmp_path, chromium_browser):
    out = export(logit_paths([small_run(1), small_run(2)], step=50), tmp_path / "paths.html")
    context = chromium_browser.new_context(offline=True, viewport={"width": 1400, "height": 700})
    try:
        page = context.new_page()
        remote = []
        page.route("**/*", lambda route: (remote.append(route.request.url), route.abort())
                   if not route.request.url.startswith("file:") else route.continue_())
        page.goto(out.as_uri())
        page.wait_for_selector(".gl-container canvas", timeout=30_000)
        page.wait_for_timeout(1500)  # WebGL draws after the DOM is built
        shot = iio.imread(page.locator(".gl-container canvas").first.screenshot())[..., :3]  # (h, w, 3)
        # the class-0 blue (#1f77b4) of the paths really is on the canvas
        blue = np.all(np.abs(shot.astype(int) - [0x1F, 0x77, 0xB4]) < 40, axis=-1)
        assert blue.sum() > 50, "no class-0 path pixels on the WebGL canvas"
        assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 20
        # turning one scene turns the other (the linked-camera script)
        eye = {"x": 0.3, "y": 2.1, "z": 0.4}
        page.evaluate("eye => { const gd = document.querySelector('.plotly-graph-div');"
                      " return Plotly.relayout(gd, {'scene.camera': {eye: eye}}); }", eye)
        page.wait_for_timeout(500)
        followed = page.evaluate("() => document.querySelector('.plotly-graph-div').layout.scene2.camera.eye")
        assert followed == pytest.approx(eye)
        assert remote == []
    finally:
        context.close()


@needs_chromium
def test_png_and_svg_are_real_images(tmp_path):
    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[0, 2, 1], mode="lines+markers", line=dict(color="#d62728", width=6)))
    png = export(fig, tmp_path / "f.png", width=400, height=300)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = iio.imread(png)
    assert pixels.shape[:2] == (300, 400)
    assert pixels[..., :3].std() > 5 and len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 10
    red = np.all(np.abs(pixels[..., :3].astype(int) - [0xD6, 0x27, 0x28]) < 30, axis=-1)
    assert red.sum() > 100  # the line is drawn
    svg = export(fig, tmp_path / "f.svg", width=400, height=300).read_text()
    assert svg.lstrip().startswith("<svg") and "path" in svg


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_animation_has_several_different_frames(tmp_path, suffix):
    out = export_animation(small_run(records=30), tmp_path / f"paths{suffix}", frames=3, width=480, height=400,
                           show_inputs=False, progress=False)
    frames = iio.imread(out, index=None) if suffix == ".gif" else decode_mp4(out)
    assert frames.shape[0] == 3
    assert frames.shape[1:3] == (400, 480)
    # the diamonds move between the first and the last frame
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).sum() > 1000
