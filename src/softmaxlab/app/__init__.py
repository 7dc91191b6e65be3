"""The app: `softmaxlab serve` starts a local Dash app where a learner plays with softmax, live.

`create_app(logdir=...)` builds the Dash app (pages Softmax, Surfaces, Input space, Loss, Sampling,
Logit paths, Runs); `serve(...)` runs it with waitress on a free port and opens the browser. Every
control's value lives in the URL query, so a link reproduces the view (and, with the seed, the run).
"""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path

import dash
from dash import ALL, Input, Output, State, html

from .jobs import Jobs
from .layout import Page, collect, shell, url_notice
from .state import from_search, to_search, validate

__all__ = ["create_app", "serve", "AppContext", "pages"]

ASSETS = Path(__file__).with_name("assets")


@dataclass(frozen=True)
class AppContext:
    """What the pages share: the runs folder (resolved) and the training pool."""

    logdir: Path
    jobs: Jobs


def pages() -> tuple[Page, ...]:
    """The pages, in navigation order (imported here so `import softmaxlab.app` stays light)."""
    from . import page_input_space, page_loss, page_paths, page_runs, page_sampling, page_softmax, page_surfaces

    return tuple(m.PAGE for m in (page_softmax, page_surfaces, page_input_space, page_loss, page_sampling,
                                  page_paths, page_runs))


def create_app(*, logdir, workers: int = 2) -> dash.Dash:
    """The Dash app, reading and listing runs under `logdir` (created if missing).

    Args:
        logdir: folder of runs for the Runs page; nothing outside it can be opened.
        workers: threads that train experiments for the Logit paths page.

    >>> import tempfile
    >>> app = create_app(logdir=tempfile.mkdtemp())
    >>> app.title
    'softmaxlab'
    """
    root = Path(logdir).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    ctx = AppContext(logdir=root.resolve(), jobs=Jobs(workers=workers, debounce=0.05))  # text boxes send on Enter: little to wait for
    all_pages = pages()
    by_path = {p.path: p for p in all_pages}
    app = dash.Dash(
        __name__,
        title="softmaxlab",
        update_title=None,  # no "Updating..." flicker in the tab title on every slider move
        suppress_callback_exceptions=True,  # each page's components exist only while it is shown
        assets_folder=str(ASSETS),
        serve_locally=True,  # works offline: no CDN
    )
    app.layout = shell(all_pages, html.Div())
    app.server.config["MAX_CONTENT_LENGTH"] = 1 << 20  # a callback request never needs more than 1 MB

    @app.callback(Output("page", "children"), Input("url", "pathname"), State("url", "search"))
    def route(pathname, search):
        page = by_path.get(pathname if isinstance(pathname, str) else "/") or (
            all_pages[0] if pathname in ("/", "", None) else None)
        if page is None:
            return html.Div([html.H2("No such page"), html.P(f"{str(pathname)[:80]!r} is not a page of the app; "
                                                             "choose one above.")], className="panel")
        values, errors = from_search(page.controls, search)
        return html.Div([url_notice(errors), page.body(values, ctx)], className=f"page page-{page.key}")

    @app.callback(
        Output("url-query", "data"),
        Input({"page": ALL, "name": ALL}, "value"),
        State("url", "pathname"),
        prevent_initial_call=True,
    )
    def remember(_values, pathname):
        # one mapping from controls to the query: the page's controls, validated, in their order
        page = by_path.get(pathname) if isinstance(pathname, str) else None
        page = page or (all_pages[0] if pathname in ("/", "") else None)
        if page is None:
            raise dash.exceptions.PreventUpdate
        raw, problems = collect(page.key, dash.ctx.inputs_list[0])
        values, errors = validate(page.controls, raw)
        if problems or errors:
            raise dash.exceptions.PreventUpdate  # the page's own callback shows the message
        # the browser writes it with history.replaceState (writeQuery): a control change is no new history entry
        return {"path": page.path if pathname not in ("/", "") else pathname, "search": to_search(page.controls, values)}

    app.clientside_callback(
        dash.ClientsideFunction(namespace="softmaxlab", function_name="writeQuery"),
        Output("url-written", "data"),
        Input("url-query", "data"),
        prevent_initial_call=True,
    )

    for page in all_pages:
        page.register(app, ctx)
    app.softmaxlab = ctx  # for tests and tools that need the pool or the folder
    return app


def bind(host: str, port: int, *, tries: int = 20):
    """A listening socket on `host` at `port` or the next free port after it; returns `(socket, port)`."""
    last = None
    for candidate in range(port, port + tries):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.bind((host, candidate))
            sock.listen(64)
            return sock, candidate
        except OSError as e:
            sock.close()
            last = e
    raise OSError(f"no free port in {port}..{port + tries - 1} on {host} ({last})")


def serve(*, host: str = "127.0.0.1", port: int = 8050, logdir="runs", open_browser: bool = True,
          threads: int = 8, echo=print) -> None:
    """Serve the app with waitress until interrupted.

    Binds to `host` (loopback by default), taking the next free port if `port` is taken and saying so,
    prints the URL and opens it in the browser unless `open_browser` is False.
    """
    import waitress

    from .page_paths import warm_up

    app = create_app(logdir=logdir)
    sock, chosen = bind(host, port)
    # JAX compiles on first use; do it now, off the request path, so the first visit to Logit paths is quick
    threading.Thread(target=warm_up, args=(app.softmaxlab,), name="softmaxlab-warm-up", daemon=True).start()
    if chosen != port:
        echo(f"port {port} is taken; using {chosen} instead")
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{chosen}/"
    if host not in ("127.0.0.1", "localhost", "::1"):
        echo(f"warning: listening on {host}, so other machines can reach the app")
    echo(f"softmaxlab serving runs from {Path(logdir).expanduser().resolve()} at {url}  (Ctrl+C to stop)")
    sys.stdout.flush()
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server = waitress.create_server(app.server, sockets=[sock], threads=threads, clear_untrusted_proxy_headers=True)
    try:
        server.run()
    finally:
        server.close()
