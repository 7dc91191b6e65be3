"""The browser's figures equal the Python builders' figures, for random options of every web figure.

The browser's modules (src/softmaxlab/web/static/js/figures/) run in node on the skeletons the site
embeds; every array must agree with the builder to 1e-9 and every text exactly. Each figure has a
generator of random options below (`CASES`); a new web figure without one fails `test_every_web_figure_has_cases`.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from softmaxlab.web.figures import WEB_FIGURES, plain_figure, skeletons, template
from tests.conftest import NODE, need_node
from tests.web_compare import figure_differences

RENDER = Path(__file__).parent / "js" / "render_figures.mjs"


def _sigmoid(rng):
    options = {"temperature": float(np.exp(rng.uniform(np.log(0.05), np.log(10))))}
    if rng.random() < 0.7:
        options["marker"] = [round(float(v), 1) for v in rng.uniform(-8, 8, size=2)]
    return options


def _softmax_2d(rng):
    k = int(rng.integers(2, 11))
    logits = [round(float(v), 1) for v in rng.uniform(-8, 8, size=k)]
    if rng.random() < 0.2:
        logits[int(rng.integers(k))] = float(rng.choice([800.0, -800.0, 1e4]))  # the shifted top panel
    options = {"logits": logits, "temperature": float(np.exp(rng.uniform(np.log(0.05), np.log(10)))),
               "sweep": int(rng.integers(k))}
    if rng.random() < 0.3:
        options["axes"] = "fit"
    if rng.random() < 0.1:
        options["temperature"] = 0.01  # below 8/700: the fixed axes' shifted heights
    return options


def _surfaces(k):
    def options(rng):
        out = {"temperature": float(np.exp(rng.uniform(np.log(0.1), np.log(5)))), "resolution": int(rng.choice([5, 41])),
               "derivatives": bool(rng.random() < 0.5), "gaussians": bool(rng.random() < 0.5),
               "marker": [round(float(v), 1) for v in rng.uniform(-4, 4, size=k)] if rng.random() < 0.8 else None}
        if k == 2:
            out["shift_line"] = bool(rng.random() < 0.5)
        return out
    return options


def _loss(rng):
    k = int(rng.choice([2, 3]))
    return {"loss": str(rng.choice(["cross-entropy", "focal", "squared-error", "hinge"])), "classes": k,
            "label": int(rng.integers(k)), "label_smoothing": float(rng.choice([0.0, round(rng.uniform(0, 0.9), 2)])),
            "gamma": float(rng.choice([0.0, 5.0, round(float(rng.uniform(0, 5)), 2)])),
            "margin": float(rng.choice([0.0, 3.0, round(float(rng.uniform(0, 3)), 2)])),
            "extent": float(rng.choice([4.0, round(float(rng.uniform(0.5, 10)), 2)])),
            "resolution": int(rng.choice([3, 41])), "arrows": int(rng.choice([2, 9]))}


def _input_space(rng):
    k = int(rng.choice([4, 5]))
    # the page's range of u4 (and a little beyond), plus the builder's other options
    return {"classes": k, "fourth": round(float(rng.uniform(-1.5, 1.5)), 2) if k == 5 else 0.0,
            "extent": float(rng.choice([1.2, round(float(rng.uniform(0.3, 3.0)), 2)])),
            "points": bool(rng.random() < 0.8), "resolution": int(rng.choice([2, 5, 9, 12]))}


def _sampling(rng):
    k = int(rng.choice([2, 5, 10, 12, 50]))
    logits = [round(float(v), 1) for v in rng.normal(scale=2, size=k)]
    if rng.random() < 0.3:
        logits[1] = logits[0]  # a tie for the filters
    return {"logits": logits, "temperature": float(np.exp(rng.uniform(np.log(0.05), np.log(10)))),
            "top_k": int(rng.integers(1, k + 1)) if rng.random() < 0.5 else None,
            "top_p": round(float(rng.uniform(0.01, 0.99)), 2) if rng.random() < 0.5 else None,
            "min_p": round(float(rng.uniform(0.01, 1)), 2) if rng.random() < 0.5 else None,
            "samples": int(rng.choice([0, 1, 1000, 20000])), "seed": int(rng.integers(0, 2**31))}


# figure name -> random builder options; every web figure needs an entry
CASES = {
    "sampling": _sampling,
    "input-space": _input_space,
    "loss": _loss,
    "surfaces-2": _surfaces(2),
    "surfaces-3": _surfaces(3),
    "softmax-2d": _softmax_2d,
    "sigmoid": _sigmoid,
}


def render(requests):
    """The browser modules' figures for `requests` [{figure, options}], run in node."""
    need_node()
    names = sorted({r["figure"] for r in requests})
    payload = json.dumps({"skeletons": skeletons(names), "requests": requests})
    result = subprocess.run([NODE, str(RENDER)], input=payload, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout)


def test_every_web_figure_has_cases():
    assert sorted(CASES) == sorted(WEB_FIGURES)


@pytest.mark.parametrize("name", sorted(WEB_FIGURES))
def test_browser_figure_equals_the_builder(name):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    spec = WEB_FIGURES[name]
    # every variant's own options first, then random ones
    requests = [{"figure": name, "options": dict(o)} for o in spec.variants.values()]
    requests += [{"figure": name, "options": CASES[name](rng)} for _ in range(25)]
    for request, result in zip(requests, render(requests)):
        assert "error" not in result, result["error"]
        assert result["variant"] == spec.variant(request["options"]), request
        expected = plain_figure(spec.build(request["options"]))
        assert expected["layout"].pop("template", None) == template()  # the site carries it once
        problems = figure_differences(result["figure"], expected, where=name)
        assert not problems, f"options {request['options']}:\n" + "\n".join(problems)


def test_the_comparison_catches_a_wrong_number_and_a_wrong_text():
    spec = WEB_FIGURES["sigmoid"]
    expected = plain_figure(spec.build({"temperature": 2.0}))
    expected["layout"].pop("template", None)
    wrong = json.loads(json.dumps(expected))
    wrong["data"][0]["y"][7] += 1e-6
    wrong["layout"]["title"]["text"] += " "
    problems = figure_differences(wrong, expected)
    assert any("y[7]" in p for p in problems) and any("title.text" in p for p in problems)
