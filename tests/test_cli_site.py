"""`softmaxlab site`, in-process through click's CliRunner: destinations checked first, files written whole."""

import json
import re

import pytest
from click.testing import CliRunner

from softmaxlab.cli import main
from softmaxlab.web.build import MARKER, site_pages

needs_pages = pytest.mark.skipif(not site_pages(), reason="no page has its figures in the browser yet")


def invoke(*args):
    return CliRunner().invoke(main, ["site", *map(str, args)])


def test_help_says_what_it_writes():
    result = invoke("--help")
    assert result.exit_code == 0 and "--single-file" in result.output and "static site" in result.output


def test_it_needs_exactly_one_destination(tmp_path):
    for args in ((), ("--out", tmp_path / "a", "--single-file", tmp_path / "b.html")):
        result = invoke(*args)
        assert result.exit_code == 2 and "give either --out DIR" in result.output


def test_a_folder_that_is_not_empty_is_refused_before_any_work(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = invoke("--out", tmp_path)
    assert result.exit_code == 2 and "not empty" in result.output and len(result.output.strip().splitlines()) == 1
    # --overwrite replaces only a site softmaxlab built: the user's folder is left as it was
    result = invoke("--out", tmp_path, "--overwrite")
    assert result.exit_code == 2 and "not a site softmaxlab built" in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    result = invoke("--out", tmp_path / "f")
    assert result.exit_code == 2 and "is a file" in result.output


@needs_pages
def test_a_site_is_written_with_relative_links_and_rebuilt_with_overwrite(tmp_path):
    out = tmp_path / "site"
    result = invoke("--out", out)
    assert result.exit_code == 0, result.output
    assert "python -m http.server" in result.output
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"index.html", MARKER, "assets/plotly.min.js", "assets/softmaxlab.js", "assets/data.js", "assets/site.css"} <= files
    for p in site_pages():
        html = (out / p.key / "index.html").read_text()
        assert f"{p.key}/index.html" in files
        # every link and script is relative: the site works under any sub-path and from any host
        for ref in re.findall(r'(?:href|src)="([^"]+)"', html):
            assert not ref.startswith(("/", "http:", "https:")), ref
    data = json.loads((out / "assets/data.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    assert [p["key"] for p in data["pages"]] == [p.key for p in site_pages()]
    assert invoke("--out", out).exit_code == 2
    assert invoke("--out", out, "--overwrite").exit_code == 0
    assert not [p for p in tmp_path.iterdir() if p.name != "site"]  # no staging folder left behind


@needs_pages
def test_the_single_file_holds_everything(tmp_path):
    path = tmp_path / "explainer.html"
    result = invoke("--single-file", path)
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert "plotly.js v" in text
    outside_scripts = re.sub(r"<script>.*?</script>", "", text, flags=re.S)
    refs = re.findall(r'(?:src|href)="([^"]*)"', outside_scripts)
    assert refs and all(ref.startswith(("#", "data:")) for ref in refs), refs  # nothing to load from anywhere
    assert invoke("--single-file", path).exit_code == 2  # it exists
    assert invoke("--single-file", path, "--overwrite").exit_code == 0


def _fake_bundle(folder, bundle, version):
    path = folder / bundle.package / bundle.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"/**\n* plotly.js ({bundle.package} - minified) v{version}\n*/\nwindow.Plotly = {{}};\n")
    return path


def _kinds(build, page):
    data = build.site_data([page])
    if page.key == "paths":
        return {t.get("type", "scatter") for name in ("logit-paths", "readings") for fig in data["paths"][name].values()
                for t in fig["data"]}
    return {t.get("type", "scatter") for name in page.figures for fig in data["skeletons"][name].values()
            for t in fig["data"]}


@needs_pages
def test_each_page_loads_the_smallest_plotly_bundle_that_holds_its_traces_and_the_site_carries_the_one_file(
        tmp_path, monkeypatch):
    from softmaxlab.web import build

    version = build.plotly_version()
    monkeypatch.setattr(build, "_places", lambda b: [_fake_bundle(tmp_path / "npm", b, version)])
    out = build.write_site(tmp_path / "site", runs=True)
    cartesian = {"bar", "box", "contour", "heatmap", "histogram", "scatter"}  # a few of its README's types
    gl3d = {"cone", "mesh3d", "scatter", "scatter3d", "surface"}
    loaded = set()
    for p in site_pages(runs=True):
        html = (out / p.key / "index.html").read_text()
        scripts = re.findall(r'<script src="../assets/(plotly[^"]*)"', html)
        loaded.update(scripts)
        if p.key == "runs":  # 3D paths and the server's analysis figures (bars): the custom bundle
            assert scripts == ["plotly-runs.min.js"]
            continue
        # the figures' trace types decide: scatter and bar are in the 2D bundle; surface, mesh3d, cone and
        # scatter3d in the 3D one (scatter too); the 2D bundle is the smaller
        kinds = _kinds(build, p)
        want = "plotly-cartesian.min.js" if kinds <= cartesian else "plotly-gl3d.min.js" if kinds <= gl3d else "plotly.min.js"
        assert scripts == [want], (p.key, kinds)
        assert ('<script src="../assets/worker.js">' in html) == (p.key == "paths")
    assert loaded == {"plotly-cartesian.min.js", "plotly-gl3d.min.js", "plotly-runs.min.js"}  # the full one: explainer.html
    for b in build.PARTIAL_BUNDLES:
        assert (out / "assets" / b.asset).read_text().startswith(f"/**\n* plotly.js ({b.package}")
    assert (out / build.EXPLAINER).read_text().count("plotly.js v") == 1  # the full bundle, inline


def test_a_partial_bundle_of_another_version_or_none_falls_back_to_the_full_one_and_says_so(tmp_path, monkeypatch):
    from softmaxlab.web import build

    want = build.plotly_version()
    for bundle in build.PARTIAL_BUNDLES:
        lines = []
        monkeypatch.setattr(build, "_places", lambda b: [_fake_bundle(tmp_path / "old", b, "0.9.9")])
        assert build.partial_js(bundle, lines.append) is None
        assert len(lines) == 1 and "plotly.js 0.9.9" in lines[0] and f"{bundle.package}@{want}" in lines[0]
        monkeypatch.setattr(build, "_places", lambda b: [tmp_path / "nowhere" / "x.js"])
        assert build.partial_js(bundle, lines.append) is None
        assert len(lines) == 2 and f"npm install --no-save {bundle.package}@{want}" in lines[1] \
            if bundle.install else f"npm install {bundle.package}@{want}" in lines[1]
    # the custom bundle's line says how it is built, not only what to install
    assert "node scripts/plotly_bundle.mjs" in lines[1]
    monkeypatch.setattr(build, "_places", lambda b: [tmp_path / "nowhere" / "x.js"])
    out = build.write_site(tmp_path / "site", runs=True)
    assert {re.search(r'assets/(plotly[^"]*)"', (out / p.key / "index.html").read_text()).group(1)
            for p in site_pages(runs=True)} == {"plotly.min.js"}


def test_the_runs_page_figures_use_only_the_trace_types_its_plotly_bundle_holds():
    """RUNS_FIGURE_TYPES decides the Runs page's bundle: every figure the server makes for a run keeps to it."""
    import numpy as np

    from softmaxlab.server.api import READINGS, make_figure
    from softmaxlab.store import Run
    from softmaxlab.web import build

    rng = np.random.default_rng(0)
    run = Run(logits=rng.normal(size=(6, 12, 3)).astype(np.float32), steps=np.arange(6), labels=np.arange(12) % 3,
              extras={"features": rng.normal(size=(6, 12, 4))})
    types = {name: {t.type for t in make_figure(run, name, "r").data} for name in READINGS}
    assert all(types.values()) and set().union(*types.values()) <= build.RUNS_FIGURE_TYPES, types
    runs_bundle = next(b for b in build.PARTIAL_BUNDLES if b.asset == "plotly-runs.min.js")
    assert build.RUNS_FIGURE_TYPES | {"scatter3d"} <= runs_bundle.types


@needs_pages
def test_the_site_of_serve_has_the_runs_page_linked_from_every_page_and_the_plain_site_none(tmp_path):
    from softmaxlab.web import build

    served = build.write_site(tmp_path / "served", runs=True)
    plain = build.write_site(tmp_path / "plain")
    keys = [p.key for p in site_pages()]
    assert "runs" not in keys and [p.key for p in site_pages(runs=True)] == [*keys, "runs"]
    assert (served / "runs/index.html").is_file() and not (plain / "runs").exists()
    for key in [*keys, "runs"]:
        html = (served / key / "index.html").read_text()
        assert '<a data-page="runs" href="../runs/">Runs</a>' in html, key
        if key != "runs":
            assert 'data-page="runs"' not in (plain / key / "index.html").read_text(), key
    assert 'href="runs/"' in (served / "index.html").read_text() and "runs/" not in (plain / "index.html").read_text()
    runs_html = (served / "runs/index.html").read_text()
    # the custom bundle where scripts/plotly_bundle.mjs built it (as .ci/run does), else the full one
    assert re.search(r'<script src="../assets/plotly(-runs)?\.min\.js">', runs_html) and 'key: "runs"' in runs_html
    assert "worker.js" not in runs_html  # the Runs page trains nothing
    data = json.loads((served / "assets/data.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    runs_page = next(p for p in data["pages"] if p["key"] == "runs")
    assert [c["name"] for c in runs_page["controls"]] == ["run", "step", "reading", "camera"]
    reading = next(c for c in runs_page["controls"] if c["name"] == "reading")
    assert reading["choices"] == ["data-map", "reliability", "forgetting", "neural-collapse"]
    assert reading["default"] == "data-map"
    # the one-file explainer opens from disk, with no server to read runs from: no Runs page in it
    assert 'data-page="runs"' not in (served / build.EXPLAINER).read_text()
    assert '"key":"runs"' not in (served / build.EXPLAINER).read_text()
