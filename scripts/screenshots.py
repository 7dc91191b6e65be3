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
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from conftest import ARGS, CHROMIUM, start_server  # noqa: E402

# file name -> (URL path with its state, graph that must be drawn first)
VIEWS = {
    "surfaces.png": ("/surfaces?classes=3&t=1&derivatives=1&m0=1&m1=-0.5&m2=0", "surfaces-graph"),
    "paths.png": ("/paths?compare=optimizer&against=adam", "paths-graph"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    process, url = start_server(Path(tempfile.mkdtemp()))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for name, (path, graph) in VIEWS.items():
                page.goto(url + path)
                page.wait_for_function(
                    "id => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');"
                    " return gd && gd.data && gd.data.length > 0; }", arg=graph, timeout=120_000)
                page.wait_for_timeout(2000)  # WebGL's first frames
                page.screenshot(path=str(out / name))
                print(f"wrote {out / name}")
            browser.close()
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
