"""Benchmark of the math figure builders (figures 1-6) at their defaults: is a redraw fast enough for the app?

Run: python benchmarks/bench_figures_math.py

For each builder, medians of alternating calls in one process, after a warm-up:
- build: the builder itself (the math from softmaxlab.core plus `make_figure`);
- empty: `go.Figure` of as many empty, validated `go.Scatter()` traces as the figure has (plotly's
  floor for a figure of that many traces built the usual way); ratio build / empty;
- validated: `go.Figure(fig.to_dict())`, the same figure through plotly's full validation (what
  `make_figure` skips); ratio validated / build;
- json: `fig.to_json()`, what Dash does to send the figure to the browser, and its size.
The budget for a redraw in the app is ~50 ms of Python (build + json).
"""

import plotly.graph_objects as go

from softmaxlab.figures import (
    input_space,
    loss_curves,
    loss_landscape,
    sampling,
    sigmoid_section,
    softmax_2d,
    squashing_functions,
    surfaces_2,
    surfaces_3,
)
from timing import median_times

CASES = {
    "softmax_2d()": softmax_2d,
    "surfaces_2()": surfaces_2,
    "surfaces_2(all options)": lambda: surfaces_2(derivatives=True, gaussians=True, shift_line=True, marker=(1.0, -1.0)),
    "sigmoid_section()": sigmoid_section,
    "surfaces_3()": surfaces_3,
    "surfaces_3(all options)": lambda: surfaces_3(derivatives=True, gaussians=True, marker=(1.0, 0.0, -1.0)),
    "input_space(4)": input_space,
    "input_space(5)": lambda: input_space(5, fourth=0.3),
    "loss_landscape()": loss_landscape,
    "loss_landscape(hinge, 3)": lambda: loss_landscape("hinge", classes=3),
    "loss_curves()": loss_curves,
    "squashing_functions()": squashing_functions,
    "sampling()": sampling,
    "sampling(filters, 1000 draws)": lambda: sampling(top_k=5, top_p=0.9, min_p=0.05, samples=1000),
}


def main(repeats: int = 15) -> None:
    print(f"{'figure':32s} {'traces':>6s} {'build ms':>9s} {'empty ms':>9s} {'build/empty':>11s} "
          f"{'validated ms':>12s} {'valid/build':>11s} {'json ms':>8s} {'json kB':>8s}")
    for name, build in CASES.items():
        fig = build()  # warm-up, and the figure the baselines copy
        n = len(fig.data)
        as_dict = fig.to_dict()
        t = median_times(
            {
                "build": build,
                "empty": lambda: go.Figure(data=[go.Scatter() for _ in range(n)]),
                "validated": lambda: go.Figure(as_dict),
                "json": fig.to_json,
            },
            repeats=repeats,
        )
        ms = {k: v * 1e3 for k, v in t.items()}
        print(f"{name:32s} {n:6d} {ms['build']:9.2f} {ms['empty']:9.2f} {ms['build'] / ms['empty']:10.2f}x "
              f"{ms['validated']:12.2f} {ms['validated'] / ms['build']:10.1f}x {ms['json']:8.2f} {len(fig.to_json()) / 1e3:8.0f}")


if __name__ == "__main__":
    main()
