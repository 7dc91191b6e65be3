"""The runs API of a real `softmaxlab serve`, asked as a stranger would: good requests checked against the
arrays written to disk, hostile ones (paths, parameters, bodies, links out of the runs folder) answered with
a JSON 4xx and a message, never a traceback, never the server's absolute paths."""

import base64
import json
import struct
import os
import shutil

import numpy as np
import pytest

from softmaxlab.store import Run, RunWriter

from .server_helpers import Server, fake_site

ISO = "2026-12-02T12:30"
R, S, K, D = 10, 9, 3, 2  # records, samples, classes, input dimension of the main run


def _logits(records, samples, classes, seed):
    return np.random.default_rng(seed).normal(size=(records, samples, classes)).astype(np.float32)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve")
    logdir, outside = base / "runs", base / "outside"
    logdir.mkdir()
    outside.mkdir()
    main = dict(logits=_logits(R, S, K, 0), steps=np.arange(R) * 5, labels=np.arange(S) % K,
                inputs=np.random.default_rng(1).normal(size=(S, D)).astype(np.float32))
    Run(**main, description="hand-made").save(logdir / ISO)
    from softmaxlab.lab import Experiment

    lab = Experiment(steps=4)
    Run(logits=_logits(5, 6, 3, 2), steps=np.arange(5), labels=np.arange(6) % 3, config=lab.to_dict()).save(
        logdir / "lab")
    Run(logits=_logits(4, 6, 3, 3), steps=np.arange(4), labels=np.arange(6) % 3,
        extras={"features": np.random.default_rng(4).normal(size=(4, 6, 5))}).save(logdir / "features")
    # outside the runs folder: a run with 7 records whose numbers must never be shown
    secret = Run(logits=np.full((7, 6, 3), 123.0), steps=np.arange(7), labels=np.arange(6) % 3).save(outside / "secret")
    os.symlink(secret.path, logdir / "link-out")  # the run folder itself leads out
    inner = Run(logits=_logits(3, 6, 3, 5), steps=np.arange(3), labels=np.arange(6) % 3).save(logdir / "logits-out")
    shutil.rmtree(inner.path / "logits")
    os.symlink(secret.path / "logits", inner.path / "logits")  # its logits lead out
    chunk = Run(logits=_logits(7, 6, 3, 6), steps=np.arange(7), labels=np.arange(6) % 3).save(logdir / "chunk-out")
    first = next(p for p in (chunk.path / "logits").rglob("*") if p.is_file() and p.name != "zarr.json")
    first.unlink()
    os.symlink(next(p for p in (secret.path / "logits").rglob("*") if p.is_file() and p.name != "zarr.json"), first)
    alias = logdir / "alias"
    os.symlink(logdir / ISO, alias)  # a link that stays inside the runs folder is fine
    broken = Run(logits=_logits(3, 6, 3, 7), steps=np.arange(3), labels=np.arange(6) % 3).save(logdir / "broken")
    next(p for p in (broken.path / "logits").rglob("*") if p.is_file() and p.name != "zarr.json").unlink()
    (logdir / "not-a-run").mkdir()
    (logdir / ".hidden").mkdir()
    writer = RunWriter(logdir / "growing", labels=np.arange(4) % 2, num_classes=2)
    writer.append(np.arange(2), _logits(2, 4, 2, 8))
    server = Server(logdir, site=fake_site(base / "site"))
    yield dict(server=server, logdir=logdir, base=base, main=main, lab=lab, writer=writer)
    writer.close()
    log = server.stop()
    assert "Traceback" not in log and "error answering" not in log, log


def _no_paths(world, body):
    text = body if isinstance(body, str) else json.dumps(body)
    assert str(world["base"]) not in text and "/tmp" not in text, text


def test_the_listing_shows_runs_in_name_order_and_never_a_link_out(world):
    status, headers, body = world["server"].json("/api/runs")
    assert status == 200 and headers["cache-control"] == "no-store"
    runs = {r["name"]: r for r in body["runs"]}
    names = [r["name"] for r in body["runs"]]
    assert names == sorted(names)
    assert {ISO, "lab", "features", "growing", "alias", "broken", "link-out", "logits-out", "chunk-out"} == set(names)
    assert runs[ISO]["kind"] == "recorded" and runs["lab"]["kind"] == "lab"
    assert (runs[ISO]["records"], runs[ISO]["samples"], runs[ISO]["classes"]) == (R, S, K)
    assert runs["growing"]["complete"] is False and runs[ISO]["complete"] is True
    assert runs[ISO]["modified"].endswith("Z")
    final = world["main"]["logits"][-1].astype(np.float64)
    expected_loss = np.mean(np.log(np.exp(final).sum(1)) - final[np.arange(S), np.arange(S) % K])
    assert runs[ISO]["final_loss"] == pytest.approx(expected_loss, rel=1e-5)
    for name in ("link-out", "logits-out", "chunk-out"):
        assert runs[name]["kind"] == "broken" and runs[name]["records"] is None, runs[name]
        assert "symbolic link out of the runs folder" in runs[name]["error"]
    assert runs["broken"]["kind"] == "broken" and "chunk" in runs["broken"]["error"]
    _no_paths(world, body)
    assert "123" not in json.dumps(body)


