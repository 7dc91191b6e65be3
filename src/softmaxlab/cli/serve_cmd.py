"""`softmaxlab serve`: start the interactive softmax lab in the browser (a thin edge over `app.serve`)."""

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
              help="Address to listen on. The default is this machine only; 0.0.0.0 lets others reach the app.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on; if it is taken, the next free one is used and printed.")
@click.option("--logdir", default="runs", show_default=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder of runs shown on the Runs page (created if missing); nothing outside it is readable.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser tab; just print the URL.")
def serve_command(host, port, logdir, no_browser):
    """Start the interactive softmax lab and open it in the browser.

    Pages: Softmax (logit sliders, temperature, shift invariance), Surfaces (2 and 3 classes in 3D),
    Input space (4 and 5 classes), Loss, Sampling, Logit paths (train a tiny network live) and Runs
    (every run under --logdir, opened in the same views). Every setting lives in the URL, so a copied
    link reproduces the view, and the training run with its seed.

    Example: softmaxlab serve --logdir runs --port 8050
    """
    _check_host(host, port)  # before the app is imported: a typo in --host is one line at once
    from softmaxlab.app import serve

    try:
        serve(host=host, port=port, logdir=logdir, open_browser=not no_browser, echo=click.echo)
    except OSError as e:
        raise click.UsageError(str(e)) from None
    except KeyboardInterrupt:
        click.echo("stopped.")
