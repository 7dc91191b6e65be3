"""`softmaxlab site`: the explainer as a static site, or as one self-contained HTML file.

The site is plain files with relative links, so it works from any static host and any sub-path (GitHub
Pages, `python -m http.server`, a folder on a web server): `index.html`, one folder per page
(`softmax/index.html`, so `/softmax/?k=3` is a page with its state), and `assets/` with the CSS, the
bundled JavaScript, plotly.js from the installed `plotly` package (and, when npm put them in `node_modules/`
in the same version, its smaller 2D and 3D bundles and the Runs page's custom one, `PARTIAL_BUNDLES`, for the pages whose
traces they hold),
and `data.js` (the state spec of every page and the skeletons of its figures, written by Python). Nothing is fetched from anywhere else, at build
time or in the browser. `write_single_file` puts all of it in one HTML file that works from file://; the
site carries that file too (`explainer.html`), which a page offers as "this page as one HTML file".
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from softmaxlab import __version__
from softmaxlab.spec import spec_json

from .bundle import bundle
from .figures import WEB_FIGURES, paths_skeletons, skeletons, template
from .pages import PAGES, PATHS, RUNS

__all__ = ["write_site", "write_single_file", "site_pages", "site_data", "plotly_version", "partial_js", "PARTIAL_BUNDLES", "SiteError",
           "MARKER", "EXPLAINER"]

MARKER = ".softmaxlab-site"  # the build leaves it, so --overwrite replaces only a folder it wrote
STATIC = Path(str(resources.files("softmaxlab.web") / "static"))
EXPLAINER = "explainer.html"  # the site carries the one-file explainer too, for its "this page as one file" button


@dataclass(frozen=True)
class PartialBundle:
    """One of plotly.js's partial bundles from npm: a page whose trace types are all in it loads it instead of
    the full plotly.js (a third of its size or less, so it starts sooner); `types` is its README's list."""

    package: str
    file: str  # inside the package's folder
    types: frozenset
    install: str = ""  # how to get it, when `npm install PACKAGE@VERSION` is not all

    @property
    def asset(self) -> str:
        return Path(self.file).name


# the trace types of the figures the server makes for the Runs page (paths aside): data map, reliability
# diagram, forgetting, neural collapse, readings (tests/test_cli_site.py checks each figure against it)
RUNS_FIGURE_TYPES = frozenset({"bar", "scatter"})

PARTIAL_BUNDLES = (
    PartialBundle("plotly.js-cartesian-dist-min", "plotly-cartesian.min.js", frozenset({
        "bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie",
        "scatter", "scatterternary", "violin"})),
    PartialBundle("plotly.js-gl3d-dist-min", "plotly-gl3d.min.js", frozenset({
        "cone", "isosurface", "mesh3d", "scatter", "scatter3d", "streamtube", "surface", "volume"})),
    # no published bundle has both 3D scatter and bars: the Runs page's is built from plotly.js's source
    PartialBundle("plotly.js", "dist/plotly-runs.min.js", frozenset({"bar", "scatter", "scatter3d"}),
                  install="npm install --no-save plotly.js@{version} esbuild@0.28.1 && node scripts/plotly_bundle.mjs"),
)


class SiteError(ValueError):
    """The site cannot be written where asked (the message names the place and the reason)."""


def site_pages(*, runs: bool = False):
    """The pages whose figures all have a browser module (a page is built only when it can be drawn), then
    Logit paths, then (with `runs`, for `softmaxlab serve`, which has the API it reads) the Runs page."""
    pages = (*(p for p in PAGES if all(name in WEB_FIGURES for name in p.figures)), PATHS)
    return (*pages, RUNS) if runs else pages


def site_data(pages=None) -> dict:
    """What the browser reads (`window.SOFTMAXLAB_DATA`): each page's spec and help, every figure's skeletons."""
    from softmaxlab.lab import Experiment

    pages = site_pages() if pages is None else pages
    names = sorted({name for p in pages if p not in (PATHS, RUNS) for name in p.figures})
    out = {
        "version": __version__,
        "pages": [{"key": p.key, "title": p.title, "help": p.help, "controls": spec_json(p.controls)} for p in pages],
        "skeletons": skeletons(names),
        "template": template(),  # every figure's, carried once
    }
    if PATHS in pages or RUNS in pages:
        # the lab's fields (the one spec of an Experiment) and the skeletons of the page's two figures
        out["paths"] = {"experiment": Experiment.spec_json(), **paths_skeletons()}
    return out


