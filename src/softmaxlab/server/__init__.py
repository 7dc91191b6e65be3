"""The server: `softmaxlab serve` serves the web build's pages and a small read-only JSON API for your runs.

`serve(...)` builds the site (the same files `softmaxlab site` writes, plus the Runs page) into memory at
start-up, then serves it and the API (docs/server.md) with waitress until interrupted. The pages compute
in the browser; the server only reads runs under `--logdir` and draws their analysis figures with
`softmaxlab.figures`. It never trains.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import webbrowser
from pathlib import Path

from .app import create_app
from .static import SiteFiles

__all__ = ["serve", "bind", "create_app", "build_site", "SiteFiles", "LOOPBACK"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
THREADS = 64  # waitress threads (idle ones cost little); at most WAITING of them wait for heavy work
WAITING = 56  # so 8 always stay free for pages and cached answers
SEND_BUFFER = 1 << 20  # bytes of socket send buffer asked for (the system may cap it)
OUTPUT_BUFFER = 8 << 20  # per connection in memory before waitress spills a response to a temporary file
MAX_BODY = 64 << 10  # waitress refuses bodies over this before the app sees them (the app refuses any body)


def bind(host: str, port: int, *, tries: int = 20):
    """A listening socket on `host` at `port` or the next free port after it; returns `(socket, port)`."""
    last = None
    for candidate in range(port, min(port + tries, 65536)):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            # accepted sockets inherit it; waitress sends in pieces of this size (16 KB by default: a 3 MB
            # logits answer took some 200 trips through its loop)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            sock.bind((host, candidate))
            sock.listen(128)
            return sock, candidate
        except OSError as e:
            sock.close()
            last = e
    raise OSError(f"no free port in {port}..{min(port + tries, 65536) - 1} on {host} ({last})")


def build_site(progress=lambda _: None) -> SiteFiles:
    """The web build with the Runs page, written to a private temporary folder and read into memory."""
    from softmaxlab.web.build import write_site

    folder = Path(tempfile.mkdtemp(prefix="softmaxlab-serve-"))
    try:
        out = folder / "site"
        write_site(out, overwrite=True, runs=True, progress=progress)
        return SiteFiles(out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def warm_up() -> None:
    """Import what reading a run and drawing its figures needs, and draw each figure once on a tiny run.

    zarr, plotly and its validators load on first use (a second or two); done at start, the first visitor
    of the Runs page does not wait for them.
    """
    import numpy as np

    from softmaxlab.store import Run, load_run

    from .api import READINGS, make_figure

    rng = np.random.default_rng(0)
    run = Run(logits=rng.normal(size=(3, 6, 3)), steps=[0, 1, 2], labels=[0, 1, 2, 0, 1, 2])
    folder = Path(tempfile.mkdtemp(prefix="softmaxlab-warm-up-"))
    try:
        run = load_run(run.save(folder / "run").path)  # zarr's first read
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for reading in READINGS:
        try:
            make_figure(run, reading, "warm-up").to_json(remove_uids=False)
        except ValueError:
            pass


def _few_malloc_arenas(count: int = 2) -> None:
    """Keep glibc from holding freed memory: few malloc arenas (not one per thread), and every block of
    1 MB or more (a run's arrays, a logits answer) mapped on its own, so freeing it returns it to the system
    (glibc's default raises that threshold after the first big free, and answers then fragment the heap)."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, count)  # M_ARENA_MAX
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD, fixed
    except (OSError, AttributeError):
        pass  # not glibc


def _can_open_browser() -> bool:
    try:
        webbrowser.get()
        return True
    except webbrowser.Error:
        return False


def serve(*, host: str = "127.0.0.1", port: int = 8050, logdir="runs", open_browser: bool = True,
          threads: int = THREADS, echo=print, site=None, heavy: int = 2, waiting: int = WAITING,
          run_cache_bytes: int = 768 << 20) -> None:
    """Serve the pages and the API with waitress until interrupted (KeyboardInterrupt reaches the caller).

    Binds to `host` (loopback by default; any other host gets a warning), taking the next free port if
    `port` is taken and saying so; creates `logdir` if missing; prints the URL and opens it in the
    browser unless `open_browser` is False (or says that no browser can be opened here).

    Args:
        site: a folder holding a site built with `write_site(..., runs=True)` to serve instead of building
            one (tests and benchmarks reuse one build).
        heavy: requests that may read a run or build a figure at once.
        waiting: requests that may wait for those (each holds a thread; beyond, a 503 "busy" at once), so
            `threads - waiting` threads always stay free for pages and cached answers.
        run_cache_bytes: the most bytes of run arrays kept in memory.
    """
    import waitress

    _few_malloc_arenas()
    root = Path(logdir).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    sock, chosen = bind(host, port)
    try:
        if chosen != port:
            echo(f"port {port} is taken; using {chosen} instead")
        if host not in LOOPBACK:
            echo(f"warning: listening on {host}, so other machines can reach the pages and read the runs "
                 f"in {root.resolve()}")
        if site is None:
            echo("building the pages ...")
            files = build_site()
        else:
            files = SiteFiles(site)
        app = create_app(logdir=root, site=files, heavy=heavy, waiting=min(waiting, threads - 2),
                         run_cache_bytes=run_cache_bytes)
        warm_up()  # before the URL: the first visitor of a run does not wait for imports
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else
                                                            f"[{host}]" if ":" in host else host)
        url = f"http://{shown}:{chosen}/"
        echo(f"softmaxlab serving runs from {root.resolve()} at {url}  (Ctrl+C to stop)")
        if open_browser:
            if _can_open_browser():
                threading.Timer(0.5, webbrowser.open, args=(url,)).start()
            else:
                echo(f"no browser can be opened here; open {url} in one")
        sys.stdout.flush()
        server = waitress.create_server(app, sockets=[sock], threads=threads, clear_untrusted_proxy_headers=True,
                                        max_request_body_size=MAX_BODY, max_request_header_size=16 << 10,
                                        outbuf_overflow=OUTPUT_BUFFER, ident="softmaxlab")
    except BaseException:
        sock.close()
        raise
    try:
        server.run()  # waitress returns from its loop on Ctrl+C (it catches the KeyboardInterrupt)
    finally:
        server.close()
    raise KeyboardInterrupt  # the caller says "stopped."
