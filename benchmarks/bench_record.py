"""Overhead of LogitRecorder on a real training loop: examples/digits.py with and without recording.

The same training (same init, same minibatch order) is timed with and without a
recorder (every=10, penultimate features and classifier weights included, creation
and close counted), alternating which goes first, in this one process. The figure
is the median of the per-repeat ratios (recorded / plain) of wall time; the target is
<= 1.05. A third variant, "floor", only runs the probe's forward pass every `every`
steps (no recorder): the part of the cost that no recorder can avoid; "logits-only"
records without the penultimate features. The ratios of CPU time are printed too: of the whole
process (the recorder's worker thread included: all the work recording adds) and of the training
thread alone (what delays training when a second core is free for the worker); on a shared,
loaded machine they are steadier than wall time. The load average is printed before and after.

    python benchmarks/bench_record.py [--repeats 7] [--epochs 30] [--every 10] [--threads 1] [--breakdown]

`--breakdown` instead times the recorder's own parts inside the recorded loop (process CPU,
so the worker thread's appends count): making it, its `step()` calls, and `close()`, beside
the floor's probe forwards and the plain training.
"""

import argparse
import importlib.util
import os
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
    parser.add_argument("--breakdown", action="store_true",
                        help="time the recorder's parts (make, step, close) instead of the ratios")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from softmaxlab.record import LogitRecorder

    digits = load_example()
    x_train, y_train, x_test, y_test = digits.load_data()
    folder = Path(tempfile.mkdtemp())

    def plain():
        digits.train(digits.make_model(), x_train, y_train, epochs=args.epochs)

    runs = iter(range(10**9))

    def recorded(features="3"):
        model = digits.make_model()
        # a fresh folder each time: replacing the last run would time deleting its files too
        with LogitRecorder(model, x_test, y_test, every=args.every, out=folder / f"run{next(runs)}",
                           features=features) as recorder:
            digits.train(model, x_train, y_train, epochs=args.epochs, recorder=recorder)

    class BareProbe:
        """The floor: only the probe's forward pass every `every` steps, kept nowhere."""

        def __init__(self, model):
            self.model, self.count = model, 0

        def step(self):
            self.count += 1
            if self.count % args.every == 0:
                self.model.eval()
                with torch.no_grad():
                    self.model(x_test)
                self.model.train()

    def floor():
        model = digits.make_model()
        digits.train(model, x_train, y_train, epochs=args.epochs, recorder=BareProbe(model))

    def timed(fn):
        """Wall seconds, CPU seconds of the whole process (worker thread included), and of this thread."""
        start, start_cpu, start_thread = time.perf_counter(), time.process_time(), time.thread_time()
        fn()
        return (time.perf_counter() - start, time.process_time() - start_cpu, time.thread_time() - start_thread)

    if args.breakdown:
        return breakdown(args, digits, LogitRecorder, (x_train, y_train, x_test, y_test), folder)

    variants = {"plain": plain, "floor": floor, "logits-only": lambda: recorded(None), "recorded": recorded}
    for fn in variants.values():  # warm up: first calls pay for lazy imports and allocator growth
        fn()
    steps = args.epochs * -(-x_train.shape[0] // 64)
    print(f"digits: {x_train.shape[0]} training / {x_test.shape[0]} probe samples, {steps} steps, "
          f"every={args.every}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          "load average %.2f %.2f %.2f" % os.getloadavg())
    compared = [name for name in variants if name != "plain"]
    ratios = {name: {"wall": [], "cpu": [], "thread": []} for name in compared}
    names = list(variants)
    for i in range(args.repeats):
        # rotate the order so drift in machine load hits every variant alike
        order = names[i % len(names):] + names[:i % len(names)]
        times = {name: timed(variants[name]) for name in order}
        line = []
        for name in compared:
            ratios[name]["wall"].append(times[name][0] / times["plain"][0])
            ratios[name]["cpu"].append(times[name][1] / times["plain"][1])
            ratios[name]["thread"].append(times[name][2] / times["plain"][2])
            line.append(f"{name} {ratios[name]['wall'][-1]:.3f} (CPU {ratios[name]['cpu'][-1]:.3f})")
        print(f"  repeat {i}: plain {times['plain'][0]:.3f} s ({times['plain'][1]:.3f} s CPU); ratios "
              + ", ".join(line))
    for name, meaning in (("floor", "bare probe forward, the least any recorder pays"),
                          ("logits-only", "LogitRecorder without features"),
                          ("recorded", "LogitRecorder as in the example, with features; target <= 1.05")):
        wall, cpu, thread = ratios[name]["wall"], ratios[name]["cpu"], ratios[name]["thread"]
        print(f"median {name}/plain ({meaning}): wall {statistics.median(wall):.3f} "
              f"[{min(wall):.3f}..{max(wall):.3f}], process CPU {statistics.median(cpu):.3f} "
              f"[{min(cpu):.3f}..{max(cpu):.3f}], training-thread CPU {statistics.median(thread):.3f} "
              f"[{min(thread):.3f}..{max(thread):.3f}]")
    print("load average %.2f %.2f %.2f" % os.getloadavg())

def breakdown(args, digits, LogitRecorder, data, folder):
    """Median process-CPU milliseconds of each part of a recorded run, and of the floor and the plain loop."""
    x_train, y_train, x_test, y_test = data
    clock = time.process_time

    class Timed:
        def __init__(self, step):
            self.inner, self.seconds = step, 0.0

        def step(self):
            start = clock()
            self.inner()
            self.seconds += clock() - start

    def bare(model):
        count = [0]

        def step():
            count[0] += 1
            if count[0] % args.every == 0:
                model.eval()
                with torch.no_grad():
                    model(x_test)
                model.train()
        return step

    parts = {name: [] for name in ("make the recorder", "its step() calls", "close()", "floor: probe forwards",
                                   "plain training (floor run, less its forwards)")}
    for i in range(args.repeats + 1):
        model = digits.make_model()
        start = clock()
        recorder = LogitRecorder(model, x_test, y_test, every=args.every, out=folder / f"parts{i}", features="3")
        made = clock() - start
        timed = Timed(recorder.step)
        digits.train(model, x_train, y_train, epochs=args.epochs, recorder=timed)
        start = clock()
        recorder.close()
        closed = clock() - start
        model = digits.make_model()
        floor = Timed(bare(model))
        start = clock()
        digits.train(model, x_train, y_train, epochs=args.epochs, recorder=floor)
        plain = clock() - start - floor.seconds
        if i:  # the first round warms up
            for name, seconds in zip(parts, (made, timed.seconds, closed, floor.seconds, plain)):
                parts[name].append(seconds)
    print("load average %.2f %.2f %.2f" % os.getloadavg())
    for name, seconds in parts.items():
        print(f"{name:48s} {1e3 * statistics.median(seconds):7.2f} ms process CPU (median of {args.repeats})")


if __name__ == "__main__":
    main()
