"""Fixtures for the JavaScript tests: Python's core computes, node's tests must reproduce.

Each `fixtures_<part>.py` beside this file has a `cases()` returning `{name: value}`; `write_all(out)`
writes one `<name>.json` per entry. JSON has no infinities or NaN, so they are written as the strings
"Infinity", "-Infinity" and "NaN" and `helpers.mjs` reads them back as numbers.
"""

import importlib
import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def plain(value):
    """`value` with arrays as lists and non-finite floats as strings, ready for `json.dumps`."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_all(out: Path) -> list[Path]:
    """Write every fixture of every `fixtures_*.py` module into `out`; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for module_path in sorted(HERE.glob("fixtures_*.py")):
        module = importlib.import_module(f"tests.js.{module_path.stem}")
        for name, value in module.cases().items():
            path = out / f"{name}.json"
            path.write_text(json.dumps(plain(value)))
            written.append(path)
    return written
