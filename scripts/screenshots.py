"""Regenerate the README's screenshots (docs/screenshots/*.png) from the running app.

Starts `softmaxlab serve --no-browser` on a free port with a temporary runs folder, opens each view in
Debian's chromium (software WebGL) and saves a PNG per view.

    python scripts/screenshots.py [--out docs/screenshots]
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the repository: the tests' helpers
from tests.browser.conftest import CHROMIUM, start_server  # noqa: E402
from tests.conftest import CHROMIUM_ARGS as ARGS  # noqa: E402  (software WebGL through SwiftShader, as in the tests)

# file name -> (URL path with its state, graph that must be drawn first)
VIEWS = {
    "surfaces.png": ("/surfaces?classes=3&t=1&derivatives=1&m0=1&m1=-0.5&m2=0", "surfaces-graph"),
    "paths.png": ("/paths?compare=optimizer&against=adam", "paths-graph"),
}
# with --all, every page too (to look at, not for the README)
EVERY_PAGE = {
    "all-softmax.png": ("/softmax", "softmax-graph"),
    "all-softmax-2.png": ("/softmax?k=2", "softmax-sigmoid"),
    "all-surfaces-2.png": ("/surfaces?gaussians=1&shift=1", "surfaces-graph"),
    "all-input-space.png": ("/input-space", "input-space-graph"),
    "all-loss.png": ("/loss", "loss-graph"),
    "all-sampling.png": ("/sampling", "sampling-graph"),
    "all-paths.png": ("/paths?compare=optimizer&against=adam", "paths-readings"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--all", action="store_true", help="also every page, whole-page shots named all-*.png")
    args = parser.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    process, url = start_server(Path(tempfile.mkdtemp()))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            views = {**VIEWS, **(EVERY_PAGE if args.all else {})}
            for name, (path, graph) in views.items():
                page.goto(url + path)
                page.wait_for_function(
                    "id => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');"
                    " return gd && gd.data && gd.data.length > 0; }", arg=graph, timeout=120_000)
                page.wait_for_timeout(2000)  # WebGL's first frames
                page.screenshot(path=str(out / name), full_page=name.startswith("all-"))
                print(f"wrote {out / name}")
            browser.close()
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
