"""Write a figure to a file: one self-contained HTML page, or a PNG/SVG image rendered by Kaleido.

- `.html`: the whole plotly.js library is inlined (`include_plotlyjs=True`), so the page opens
  offline, from a USB stick or an e-mail attachment, with no request to any server. Figures that
  ask for linked 3D cameras (side-by-side logit paths) get a small script that keeps the cameras
  of those scenes in step while one is turned.
- `.png` / `.svg`: Kaleido renders the figure in a headless Chromium. Kaleido 1.x needs a browser:
  `find_browser()` is the one rule for which (`BROWSER_PATH` if set, else Debian's `/usr/bin/chromium`,
  else a Chromium or Chrome on `PATH`), and Kaleido is pointed at exactly that one; with none,
  `BrowserNotFoundError` says what is missing and how to get it, before any work. (Kaleido's own
  Chrome download is not used.) MathJax is switched off because Kaleido would otherwise fetch it from
  a CDN.
"""

import asyncio
import concurrent.futures
import json
import os
import shutil
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["export", "render_images", "linked_scenes_script", "find_browser", "BrowserNotFoundError",
           "IMAGE_SUFFIXES", "SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".svg")
SUFFIXES = (".html", *IMAGE_SUFFIXES)
_SYSTEM_CHROMIUM = "/usr/bin/chromium"
_BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_IMAGE_SIZE = (1100, 600)  # default width x height of an image: room for 3D scenes side by side


def export(fig: go.Figure, path, *, width: int | None = None, height: int | None = None, scale: float = 1.0) -> Path:
    """Write `fig` to `path`; the suffix chooses the format (`.html`, `.png` or `.svg`).

    Args:
        fig: a Plotly figure.
        path: where to write; parent folders are created.
        width, height: image size in CSS pixels for `.png`/`.svg` (default: the figure's own
            `layout.width`/`layout.height`, else 1100 x 600). Ignored for `.html`, which fills the
            browser window.
        scale: pixel density of a `.png` (2 gives a sharp image for slides).

    Returns:
        The path written, as a `Path`.

    Raises:
        ValueError: for a suffix other than those above (GIF/MP4 are animations: see
            `export_animation`), or a figure that is not a `go.Figure`.

    Example:
        >>> import tempfile, plotly.graph_objects as go
        >>> out = export(go.Figure(go.Scatter(y=[1, 3, 2])), Path(tempfile.mkdtemp()) / "f.html")
        >>> "<script src=\\"http" in out.read_text()
        False
    """
    if not isinstance(fig, go.Figure):
        raise ValueError(f"export needs a plotly.graph_objects.Figure, got {type(fig).__name__}")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = " (animations: use export_animation)" if suffix in (".gif", ".mp4") else ""
        raise ValueError(f"cannot export to {path.name!r}: the suffix must be one of {', '.join(SUFFIXES)}{hint}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        scenes = _linked_scenes(fig)
        pio.write_html(
            fig,
            path,
            include_plotlyjs=True,  # inline plotly.js: the file works offline
            include_mathjax=False,
            full_html=True,
            auto_play=False,  # an animation waits for its play button
            post_script=linked_scenes_script(scenes) if len(scenes) > 1 else None,
            config={"displaylogo": False, "responsive": True},
        )
        return path
    width = width or fig.layout.width or _IMAGE_SIZE[0]
    height = height or fig.layout.height or _IMAGE_SIZE[1]
    (data,) = render_images([fig], format=suffix[1:], width=width, height=height, scale=scale)
    path.write_bytes(data)
    return path


def linked_scenes_script(scenes) -> str:
    """JavaScript for `plotly.io.write_html(post_script=...)` that links the cameras of `scenes`.

    Turning any of the named 3D scenes (e.g. `["scene", "scene2"]`) turns the others the same
    way, live while dragging (`plotly_relayouting`) and once more when the drag ends; a flag stops
    the relayouts of the followers from echoing back. `{plot_id}` is filled in by Plotly.

    Example:
        >>> "scene2" in linked_scenes_script(["scene", "scene2"])
        True
    """
    names = json.dumps(list(scenes))
    return (
        "(function () {\n"
        "  var gd = document.getElementById('{plot_id}');\n"
        f"  var scenes = {names};\n"
        "  var following = false;\n"
        "  function follow(ev) {\n"
        "    if (following || !ev) return;\n"
        "    for (var i = 0; i < scenes.length; i++) {\n"
        "      var cam = ev[scenes[i] + '.camera'];\n"
        "      if (!cam) continue;\n"
        "      var update = {};\n"
        "      scenes.forEach(function (s) { if (s !== scenes[i]) update[s + '.camera'] = cam; });\n"
        "      following = true;\n"
        "      Plotly.relayout(gd, update).then(function () { following = false; },\n"
        "                                       function () { following = false; });\n"
        "      return;\n"
        "    }\n"
        "  }\n"
        "  gd.on('plotly_relayouting', follow);\n"
        "  gd.on('plotly_relayout', follow);\n"
        "})();\n"
    )


def _linked_scenes(fig: go.Figure) -> list[str]:
    """The scenes a figure asks to keep in step, from `layout.meta["softmaxlab"]["linked_scenes"]`."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and isinstance(meta.get("softmaxlab"), dict):
        return list(meta["softmaxlab"].get("linked_scenes", []))
    return []


class BrowserNotFoundError(RuntimeError):
    """No Chromium to render images with; the message says how to get one."""


def find_browser(environ=None) -> str:
    """The browser that renders images: `BROWSER_PATH` if set, else Debian's chromium, else one on `PATH`.

    Args:
        environ: the environment to read (default `os.environ`).

    Raises:
        BrowserNotFoundError: with a one-line message naming what is missing and how to get it.

    Example:
        >>> find_browser({"BROWSER_PATH": "/no/such/chrome"})
        Traceback (most recent call last):
        ...
        softmaxlab.figures.export.BrowserNotFoundError: BROWSER_PATH=/no/such/chrome is not a program; ...
    """
    environ = os.environ if environ is None else environ
    chosen = environ.get("BROWSER_PATH")
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise BrowserNotFoundError(f"BROWSER_PATH={chosen} is not a program; point it at a Chrome or "
                                       "Chromium, or unset it to use the system chromium")
        return chosen
    if os.path.isfile(_SYSTEM_CHROMIUM) and os.access(_SYSTEM_CHROMIUM, os.X_OK):
        return _SYSTEM_CHROMIUM
    for name in _BROWSER_NAMES:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            return found
    raise BrowserNotFoundError("PNG, SVG, GIF and MP4 export need Chromium, and none was found (no "
                               f"{_SYSTEM_CHROMIUM}, none on PATH): install it (Debian/Ubuntu: apt-get install "
                               "chromium) or set BROWSER_PATH to a Chrome or Chromium; .html needs no browser")


def use_system_chromium() -> str:
    """Point Kaleido at `find_browser()`'s browser (through `BROWSER_PATH`, which Kaleido reads) and return it."""
    browser = find_browser()
    os.environ["BROWSER_PATH"] = browser
    return browser


def render_images(figs, *, format: str = "png", width=None, height=None, scale: float = 1.0, tabs: int = 1,
                  progress=None) -> list[bytes]:
    """Render figures to image bytes with one Kaleido browser (started once, so many frames are cheap).

    Args:
        figs: an iterable of `go.Figure` (or figure dicts); a generator is consumed lazily.
        format: "png" or "svg" (or another format Kaleido knows).
        width, height, scale: as in :func:`export`.
        tabs: browser tabs rendering at once (more is faster on more cores).
        progress: called with no arguments after each image (e.g. a tqdm bar's `update`).

    Returns:
        The images' bytes, in the order of `figs`.
    """
    use_system_chromium()
    opts = {"format": format, "scale": scale}
    if width is not None:
        opts["width"] = int(width)
    if height is not None:
        opts["height"] = int(height)

    async def render():
        import kaleido  # imported here: starting Kaleido is only needed for images

        done = {}
        queue = enumerate(figs)  # consumed lazily, so a generator of frames is never all in memory
        async with kaleido.Kaleido(n=max(1, int(tabs)), mathjax=False) as k:

            async def worker():
                for i, fig in queue:  # the tabs share one iterator: each figure is rendered once
                    done[i] = await k.calc_fig(fig, opts=dict(opts))
                    if progress is not None:
                        progress()

            await asyncio.gather(*(worker() for _ in range(max(1, int(tabs)))))
        return [done[i] for i in range(len(done))]

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        return list(asyncio.run(render()))
    # inside Jupyter an event loop already runs in this thread: render in a fresh thread
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return list(pool.submit(asyncio.run, render()).result())
