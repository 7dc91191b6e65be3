"""A real `softmaxlab serve` process for the server tests, and raw HTTP requests to it (http.client, no rewriting)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_site(folder: Path) -> Path:
    """A small site in the layout `write_site` makes: pages as `KEY/index.html`, shared files in `assets/`."""
    pages = {"index.html": "home", "softmax/index.html": "softmax", "runs/index.html": "runs"}
    for name, title in pages.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<!doctype html><title>{title} · softmaxlab</title><p>{title}</p>" + " " * 600)
    (folder / "assets").mkdir(exist_ok=True)
    (folder / "assets" / "app.js").write_text("export const answer = 42;\n" * 200)
    (folder / "assets" / "site.css").write_text("body { margin: 0 }\n" * 100)
    (folder / "assets" / "tiny.js").write_text("1;\n")
    (folder / ".softmaxlab-site").write_text("softmaxlab site\n")
    return folder


class Server:
    """`python -m softmaxlab serve` on loopback; `.request(method, raw_path)` -> (status, headers, body)."""

    def __init__(self, logdir, *, site=None, args=(), env=None, port=None):
        self.log_path = Path(tempfile.mkdtemp(prefix="softmaxlab-serve-test-")) / "serve.log"
        command = [sys.executable, "-m", "softmaxlab", "serve", "--no-browser", "--port", str(port or free_port()),
                   "--logdir", str(logdir), *(["--site", str(site)] if site else []), *args]
        self.log = open(self.log_path, "w+")
        # a clean SIGINT: a shell's background job would pass on SIG_IGN, and Ctrl+C could not be tested
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, text=True,
                                        env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.url = self._wait_for_url()
        self.host, port = self.url.split("//")[1].rstrip("/").rsplit(":", 1)
        self.port = int(port)

    def _wait_for_url(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.output().splitlines():
                if " at http://" in line:
                    return line[line.index("http://"):].split()[0]
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(0.05)
        raise RuntimeError(f"serve printed no URL in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text()

    def request(self, method, path, *, headers=None, body=None, timeout=60):
        """One request with `path` sent exactly as given (no normalisation, no re-encoding)."""
        for attempt in range(50):
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                connection.putrequest(method, path, skip_accept_encoding=True)
                for name, value in (headers or {}).items():
                    connection.putheader(name, value)
                if body is not None:
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body)
                response = connection.getresponse()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            except ConnectionRefusedError:
                time.sleep(0.1)  # the socket is bound before the URL is printed; waitress may not accept yet
            finally:
                connection.close()
        raise RuntimeError("the server refused every connection")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def json(self, path, **kw):
        status, headers, body = self.get(path, **kw)
        return status, headers, json.loads(body)

    def stop(self, sig=signal.SIGINT) -> str:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.output()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
