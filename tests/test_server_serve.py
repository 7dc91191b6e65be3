"""`softmaxlab serve` as a person starts it: the port rules, the URL, the warnings, Ctrl+C, and the real pages."""

import gzip
import os
import signal
import socket
import sys

import pytest
from click.testing import CliRunner

from softmaxlab.cli.serve_cmd import serve_command
from softmaxlab.server import bind

from .server_helpers import Server, fake_site


def test_bind_takes_the_next_free_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        sock, chosen = bind("127.0.0.1", port)
        sock.close()
    assert chosen > port


def test_serve_help_and_usage_errors():
    runner = CliRunner()
    result = runner.invoke(serve_command, ["--help"])
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--logdir", "--no-browser"):
        assert flag in result.output
    assert "127.0.0.1" in result.output and "8050" in result.output
    assert runner.invoke(serve_command, ["--port", "0"]).exit_code == 2
    assert runner.invoke(serve_command, ["--port", "http"]).exit_code == 2


def test_a_host_that_does_not_resolve_is_one_line_before_anything_starts(monkeypatch):
    import softmaxlab.server

    def forbidden(**kwargs):
        raise AssertionError("the server was started")

    monkeypatch.setattr(softmaxlab.server, "serve", forbidden)
    from softmaxlab.cli import main

    result = CliRunner().invoke(main, ["serve", "--host", "nosuchhost.invalid", "--no-browser"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--host nosuchhost.invalid: the host name does not resolve" in lines[0]


def test_a_taken_port_moves_to_the_next_and_ctrl_c_says_stopped(tmp_path):
    site = fake_site(tmp_path / "site")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        server = Server(tmp_path / "new" / "runs", site=site, port=port)
        try:
            lines = server.output().splitlines()
            assert lines[0].startswith(f"port {port} is taken; using ")
            assert server.url.startswith("http://127.0.0.1:") and server.port != port
            assert (tmp_path / "new" / "runs").is_dir()  # the runs folder is created
            status, _, body = server.get("/")
            assert status == 200 and b"softmaxlab" in body
            assert server.json("/api/runs")[2] == {"runs": []}
        finally:
            out = server.stop(signal.SIGINT)
    assert server.process.returncode == 0 and out.rstrip().endswith("stopped."), out
    assert "Traceback" not in out


def test_kill_stops_it_as_ctrl_c_does(tmp_path):
    server = Server(tmp_path / "runs", site=fake_site(tmp_path / "site"))
    out = server.stop(signal.SIGTERM)
    assert server.process.returncode == 0 and out.rstrip().endswith("stopped."), out


def test_a_host_other_than_loopback_gets_a_warning(tmp_path):
    server = Server(tmp_path / "runs", site=fake_site(tmp_path / "site"), args=["--host", "0.0.0.0"])
    try:
        out = server.output()
        assert "warning: listening on 0.0.0.0, so other machines can reach" in out
        assert server.url.startswith("http://127.0.0.1:")  # a URL this machine can open
        assert server.get("/")[0] == 200
    finally:
        server.stop()


def test_where_no_browser_can_be_opened_it_says_so(tmp_path):
    # no display and a PATH without any browser: webbrowser finds none
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    env["PATH"] = str(tmp_path / "empty-bin")
    import subprocess
    import time

    from .server_helpers import free_port

    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "softmaxlab", "serve", "--logdir", str(tmp_path / "runs"),
                                    "--site", str(fake_site(tmp_path / "site")), "--port", str(free_port())],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            for _ in range(600):
                if "no browser can be opened here" in log.read_text() or process.poll() is not None:
                    break
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(timeout=20)
    text = log.read_text()
    assert "no browser can be opened here; open http://127.0.0.1:" in text, text


@pytest.mark.slow
def test_serve_builds_the_real_pages_with_the_runs_page(tmp_path):
    with Server(tmp_path / "runs") as server:
        assert "building the pages" in server.output()
        status, headers, body = server.get("/")
        assert status == 200 and b"softmaxlab" in body
        for page in ("softmax", "surfaces", "paths"):
            assert server.get(f"/{page}/")[0] == 200, page
        status, headers, body = server.get("/assets/plotly.min.js", headers={"Accept-Encoding": "gzip"})
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert len(body) < 0.4 * len(gzip.decompress(body))
        runs_page = server.get("/runs/")
        if runs_page[0] == 200:  # the web build has the Runs page (write_site(runs=True))
            assert b"runs" in runs_page[2].lower()
