"""Load on a real `softmaxlab serve` (loopback only): many clients opening runs and moving the step slider.

Writes two runs (1,000 samples x 60 records and 10,000 samples x 1,000 records, 3 classes), starts
`softmaxlab serve` on them, then measures:

- the cold open of each run, one client, nothing cached: summary + decimated logits (the page's
  200 records x 1,000 samples) + the readings figure, in turn (goal <= 2 s for 10,000 x 1,000);
- for each run size in turn, `--clients` threads for `--seconds`: each opens the run (its summary), then
  moves the step slider: the summary (the page polls it), the logits at a record range ending at the new step
  (`start..stop`, at most 200 records, 1,000 samples, in `--encoding`: binary, as the Runs page asks, or base64)
  and one of its figures, with `--think` seconds between moves. (The real page asks for its logits once per run
  version and moves the slider in the browser: this is heavier than any number of real pages.) Every API answer's time is kept; errors are any status but 200 or a failed connection.
- the server's RSS (VmRSS from /proc) before the load, its peak and last value during, and after.
- first, in this process (no server): the CPU of one such logits answer over the 10,000 x 1,000 run, base64
  against binary, the median of `--answers` answers each, alternating (the same-process ratio).

    python benchmarks/bench_serve.py [--seconds 60] [--clients 50] [--think 0.1] [--encoding binary] [--site DIR]

`--site` serves a folder already built with `write_site(..., runs=True)` instead of building one (faster to
start; the numbers do not depend on it). Goal: no error, p95 <= 200 ms (1k x 60) and <= 1 s (10k x 1k).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

SIZES = {"1k x 60": (1_000, 60), "10k x 1k": (10_000, 1_000)}  # name -> (samples, records)
FIGURES = ("readings", "data-map", "reliability", "forgetting", "neural-collapse")


def write_run(path: Path, samples: int, records: int, *, classes=3, seed=0):
    from softmaxlab.store import RunWriter

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, samples)
    target = np.eye(classes, dtype=np.float32)[labels]  # (S, K)
    with RunWriter(path, labels=labels, num_classes=classes,
                   inputs=rng.normal(size=(samples, 3)).astype(np.float32)) as writer:
        for start in range(0, records, 50):
            n = min(50, records - start)
            t = (np.arange(start, start + n, dtype=np.float32) / records)[:, None, None]
            logits = 4 * t * target[None] + rng.normal(size=(n, samples, classes)).astype(np.float32)
            writer.append(np.arange(start, start + n) * 10, logits)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    def __init__(self, port):
        self.port = port
        self.connection = None

    def get(self, path):
        """(status, seconds) of one GET on a kept-alive connection; status 0 for a failed connection."""
        began = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            body = response.read()
            status = response.status
            if status == 200 and not body:
                status = -1
        except (OSError, http.client.HTTPException):
            self.connection = None
            status, body = 0, b""
        return status, time.perf_counter() - began, body


def cold_open(port, name):
    client = Client(port)
    times = {}
    for label, path in (("summary", f"/api/runs/{name}"),
                        ("logits", f"/api/runs/{name}/logits?max_records=200&max_samples=1000&encoding=binary"),
                        ("readings figure", f"/api/runs/{name}/figures/readings")):
        status, seconds, _ = client.get(path)
        assert status == 200, (path, status)
        times[label] = seconds
    return times


def answer_costs(logdir, name, records, count):
    """ms of CPU per logits answer (200 records x 1,000 samples at random ranges), base64 against binary."""
    from softmaxlab.server.api import Api

    api, rng = Api(logdir), random.Random(0)
    times = {"base64": [], "binary": []}
    api.summary(name, [])
    for i in range(2 * count + 2):
        encoding = ("base64", "binary")[i % 2]
        step = rng.randrange(records)
        query = [("start", str(max(0, step - rng.randrange(1, records + 1)))), ("stop", str(step)),
                 ("max_records", "200"), ("max_samples", "1000"), ("encoding", encoding)]
        began = time.thread_time()
        api.logits(name, query)
        if i >= 2:  # the first of each reads the run and keeps its samples
            times[encoding].append((time.thread_time() - began) * 1e3)
    return {k: statistics.median(v) for k, v in times.items()}


def load(port, name, records, *, clients, seconds, think, encoding):
    stop_at = time.monotonic() + seconds
    results = []  # (route, status, seconds)
    lock = threading.Lock()

    def one(seed):
        rng = random.Random(seed)
        client = Client(port)
        mine = []
        status, t, _ = client.get(f"/api/runs/{name}")
        mine.append(("summary", status, t))
        while time.monotonic() < stop_at:
            step = rng.randrange(records)
            start = max(0, step - rng.randrange(1, records + 1))
            for route, path in (("summary", f"/api/runs/{name}"),
                                ("logits", f"/api/runs/{name}/logits?start={start}&stop={step}"
                                           f"&max_records=200&max_samples=1000&encoding={encoding}"),
                                ("figure", f"/api/runs/{name}/figures/{rng.choice(FIGURES)}")):
                status, t, _ = client.get(path)
                mine.append((route, status, t))
            time.sleep(think)
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads, results


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of load per run size")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.1, help="seconds a client waits between two moves")
    parser.add_argument("--site", type=Path, default=None)
    parser.add_argument("--encoding", choices=("binary", "base64"), default="binary", help="of the logits answers")
    parser.add_argument("--answers", type=int, default=20, help="logits answers timed in process per encoding")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    logdir = folder / "runs"
    began = time.perf_counter()
    for i, (label, (samples, records)) in enumerate(SIZES.items()):
        write_run(logdir / label.replace(" ", ""), samples, records, seed=i)
    print(f"wrote the runs in {time.perf_counter() - began:.1f} s", flush=True)
    costs = answer_costs(logdir, "10kx1k", SIZES["10k x 1k"][1], args.answers)
    print(f"one logits answer over 10k x 1k, CPU ms (median of {args.answers}): base64 {costs['base64']:.1f}, "
          f"binary {costs['binary']:.1f}, ratio {costs['binary'] / costs['base64']:.2f}", flush=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(folder / "serve.log", "w+")
    command = [sys.executable, "-m", "softmaxlab", "serve", "--no-browser", "--port", str(port),
               "--logdir", str(logdir), *(["--site", str(args.site)] if args.site else [])]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        while " at http://" not in (folder / "serve.log").read_text():
            if server.poll() is not None:
                raise SystemExit((folder / "serve.log").read_text())
            time.sleep(0.1)
        port = int((folder / "serve.log").read_text().split(" at http://")[1].split("/")[0].rsplit(":", 1)[1])
        time.sleep(0.5)
        rss = {"before": rss_mb(server.pid)}
        report = {"clients": args.clients, "seconds": args.seconds, "think": args.think, "encoding": args.encoding,
                  "answer_cpu_ms": costs,
                  "load_before": os.getloadavg()[0], "sizes": {}}
        for label in SIZES:
            name = label.replace(" ", "")
            report["sizes"][label] = {"cold": cold_open(port, name)}
        rss["after cold opens"] = rss_mb(server.pid)
        peak = 0.0
        for label, (samples, records) in SIZES.items():
            name = label.replace(" ", "")
            threads, results = load(port, name, records, clients=args.clients, seconds=args.seconds,
                                    think=args.think, encoding=args.encoding)
            while any(t.is_alive() for t in threads):
                peak = max(peak, rss_mb(server.pid))
                time.sleep(0.25)
            ok = [t for _, status, t in results if status == 200]
            errors = sum(1 for _, status, _ in results if status != 200)
            by_route = {route: [t for r, s, t in results if r == route and s == 200]
                        for route in ("summary", "logits", "figure")}
            statuses = {}
            for _, status, _ in results:
                if status != 200:
                    statuses[status] = statuses.get(status, 0) + 1
            report["sizes"][label].update(
                requests=len(results), errors=errors, error_statuses=statuses, per_second=len(results) / args.seconds,
                p50=percentile(ok, 50), p95=percentile(ok, 95), max=max(ok) if ok else None,
                routes={route: (percentile(v, 50), percentile(v, 95)) for route, v in by_route.items()},
                load=os.getloadavg()[0])
            print(json.dumps({label: report["sizes"][label]}), flush=True)
        rss["peak during"] = peak
        rss["after the load"] = rss_mb(server.pid)
        time.sleep(5)
        rss["5 s later"] = rss_mb(server.pid)
        report["rss_mb"] = rss
        report["load_after"] = os.getloadavg()[0]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    text = (folder / "serve.log").read_text()
    report["server_log_tracebacks"] = text.count("Traceback") + text.count("error answering")
    print(json.dumps(report, indent=1))
    for label, size in report["sizes"].items():
        cold = sum(size["cold"].values())
        print(f"{label}: cold open {cold:.2f} s ({', '.join(f'{k} {v * 1e3:.0f} ms' for k, v in size['cold'].items())}); "
              f"{size['requests']} requests, {size['errors']} errors {size['error_statuses']}, p50 {size['p50'] * 1e3:.0f} ms, "
              f"p95 {size['p95'] * 1e3:.0f} ms; " + ", ".join(
                  f"{r} p50/p95 {a * 1e3:.0f}/{b * 1e3:.0f} ms" for r, (a, b) in size["routes"].items()))
    print("RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items()))
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
