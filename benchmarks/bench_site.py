"""The static site in headless chromium: control -> figure redrawn, and first load to the first figure.

Run: `python benchmarks/bench_site.py [--events 200] [--pages softmax,sampling]`. Needs chromium.

For each page, a slider of the page gets `--events` input events (values walking across its range); for each,
the time from dispatching the event to the end of the page's drawing (the `softmaxlab:drawn` event: the
JavaScript, figures recomputed and `Plotly.react` done) is the **JS time**. On 3D pages the WebGL frame is
drawn afterwards by the (here software) GPU: the **GL frame** is the time until a 1-pixel readback of the
canvas returns, after the JS is done. Baselines in the same browser: an empty animation frame (the display's
frame), and `Plotly.react` of the page's unchanged figure (plotly's own floor for a redraw).

First load: from navigation to the first drawn figure, against a page that loads plotly.js alone from the
same server (the floor set by plotly.js's 4.8 MB).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from softmaxlab.web.build import site_pages, write_site  # noqa: E402
from tests.browser.conftest import free_port  # noqa: E402
from tests.web_helpers import static_server  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# slider to move on each page (a control whose change redraws the main figure)
SLIDERS = {"softmax": "z0", "surfaces": "t", "input-space": "fourth", "loss": "smoothing", "sampling": "t"}
STARTS = {"input-space": "?classes=5", "loss": "?loss=cross-entropy"}

MEASURE = """async ([name, n]) => {
  const input = document.querySelector(`.control[data-name="${name}"] input[type=range]`);
  const root = document.getElementById('page');
  const canvas = () => document.querySelector('.figure canvas');
  const js = [], gl = [];
  const lo = Number(input.min), hi = Number(input.max);
  for (let i = 0; i < n; i++) {
    const drawn = new Promise(r => root.addEventListener('softmaxlab:drawn', r, {once: true}));
    input.value = String(lo + (hi - lo) * ((i * 37) % 101) / 100);
    const t0 = performance.now();
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await drawn;
    const t1 = performance.now();
    js.push(t1 - t0);
    const c = canvas();
    if (c) {
      const g = c.getContext('webgl2') || c.getContext('webgl');
      if (g) { g.readPixels(0, 0, 1, 1, g.RGBA, g.UNSIGNED_BYTE, new Uint8Array(4)); gl.push(performance.now() - t1); }
    }
    await new Promise(r => setTimeout(r, 0));
  }
  const frames = [];
  for (let i = 0; i < 30; i++) {
    const a = performance.now();
    await new Promise(r => requestAnimationFrame(r));
    frames.push(performance.now() - a);
  }
  const gd = document.querySelector('.figure');
  const react = [];
  for (let i = 0; i < 20; i++) {
    const a = performance.now();
    Plotly.react(gd, gd.data, gd.layout);
    react.push(performance.now() - a);
  }
  return {js, gl, frames, react};
}"""


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--pages", default=",".join(p.key for p in site_pages() if p.key in SLIDERS))  # paths: bench_site_paths.py
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()
    if CHROMIUM is None:
        sys.exit("chromium is needed (apt-get install chromium, or BROWSER_PATH)")
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp())
    write_site(root / "site")
    (root / "site" / "plotly-only.html").write_text(
        '<!doctype html><div id="g"></div><script src="assets/plotly.min.js"></script>'
        '<script>Plotly.newPlot("g", [{y: [1, 2]}]).then(() => { window.drawn = performance.now(); });</script>')
    size = sum(f.stat().st_size for f in (root / "site").rglob("*") if f.is_file()) / 1e6
    print(f"# bench_site {datetime.date.today()} load {os.getloadavg()[0]:.1f} site {size:.1f} MB "
          f"(plotly.min.js {(root / 'site/assets/plotly.min.js').stat().st_size / 1e6:.1f} MB)")
    with static_server(root / "site", port=free_port()) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        print("| page | events | JS p50 / p95 ms | GL frame p50 / p95 ms | empty frame p50 ms | unchanged react p50 ms |")
        print("|---|---|---|---|---|---|")
        for key in args.pages.split(","):
            tab.goto(f"{base}{key}/{STARTS.get(key, '')}")
            tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
            r = tab.evaluate(MEASURE, [SLIDERS[key], args.events])
            gl = f"{quantile(r['gl'], .5):.1f} / {quantile(r['gl'], .95):.1f}" if r["gl"] else "-"
            print(f"| {key} | {len(r['js'])} | {quantile(r['js'], .5):.1f} / {quantile(r['js'], .95):.1f} | {gl} | "
                  f"{statistics.median(r['frames']):.1f} | {statistics.median(r['react']):.1f} |")
        loads, floors = [], []
        first = site_pages()[0].key
        for _ in range(args.loads):
            for url, sink, probe in ((f"{base}{first}/", loads, "document.querySelector('.figure') && document.querySelector('.figure').data"),
                                     (f"{base}plotly-only.html", floors, "window.drawn")):
                fresh = browser.new_page()
                t0 = time.perf_counter()
                fresh.goto(url)
                fresh.wait_for_function(f"() => {probe}")
                sink.append(time.perf_counter() - t0)
                fresh.close()
        print(f"\nfirst load of /{first}/ to the first drawn figure: median {statistics.median(loads):.2f} s; "
              f"plotly.js alone: {statistics.median(floors):.2f} s (ratio {statistics.median(loads) / statistics.median(floors):.2f})")
        browser.close()


if __name__ == "__main__":
    main()
