"""The install: a light base, extras that say how to get them, and ranges that admit only what was tested.

`pip install -e .` is what `softmaxlab serve` and `softmaxlab site` need; JAX and optax (`[lab]`),
imageio-ffmpeg (`[mp4]`) and PyTorch (`[torch]`) are extras. Here each light command runs in a real
subprocess where the extras' modules (and scipy, which the tests use but the package does not) cannot be
imported, exactly as on a machine without them; and a feature whose extra is missing must say, in one
line and before any work, which `pip install` adds it.
"""

import importlib.util
import json
import math
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from softmaxlab.extras import EXTRAS

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# what the base install must work without: the extras' modules, and what only the tests use
ABSENT = ("jax", "jaxlib", "optax", "imageio_ffmpeg", "torch", "scipy", "dash")

# Runs the CLI with `sys.modules[name] = None` for each name in argv[1]: `import name` then fails and
# `importlib.util.find_spec(name)` is None, as where the package is not installed. At exit it writes to
# argv[2] which of ABSENT ended up imported.
SHIM = """
import atexit, json, runpy, sys
blocked, report = [n for n in sys.argv[1].split(",") if n], sys.argv[2]
for name in blocked:
    sys.modules[name] = None
names = %r
atexit.register(lambda: open(report, "w").write(json.dumps([n for n in names if sys.modules.get(n) is not None])))
sys.argv = ["softmaxlab", *sys.argv[3:]]
runpy.run_module("softmaxlab", run_name="__main__", alter_sys=True)
""" % (ABSENT,)


