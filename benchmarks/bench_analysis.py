"""Benchmark of the training-dynamics readings (softmaxlab.analysis): what does reading a run cost?

Run: python benchmarks/bench_analysis.py

1. NC1 = tr(Sigma_W Sigma_B^+) / K per record. `collapse_metrics` takes the SVD of the K x d
   matrix of centred class means and projects the within-class deviations on its K-1 directions;
   the textbook way forms the d x d within- and between-class covariances and pseudo-inverts
   Sigma_B (scipy.linalg.pinv). Same inputs, same process, medians of alternating calls; the two
   values are checked to agree.
2. All four readings (cartography, forgetting, neural collapse from the logits, calibration with a
   fitted temperature) on a lab-sized run and on a recorded-sized one, against one pass of
   `Run.probabilities()` over the same logits (the cheapest thing any reading must do).
"""

import numpy as np
from scipy.linalg import pinv

from softmaxlab.analysis import calibration_report, cartography, collapse_metrics, forgetting_events, neural_collapse
from softmaxlab.store import Run
from timing import median_times


def textbook_nc1(h, labels):
    """NC1 with d x d covariance matrices and a pseudo-inverse, as the definition reads."""
    classes = np.unique(labels)
    means = np.stack([h[labels == c].mean(axis=0) for c in classes])  # (K, d)
    centred = means - means.mean(axis=0)
    within = h - means[np.searchsorted(classes, labels)]  # (S, d)
    sigma_w = within.T @ within / len(h)  # (d, d)
    sigma_b = centred.T @ centred / len(classes)  # (d, d)
    return float(np.trace(sigma_w @ pinv(sigma_b)) / len(classes))


def bench_nc1():
    print("NC1 of one record: SVD of the class means vs d x d covariances + pinv")
    print(f"{'samples':>8} {'d':>5} {'K':>4} {'ours (ms)':>10} {'textbook (ms)':>14} {'ratio':>7}")
    rng = np.random.default_rng(0)
    for samples, d, k in [(600, 64, 10), (2000, 256, 10), (2000, 512, 100), (5000, 2048, 10)]:
        labels = np.arange(samples) % k
        h = rng.normal(size=(samples, d)) + 3 * rng.normal(size=(k, d))[labels]  # (S, d)
        ours, textbook = collapse_metrics(h, labels)["nc1"], textbook_nc1(h, labels)
        assert abs(ours - textbook) <= 1e-6 * abs(textbook), (ours, textbook)
        t = median_times({"ours": lambda: collapse_metrics(h, labels), "textbook": lambda: textbook_nc1(h, labels)},
                         repeats=5)
        print(f"{samples:>8} {d:>5} {k:>4} {1e3 * t['ours']:>10.2f} {1e3 * t['textbook']:>14.2f} "
              f"{t['textbook'] / t['ours']:>6.1f}x")


def all_readings(run):
    cartography(run)
    forgetting_events(run)
    neural_collapse(run)
    calibration_report(run)


def bench_readings():
    print("\nAll four readings of a run vs one softmax pass over its logits")
    print(f"{'run':>28} {'readings (ms)':>14} {'softmax pass (ms)':>18} {'ratio':>7}")
    rng = np.random.default_rng(1)
    for name, (records, samples, k) in {"lab (1001 x 60 x 3)": (1001, 60, 3),
                                        "recorded (101 x 1797 x 10)": (101, 1797, 10)}.items():
        labels = np.arange(samples) % k
        drift = np.linspace(0, 5, records)[:, None, None] * np.eye(k)[labels]  # (R, S, K)
        run = Run(logits=drift + rng.normal(size=(records, samples, k)), steps=np.arange(records), labels=labels)
        t = median_times({"readings": lambda: all_readings(run), "softmax": run.probabilities}, repeats=3)
        print(f"{name:>28} {1e3 * t['readings']:>14.1f} {1e3 * t['softmax']:>18.2f} "
              f"{t['readings'] / t['softmax']:>6.0f}x")


if __name__ == "__main__":
    bench_nc1()
    bench_readings()
