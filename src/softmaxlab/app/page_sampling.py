"""Sampling page: temperature, top-k, top-p and min-p on a vector of logits, entropy, and n draws.

The logits are typed (2 to 50 numbers, e.g. the scores of a tiny vocabulary); the filters and the
histogram of draws come from `core.sampling` through the `sampling` figure.
"""

from __future__ import annotations

import math

import dash
from dash import ALL, Input, Output

from .layout import Page, format_errors, one_graph_body, read
from .state import Control

KEY = "sampling"
MAX_CLASSES = 50
MAX_SAMPLES = 100_000

HELP = (
    "Temperature, top-k, top-p and min-p reshape the distribution a language model samples from. "
    "How \"random\" a distribution is, is its **entropy** H (and e^H, the effective number of choices), "
    "not how similar the probabilities look: draw n samples and compare the histogram with p."
)

CONTROLS = (
    Control("logits", "str", "3,2.5,2,1.2,1,0.5,0,-0.5,-1,-2", label="logits (comma-separated)",
            help=f"2 to {MAX_CLASSES} finite numbers", extra={"widget": "input"}),
    Control("t", "float", 1.0, label="temperature T", help="sample from softmax(z / T)", minimum=0.05, maximum=10.0,
            step=0.05, extra={"marks": {0.05: "0.05", 1: "1", 5: "5", 10: "10"}}),
    Control("top_k", "int", 0, label="top-k (0: off)", help="keep the k most likely classes", minimum=0,
            maximum=MAX_CLASSES, step=1, extra={"marks": {0: "off", 10: "10", 50: "50"}}),
    Control("top_p", "float", 1.0, label="top-p (1: off)", help="keep the smallest set with probability >= p",
            minimum=0.01, maximum=1.0, step=0.01, extra={"marks": {0.01: "0.01", 1: "off"}}),
    Control("min_p", "float", 0.0, label="min-p (0: off)", help="drop classes below min_p times the top "
            "probability", minimum=0.0, maximum=1.0, step=0.01, extra={"marks": {0: "off", 1: "1"}}),
    Control("samples", "int", 1000, label="draw n samples", help=f"0 to {MAX_SAMPLES:,} draws for the histogram",
            minimum=0, maximum=MAX_SAMPLES, extra={"widget": "input"}),
    Control("seed", "int", 0, label="seed", help="seed of the draws", minimum=0, maximum=2**31 - 1,
            extra={"widget": "input"}),
)


def parse_logits(text: str) -> list[float]:
    """The logits typed as comma-separated numbers, or ValueError naming the problem.

    >>> parse_logits("1, 2.5,-3")
    [1.0, 2.5, -3.0]
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not 2 <= len(parts) <= MAX_CLASSES:
        raise ValueError(f"logits: give 2 to {MAX_CLASSES} numbers, got {len(parts)}")
    out = []
    for p in parts:
        try:
            v = float(p)
        except ValueError:
            raise ValueError(f"logits: {p[:20]!r} is not a number") from None
        if not math.isfinite(v) or abs(v) > 1e4:
            raise ValueError(f"logits: {p[:20]!r} is not a finite number between -10000 and 10000")
        out.append(v)
    return out


def body(values, ctx):
    return one_graph_body(PAGE, values, "sampling-graph")


def register(app, ctx):
    from softmaxlab import figures

    @app.callback(
        Output("sampling-graph", "figure"),
        Output(f"{KEY}-message", "children"),
        Input({"page": KEY, "name": ALL}, "value"),
    )
    def draw(_values):
        values, errors = read(PAGE, dash.ctx.inputs_list[0])
        if not errors:
            try:
                logits = parse_logits(values["logits"])
            except ValueError as e:
                errors = [str(e)]
        if errors:
            return dash.no_update, format_errors(errors)
        top_k = values["top_k"] or None
        if top_k is not None and top_k > len(logits):
            top_k = None  # keeping more classes than there are keeps them all
        fig = figures.sampling(logits, temperature=values["t"], top_k=top_k,
                               top_p=None if values["top_p"] >= 1 else values["top_p"],
                               min_p=values["min_p"] or None, samples=values["samples"], seed=values["seed"])
        return fig, []


PAGE = Page(key=KEY, path="/sampling", title="Sampling", help=HELP, controls=CONTROLS, body=body, register=register)
