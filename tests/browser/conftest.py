"""A real `softmaxlab serve` process, the static site on a plain file server, and a real chromium (Debian's, through Playwright) for the browser tests.

Where /usr/bin/chromium is missing the tests are skipped, except when the environment variable CI is set:
there `.ci/run` installs chromium, so a missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from softmaxlab.web.build import write_site
from tests.conftest import CHROMIUM, need_browser
from tests.web_helpers import static_server

# a short run for the Runs page, written by the real CLI
TRAIN_ARGS = ["--steps", "60", "--seed", "1"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(logdir: Path, *, port: int | None = None, timeout: float = 60.0):
    """`softmaxlab serve --no-browser` as a subprocess; returns `(process, url)` once the app answers."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "softmaxlab", "serve", "--no-browser", "--port", str(port), "--logdir", str(logdir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + timeout
    url = None
    while url is None:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"softmaxlab serve exited with {process.wait()}")
        if "http://" in line:
            url = line[line.index("http://"):].split()[0]
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("softmaxlab serve printed no URL")
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return process, url.rstrip("/")
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.2)


@pytest.fixture(scope="session")
def logdir(tmp_path_factory):
    """A runs folder holding one run made by `softmaxlab train`."""
    root = tmp_path_factory.mktemp("runs")
    out = subprocess.run([sys.executable, "-m", "softmaxlab", "train", *TRAIN_ARGS, "--out", str(root / "first")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return root


@pytest.fixture(scope="session")
def server(logdir):
    need_browser()
    process, url = start_server(logdir)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """The static site (`write_site`, built once) served by a plain static file server (not softmaxlab) under
    a sub-path: the URL of its folder, `http://127.0.0.1:PORT/explainer/`."""
    need_browser()
    root = tmp_path_factory.mktemp("host")
    write_site(root / "explainer")
    with static_server(root, port=free_port()) as url:
        yield url + "explainer/"


@pytest.fixture(scope="session")
def browser(chromium_browser):
    return chromium_browser  # the suite's one chromium (tests/conftest.py)


@pytest.fixture
def page(browser):
    """A fresh tab that records console errors and uncaught exceptions in `page.errors`."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    context.close()
