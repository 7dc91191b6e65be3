"""Fixtures shared across the suite: one real chromium (Debian's, through Playwright) per session.

Playwright's sync API runs an event loop for as long as it is open, and a second
`sync_playwright()` in the same process fails while the first is alive; so every
test that needs a browser takes this one session fixture.
Where the browser is missing the test is skipped, except when the environment
variable CI is set: there `.ci/run` installs chromium, so a missing browser fails.
"""

import os
import shutil
import pytest

def _browser():
    """The browser the exporter would use (`find_browser`: one rule for the tests and the code) and why not."""
    from softmaxlab.figures.export import BrowserNotFoundError, find_browser

    try:
        return find_browser(), None
    except BrowserNotFoundError as e:
        return None, str(e)


CHROMIUM, MISSING_BROWSER = _browser()
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def need_browser():
    if CHROMIUM is None:
        message = MISSING_BROWSER
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the browser tests)")
        pytest.skip(message)


@pytest.fixture
def needs_browser():
    """For tests that render with Chromium but need no Playwright page (PNG, GIF, MP4 export)."""
    need_browser()


@pytest.fixture(scope="session")
def chromium_browser():
    need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def decode_mp4(path):
    """The frames of an MP4, `(frames, height, width, 3)` uint8, decoded by ffmpeg itself.

    imageio's reader starts ffmpeg with `preexec_fn`, a Python fork, which JAX warns about in a process
    whose JAX threads run (this one, once a test has trained); a plain subprocess does not fork in Python.
    """
    import re
    import subprocess

    import imageio_ffmpeg
    import numpy as np

    done = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path), "-f", "rawvideo",
                           "-pix_fmt", "rgb24", "-"], capture_output=True, check=True, timeout=120)
    width, height = map(int, re.search(rb"Video: .*?, (\d+)x(\d+)", done.stderr).groups())
    return np.frombuffer(done.stdout, np.uint8).reshape(-1, height, width, 3)


NODE = shutil.which("node")


def need_node():
    """Skip a JavaScript test where node is missing, except in CI (`.ci/run` installs it): fail there."""
    if NODE is None:
        message = "node is not installed (the JavaScript tests need node >= 20)"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the JavaScript tests)")
        pytest.skip(message)
