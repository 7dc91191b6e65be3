"""The JavaScript trainer (web/static/js/lab/train.js) against the PyTorch eager loop and the JAX lab.

Run: python benchmarks/bench_train_js.py [--repeats 7]. Needs node and chromium.

The reference experiment (`Experiment()`: 60 samples, MLP 3-32-32-3, zero last layer), 1000 full-batch steps,
every logit recorded, with SGD and with Adam, trained by: the JS trainer in a module Web Worker of a blank
page in headless chromium (served by tests/web_helpers.static_server), the same module in node, PyTorch
eager (benchmarks/bench_lab.py's loop, one thread) and `softmaxlab.lab.train` (JAX, compiled before timing).
The JS time is trainFrom's own `ms` (allocation, training and recording; the start is parsed once). Each
round runs every trainer once in turn, so the shared machine's load drifts over all alike; medians, and the
ratios as the median of each round's ratio.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import torch  # noqa: E402

from bench_lab import torch_reference  # noqa: E402
from softmaxlab.lab import Experiment, train  # noqa: E402
from softmaxlab.lab.engine import prepare  # noqa: E402
from tests.browser.conftest import free_port  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, NODE  # noqa: E402
from tests.js.fixtures import plain  # noqa: E402
from tests.web_helpers import static_server  # noqa: E402

PAGE = """<!doctype html><meta charset="utf-8"><title>bench</title><script type="module">
window.worker = new Worker("bench_train_js.mjs", {type: "module"});
window.ready = new Promise((resolve) => { worker.onmessage = () => resolve(); });
window.train = (optimizer) => new Promise((resolve) => { worker.onmessage = (e) => resolve(e.data); worker.postMessage(optimizer); });
</script>"""


def write_folder(folder: Path):
    """The blank page, the worker, the JavaScript modules and the lab's start of the reference experiment."""
    shutil.copytree(ROOT / "src/softmaxlab/web/static/js", folder / "js")  # the trainer imports kernel/ too
    shutil.copy(ROOT / "benchmarks/bench_train_js.mjs", folder)
    (folder / "index.html").write_text(PAGE)
    e = Experiment()
    data, params, _ = prepare(e)
    start = {"inputs": data["inputs"].ravel(), "labels": data["labels"], "samples": len(data["labels"]), "dim": e.dim,
             "params": {k: {"data": v.ravel(), "shape": list(v.shape)} for k, v in params.items()}}
    (folder / "start.json").write_text(json.dumps(plain({"experiment": e.to_dict(), "start": start})))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_folder(folder)
        node = subprocess.Popen([NODE, str(folder / "bench_train_js.mjs")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True, bufsize=1)

        def node_run(optimizer):
            node.stdin.write(optimizer + "\n")
            return float(node.stdout.readline())

        with static_server(folder, port=free_port()) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(base + "index.html")
            page.evaluate("() => window.ready")
            for optimizer in ("sgd", "adam"):  # warm-up: JIT compiles (V8, XLA), caches
                page.evaluate("(o) => window.train(o)", optimizer)
                node_run(optimizer)
                torch_reference(optimizer)
                train(Experiment(optimizer=optimizer))

            def timed(fn):
                began = time.perf_counter()
                fn()
                return (time.perf_counter() - began) * 1e3

            rows = {}
            for optimizer in ("sgd", "adam"):
                e = Experiment(optimizer=optimizer)
                times = {"chromium": [], "node": [], "torch": [], "jax": []}
                for _ in range(args.repeats):
                    times["chromium"].append(page.evaluate("(o) => window.train(o)", optimizer))
                    times["node"].append(node_run(optimizer))
                    times["torch"].append(timed(lambda: torch_reference(optimizer)))
                    times["jax"].append(timed(lambda: train(e)))
                rows[optimizer] = {k: statistics.median(v) for k, v in times.items()}
                # the ratio of each round (the trainers ran back to back), then the median over rounds
                for name in ("chromium", "node"):
                    rows[optimizer][name + "/torch"] = statistics.median(a / b for a, b in zip(times[name], times["torch"]))
            browser.close()
        node.stdin.close()
        node.wait(timeout=30)

    load = os.getloadavg()
    print(f"# bench_train_js {datetime.date.today()} load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"torch {torch.__version__} (1 thread), node {subprocess.run([NODE, '--version'], capture_output=True, text=True).stdout.strip()}")
    print("reference experiment, 1000 full-batch steps, every logit recorded: median ms per run")
    print("(ratios: the median over rounds of each round's ratio)")
    print("| optimiser | JS in chromium (worker) | JS in node | PyTorch eager | JAX lab | chromium / PyTorch | node / PyTorch |")
    print("|---|---|---|---|---|---|---|")
    for optimizer, r in rows.items():
        print(f"| {optimizer} | {r['chromium']:.0f} | {r['node']:.0f} | {r['torch']:.0f} | {r['jax']:.0f} | "
              f"{r['chromium/torch']:.2f} | {r['node/torch']:.2f} |")


if __name__ == "__main__":
    main()
