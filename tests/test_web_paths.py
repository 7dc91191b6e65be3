"""The Logit paths page's figures in the browser's module equal the Python builders' for the same runs.

`figures/paths.js` runs in node on the skeletons the site embeds, for runs Python makes (random walks of
every K from 2 to 10, inputs of 1 to 6 dimensions, 1 to 4 runs, shared and distinct inputs, and a run of
the lab), and must give `logit_paths(runs, step=, titles=, columns=, highlight=)` and `readings(runs, titles=, step=)`.
Numbers to 1e-9 where the builder's float32 arithmetic is exact (K <= 3 and inputs of d <= 3: the drawn
axes are the logits and inputs themselves); 1e-5 where principal axes are drawn (K > 3, d > 3: a float32
product rounds apart when the axes or the sums differ in the last bits), 1e-5 for the readings' float32 means, and
angles to 0.01 degrees (arccos near 0 magnifies float32 rounding).
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from softmaxlab.figures.paths import logit_paths
from softmaxlab.figures.readings import readings
from softmaxlab.store import Run
from softmaxlab.web.figures import paths_skeletons, plain_figure
from tests.conftest import NODE, need_node
from tests.web_compare import figure_differences

RENDER = Path(__file__).parent / "js" / "render_paths.mjs"


def random_run(rng, *, k, samples, records, d, inputs=None, start_zero=True, every=1):
    z = np.cumsum(rng.normal(size=(records, samples, k)) * rng.uniform(0.1, 3), axis=0).astype(np.float32)
    if start_zero:
        z -= z[0]  # a zeroed last layer: every sample starts at the origin (the angles' NaN start)
    labels = np.arange(samples) % k
    rng.shuffle(labels)
    x = rng.normal(size=(samples, d)).astype(np.float32) if inputs is None else inputs
    loss = rng.uniform(0, 2, size=records).astype(np.float32)
    return Run(logits=z, steps=np.arange(records) * every, labels=labels, inputs=x, loss=loss,
               accuracy=rng.uniform(0, 1, size=records).astype(np.float32))


def cases():
    rng = np.random.default_rng(5)
    out = []
    for n in range(24):
        k = [2, 3, 3, 4, 5, 10][n % 6]
        samples, d = int(rng.integers(k, 40)), int(rng.choice([1, 2, 3, 5]))
        records, every = int(rng.choice([3, 50, 260])), int(rng.choice([1, 5]))
        first = random_run(rng, k=k, samples=samples, records=records, d=d, every=every, start_zero=n % 4 != 3)
        runs = [first]
        for _ in range(int(rng.integers(0, 4))):
            shared = first.inputs if rng.random() < 0.6 else None
            runs.append(random_run(rng, k=k, samples=samples, records=records, d=d, every=every, inputs=shared))
        last = int(first.steps[-1])
        step = int(rng.choice([0, last, int(rng.integers(0, last + 1)), -1]))
        options = {"step": step, "titles": [f"run {i} λ<b>" for i in range(len(runs))],
                   "columns": None if rng.random() < 0.7 else int(rng.integers(1, 3)),
                   "highlight": None if n % 3 == 0 else int(rng.integers(0, samples))}  # the linked views' sample
        out.append((runs, options))
    return out


def run_json(run):
    return {"logits": run.logits.tolist(), "steps": run.steps.tolist(), "labels": run.labels.tolist(),
            "inputs": run.inputs.tolist(), "loss": run.loss.tolist(), "accuracy": run.accuracy.tolist()}


@pytest.fixture(scope="module")
def rendered():
    need_node()
    chosen = cases()
    request = {"skeletons": paths_skeletons(),
               "requests": [{"runs": [run_json(r) for r in runs], "options": options} for runs, options in chosen]}
    result = subprocess.run([NODE, str(RENDER)], input=json.dumps(request), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return list(zip(chosen, json.loads(result.stdout)))


def test_the_browser_draws_the_builders_logit_paths(rendered):
    for (runs, options), got in rendered:
        assert "error" not in got, got.get("error")
        expected = plain_figure(logit_paths(runs, step=options["step"], titles=options["titles"],
                                            columns=options["columns"], highlight=options["highlight"]))
        expected["layout"].pop("template", None)
        exact = runs[0].num_classes <= 3 and runs[0].inputs.shape[1] <= 3  # no principal axes drawn
        tol = 1e-9 if exact else 1e-5
        where = f"K={runs[0].num_classes}, {len(runs)} runs, d={runs[0].inputs.shape[1]}, {options}"
        assert figure_differences(got["paths"], expected, tol=tol, where=where) == []


def test_the_browser_draws_the_builders_readings_with_the_now_cursor(rendered):
    for (runs, options), got in rendered:
        expected = plain_figure(readings(runs, titles=options["titles"], step=options["step"]))
        expected["layout"].pop("template", None)
        angles = lambda fig: [t for t in fig["data"] if t["uid"].startswith("angle-")]  # noqa: E731
        rest = lambda fig: {**fig, "data": [t for t in fig["data"] if not t["uid"].startswith("angle-")]}  # noqa: E731
        where = f"readings K={runs[0].num_classes}, {len(runs)} runs"
        assert figure_differences(rest(got["readings"]), rest(expected), tol=1e-5, where=where) == []
        for a, e in zip(angles(got["readings"]), angles(expected), strict=True):
            ya, ye = (np.array([np.nan if v is None else v for v in t["y"]], float) for t in (a, e))
            assert np.array_equal(np.isnan(ya), np.isnan(ye)), (where, a["uid"])
            assert np.nanmax(np.abs(ya - ye), initial=0) < 0.01, (where, a["uid"])
