"""The file list is the architecture: inner packages never import outer ones.

Layers, inner to outer (docs/design.md):
spec, core <- lab, store <- record, analysis <- figures <- web <- app <- cli.
`spec` (the one state spec, a module) imports nothing of ours; `web` (the web build) reads the figures
and the spec at build time, and its JavaScript lives in `web/static/`.
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
    "figures": {"extras", "core", "store", "analysis"},
    "web": {"spec", "core", "store", "analysis", "figures", "lab"},
    "app": {"spec", "core", "store", "analysis", "figures", "lab"},
    "cli": {"spec", "extras", "core", "store", "analysis", "figures", "lab", "record", "app", "web"},
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
    source = "import numpy\nfrom softmaxlab.figures import paths\nfrom ..app import server\nfrom . import softmax\n"
    found = imported_packages(source, "softmaxlab.core.geometry")
    assert found == {"figures", "app", "core"}


def test_import_softmaxlab_is_light():
    """`import softmaxlab` must not pull in JAX, zarr, plotly, dash or torch."""
    code = (
        "import sys, softmaxlab; print(','.join(m for m in ('jax', 'zarr', 'plotly', 'dash', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import softmaxlab imported {out.stdout.strip()}"
