"""What the site's browser tests, its benchmark and its screenshot script share."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def pixel_ratio_script(ratio: float) -> str:
    """An init script for a tab whose `devicePixelRatio` reads `ratio`: its 3D scenes draw at that ratio
    (`glPixelRatio` in app/update.js) on the same screen; the benchmarks' "ratio 2" is plotly's own default."""
    return f"Object.defineProperty(window, 'devicePixelRatio', {{get: () => {ratio}}})"


@contextlib.contextmanager
def static_server(folder: Path, *, port: int):
    """`python -m http.server` (a plain static file server, not softmaxlab) on loopback serving `folder`."""
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the static server on port {port} did not answer")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def random_values(controls, rng) -> dict:
    """Random values for every control, within the spec's bounds (the default where it has none)."""
    values = {}
    for c in controls:
        if c.kind == "bool":
            values[c.name] = bool(rng.random() < 0.5)
        elif c.kind == "choice":
            values[c.name] = c.choices[int(rng.integers(len(c.choices)))]
        elif c.kind in ("int", "float") and c.minimum is not None and c.maximum is not None and c.maximum - c.minimum < 1e6:
            v = rng.uniform(c.minimum, c.maximum)
            values[c.name] = int(round(v)) if c.kind == "int" else round(float(v), 2)
        else:
            values[c.name] = c.default
    return values
