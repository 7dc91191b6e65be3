"""The static site in headless chromium: control -> figure redrawn, and first load to the first figure.

Run: `python benchmarks/bench_site.py [--events 200] [--pages softmax,sampling]`. Needs chromium.

For each page, each slider of `SLIDERS` gets `--events` input events (values jumping about its range, or a
drag across it and back); for each,
the time from dispatching the event to the end of the page's drawing (the `softmaxlab:drawn` event: the
JavaScript, figures recomputed and `Plotly.react` done) is the **JS time**. On 3D pages the WebGL frame is
drawn afterwards by the (here software) GPU: the **GL frame** is the time until a 1-pixel readback of the
canvas returns, after the JS is done. Baselines in the same browser: an empty animation frame (the display's
frame), and `Plotly.react` of the page's unchanged figure (plotly's own floor for a redraw).

Each page is measured twice in the same browser: as the page draws now (only what changed, and the changes
queued during a draw coalesced into one: `drawing = {fast: true, coalesce: true}`) and as it drew before (a
full `Plotly.react` on every input event: `{fast: false, coalesce: false}`). A 3D page is measured a third
time as it draws now but with its scenes at plotly's default pixel ratio of 2 ("now, ratio 2": a tab whose
`devicePixelRatio` reads 2, so the scenes draw 4x the pixels, as they did before the pages passed the
screen's own ratio, 1 here, as `plotGlPixelRatio`).

Buttons (part `buttons`): the Softmax page's "add c to every logit" pressed `--events` times (c = +1.5 and -1.5 in
turn), from the click to the end of the page's drawing.

First load: from navigation to the first drawn figure, of each `--load-pages` page as built (with the smallest
plotly.js bundle that draws it) and of the same page loading the full plotly.js instead (`<page>/full.html`,
the same-browser baseline), against a page that loads each plotly.js bundle alone from the same server (the
floor set by plotly.js: the full 4.8 MB bundle, and the 2D-only and 3D ones where the site has them).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from softmaxlab.web.build import site_pages, write_site  # noqa: E402
from tests.browser.conftest import free_port  # noqa: E402
from tests.web_helpers import pixel_ratio_script, static_server  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# sliders to move on each page (controls whose change redraws the main figure): (name, walk, start link).
# "jumps": each value anywhere in the slider's range; "drag": a hand dragging it across the range and back,
# a step of 1/100 of the range per event (a filter's tokens cross its threshold only where they really do)
SLIDERS = {
    "softmax": [("z0", "jumps", ""), ("t", "jumps", "")],
    "surfaces": [("t", "jumps", "")],
    "input-space": [("fourth", "jumps", "?classes=5")],
    "loss": [("smoothing", "jumps", "?loss=cross-entropy")],
    "sampling": [("t", "jumps", ""), ("top_p", "drag", "?top_p=0.5"), ("min_p", "drag", "?min_p=0.05")],
}

MODES = {"now": {"fast": True, "coalesce": True, "live": True},
         "no live": {"fast": True, "coalesce": True, "live": False},
         "before": {"fast": False, "coalesce": False, "live": False}}

MEASURE = """async ([name, n, mode, walk]) => {
  const input = document.querySelector(`.control[data-name="${name}"] input[type=range]`);
  const root = document.getElementById('page');
  Object.assign(root.softmaxlab.drawing, mode);
  const canvas = () => document.querySelector('.figure canvas');
  const js = [], gl = [], layout = [], ways = {};
  const lo = Number(input.min), hi = Number(input.max);
  for (let i = 0; i < n; i++) {
    const drawn = new Promise(r => root.addEventListener('softmaxlab:drawn', e => r(e.detail.how), {once: true}));
    const at = walk === 'drag' ? 100 - Math.abs(100 - ((i + 1) % 200)) : (i * 37) % 101;  // of 100
    input.value = String(lo + (hi - lo) * at / 100);
    const t0 = performance.now();
    input.dispatchEvent(new Event('input', {bubbles: true}));
    for (const how of await drawn) ways[how] = (ways[how] || 0) + 1;
    const t1 = performance.now();
    js.push(t1 - t0);
    void document.body.offsetHeight;  // the style and layout the browser does before it paints what was drawn
    const t2 = performance.now();
    layout.push(t2 - t1);
    const c = canvas();
    if (c) {
      const g = c.getContext('webgl2') || c.getContext('webgl');
      if (g) { g.readPixels(0, 0, 1, 1, g.RGBA, g.UNSIGNED_BYTE, new Uint8Array(4)); gl.push(performance.now() - t2); }
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
  return {js, gl, layout, frames, react, ways};
}"""


# the Softmax page's "add c to every logit", c = +1.5 and -1.5 in turn (set in its box first, not timed)
BUTTON = """async ([n, mode]) => {
  const root = document.getElementById('page');
  Object.assign(root.softmaxlab.drawing, mode);
  const box = document.querySelector('.control[data-name="c"] input[type=number]');
  const button = [...document.querySelectorAll('button')].find(b => b.textContent === 'add c to every logit');
  const drawn = () => new Promise(r => root.addEventListener('softmaxlab:drawn', e => r(e.detail.how), {once: true}));
  const js = [], ways = {};
  for (let i = 0; i < n; i++) {
    const set = drawn();
    box.value = i % 2 ? '-1.5' : '1.5';
    box.dispatchEvent(new Event('change', {bubbles: true}));
    await set;
    await new Promise(r => setTimeout(r, 0));
    const done = drawn();
    const t0 = performance.now();
    button.click();
    for (const how of await done) ways[how] = (ways[how] || 0) + 1;
    js.push(performance.now() - t0);
    await new Promise(r => setTimeout(r, 0));
  }
  return {js, ways};
}"""


# a 3D page's view buttons: the camera alone changes (relaid out now, a full react before)
VIEWS = """async ([n, mode]) => {
  const c = document.getElementById('page').softmaxlab;
  Object.assign(c.drawing, mode);
  const views = ['0,0,2.5', '2.5,0,0.3', '1.5,-1.5,0.8'], ms = [];
  for (let i = 0; i < n; i++) {
    c.set({camera: views[i % 3]});
    ms.push(c.lastMs);
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  }
  return ms;
}"""


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--pages", default=",".join(p.key for p in site_pages() if p.key in SLIDERS))  # paths: bench_site_paths.py
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--load-pages", default="softmax,surfaces", help="pages whose first load is timed")
    parser.add_argument("--parts", default="sliders,buttons,views,load", help="what to measure (comma-separated)")
    args = parser.parse_args()
    if CHROMIUM is None:
        sys.exit("chromium is needed (apt-get install chromium, or BROWSER_PATH)")
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp())
    write_site(root / "site")
    bundles = [b for b in ("plotly.min.js", "plotly-cartesian.min.js", "plotly-gl3d.min.js")
               if (root / "site/assets" / b).is_file()]
    for key in args.load_pages.split(","):  # the page with the full plotly.js: the baseline of its first load
        page = (root / "site" / key / "index.html").read_text()
        (root / "site" / key / "full.html").write_text(re.sub(r'assets/plotly[^"]*\.js', "assets/plotly.min.js", page))
    for b in bundles:
        (root / "site" / f"only-{b}.html").write_text(
            f'<!doctype html><div id="g"></div><script src="assets/{b}"></script>'
            '<script>Plotly.newPlot("g", [{y: [1, 2]}]).then(() => { window.drawn = performance.now(); });</script>')
    size = sum(f.stat().st_size for f in (root / "site").rglob("*") if f.is_file()) / 1e6
    print(f"# bench_site {datetime.date.today()} load {os.getloadavg()[0]:.1f} site {size:.1f} MB ("
          + ", ".join(f"{b} {(root / 'site/assets' / b).stat().st_size / 1e6:.1f} MB" for b in bundles)
          + f", explainer.html {(root / 'site/explainer.html').stat().st_size / 1e6:.1f} MB)")
    with static_server(root / "site", port=free_port()) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        ratio2 = browser.new_page(viewport={"width": 1400, "height": 1000})  # the same screen, scenes at ratio 2
        ratio2.add_init_script(pixel_ratio_script(2))
        parts = args.parts.split(",")
        if "sliders" in parts:
            print("| page | slider | drawing | events | JS p50 / p95 ms | then style + layout p50 / p95 ms | GL frame p50 / p95 ms | "
                  "empty frame p50 ms | unchanged react p50 ms | how the figures were drawn |")
            print("|---|---|---|---|---|---|---|---|---|---|")
        for key, (name, walk, start) in [(k, s) for k in args.pages.split(",") for s in SLIDERS[k]] if "sliders" in parts else []:
            three = key in ("surfaces", "input-space", "loss")
            for label in ("before", "no live", "now") + (("now, ratio 2",) if three else ()):
                page = ratio2 if label == "now, ratio 2" else tab
                page.goto(f"{base}{key}/{start}")
                page.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
                r = page.evaluate(MEASURE, [name, args.events, MODES[label.split(",")[0]], walk])
                gl = f"{quantile(r['gl'], .5):.1f} / {quantile(r['gl'], .95):.1f}" if r["gl"] else "-"
                print(f"| {key} | {name} ({walk}) | {label} | {len(r['js'])} | {quantile(r['js'], .5):.1f} / {quantile(r['js'], .95):.1f} | "
                      f"{quantile(r['layout'], .5):.1f} / {quantile(r['layout'], .95):.1f} | {gl} | "
                      f"{statistics.median(r['frames']):.1f} | {statistics.median(r['react']):.1f} | "
                      + ", ".join(f"{how} {n}" for how, n in sorted(r["ways"].items())) + " |", flush=True)
        if "buttons" in parts and "softmax" in args.pages.split(","):
            print("\n| page | button | drawing | events | JS p50 / p95 ms | how the figures were drawn |\n|---|---|---|---|---|---|")
            for label in ("before", "no live", "now"):
                tab.goto(f"{base}softmax/")
                tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
                r = tab.evaluate(BUTTON, [args.events, MODES[label]])
                print(f"| softmax | add c to every logit | {label} | {len(r['js'])} | {quantile(r['js'], .5):.1f} / "
                      f"{quantile(r['js'], .95):.1f} | " + ", ".join(f"{how} {n}" for how, n in sorted(r["ways"].items())) + " |",
                      flush=True)
        three_d = [k for k in args.pages.split(",") if k in ("surfaces", "input-space", "loss")]
        if "views" in parts and three_d:
            print("\n| page | view button: JS p50 / p95 ms, before (react) | now (relayout) |\n|---|---|---|")
            for key in three_d:
                row = []
                for label in ("before", "now"):
                    tab.goto(f"{base}{key}/{SLIDERS[key][0][2]}")
                    tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
                    ms = tab.evaluate(VIEWS, [30, MODES[label]])
                    row.append(f"{quantile(ms, .5):.1f} / {quantile(ms, .95):.1f}")
                print(f"| {key} | {row[0]} | {row[1]} |", flush=True)
        if "load" not in parts:
            browser.close()
            return
        probe = "document.querySelector('.figure') && document.querySelector('.figure').data"
        targets = {f"/{k}/{f}": f"{base}{k}/{f}" for k in args.load_pages.split(",") for f in ("", "full.html")}
        targets.update({f"{b} alone": f"{base}only-{b}.html" for b in bundles})
        times = {what: [] for what in targets}
        for _ in range(args.loads):
            for what, url in targets.items():
                fresh = browser.new_page()
                t0 = time.perf_counter()
                fresh.goto(url)
                fresh.wait_for_function(f"() => {'window.drawn' if what.endswith('alone') else probe}")
                times[what].append(time.perf_counter() - t0)
                fresh.close()
        print(f"\nfirst load to the first drawn figure (median of {args.loads}, load {os.getloadavg()[0]:.1f}):")
        for what, t in times.items():
            print(f"- {what}: {statistics.median(t):.2f} s")
        browser.close()


if __name__ == "__main__":
    main()
