"""The file list is the architecture: inner packages never import outer ones.

Layers, inner to outer (docs/design.md):
spec, core <- lab, store <- record, analysis <- figures <- web <- server <- cli.
`spec` (the one state spec, a module) imports nothing of ours; `web` (the web build, the one front end)
reads the figures and the spec at build time, and its JavaScript lives in `web/static/`; `server`
(`softmaxlab serve`) serves that build and reads runs, and never imports the lab (JAX): it trains nothing.
A package may import itself and the packages listed for it below, nothing else of ours.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "softmaxlab"

# package -> the packages of ours it may import (besides itself)
ALLOWED = {
    "spec": set(),
    "extras": set(),  # the install's extras and the one line naming a missing one's pip install (a module)
    "core": set(),
    "store": {"core"},
    "lab": {"spec", "extras", "core", "store"},
    "record": {"extras", "core", "store"},
    "analysis": {"core", "store"},
    "figures": {"spec", "extras", "core", "store", "analysis"},
    "web": {"spec", "core", "store", "analysis", "figures", "lab"},
    "server": {"spec", "core", "store", "analysis", "figures", "web"},
    "cli": {"spec", "extras", "core", "store", "analysis", "figures", "lab", "record", "server", "web"},
}


def imported_packages(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """The softmaxlab sub-packages that `source` (the text of `module`) imports."""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                anchor = base[: len(base) - (node.level - 1)]
                stem = ".".join(anchor + ([node.module] if node.module else []))
                names = [stem] if node.module else [f"{stem}.{a.name}" for a in node.names]
            elif node.module == "softmaxlab":
                names = [f"softmaxlab.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        for name in names:
            split = name.split(".")
            if split[0] == "softmaxlab" and len(split) > 1 and split[1] in ALLOWED:
                found.add(split[1])
    return found


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if len(rel.parts) > 1 and rel.parts[0] in ALLOWED:
            yield rel.parts[0], path
        elif len(rel.parts) == 1 and rel.stem in ALLOWED:  # a layer that is one module (spec.py)
            yield rel.stem, path


@pytest.mark.parametrize("package,path", list(_modules()), ids=lambda v: str(v).split("softmaxlab/")[-1])
def test_imports_point_inward(package, path):
    rel = path.relative_to(SRC).with_suffix("")
    is_package = rel.name == "__init__"
    module = ".".join(["softmaxlab", *(rel.parts[:-1] if is_package else rel.parts)])
    outward = imported_packages(path.read_text(), module, is_package=is_package) - ALLOWED[package] - {package}
    assert not outward, f"{rel} ({package}) imports outer package(s) {sorted(outward)}"


def test_checker_catches_outward_imports():
    source = "import numpy\nfrom softmaxlab.figures import paths\nfrom ..server import app\nfrom . import softmax\n"
    found = imported_packages(source, "softmaxlab.core.geometry")
    assert found == {"figures", "server", "core"}


def test_import_softmaxlab_is_light():
    """`import softmaxlab` must not pull in JAX, zarr, plotly, flask or torch."""
    code = (
        "import sys, softmaxlab; print(','.join(m for m in ('jax', 'zarr', 'plotly', 'flask', 'dash', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import softmaxlab imported {out.stdout.strip()}"


def test_the_server_answers_every_route_without_the_lab_engine(tmp_path):
    """The server reads a lab run (its experiment's query included) and draws its figures without JAX or optax."""
    code = f"""
import sys, numpy as np
from softmaxlab.store import Run
from softmaxlab.lab import Experiment
from softmaxlab.server.app import create_app
Run(logits=np.zeros((2, 3, 3)), steps=[0, 1], labels=[0, 1, 2], config=Experiment(steps=2).to_dict()).save({str(tmp_path / "lab")!r})
site = {str(tmp_path / "site")!r}
import os; os.makedirs(site); open(site + "/index.html", "w").write("<p>home</p>")
client = create_app(logdir={str(tmp_path)!r}, site=site).test_client()
for path in ("/", "/api/runs", "/api/runs/lab", "/api/runs/lab/logits", "/api/runs/lab/figures/readings",
             "/api/runs/lab/figures/data-map"):
    assert client.get(path).status_code == 200, path
assert client.get("/api/runs/lab").get_json()["query"] == "steps=2"
print(",".join(m for m in ("jax", "optax", "dash", "torch") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"the server imported {out.stdout.strip()}"