def test_a_summary_of_a_run_named_like_a_timestamp(world):
    status, _, body = world["server"].json(f"/api/runs/{ISO}")
    assert status == 200
    assert body["name"] == ISO and body["kind"] == "recorded" and body["description"] == "hand-made"
    assert (body["records"], body["samples"], body["classes"], body["input_dim"]) == (R, S, K, D)
    assert (body["first_step"], body["last_step"]) == (0, 5 * (R - 1))
    assert body["config"] is None and body["query"] is None and body["ranks"] == [] and body["extras"] == []
    assert set(body["readings"]) == {"readings", "data-map", "reliability", "forgetting", "neural-collapse"}
    assert isinstance(body["stamp"], str) and body["stamp"]
    # ':' percent-encoded is the same run
    assert world["server"].json("/api/runs/2026-12-02T12%3A30")[2]["name"] == ISO


def test_a_lab_run_gives_its_experiment_and_query(world):
    body = world["server"].json("/api/runs/lab")[2]
    assert body["kind"] == "lab" and body["config"]["steps"] == 4
    assert body["query"] == "steps=4"  # the fields that differ from the reference experiment
    assert world["server"].json("/api/runs/features")[2]["extras"] == ["features"]


def _expected_indices(count, limit):
    # written out here, independently of softmaxlab.core.evenly_spaced: round(linspace), no repeats
    if count <= limit:
        return list(range(count))
    return sorted({int(round(x)) for x in np.linspace(0, count - 1, limit)})


def test_logits_at_a_record_range_are_the_arrays_on_disk(world):
    status, _, body = world["server"].json(f"/api/runs/{ISO}/logits?start=2&stop=8&max_records=3&max_samples=4")
    assert status == 200
    records = [2 + i for i in _expected_indices(7, 3)]
    samples = _expected_indices(S, 4)
    assert records == [2, 5, 8] and samples == [0, 3, 5, 8]
    assert body["records"] == records and body["samples"] == samples and body["shape"] == [3, 4, K]
    assert body["steps"] == [5 * r for r in records]
    assert body["labels"] == [s % K for s in samples]
    assert (body["total_records"], body["total_samples"]) == (R, S)
    assert body["decimated"] == "3 of 7 records, 4 of 9 samples (evenly spaced)"
    logits = np.frombuffer(base64.b64decode(body["logits"]), dtype="<f4").reshape(body["shape"])
    np.testing.assert_array_equal(logits, world["main"]["logits"][np.ix_(records, samples)])
    inputs = np.frombuffer(base64.b64decode(body["inputs"]), dtype="<f4").reshape(len(samples), D)
    np.testing.assert_array_equal(inputs, world["main"]["inputs"][samples])
    assert body["input_dim"] == D and body["complete"] is True and len(body["loss"]) == 3
    listed = world["server"].json(f"/api/runs/{ISO}/logits?start=2&stop=8&max_records=3&max_samples=4&encoding=list")[2]
    np.testing.assert_array_equal(np.array(listed["logits"], dtype=np.float32).reshape(3, 4, K), logits)


