"""Overhead of LogitRecorder on a real training loop: examples/digits.py with and without recording.

The same training (same init, same minibatch order) is timed with and without a
recorder (every=10, penultimate features and classifier weights included, creation
and close counted), alternating which goes first, in this one process. The figure
is the median of the per-pair ratios (recorded / plain) of wall time; the target is
<= 1.05. The ratio of process CPU time (the recorder's worker thread included) is
printed too: on a shared, loaded machine it is the steadier of the two.

    python benchmarks/bench_record.py [--repeats 7] [--epochs 30] [--every 10] [--threads 1]
"""

import argparse
import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def load_example():
    spec = importlib.util.spec_from_file_location("digits_example", ROOT / "examples" / "digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: a tiny MLP gains nothing from more, and on a shared "
                             "machine extra threads only add noise)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from softmaxlab.record import LogitRecorder

    digits = load_example()
    x_train, y_train, x_test, y_test = digits.load_data()
    folder = Path(tempfile.mkdtemp())

    def plain():
        digits.train(digits.make_model(), x_train, y_train, epochs=args.epochs)

    runs = iter(range(10**9))

    def recorded():
        model = digits.make_model()
        # a fresh folder each time: replacing the last run would time deleting its files too
        with LogitRecorder(model, x_test, y_test, every=args.every, out=folder / f"run{next(runs)}",
                           features="3") as recorder:
            digits.train(model, x_train, y_train, epochs=args.epochs, recorder=recorder)

    def timed(fn):
        """Wall seconds, and CPU seconds of the whole process (the recorder's worker thread included)."""
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - start, time.process_time() - start_cpu

    plain(), recorded()  # warm up: first calls pay for lazy imports and allocator growth
    steps = args.epochs * -(-x_train.shape[0] // 64)
    print(f"digits: {x_train.shape[0]} training / {x_test.shape[0]} probe samples, {steps} steps, "
          f"every={args.every}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    ratios, cpu_ratios = [], []
    for i in range(args.repeats):
        if i % 2 == 0:  # alternate the order so drift in machine load hits both sides
            t_plain, t_rec = timed(plain), timed(recorded)
        else:
            t_rec, t_plain = timed(recorded), timed(plain)
        ratios.append(t_rec[0] / t_plain[0])
        cpu_ratios.append(t_rec[1] / t_plain[1])
        print(f"  repeat {i}: plain {t_plain[0]:.3f} s ({t_plain[1]:.3f} s CPU)  recorded {t_rec[0]:.3f} s "
              f"({t_rec[1]:.3f} s CPU)  ratio {ratios[-1]:.3f} (CPU {cpu_ratios[-1]:.3f})")
    print(f"median ratio recorded/plain: wall {statistics.median(ratios):.3f} (target <= 1.05; "
          f"min {min(ratios):.3f}, max {max(ratios):.3f}), CPU time {statistics.median(cpu_ratios):.3f}")

if __name__ == "__main__":
    main()
