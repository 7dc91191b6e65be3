"""Benchmark of the logit-path figure (figure 7): does a large run still open?

Run: python benchmarks/bench_figures_paths.py

The target (issue 4): a run of 10,000 samples x 1,000 records x 3 classes builds in under 2 s and
its JSON (`fig.to_json()`, what an HTML export or the app ships) stays under 15 MB. The figure gets
there by drawing paths through at most `max_records` evenly spaced records and, past
`max_samples`, a stated random subset of samples, one trace per class.

Measured, medians of alternating repeats in one process:
1. build time and JSON size at several sizes, static and animated, with two baselines:
   - time: `np.save` of the whole logits array into memory (one pass over the data, the least
     any figure of the run must cost);
   - size: `np.save` of the drawn coordinates alone (float32, no JSON), the least a file with
     the same points can weigh.
2. one trace per class (ours) against one trace per sample, on the same drawn points.
"""

import io
import time

import numpy as np
import plotly.graph_objects as go

from softmaxlab.core import evenly_spaced
from softmaxlab.figures.paths import logit_paths, sample_subset
from softmaxlab.figures.style import class_color
from softmaxlab.store import Run
from timing import median_times


def make_run(records, samples, classes, *, seed=0):
    rng = np.random.default_rng(seed)
    z = np.empty((records, samples, classes), dtype=np.float32)  # (R, S, K): random walks from 0
    z[0] = 0
    step = rng.normal(scale=0.05, size=(samples, classes)).astype(np.float32)
    for r in range(1, records):  # a cheap drift + noise walk, written in place to spare memory
        z[r] = z[r - 1] + step + rng.normal(scale=0.02, size=(samples, classes)).astype(np.float32)
    labels = np.arange(samples) % classes
    return Run(logits=z, steps=np.arange(records), labels=labels, inputs=rng.normal(size=(samples, 3)))


def npy_bytes(array) -> int:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.tell()


def bench_scale():
    print("logit_paths: build time and JSON size (defaults: max_samples=2000, max_records=200)")
    print(f"{'records x samples x K':>22} {'anim':>5} {'build s':>8} {'to_json s':>10} {'JSON MB':>8} "
          f"{'npy pass s':>10} {'build/npy':>9} {'drawn npy MB':>12} {'JSON/npy':>8}")
    for records, samples, k in [(1001, 60, 3), (1000, 10_000, 3), (500, 5000, 10)]:
        run = make_run(records, samples, k)
        drawn = run.logits[np.ix_(evenly_spaced(records, 200), sample_subset(samples, 2000))]  # (r, s, K)
        drawn_mb = npy_bytes(drawn[..., :3]) / 1e6
        for animate in (False, True):
            t = median_times({"build": lambda: logit_paths(run, animate=animate),
                              "npy": lambda: npy_bytes(run.logits)}, repeats=3)
            fig = logit_paths(run, animate=animate)
            start = time.perf_counter()
            text = fig.to_json()
            to_json = time.perf_counter() - start
            mb = len(text.encode()) / 1e6
            print(f"{f'{records} x {samples} x {k}':>22} {'yes' if animate else 'no':>5} {t['build']:>8.3f} "
                  f"{to_json:>10.3f} {mb:>8.2f} {t['npy']:>10.3f} {t['build'] / t['npy']:>8.1f}x "
                  f"{drawn_mb:>12.2f} {mb / drawn_mb:>7.1f}x")


def per_sample_traces(run, *, max_samples, max_records):
    """The obvious figure: one Scatter3d per sample (what a matplotlib loop would do)."""
    records = evenly_spaced(run.num_records, max_records)
    samples = sample_subset(run.num_samples, max_samples)
    z = run.logits[np.ix_(records, samples)]  # (r, s, 3)
    traces = [go.Scatter3d(x=z[:, i, 0], y=z[:, i, 1], z=z[:, i, 2], mode="lines", hoverinfo="skip",
                           line=dict(color=class_color(run.labels[s])), showlegend=False)
              for i, s in enumerate(samples)]
    return go.Figure(traces)


def bench_traces():
    print("\none trace per class (ours) vs one trace per sample, 1000 records x 3 classes, 200 drawn records")
    print(f"{'samples':>8} {'ours s':>8} {'per sample s':>13} {'ratio':>7} {'ours JSON MB':>13} {'per sample MB':>14}")
    for samples in (200, 1000):
        run = make_run(1000, samples, 3, seed=1)
        t = median_times({"ours": lambda: logit_paths(run, max_samples=samples, show_inputs=False,
                                                      show_start=False, show_guides=False),
                          "naive": lambda: per_sample_traces(run, max_samples=samples, max_records=200)}, repeats=3)
        ours = len(logit_paths(run, max_samples=samples, show_inputs=False, show_start=False,
                               show_guides=False).to_json()) / 1e6
        naive = len(per_sample_traces(run, max_samples=samples, max_records=200).to_json()) / 1e6
        print(f"{samples:>8} {t['ours']:>8.3f} {t['naive']:>13.3f} {t['naive'] / t['ours']:>6.1f}x "
              f"{ours:>13.2f} {naive:>14.2f}")


if __name__ == "__main__":
    bench_scale()
    bench_traces()