def plotly_js() -> str:
    """plotly.js as shipped inside the installed `plotly` Python package (the version its figures target)."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    if not path.is_file():
        raise SiteError(f"plotly.js is not in the installed plotly package (looked for {path})")
    return path.read_text(encoding="utf-8")


def plotly_version(text: str | None = None) -> str:
    """The version in a plotly.js bundle's header (the installed package's full bundle by default).

    >>> plotly_version("/**\\n* plotly.js (cartesian - minified) v4.1.1\\n* Copyright")
    '4.1.1'
    """
    head = (plotly_js() if text is None else text)[:300]
    found = re.search(r"plotly\.js[^\n]*? v(\d+\.\d+\.\d+\S*)", head)
    if not found:
        raise SiteError("plotly.js: no version in the bundle's header")
    return found.group(1)


def _places(bundle: PartialBundle) -> list[Path]:
    # SOFTMAXLAB_NODE_MODULES, else node_modules/ in the working folder or the source checkout (.ci/run's npm install)
    places = [Path(os.environ["SOFTMAXLAB_NODE_MODULES"])] if os.environ.get("SOFTMAXLAB_NODE_MODULES") else []
    places += [Path.cwd() / "node_modules", Path(__file__).resolve().parents[3] / "node_modules"]
    return [place / bundle.package / bundle.file for place in places]


def partial_js(bundle: PartialBundle, progress: Callable[[str], None] = lambda _: None) -> str | None:
    """A partial plotly.js bundle from npm if it is installed in the version of the full one, else None (and a
    line saying why: its pages then load the full plotly.js, slower to start, drawing the same)."""
    want = plotly_version()
    how = bundle.install.format(version=want) if bundle.install else f"npm install {bundle.package}@{want}"
    for path in _places(bundle):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            got = plotly_version(text)
            if got == want:
                return text
            progress(f"{path}: plotly.js {got}, not the {want} of the installed plotly package; "
                     f"its pages load the full plotly.js ({how})")
            return None
    progress(f"{bundle.package}@{want} {bundle.asset} is not installed ({how}); "
             "its pages load the full plotly.js, slower to start")
    return None


def _trace_types(page, data) -> set[str]:
    if page is PATHS:
        skeletons = [data["paths"][name] for name in ("logit-paths", "readings")]
    else:
        skeletons = [data["skeletons"][name] for name in page.figures]
    return {t.get("type", "scatter") for variants in skeletons for fig in variants.values() for t in fig["data"]}


def _plotly_for(page, data, partial: dict[str, str]) -> str:
    """The first partial plotly.js (as listed) that draws every trace type of the page, else the full one (the
    Runs page's analysis figures are made by the server when asked: their types are `RUNS_FIGURE_TYPES`)."""
    types = _trace_types(PATHS, data) | RUNS_FIGURE_TYPES if page is RUNS else _trace_types(page, data)
    for b in PARTIAL_BUNDLES:
        if b.asset in partial and types <= b.types:
            return b.asset
    return "plotly.min.js"


def _script_json(data) -> str:
    # inside <script>, "</" would end the element: escape it (and keep the JSON valid JavaScript)
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _data_js(data) -> str:
    return f"window.SOFTMAXLAB_DATA = {_script_json(data)};\n"


def _nav(pages, href: Callable[[str], str], home: str) -> str:
    links = "".join(f'<a data-page="{p.key}" href="{href(p.key)}">{html.escape(p.title)}</a>' for p in pages)
    return f'<header><a class="brand" href="{home}">softmaxlab</a><nav>{links}</nav></header>'


def _page_html(*, title, nav, head, body, scripts) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<link rel=\"icon\" href=\"data:,\">"  # no request for /favicon.ico
        f"<title>{html.escape(title)}</title>{head}</head><body>{nav}{body}{scripts}</body></html>\n"
    )


def _home_body(pages, href) -> str:
    items = "".join(f'<li><a href="{href(p.key)}">{html.escape(p.title)}</a>: {html.escape(p.help.split(". ")[0].replace("**", ""))}.</li>'
                    for p in pages)
    return ('<main class="home"><h1>softmaxlab</h1><p>See the softmax function: every page computes in your browser, '
            f'and a link reproduces what you see.</p><ul>{items}</ul></main>')


def _files(progress, pages=None) -> tuple[dict[str, str], dict]:
    pages = site_pages() if pages is None else pages
    if not pages:
        raise SiteError("no page of the explainer has its figures in the browser yet; nothing to build")
    progress(f"bundling the JavaScript and the figures of {len(pages)} pages")
    data = site_data(pages)
    return {
        "assets/softmaxlab.js": bundle(STATIC / "js", "softmaxlab.js", expose="softmaxlab"),
        "assets/site.css": (STATIC / "css" / "site.css").read_text(encoding="utf-8"),
        "assets/data.js": _data_js(data),
        "assets/plotly.min.js": plotly_js(),
        # the Logit paths page's Web Worker, as text: the page starts it from a Blob, which works from file://
        # too (a worker script by URL does not), and only that page loads it
        "assets/worker.js": f"window.SOFTMAXLAB_WORKER = {_script_json(bundle(STATIC / 'js', 'app/paths_worker.js'))};\n",
    }, data


