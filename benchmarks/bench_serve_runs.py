"""The Runs page in headless chromium against a real `softmaxlab serve`: a big run opened, against a small one.

Run: `python benchmarks/bench_serve_runs.py [--samples 10000] [--records 1000] [--opens 5]`. Needs chromium.

Writes two recorded runs of 3 classes into a temporary runs folder with `RunWriter` (a big one of `--samples`
x `--records`, and the reference-sized 60 x 1000), starts `softmaxlab serve` on it, and opens
`/runs/?run=NAME` `--opens` times each in a fresh tab: from the navigation to the **paths drawn** (the
decimated logits fetched, decoded and drawn, `softmaxlab:drawn`), to the **paths on screen** (then a 1-pixel
readback of the paths' WebGL canvas returns: software WebGL has drawn the frame) and to the **analysis drawn** (the server's
data map on screen, `softmaxlab:analysis`). The first open of each run is cold (the server reads the run
and makes its figures); the others are served from the server's caches. The small run is the baseline: the
ratio big / small is what a big run costs beyond a page load. The big run is opened `--opens` more times with
its 3D scene at plotly's default pixel ratio of 2 (a tab whose `devicePixelRatio` reads 2), as it drew before
the pages passed the screen's own ratio (1 here). Last, the big run is opened as a user of the Runs page opens
it, by a click on its row (the page and its plotly.js loaded), `--opens` times from the list alone and from
the small run open; timed from the click.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from softmaxlab.store import RunWriter  # noqa: E402
from tests.browser.conftest import start_server  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web_helpers import pixel_ratio_script  # noqa: E402

OPENED = """() => new Promise(r => { const page = document.getElementById('page'); const t = {};
  const done = () => t.shown && t.analysis && r(t);
  const readBack = () => {  // a 1-pixel readback of the paths' WebGL canvas waits for its frame
    for (const c of document.querySelectorAll('[data-figure="paths"] canvas, #figure-0 canvas')) {
      const g = c.getContext('webgl2') || c.getContext('webgl');
      if (g) g.readPixels(0, 0, 1, 1, g.RGBA, g.UNSIGNED_BYTE, new Uint8Array(4));
    } };
  page.addEventListener('softmaxlab:drawn', e => { if (e.detail.records) { t.drawn = performance.now();
    readBack(); t.shown = performance.now(); done(); } });
  page.addEventListener('softmaxlab:analysis', () => { t.analysis = performance.now(); done(); }); })"""


def write_run(path: Path, samples: int, records: int, block: int = 50) -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(samples) % 3
    pull = np.eye(3, dtype=np.float32)[labels] * 0.01
    z = np.zeros((samples, 3), np.float32)
    with RunWriter(path, labels=labels, num_classes=3, description="benchmark") as w:
        for first in range(0, records, block):
            n = min(block, records - first)
            out = np.empty((n, samples, 3), np.float32)
            for i in range(n):
                z += pull + rng.normal(scale=0.02, size=z.shape).astype(np.float32)
                out[i] = z
            w.append(np.arange(first, first + n), out)


def open_times(browser, url: str, name: str, opens: int, ratio: int | None = None) -> list[tuple[float, float]]:
    out = []
    for _ in range(opens):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        tab = context.new_page()
        if ratio:  # the same screen, the 3D scene at plotly's default pixel ratio (before the pages passed 1)
            tab.add_init_script(pixel_ratio_script(ratio))
        # listen once the page has started (its script ends the body), before any answer of the API has come
        tab.add_init_script("""window.addEventListener('DOMContentLoaded', () => {
          window.__opened = (%s)(); });""" % OPENED)
        tab.goto(f"{url}/runs/?run={name}", wait_until="domcontentloaded")
        t = tab.evaluate("() => window.__opened")
        out.append((t["drawn"], t["shown"], t["analysis"]))
        context.close()
    return out


# the same three times, from a click on a run's row of the list (the page and plotly.js already loaded)
CLICKED = """name => new Promise(r => { const page = document.getElementById('page'); const t = {};
  const t0 = performance.now();
  const done = () => t.shown && t.analysis && r({drawn: t.drawn - t0, shown: t.shown - t0, analysis: t.analysis - t0});
  const readBack = () => {
    for (const c of document.querySelectorAll('[data-figure="paths"] canvas, #figure-0 canvas')) {  // as OPENED
      const g = c.getContext('webgl2') || c.getContext('webgl');
      if (g) g.readPixels(0, 0, 1, 1, g.RGBA, g.UNSIGNED_BYTE, new Uint8Array(4));
    } };
  const onDrawn = e => { if (e.detail.records && !t.drawn) { t.drawn = performance.now(); readBack(); t.shown = performance.now(); done(); } };
  const onAnalysis = () => { if (!t.analysis) { t.analysis = performance.now(); done(); } };
  page.addEventListener('softmaxlab:drawn', onDrawn);
  page.addEventListener('softmaxlab:analysis', onAnalysis);
  document.querySelector(`tr[data-run="${name}"] a`).click(); })"""


def click_times(browser, url: str, name: str, opens: int, first: str | None) -> list[tuple[float, float, float]]:
    """Open the Runs page (at run `first`, or the list alone), then click run `name`'s row: ms from the click."""
    out = []
    for _ in range(opens):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        tab = context.new_page()
        tab.add_init_script("""window.addEventListener('DOMContentLoaded', () => {
          window.__opened = (%s)(); });""" % OPENED)
        tab.goto(f"{url}/runs/" + (f"?run={first}" if first else ""), wait_until="domcontentloaded")
        if first:
            tab.evaluate("() => window.__opened")
        tab.wait_for_selector(f'tr[data-run="{name}"] a')
        tab.wait_for_timeout(300)  # the page at rest
        t = tab.evaluate(CLICKED, name)
        out.append((t["drawn"], t["shown"], t["analysis"]))
        context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--opens", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        logdir = Path(tmp) / "runs"
        t0 = time.perf_counter()
        write_run(logdir / "big", args.samples, args.records)
        write_run(logdir / "small", 60, 1000)
        print(f"wrote the runs in {time.perf_counter() - t0:.1f} s", flush=True)
        process, url = start_server(logdir, timeout=300)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                results = {name: open_times(browser, url, name, args.opens) for name in ("small", "big")}
                results["big, ratio 2"] = open_times(browser, url, "big", args.opens, ratio=2)
                results["big, from the list"] = click_times(browser, url, "big", args.opens, None)
                results["big, from the small run"] = click_times(browser, url, "big", args.opens, "small")
                browser.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"{datetime.date.today()}, load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores; "
          f"big: {args.samples} samples x {args.records} records x 3 classes; small: 60 x 1000 x 3")
    print("| measure (ms from navigation, or from the click) | small: cold, warm p50 | big: cold, warm p50 | big / small (warm) "
          "| big, scene at ratio 2: warm p50 | big, clicked in the list: p50 | big, clicked with the small run open: p50 |")
    print("|---|---|---|---|---|---|---|")
    labels = ("paths drawn (the page's JS done)", "paths on screen (then a 1-pixel readback of its WebGL canvas)",
              "analysis (data map) drawn")
    for i, label in enumerate(labels):
        small = [t[i] for t in results["small"]]
        big = [t[i] for t in results["big"]]
        ws, wb = statistics.median(small[1:]), statistics.median(big[1:])
        w2, listed, switched = (statistics.median([t[i] for t in results[k]])  # their server caches are warm
                                for k in ("big, ratio 2", "big, from the list", "big, from the small run"))
        print(f"| {label} | {small[0]:.0f}, {ws:.0f} | {big[0]:.0f}, {wb:.0f} | {wb / ws:.2f} | {w2:.0f} | {listed:.0f} "
              f"| {switched:.0f} |")


if __name__ == "__main__":
    main()