def test_a_binary_logits_answer_has_the_arrays_on_disk_after_its_json_head(world):
    query = "start=2&stop=8&max_records=3&max_samples=4"
    status, headers, body = world["server"].get(f"/api/runs/{ISO}/logits?{query}&encoding=binary")
    assert status == 200 and headers["content-type"] == "application/vnd.softmaxlab.logits"
    # the documented layout, read here with struct: uint32 H, H bytes of JSON, 4 + H a multiple of 4, float32s
    (size,) = struct.unpack("<I", body[:4])
    assert (4 + size) % 4 == 0
    head = json.loads(body[4:4 + size])
    listed = world["server"].json(f"/api/runs/{ISO}/logits?{query}&encoding=list")[2]
    assert {k: v for k, v in head.items() if k not in ("logits", "inputs")} == {
        k: v for k, v in listed.items() if k not in ("logits", "inputs")}
    records, samples = head["records"], head["samples"]
    floats = struct.unpack(f"<{(len(body) - 4 - size) // 4}f", body[4 + size:])
    assert len(floats) == len(records) * len(samples) * K + len(samples) * D
    logits = np.array(floats[:len(records) * len(samples) * K], np.float32).reshape(len(records), len(samples), K)
    np.testing.assert_array_equal(logits, world["main"]["logits"][np.ix_(records, samples)])
    inputs = np.array(floats[len(records) * len(samples) * K:], np.float32).reshape(len(samples), D)
    np.testing.assert_array_equal(inputs, world["main"]["inputs"][samples])
    from softmaxlab.server.api import read_binary_answer

    document, got, got_inputs = read_binary_answer(body)  # what the docs offer a script
    assert document == head
    np.testing.assert_array_equal(got, logits)
    np.testing.assert_array_equal(got_inputs, inputs)
    # a run without inputs: the logits end the answer
    status, _, bare = world["server"].get("/api/runs/lab/logits?encoding=binary")
    (size,) = struct.unpack("<I", bare[:4])
    assert json.loads(bare[4:4 + size])["input_dim"] is None and len(bare) == 4 + size + 4 * 5 * 6 * 3
    # an error stays JSON
    status, headers, error = world["server"].get(f"/api/runs/{ISO}/logits?start=99&encoding=binary")
    assert status == 400 and headers["content-type"] == "application/json" and json.loads(error)["error"].startswith("start")


def test_logits_default_to_every_record_and_minus_one_is_the_last(world):
    body = world["server"].json(f"/api/runs/{ISO}/logits")[2]
    assert body["records"] == list(range(R)) and body["decimated"] == ""
    last = world["server"].json(f"/api/runs/{ISO}/logits?start=-1&stop=-1")[2]
    assert last["records"] == [R - 1] and last["steps"] == [5 * (R - 1)]


BAD_PARAMETERS = [
    ("max_records=0", "max_records"), ("max_records=2001", "max_records"), ("max_samples=20001", "max_samples"),
    ("max_samples=-3", "max_samples"), ("start=-2", "start"), ("start=1.5", "start"), ("stop=1e3", "stop"),
    ("start=99999999999999999999999", "start"), ("start=10", "start"), ("stop=10", "stop"), ("start=5&stop=2", "start"),
    ("start=", "start"), ("start=%00", "start"), ("start=%ef%bc%91", "start"), ("colour=red", "colour"),
    ("start=1&start=2", "start"), ("encoding=pickle", "encoding"), ("max_records=nan", "max_records"),
]


@pytest.mark.parametrize("query,named", BAD_PARAMETERS)
def test_bad_parameters_are_a_400_naming_them(world, query, named):
    status, headers, body = world["server"].json(f"/api/runs/{ISO}/logits?{query}")
    assert status == 400, body
    assert body["error"].startswith(named) or repr(named) in body["error"], body
    assert "\n" not in body["error"] and headers["content-type"] == "application/json"


HOSTILE_PATHS = [
    ("/api/runs/..", 400), ("/api/runs/%2e%2e", 400), ("/api/runs/%2E%2E/logits", 400),
    ("/api/runs/..%2f..%2fetc%2fpasswd", 400), ("/api/runs/%2e%2e%2f%2e%2e%2fetc", 400),
    ("/api/runs/%252e%252e", 404), ("/api/runs/%252e%252e%252f", 404), ("/api/runs/a%2fb", 400),
    ("/api/runs/a%5cb", 400), ("/api/runs/%00", 400), ("/api/runs/.hidden", 400), ("/api/runs/.", 400),
    ("/api/runs//etc/passwd", 404), ("/api/runs/%2fetc%2fpasswd", 400), ("/api/runs/" + "a" * 201, 400),
    ("/api/runs/%ff", 400), ("/api/runs/not-a-run", 404), ("/api/runs/nothing", 404), ("/api/runs/x/y/z/w", 404),
    ("/api/nothing", 404), ("/api", 404), ("/api/runs/%2e%2e/%2e%2e/outside/secret/logits", 404),
    (f"/api/runs/{ISO}/figures/..", 404), (f"/api/runs/{ISO}/figures/%2e%2e%2fsecret", 404),
    (f"/api/runs/{ISO}/figures/colour", 404),
]


@pytest.mark.parametrize("path,status", HOSTILE_PATHS)
def test_hostile_paths_are_a_json_4xx_without_paths(world, path, status):
    got, headers, body = world["server"].get(path)
    assert got == status, (path, body)
    document = json.loads(body)
    assert set(document) == {"error"} and document["error"] and "\n" not in document["error"]
    assert headers["cache-control"] == "no-store"
    _no_paths(world, document)


