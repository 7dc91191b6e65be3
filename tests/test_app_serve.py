"""`softmaxlab serve` and the Runs page's refresh: the port rules, the CLI edge, and a run still being written."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from click.testing import CliRunner

from softmaxlab.app import bind, create_app
from softmaxlab.cli.serve_cmd import serve_command
from .app_requests import RUNS_OUTPUTS


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


@pytest.mark.slow
def test_serve_says_which_port_it_took_and_answers(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "softmaxlab", "serve", "--no-browser", "--port", str(port), "--logdir",
             str(tmp_path / "new" / "runs")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            lines = [process.stdout.readline(), process.stdout.readline()]
            assert lines[0].startswith(f"port {port} is taken; using ")
            url = lines[1][lines[1].index("http://"):].split()[0]
            assert url.startswith("http://127.0.0.1:") and not url.endswith(f":{port}/")
            assert (tmp_path / "new" / "runs").is_dir()  # the runs folder is created
            for _ in range(100):
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        assert response.status == 200 and b"softmaxlab" in response.read()
                        break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail("the server did not answer")
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_run_being_written_refreshes_until_it_is_complete(tmp_path):
    from softmaxlab.store import RunWriter

    app = create_app(logdir=tmp_path)
    client = app.server.test_client()
    outputs = RUNS_OUTPUTS
    key = next(k for k in app.callback_map if "runs-paths.figure" in k)
    slider = json.dumps({"name": "step", "page": "runs"}, separators=(",", ":"))

    def draw(step, shown_last):
        payload = {"output": key, "outputs": outputs, "changedPropIds": ["runs-refresh.n_intervals"],
                   "inputs": [[{"id": {"name": "run", "page": "runs"}, "property": "value", "value": "live"},
                               {"id": {"name": "reading", "page": "runs"}, "property": "value", "value": "forgetting"},
                               {"id": {"name": "step", "page": "runs"}, "property": "value", "value": step}],
                              {"id": "runs-refresh", "property": "n_intervals", "value": 1}],
                   "state": [{"id": {"name": "step", "page": "runs"}, "property": "max", "value": shown_last}]}
        response = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json")
        assert response.status_code == 200
        return response.get_json()["response"]

    rng = np.random.default_rng(0)
    writer = RunWriter(tmp_path / "live", labels=[0, 1, 2, 0], num_classes=3)
    writer.append(np.arange(3), rng.normal(size=(3, 4, 3)))  # (records, samples, classes)
    first = draw(-1, 1)
    assert first["runs-refresh"]["disabled"] is False and "still being written" in first["runs-status"]["children"]
    # the slider shows the real last step (3 records at steps 0, 1, 2), not the URL's -1
    assert first[slider]["max"] == 2 and first[slider]["value"] == 2
    writer.append(np.arange(3, 8), rng.normal(size=(5, 4, 3)))
    writer.close()
    done = draw(2, 2)
    assert done["runs-refresh"]["disabled"] is True and "8 records up to step 7" in done["runs-status"]["children"]
    assert done[slider]["value"] == 7, "a marker at the end of a growing run follows the end"
    assert "live" in json.dumps(done["runs-list"]["children"])
