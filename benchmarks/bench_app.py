"""Speed of the app in a real browser (Debian's chromium, software WebGL) against a real `softmaxlab serve`.

Measured, each as p50/p95 over repeats:
- first page load after serve: from `page.goto` to the Softmax figure drawn, on a server that just printed its URL;
- Softmax page: a logit slider moved by one step (a key press) -> the figure redrawn: first by the browser's
  preview (clientside, its "softmaxlab:drawn" event), then with the server's complete figure (`plotly_afterplot`);
- Surfaces page: the marker slider moved -> the marker redrawn (clientside, no server round trip), and the
  temperature changed -> the surfaces recomputed on the server and redrawn;
- for the previews also when the drawing is rendered (WebGL: the software GPU done) and the next frame;
- Logit paths: a new learning rate typed (Enter) -> trained (SGD vs Adam, reference experiment) and drawn,
  after one warm-up change.
The baseline, in the same page, is `Plotly.react` of the figure already shown (the browser's redraw alone),
so the ratios say how much the app adds to drawing; for the Surfaces scene also one frame of it rendered by the
software GPU, the floor under anything a 3D graph shows.

    python benchmarks/bench_app.py [--repeats 30]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: the tests' helpers
from tests.browser.conftest import CHROMIUM, start_server  # noqa: E402
from tests.conftest import CHROMIUM_ARGS as ARGS  # noqa: E402  (software WebGL through SwiftShader, as in the tests)

# in-page timing, from keydown (capture) to the graph's redraws, each a plotly event ("plotly_afterplot") or the
# app's own "softmaxlab:drawn", which its preview redraws announce (assets/softmaxlab.js). For each redraw three
# times: drawn (the JavaScript is done), rendered (a 1-pixel readback of each WebGL canvas of the graph waits until
# the software GPU has drawn everything sent to it; the same time as drawn for SVG) and frame (the start of the
# next animation frame, whose rendering steps paint the drawing; a probe after that frame, e.g. a setTimeout from
# its requestAnimationFrame, would also count whatever task the browser runs first, such as the server's figure)
ARM = """([graphId, names]) => {
  const gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
  gd.__benchNames = gd.__benchNames || [];
  names.filter(name => !gd.__benchNames.includes(name)).forEach(name => {
    gd.__benchNames.push(name);
    const mark = () => {
      const t = window.__t;
      if (!t || t.start === null) return;
      const event = {name: name, at: performance.now(), rendered: null, frame: null};
      gd.querySelectorAll('.gl-container canvas').forEach(canvas => {
        const gl = canvas.getContext('webgl') || canvas.getContext('webgl2');
        if (gl) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
      });
      event.rendered = performance.now();
      t.events.push(event);
      requestAnimationFrame(() => { event.frame = performance.now(); });
    };
    name.startsWith('plotly_') ? gd.on(name, mark) : gd.addEventListener(name, mark);
  });
  window.__t = {start: null, events: []};
  document.addEventListener('keydown', () => { if (window.__t.start === null) window.__t.start = performance.now(); },
                            {capture: true, once: true});
}"""
# the first event of each name in `names`, each after the one before: [[drawn, rendered, frame], ...] ms, or null
READ = """names => { const t = window.__t, out = []; let i = 0;
  for (const name of names) {
    while (i < t.events.length && t.events[i].name !== name) i++;
    if (i === t.events.length || t.events[i].frame === null) return null;
    const e = t.events[i++];
    out.push([e.at - t.start, e.rendered - t.start, e.frame - t.start]);
  }
  return out; }"""
BASELINE = """graphId => { const gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
  const t = performance.now();
  return Plotly.react(gd, gd.data, gd.layout).then(() => performance.now() - t); }"""


# one frame of a 3D scene, nothing changed, until the software GPU has drawn it (redraw + a 1-pixel readback):
# the floor under any change a 3D graph shows
FRAME = """async graphId => { const gd = document.querySelector('#' + graphId + ' .js-plotly-plot');
  const glplot = gd._fullLayout.scene._scene.glplot, gl = glplot.gl, times = [];
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    glplot.redraw();
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    times.push(performance.now() - t);
    await new Promise(done => setTimeout(done, 50));
  }
  return times.sort((a, b) => a - b)[4]; }"""


def selector(page_key, name):
    return f"""[id='{{"name":"{name}","page":"{page_key}"}}']"""


def timed_key(page, graph_id, target, key, *, redraws=("plotly_afterplot",), timeout=60_000):
    """Milliseconds from pressing `key` on `target` to the graph's `redraws` (event names, in order): a list of
    `(drawn, rendered, frame)`."""
    page.evaluate(ARM, [graph_id, list(redraws)])
    page.locator(target).press(key)
    page.wait_for_function(READ, arg=list(redraws), timeout=timeout)
    page.wait_for_timeout(50)  # let a late request finish before the next press
    return page.evaluate(READ, list(redraws))


def stats(name, samples, baseline=None):
    a = np.asarray(samples)
    line = f"{name:<46} p50 {np.percentile(a, 50):7.1f} ms   p95 {np.percentile(a, 95):7.1f} ms   (n={a.size})"
    if baseline is not None:
        line += f"   p50/redraw {np.percentile(a, 50) / baseline:5.2f}x"
    print(line, flush=True)
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    repeats = parser.parse_args().repeats
    from playwright.sync_api import sync_playwright

    loads = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        logdir = Path(tempfile.mkdtemp())
        for _ in range(3):  # a fresh server each time: the first load after `serve`
            started = time.perf_counter()
            process, url = start_server(logdir)
            ready = time.perf_counter() - started
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            t = time.perf_counter()
            page.goto(url + "/softmax")
            page.wait_for_function("() => { const gd = document.querySelector('#softmax-graph .js-plotly-plot');"
                                   " return gd && gd.data && gd.data.length > 0; }", timeout=120_000)
            loads.append(1000 * (time.perf_counter() - t))
            print(f"server ready {ready:.1f} s after start; first page drawn {loads[-1] / 1000:.2f} s after goto",
                  flush=True)
            page.close()
            if len(loads) < 3:
                process.terminate()
                process.wait()
        stats("first page load after serve (Softmax)", loads)

        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "/softmax")
        page.wait_for_selector("#softmax-graph .js-plotly-plot .main-svg")
        page.wait_for_timeout(1500)
        base = float(np.median([page.evaluate(BASELINE, "softmax-graph") for _ in range(10)]))
        print(f"baseline: Plotly.react of the Softmax figure        p50 {base:7.1f} ms")
        thumb = selector("softmax", "z1") + " [role=slider]"
        times = np.array([timed_key(page, "softmax-graph", thumb, "ArrowRight" if i % 2 else "ArrowLeft",
                                    redraws=("softmaxlab:drawn", "plotly_afterplot"))
                          for i in range(repeats)])  # (repeats, 2, 2): the browser's preview, then the server's figure
        stats("Softmax: logit slider -> preview drawn", times[:, 0, 0], base)
        stats("Softmax: logit slider -> preview's next frame", times[:, 0, 2], base)
        stats("Softmax: logit slider -> server figure drawn", times[:, 1, 0], base)

        page.goto(url + "/surfaces")
        page.wait_for_selector("#surfaces-graph .gl-container canvas")
        page.wait_for_timeout(3000)
        base = float(np.median([page.evaluate(BASELINE, "surfaces-graph") for _ in range(5)]))
        print(f"baseline: Plotly.react of the Surfaces figure       p50 {base:7.1f} ms")
        print(f"baseline: one frame of its scene, rendered           p50 {page.evaluate(FRAME, 'surfaces-graph'):7.1f} ms")
        thumb = selector("surfaces", "m0") + " [role=slider]"
        times = np.array([timed_key(page, "surfaces-graph", thumb, "ArrowRight" if i % 2 else "ArrowLeft",
                                    redraws=("softmaxlab:drawn",))[0] for i in range(repeats)])
        stats("Surfaces: marker slider -> marker drawn (JS)", times[:, 0], base)
        stats("Surfaces: marker slider -> rendered (GPU done)", times[:, 1], base)
        stats("Surfaces: marker slider -> next frame", times[:, 2], base)
        thumb = selector("surfaces", "t") + " [role=slider]"
        times = [timed_key(page, "surfaces-graph", thumb, "ArrowRight" if i % 2 else "ArrowLeft")[0][0]
                 for i in range(max(5, repeats // 3))]
        stats("Surfaces: temperature -> surfaces recomputed", times, base)

        page.goto(url + "/paths")
        page.wait_for_selector("#paths-graph .gl-container canvas", timeout=120_000)
        page.wait_for_timeout(3000)
        base = float(np.median([page.evaluate(BASELINE, "paths-graph") for _ in range(3)]))
        print(f"baseline: Plotly.react of the Logit paths figure    p50 {base:7.1f} ms")
        box = selector("paths", "lr")
        times = []
        for i, lr in enumerate(np.linspace(0.05, 0.3, max(6, repeats // 3) + 1)):
            page.locator(box).fill(f"{lr:.4f}")
            elapsed = timed_key(page, "paths-graph", box, "Enter", timeout=120_000)[0][0]
            if i:  # the first change warms up
                times.append(elapsed)
        stats("Logit paths: lr changed -> trained + drawn", times, base)
        browser.close()
    process.terminate()
    process.wait()


if __name__ == "__main__":
    main()
