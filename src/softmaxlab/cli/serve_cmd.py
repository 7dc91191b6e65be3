"""`softmaxlab serve`: the web pages and the Runs page with its JSON API (a thin edge over `server.serve`)."""

import signal
import socket
from pathlib import Path

import click


def _check_host(host: str, port: int) -> None:
    """A usage error unless `host` resolves to an address this machine could listen on."""
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise click.UsageError(f"--host {host}: the host name does not resolve ({e.strerror}); "
                               "try 127.0.0.1 (this machine) or 0.0.0.0 (every interface)") from None
    except UnicodeError:
        raise click.UsageError(f"--host {host!r}: not a valid host name") from None


@click.command("serve", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default is this machine only; 0.0.0.0 lets others reach the pages and runs.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on; if it is taken, the next free one is used and printed.")
@click.option("--logdir", default="runs", show_default=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder of runs shown on the Runs page (created if missing); nothing outside it is readable.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab; just print the URL.")
@click.option("--site", "site", default=None, hidden=True, type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Serve this folder, a site already built with the Runs page, instead of building one (tests).")
def serve_command(host, port, logdir, no_browser, site):
    """Serve the softmaxlab pages and your runs, and open them in the browser.

    The pages are those `softmaxlab site` writes: Softmax, Surfaces, Input space, Loss, Sampling and Logit
    paths compute in the browser (the lab trains there); Runs lists every run under --logdir (from
    `softmaxlab train` or your own training wrapped in `LogitRecorder`) and opens one, read by a small
    read-only JSON API under /api/ (docs/server.md). Every setting lives in the URL, so a copied link
    reproduces the view.

    Example: softmaxlab serve --logdir runs --port 8050
    """
    _check_host(host, port)  # before the server is imported: a typo in --host is one line at once
    from softmaxlab.server import serve

    def terminated(*_):
        raise KeyboardInterrupt  # `kill` stops it as Ctrl+C does

    signal.signal(signal.SIGTERM, terminated)
    try:
        serve(host=host, port=port, logdir=logdir, open_browser=not no_browser, echo=click.echo, site=site)
    except OSError as e:
        raise click.UsageError(str(e)) from None
    except KeyboardInterrupt:
        click.echo("stopped.")
