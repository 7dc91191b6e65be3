"""The Logit paths page in headless chromium: a changed control to the paths drawn, and play's frames.

Run: `python benchmarks/bench_site_paths.py [--changes 7] [--frames 90]`. Needs chromium.

The page opens on its default view, SGD against Adam on the reference experiment (1000 full-batch steps,
every logit recorded), each run trained in its own Web Worker. Then `--changes` times the main run's
optimiser select changes (sgd <-> momentum): from the change event to the **first paths drawn** (the first
records of both runs on screen, `softmaxlab:first-paths`) and to the **whole run drawn** (both runs trained
and drawn, `softmaxlab:trained`), with each worker's own training time. Baselines in the same browser: an
empty worker started from a Blob and answering one message (the floor of "train in a worker"), and
`Plotly.react` of the unchanged paths figure (plotly's floor for drawing it).

Play: `--frames` frames of the play button on the 2-run comparison; per frame the page's **JS time** (the
diamonds and the readings' cursor moved, `softmaxlab:step`) and the **GL frame** (a 1-pixel readback of the
canvas after the JS: software WebGL here), and the interval between frames against an empty animation frame.

Everything is measured twice in the same browser: as the page draws now (3D scenes at the screen's pixel
ratio, 1 here) and with its scenes at plotly's default ratio of 2 (a tab whose `devicePixelRatio` reads 2).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from softmaxlab.web.build import write_site  # noqa: E402
from tests.browser.conftest import free_port  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web_helpers import pixel_ratio_script, static_server  # noqa: E402

TRAINED = "() => new Promise(r => document.getElementById('page').addEventListener('softmaxlab:trained', r, {once: true}))"

CHANGES = """async (n) => {
  const root = document.getElementById('page');
  const select = document.getElementById('control-optimizer');
  const first = [], whole = [], train = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    let t1 = null;
    const firstPaths = new Promise(r => root.addEventListener('softmaxlab:first-paths', () => r(t1 = performance.now()), {once: true}));
    const trained = new Promise(r => root.addEventListener('softmaxlab:trained', () => r(performance.now()), {once: true}));
    select.value = i % 2 ? 'sgd' : 'momentum';
    select.dispatchEvent(new Event('change', {bubbles: true}));
    await firstPaths;
    const t2 = await trained;
    first.push(t1 - t0); whole.push(t2 - t0);
    train.push(...root.controller.runs.map(r => r.ms));
  }
  const gd = document.getElementById('figure-0');
  const react = [];
  for (let i = 0; i < 10; i++) { const a = performance.now(); Plotly.react(gd, gd.data, gd.layout); react.push(performance.now() - a); }
  const url = URL.createObjectURL(new Blob(['onmessage = (m) => postMessage(m.data)'], {type: 'text/javascript'}));
  const empty = [];
  for (let i = 0; i < 10; i++) {
    const a = performance.now();
    const w = new Worker(url);
    await new Promise(r => { w.onmessage = r; w.postMessage(1); });
    empty.push(performance.now() - a);
    w.terminate();
  }
  return {first, whole, train, react, empty};
}"""

PLAY = """async (n) => {
  const root = document.getElementById('page');
  const canvas = document.querySelector('#figure-0 canvas');
  const g = canvas.getContext('webgl2') || canvas.getContext('webgl');
  const js = [], gl = [], stamps = [];
  document.getElementById('control-step').value = '0';
  const done = new Promise(r => {
    root.addEventListener('softmaxlab:step', (e) => {
      js.push(e.detail.ms);
      const a = performance.now();
      g.readPixels(0, 0, 1, 1, g.RGBA, g.UNSIGNED_BYTE, new Uint8Array(4));
      gl.push(performance.now() - a);
      stamps.push(performance.now());
      if (js.length >= n) { document.querySelector('button.play').click(); r(); }
    });
  });
  document.querySelector('button.play').click();
  await done;
  const frames = [];
  for (let i = 0; i < 30; i++) { const a = performance.now(); await new Promise(r => requestAnimationFrame(r)); frames.push(performance.now() - a); }
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
  return {js, gl, intervals, frames};
}"""


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=7)
    parser.add_argument("--frames", type=int, default=90)
    args = parser.parse_args()
    if CHROMIUM is None:
        sys.exit("chromium is needed (apt-get install chromium, or BROWSER_PATH)")
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp())
    write_site(root / "site")
    print(f"# bench_site_paths {datetime.date.today()} load {os.getloadavg()[0]:.1f} cpus {os.cpu_count()}")
    with static_server(root / "site", port=free_port()) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        results = {}
        for label, ratio in (("now", None), ("ratio 2", 2)):
            tab = browser.new_page(viewport={"width": 1280, "height": 800})
            if ratio:  # the same screen, its 3D scenes at plotly's default pixel ratio (before the pages passed 1)
                tab.add_init_script(pixel_ratio_script(ratio))
            tab.goto(f"{base}paths/")
            tab.evaluate(TRAINED)
            results[label] = {**tab.evaluate(CHANGES, args.changes), **tab.evaluate(PLAY, args.frames)}
            tab.close()
        rows = [("control -> first paths drawn", "first", 0), ("control -> whole run drawn", "whole", 0),
                ("one run's training in its worker", "train", 0), ("baseline: empty Blob worker, one message", "empty", 1),
                ("baseline: Plotly.react of the unchanged paths", "react", 0), ("play: JS per frame", "js", 1),
                ("play: GL frame (readback after the JS)", "gl", 1), ("play: interval between frames (goal 33)", "intervals", 1),
                ("baseline: empty animation frame", "frames", 1)]
        print("| measure (SGD vs Adam, reference, 1000 steps) | p50 / p95 ms | scenes at ratio 2: p50 / p95 ms |")
        print("|---|---|---|")
        for name, key, digits in rows:
            cells = [f"{quantile(r[key], .5):.{digits}f} / {quantile(r[key], .95):.{digits}f}" for r in results.values()]
            print(f"| {name} | {cells[0]} | {cells[1]} |")
        browser.close()


if __name__ == "__main__":
    main()
