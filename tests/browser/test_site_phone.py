"""The 3D pages of the static site on a phone (390 x 844, touch) in a real chromium: the scenes fit.

A phone's scene is narrow: with the builders' camera, made for a wide screen, the cube was cut left and right.
On a narrow screen the page moves the eye back (app/camera.js `screenZoom`) and the link keeps the wide
screen's eye, so the same link opens alike on both.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.browser.test_site import goto, open_tab

EYE = "id => JSON.parse(JSON.stringify(document.getElementById(id).layout.scene.camera.eye))"


@pytest.fixture
def phone(browser, base_url):
    tab = open_tab(browser, base_url, width=390, height=844, touch=True)
    yield tab
    tab.context.close()


# the 3-class surfaces' axes are titled u1, u2 (the note spells them out): spelled out in the scene, they
# reached the phone's right edge
@pytest.mark.parametrize("view", ["surfaces/", "surfaces/?classes=3", "input-space/", "input-space/?classes=5"])
def test_on_a_phone_no_scene_is_cut_at_the_left_or_right(phone, base_url, view):
    import imageio.v3 as iio

    goto(phone, f"{base_url}{view}")
    phone.wait_for_selector("#figure-0 .gl-container canvas")
    phone.wait_for_timeout(1500)  # software WebGL draws its first frames
    canvas = phone.locator("#figure-0 .gl-container canvas").first
    pixels = np.asarray(iio.imread(io.BytesIO(canvas.screenshot())), dtype=float)[..., :3]
    assert pixels.std() > 10, f"{view}: the scene is blank"
    rows = pixels[: int(0.75 * len(pixels))]  # above the coordinates' note (SVG, over the canvas's bottom left)
    edges = np.concatenate([rows[:, :3], rows[:, -3:]], axis=1)
    blank = (edges.min(axis=-1) > 235).mean(axis=0)  # the share of blank pixels in each of the 6 edge columns
    assert blank.min() > 0.99, f"{view}: the scene is cut at the phone's edge ({blank})"
    assert phone.locator("#figure-0 .modebar").count() == 0  # it covered the title on a touch screen
    assert phone.errors == []


def test_a_link_keeps_the_wide_screens_eye_and_a_phone_shows_it_from_further_back(phone, base_url, browser):
    goto(phone, f"{base_url}surfaces/?camera=0.5,-1.5,0.8")
    on_phone = phone.evaluate(EYE, "figure-0")
    wide = open_tab(browser, base_url, width=1280, height=800)
    try:
        goto(wide, f"{base_url}surfaces/?camera=0.5,-1.5,0.8")
        on_laptop = wide.evaluate(EYE, "figure-0")
    finally:
        wide.context.close()
    assert on_laptop == pytest.approx({"x": 0.5, "y": -1.5, "z": 0.8})
    ratio = [on_phone[a] / on_laptop[a] for a in "xyz"]
    assert ratio == pytest.approx([ratio[0]] * 3) and ratio[0] > 1.2  # the same direction, further back
    assert "camera=0.5%2C-1.5%2C0.8" in phone.url or "camera=0.5,-1.5,0.8" in phone.url  # the link is unchanged