@pytest.mark.parametrize("name", ["link-out", "logits-out", "chunk-out"])
@pytest.mark.parametrize("route", ["", "/logits", "/figures/readings", "/figures/data-map"])
def test_no_read_follows_a_link_out_of_the_runs_folder(world, name, route):
    status, _, body = world["server"].json(f"/api/runs/{name}{route}")
    assert status == 422, body
    assert "symbolic link out of the runs folder" in body["error"]
    _no_paths(world, body)
    assert "123" not in json.dumps(body)


def test_a_link_inside_the_runs_folder_opens(world):
    body = world["server"].json("/api/runs/alias/logits?max_records=2")[2]
    assert body["name"] == "alias" and body["records"] == [0, R - 1]


def test_a_broken_run_says_what_is_wrong_without_the_servers_path(world):
    status, _, body = world["server"].json("/api/runs/broken")
    assert status == 422 and "missing" in body["error"] and "chunk" in body["error"]
    _no_paths(world, body)


def test_methods_bodies_and_long_queries(world):
    server = world["server"]
    status, headers, body = server.request("POST", "/api/runs")
    assert status == 405 and headers["allow"] == "GET, HEAD" and "GET" in json.loads(body)["error"]
    for method in ("PUT", "DELETE", "PATCH"):
        assert server.request(method, f"/api/runs/{ISO}")[0] == 405
    for payload in (b"{not json", b'{"run": "../etc"}', b"\x00\xff" * 100, b"x" * 60000):
        status, headers, body = server.request("POST", "/api/runs", body=payload,
                                               headers={"Content-Type": "application/json"})
        assert status == 413 and "bodies" in json.loads(body)["error"]
    status, _, body = server.request("GET", "/api/runs", body=b"{}", headers={"Content-Type": "application/json"})
    assert status == 413
    assert server.request("POST", "/api/runs", body=b"x" * 200_000)[0] == 413  # refused by waitress itself
    status, _, body = server.get(f"/api/runs/{ISO}/logits?max_records=5&pad=" + "x" * 2100)
    assert status == 413 and "query string" in json.loads(body)["error"]
    assert server.request("HEAD", "/api/runs")[0] == 200


def _array(value):
    """A figure's data array: a JSON list, or plotly's typed array {"dtype", "bdata": base64} (plotly.js reads both)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float)
    return np.asarray(value, dtype=float)


def test_figures_are_plotly_figures_of_the_python_builders(world):
    server = world["server"]
    status, headers, body = server.json(f"/api/runs/{ISO}/figures/readings")
    assert status == 200 and headers["cache-control"] == "no-store"
    uids = {t.get("uid") for t in body["data"]}
    assert {"loss-0", "accuracy-0", "norm-0", "margin-0"} <= uids and "layout" in body
    loss = next(t for t in body["data"] if t.get("uid") == "loss-0")
    logits = world["main"]["logits"].astype(np.float64)
    expected = np.mean(np.log(np.exp(logits).sum(-1)) - logits[:, np.arange(S), np.arange(S) % K], axis=1)
    np.testing.assert_allclose(_array(loss["y"]), expected, rtol=1e-5)
    for reading in ("data-map", "reliability", "forgetting", "neural-collapse"):
        status, _, body = server.json(f"/api/runs/{ISO}/figures/{reading}")
        assert status == 200 and body["data"], reading
    assert server.json("/api/runs/features/figures/neural-collapse")[0] == 200


def test_a_run_being_written_changes_its_stamp_and_grows(world):
    server, writer = world["server"], world["writer"]
    before = server.json("/api/runs/growing")[2]
    assert before["records"] == 2 and before["complete"] is False
    writer.append(np.arange(2, 5), _logits(3, 4, 2, 9))
    after = server.json("/api/runs/growing")[2]
    assert after["records"] == 5 and after["stamp"] != before["stamp"] and after["last_step"] == 4
    assert server.json("/api/runs/growing/logits?start=-1")[2]["steps"] == [4]


def test_an_empty_run_has_no_figures_yet(world, tmp_path):
    RunWriter(world["logdir"] / "empty", labels=[0, 1], num_classes=2).close(complete=False)
    summary = world["server"].json("/api/runs/empty")[2]
    assert summary["records"] == 0 and summary["first_step"] is None and summary["readings"] == []
    status, _, body = world["server"].json("/api/runs/empty/figures/readings")
    assert status == 422 and "no records" in body["error"]
    assert world["server"].json("/api/runs/empty/logits")[2]["shape"] == [0, 2, 2]
    status, _, body = world["server"].get("/api/runs/empty/logits?encoding=binary")  # a head and no numbers
    (size,) = struct.unpack("<I", body[:4])
    assert status == 200 and len(body) == 4 + size and json.loads(body[4:])["shape"] == [0, 2, 2]
