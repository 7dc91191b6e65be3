"""Helpers of the browser tests: read a graph's data, check a WebGL canvas has pixels."""

import base64
import io
import re

import numpy as np

# typed arrays (plotly decodes base64 NumPy arrays into them, kept as `_inputArray`) become plain lists
READ_DATA = """id => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                       if (!gd || !gd.data) return null;
                       const plain = (k, v) => ArrayBuffer.isView(v) ? Array.from(v)
                           : (v && v._inputArray) ? Array.from(v._inputArray) : v;
                       return JSON.parse(JSON.stringify(gd.data, plain)); }"""


def graph_data(page, graph_id: str):
    """The traces currently drawn in a graph (`gd.data` of its plotly div)."""
    return page.evaluate(READ_DATA, graph_id)


def wait_for_graph(page, graph_id: str, *, timeout: float = 60_000):
    """Wait until the graph has traces, then return them."""
    page.wait_for_function(
        """id => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
                   return gd && gd.data && gd.data.length > 0; }""",
        arg=graph_id, timeout=timeout,
    )
    return graph_data(page, graph_id)


def canvas_spread(page, graph_id: str) -> float:
    """Standard deviation of the pixels of the graph's WebGL canvas (0 for a blank canvas)."""
    page.locator(f"#{graph_id} .gl-container canvas").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(500)  # let WebGL finish its first frames
    return float(canvas_pixels(page, graph_id).std())


def arr(value) -> np.ndarray:
    """A trace's array as NumPy; plotly may keep NumPy arrays as base64 typed arrays ({"dtype", "bdata"})."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return flat.reshape(tuple(int(n) for n in str(shape).split(",")) if shape else -1)
    return np.asarray(value, dtype=float)




# where a 2D figure's data stands on screen: every marker's position, every line, error bar and shape path, and the
# axes' tick labels, as SVG attributes of the drawn document (not plotly's data)
READ_SVG = """id => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const attr = (selector, name) => [...gd.querySelectorAll(selector)].map(e => e.getAttribute(name) || '');
  return {points: attr('.scatterlayer .trace .point', 'transform'), lines: attr('.scatterlayer .trace .js-line', 'd'),
          bars: attr('.scatterlayer .trace .errorbar path', 'd'), shapes: attr('.shapelayer path', 'd'),
          ticks: [...gd.querySelectorAll('.xtick text, .ytick text')].map(e => e.textContent)}; }"""


def drawn_geometry(page, graph_id: str) -> dict[str, list]:
    """The SVG geometry of a 2D graph: {"points", "lines", "bars", "shapes"}: lists of coordinate arrays (pixels);
    "ticks": the tick labels."""
    raw = page.evaluate(READ_SVG, graph_id)
    numbers = lambda s: np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", s)])  # noqa: E731
    return {k: (v if k == "ticks" else [numbers(s) for s in v]) for k, v in raw.items()}


def canvas_pixels(page, graph_id: str) -> np.ndarray:
    """The graph's first WebGL canvas as shown, `(height, width, 3)` float."""
    import imageio.v3 as iio

    canvas = page.locator(f"#{graph_id} .gl-container canvas").first
    return np.asarray(iio.imread(io.BytesIO(canvas.screenshot())), dtype=np.float64)[..., :3]