def _single_file_text(files: dict[str, str], pages) -> str:
    inline = lambda js: "<script>" + js.replace("</script", "<\\/script") + "</script>"
    start = ('<script>softmaxlab.start(window.SOFTMAXLAB_DATA, {mode: "single"});'
             'window.addEventListener("hashchange", () => softmaxlab.start(window.SOFTMAXLAB_DATA, {mode: "single"}));</script>')
    return _page_html(
        title="softmaxlab explainer", nav=_nav(pages, lambda k: f"#{k}", f"#{pages[0].key}"),
        head=f"<style>{files['assets/site.css']}</style>", body='<main id="page"></main>',
        scripts=inline(files["assets/plotly.min.js"]) + inline(files["assets/data.js"]) + inline(files["assets/worker.js"])
        + inline(files["assets/softmaxlab.js"]) + start)


def _check_destination(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out}: is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise SiteError(f"{out}: the folder is not empty (pass --overwrite to replace a site built here)")
        if not (out / MARKER).is_file():
            raise SiteError(f"{out}: is not a site softmaxlab built ({MARKER} is missing); refusing to replace it")


def write_site(out, *, overwrite: bool = False, runs: bool = False,
               progress: Callable[[str], None] = lambda _: None) -> Path:
    """Write the static site into the folder `out` (new, empty, or a site built before with `overwrite`).

    With `runs` (what `softmaxlab serve` builds) the site has the Runs page too (`runs/index.html`, linked from
    every page's navigation), which reads the runs through the server's API (`../api/...`); a static host has
    no such API, so the plain site has no Runs page. The one-file explainer it carries never has it.

    The files are written to a temporary folder beside `out` and moved in at the end, so an interrupted
    build leaves the previous site whole. Returns `out`.
    """
    out = Path(out)
    _check_destination(out, overwrite)
    pages = site_pages(runs=runs)
    files, data = _files(progress, pages)
    if runs:  # the one-file explainer opens from disk, with no server: built without the Runs page
        plain = {**files, "assets/data.js": _data_js(site_data(site_pages()))}
        files[EXPLAINER] = _single_file_text(plain, site_pages())
    else:
        files[EXPLAINER] = _single_file_text(files, pages)  # what a page's "this page as one HTML file" gives
    partial = {b.asset: text for b in PARTIAL_BUNDLES if (text := partial_js(b, progress)) is not None}
    files.update({f"assets/{name}": text for name, text in partial.items()})

    def scripts(p, up):
        plotly = _plotly_for(p, data, partial)
        worker = f'<script src="{up}assets/worker.js"></script>' if p is PATHS else ""
        return (f'<script src="{up}assets/{plotly}"></script><script src="{up}assets/data.js"></script>{worker}'
                f'<script src="{up}assets/softmaxlab.js"></script>')

    head = lambda up: f'<link rel="stylesheet" href="{up}assets/site.css">'
    files["index.html"] = _page_html(title="softmaxlab", nav=_nav(pages, lambda k: f"{k}/", "./"), head=head(""),
                                     body=_home_body(pages, lambda k: f"{k}/"), scripts="")
    for p in pages:
        start = (f'<script>softmaxlab.start(window.SOFTMAXLAB_DATA, {{key: "{p.key}", mode: "site", '
                 f'explainer: "../{EXPLAINER}"}});</script>')
        files[f"{p.key}/index.html"] = _page_html(
            title=f"{p.title} · softmaxlab", nav=_nav(pages, lambda k: f"../{k}/", "../"), head=head("../"),
            body='<main id="page"></main>', scripts=scripts(p, "../") + start)
    files[MARKER] = f"softmaxlab {__version__} site\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name, text in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        progress(f"writing {len(files)} files to {out}")
        if out.exists():
            old = out.with_name(f".{out.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            staging.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def write_single_file(path, *, overwrite: bool = True, progress: Callable[[str], None] = lambda _: None) -> Path:
    """Write the whole explainer as one HTML file that works opened straight from disk (file://).

    Every page is in it; the page and its state live in the address's hash (`explainer.html#surfaces?t=2`).
    """
    path = Path(path)
    if path.is_dir():
        raise SiteError(f"{path}: is a folder; give a file name such as explainer.html")
    if path.exists() and not overwrite:
        raise SiteError(f"{path}: exists (pass --overwrite to replace it)")
    files, _ = _files(progress)
    text = _single_file_text(files, site_pages())
    progress(f"writing {path} ({len(text) / 1e6:.1f} MB)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
