"""Screenshots of the static site's pages at a laptop's and a phone's size, to look at as a learner would.

Builds the site into a temporary folder, serves it with `python -m http.server`, and saves
`<out>/site-<page>-<laptop|phone>.png` for every page (and the extra views below).

    python scripts/site_screenshots.py [--out /tmp/site-shots] [--pages softmax,surfaces]
    python scripts/site_screenshots.py --readme     # the README's pictures, docs/screenshots/*.png
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from softmaxlab.web.build import site_pages, write_site  # noqa: E402
from tests.browser.conftest import free_port  # noqa: E402
from tests.web_helpers import static_server  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
EXTRA = {"softmax": ["?k=2", "?k=10"], "surfaces": ["?classes=3&derivatives=1", "?gaussians=1&shift=1"],
         "input-space": ["?classes=5&fourth=0.4"], "loss": ["?classes=3&label=2"], "sampling": ["?top_p=0.8&samples=5000"]}
# the README's pictures: file -> the page and its state, at the laptop size
README = {"paths.png": "paths/?compare=optimizer&against=adam", "surfaces.png": "surfaces/?classes=3&derivatives=1"}
TRAINED = ("() => new Promise(r => document.getElementById('page')"
           ".addEventListener('softmaxlab:trained', () => r(true), {once: true}))")


def readme_shots(browser, base, out: Path):
    for name, view in README.items():
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        tab.goto(f"{base}{view}")
        if view.startswith("paths/"):
            tab.evaluate(TRAINED)  # the page trains both runs in its workers first
        tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
        tab.wait_for_timeout(2500)  # software WebGL draws its first frames
        tab.screenshot(path=str(out / name))
        print(out / name)
        tab.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "site-shots"))
    parser.add_argument("--pages", default=",".join(p.key for p in site_pages()))
    parser.add_argument("--readme", action="store_true", help="write the README's pictures into docs/screenshots")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp())
    write_site(root / "site")
    with static_server(root / "site", port=free_port()) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        if args.readme:
            readme_shots(browser, base, ROOT / "docs" / "screenshots")
            browser.close()
            return
        for key in args.pages.split(","):
            for n, query in enumerate(["", *EXTRA.get(key, [])]):
                for size, (w, h) in SIZES.items():
                    if n and size == "phone":
                        continue
                    tab = browser.new_page(viewport={"width": w, "height": h})
                    tab.goto(f"{base}{key}/{query}")
                    tab.wait_for_function("() => document.querySelector('.figure') && document.querySelector('.figure').data")
                    tab.wait_for_timeout(1500)  # software WebGL draws its first frames
                    path = out / f"site-{key}{'-' + str(n) if n else ''}-{size}.png"
                    tab.screenshot(path=str(path), full_page=size == "phone")
                    print(path)
                    tab.close()
        browser.close()


if __name__ == "__main__":
    main()