def softmaxlab(*args, cwd, block=ABSENT, timeout=300):
    """`softmaxlab ARGS` in a subprocess without the modules `block`; returns (result, modules it imported)."""
    report = Path(cwd) / ".imported.json"
    done = subprocess.run([sys.executable, "-c", SHIM, ",".join(block), str(report), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    imported = json.loads(report.read_text()) if report.exists() else None
    report.unlink(missing_ok=True)
    return done, imported


def python(code, *, cwd, block=ABSENT):
    """Run `code` in a fresh interpreter without the modules `block`; returns the finished process."""
    prelude = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in block)
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=cwd, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def one_error_line(done):
    """The single line a failed command printed (exit code 2, nothing on stdout, no traceback)."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stdout.strip() == "", done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory):
    """A recorded run made by the store alone (no JAX): 40 samples of 3 classes pulling apart over 6 records."""
    from softmaxlab.store import Run

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=40)  # (S,)
    noise = rng.normal(size=(40, 3))  # (S, K)
    logits = np.stack([0.3 * noise + 0.8 * r * np.eye(3)[labels] for r in range(6)]).astype(np.float32)  # (R, S, K)
    path = tmp_path_factory.mktemp("runs") / "rec"
    Run(logits=logits, steps=np.arange(6) * 10, labels=labels).save(path)
    return path


# --- the light commands: they work without the extras, and do not import them where they are installed

def _softmax_row(logits):
    e = [math.exp(z - max(logits)) for z in logits]
    return [x / sum(e) for x in e]


LIGHT = {
    "help": (["--help"], lambda out, cwd, run: "Commands" in out and "serve" in out and "train" in out),
    "softmax": (["softmax", "2", "1", "0.1"],
                lambda out, cwd, run: f"{_softmax_row([2, 1, 0.1])[0]:.4f}" in out),
    "runs": (["runs", "{runs}"], lambda out, cwd, run: out.splitlines()[1].split()[:5] == ["rec", "recorded", "6",
                                                                                           "40", "3"]),
    "analyze": (["analyze", "{run}", "--out", "readings"],
                lambda out, cwd, run: {p.name for p in (cwd / "readings").iterdir()} >= {"data-map.html",
                                                                                          "reliability.html"}),
    "export-html": (["export", "logit-paths", "--run", "{run}", "--out", "paths.html"],
                    lambda out, cwd, run: (cwd / "paths.html").stat().st_size > 1e6),
}


def _arguments(args, run):
    return [a.format(run=run, runs=run.parent) for a in args]


# the readings take a few seconds: the quick loop leaves them out
LIGHT_NAMES = [pytest.param(n, marks=pytest.mark.slow) if n == "analyze" else n for n in LIGHT]


@pytest.mark.parametrize("name", LIGHT_NAMES)
def test_a_light_command_works_without_the_extras(name, tmp_path, recorded_run):
    args, check = LIGHT[name]
    done, _ = softmaxlab(*_arguments(args, recorded_run), cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert check(done.stdout, tmp_path, recorded_run), done.stdout


@pytest.mark.parametrize("name", LIGHT_NAMES)
def test_a_light_command_imports_no_extra_where_they_are_installed(name, tmp_path, recorded_run):
    args, _ = LIGHT[name]
    done, imported = softmaxlab(*_arguments(args, recorded_run), cwd=tmp_path, block=())
    assert done.returncode == 0, done.stdout + done.stderr
    assert imported == [], f"softmaxlab {name} imported {imported}"


def test_import_softmaxlab_and_its_light_parts_need_no_extra(tmp_path):
    done = python("import softmaxlab, softmaxlab.core, softmaxlab.store, softmaxlab.analysis, softmaxlab.figures, "
                  "softmaxlab.web, softmaxlab.lab\n"
                  "from softmaxlab import Experiment, softmax, load_run, calibration\n"
                  "print(Experiment().steps, round(float(softmax([0.0, 0.0])[0]), 2))", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1000", "0.5"]


@pytest.mark.slow
def test_the_site_builds_without_the_extras(tmp_path):
    done, _ = softmaxlab("site", "--single-file", "explainer.html", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    page = (tmp_path / "explainer.html").read_text()
    assert "Logit paths" in page and len(page) > 1e6


@pytest.mark.slow
@pytest.mark.usefixtures("needs_browser")
@pytest.mark.parametrize("suffix", [".png", ".gif"])
def test_png_and_gif_export_need_no_extra(suffix, tmp_path, recorded_run):
    args = (["softmax-2d"] if suffix == ".png" else
            ["logit-paths", "--run", recorded_run, "--max-frames", "2", "--width", "160", "--height", "160"])
    done, _ = softmaxlab("export", *args, "--out", f"x{suffix}", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    magic = {".png": b"\x89PNG\r\n\x1a\n", ".gif": b"GIF89a"}[suffix]
    assert (tmp_path / f"x{suffix}").read_bytes()[: len(magic)] == magic


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("softmaxlab.app") is not None,
                    reason="the Dash app still serves here; the light serve is softmaxlab.server's")
def test_serve_serves_without_the_extras(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago; serve moves on if it is taken since
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = tmp_path / ".imported.json"
    server = subprocess.Popen([sys.executable, "-c", SHIM, ",".join(ABSENT), str(report), "serve", "--no-browser",
                               "--port", str(port), "--logdir", str(tmp_path / "runs")], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    try:
        url, seen, began = None, [], time.monotonic()
        while url is None and time.monotonic() - began < 240:
            line = server.stdout.readline()
            if not line:
                break
            seen.append(line)
            if " at http://" in line:
                url = line.split(" at ", 1)[1].split()[0]
        assert url, "".join(seen)
        with urllib.request.urlopen(url, timeout=60) as answer:
            assert answer.status == 200 and b"softmax" in answer.read().lower()
    finally:
        server.terminate()
        server.wait(timeout=60)
        server.stdout.close()


# --- a feature whose extra is missing: one line naming the pip install, before any work

def test_train_without_jax_is_one_line_naming_the_lab_extra(tmp_path):
    done, _ = softmaxlab("train", "--steps", "5", "--out", "runs/x", cwd=tmp_path)
    assert one_error_line(done) == 'Error: softmaxlab train needs JAX and optax: pip install "softmaxlab[lab]"'
    assert not (tmp_path / "runs").exists()
    help_done, _ = softmaxlab("train", "--help", cwd=tmp_path)  # its help needs no JAX
    assert help_done.returncode == 0 and "--optimizer" in help_done.stdout


def test_train_names_only_what_is_missing(tmp_path):
    done, _ = softmaxlab("train", "--out", "runs/x", cwd=tmp_path, block=("optax",))
    assert one_error_line(done) == 'Error: softmaxlab train needs optax: pip install "softmaxlab[lab]"'


def test_exporting_a_run_figure_without_a_run_trains_so_it_needs_jax(tmp_path):
    done, _ = softmaxlab("export", "logit-paths", "--out", "paths.html", cwd=tmp_path)
    assert one_error_line(done) == ('Error: softmaxlab export logit-paths without --run (it trains the experiment) '
                                    'needs JAX and optax: pip install "softmaxlab[lab]"')
    assert not (tmp_path / "paths.html").exists()


def test_mp4_export_without_imageio_ffmpeg_is_one_line_before_any_frame(tmp_path, recorded_run):
    done, _ = softmaxlab("export", "logit-paths", "--run", recorded_run, "--out", "paths.mp4", cwd=tmp_path)
    assert one_error_line(done) == 'Error: MP4 export needs imageio-ffmpeg: pip install "softmaxlab[mp4]"'
    assert not (tmp_path / "paths.mp4").exists()


def test_the_python_api_says_which_extra_in_one_line(tmp_path, recorded_run):
    code = """
import importlib
from softmaxlab.extras import MissingExtraError
def attempt(thunk):
    try:
        thunk()
    except MissingExtraError as e:
        # an ImportError, and its traceback shows no other exception
        assert isinstance(e, ImportError) and e.__cause__ is None, repr(e)
        assert e.__context__ is None or e.__suppress_context__, repr(e.__context__)
        print(e)
    else:
        print("no error")
import softmaxlab
attempt(lambda: softmaxlab.train)
attempt(lambda: importlib.import_module("softmaxlab.lab").train_many)
attempt(lambda: importlib.import_module("softmaxlab.lab.engine"))
attempt(lambda: importlib.import_module("softmaxlab.record"))
from softmaxlab.figures.animation import export_animation
from softmaxlab.store import load_run
attempt(lambda: export_animation(load_run(%r), "paths.mp4"))
print(sorted(m for m in ("kaleido", "choreographer") if m in sys.modules))
""" % str(recorded_run)
    done = python(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        'softmaxlab.train needs JAX and optax: pip install "softmaxlab[lab]"',
        'softmaxlab.train_many needs JAX and optax: pip install "softmaxlab[lab]"',
        'softmaxlab\'s training engine needs JAX and optax: pip install "softmaxlab[lab]"',
        'softmaxlab.record needs PyTorch: pip install "softmaxlab[torch]"',
        'MP4 export needs imageio-ffmpeg: pip install "softmaxlab[mp4]"',
        "[]",  # no frame was rendered: Kaleido never started
    ]
    assert not (tmp_path / "paths.mp4").exists()


# --- pyproject.toml: what each install holds, and ranges that admit only the tested releases

def _name(requirement: str) -> str:
    return Requirement(requirement).name.lower().replace("_", "-")


def _requirements(group: str) -> list[Requirement]:
    """The requirements of the base ("base") or of an extra, with `softmaxlab[...]` expanded."""
    listed = PROJECT["dependencies"] if group == "base" else PROJECT["optional-dependencies"][group]
    out = []
    for text in listed:
        requirement = Requirement(text)
        if requirement.name == "softmaxlab":
            out += [r for extra in sorted(requirement.extras) for r in _requirements(extra)]
        else:
            out.append(requirement)
    return out


GROUPS = ["base", *PROJECT["optional-dependencies"]]
EVERY = {(_name(str(r)), str(r.specifier)) for g in GROUPS for r in _requirements(g)}


def test_the_base_install_holds_no_extra():
    base = {_name(str(r)) for r in _requirements("base")}
    assert not base & {"jax", "jaxlib", "optax", "imageio-ffmpeg", "torch", "scipy", "dash", "scikit-learn"}, base
    assert {"flask", "waitress", "plotly", "zarr", "kaleido"} <= base  # serve, the figures, runs, PNG export


def test_each_extra_brings_the_modules_its_message_names():
    provides = metadata.packages_distributions()  # import name -> distributions
    for extra, modules in EXTRAS.items():
        listed = {_name(str(r)) for r in _requirements(extra)}
        for module in modules:
            assert {_name(d) for d in provides[module]} & listed, f"[{extra}] does not install {module}"


def test_the_test_extra_installs_every_extra_and_ci_installs_it():
    everything = {str(r) for r in _requirements("test")}
    for extra in PROJECT["optional-dependencies"]:
        assert {str(r) for r in _requirements(extra)} <= everything, f"[test] lacks [{extra}]"
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]"' in ci
    # CI installs the CPU build of torch first, pinned; the range must admit it or pip would replace it
    torch_pin = Version(ci.split("pip install -q torch==", 1)[1].split()[0])
    assert all(r.specifier.contains(torch_pin) for g in GROUPS for r in _requirements(g) if r.name == "torch")


def test_a_distribution_has_one_range_wherever_it_is_listed():
    names = [name for name, _ in EVERY]
    assert len(names) == len(set(names)), sorted(EVERY)


def _later(version: Version) -> list[Version]:
    """The next patch, minor and major releases after `version`: none of them has been tested."""
    release = list(version.release) + [0] * (3 - len(version.release))
    return [Version(".".join(map(str, v))) for v in
            ([*release[:2], release[2] + 1], [release[0], release[1] + 1, 0], [release[0] + 1, 0, 0])]


@pytest.mark.parametrize("name,specifier", sorted(EVERY), ids=[n for n, _ in sorted(EVERY)])
def test_a_range_admits_the_tested_release_and_no_later_one(name, specifier):
    from packaging.specifiers import SpecifierSet

    try:
        installed = Version(metadata.version(name))
    except metadata.PackageNotFoundError:
        pytest.fail(f"{name} is not installed: install the test extra (pip install -e '.[test]') to test it")
    admitted = SpecifierSet(specifier)
    assert admitted.contains(installed, prereleases=True), (
        f"{name} {installed} is installed but pyproject.toml admits {specifier}: run the suite on it and "
        "move the range, or install a release inside it")
    untested = [str(v) for v in _later(installed) if admitted.contains(v, prereleases=True)]
    assert not untested, f"{name}{specifier} admits {untested}, which no test has run against"
    assert not admitted.contains("0.0.1"), f"{name}{specifier} has no lower bound"


def test_plotly_is_pinned_exactly_to_the_plotly_js_the_pages_ship():
    (plotly,) = [r for r in _requirements("base") if r.name == "plotly"]
    assert str(plotly.specifier) == f"=={metadata.version('plotly')}"
