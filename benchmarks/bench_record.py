"""Overhead of LogitRecorder on a real training loop: examples/digits.py with and without recording.

Each repeat trains one model per variant from the same init, with the same minibatch
order, and interleaves them epoch by epoch (one epoch of each variant in turn, the
order rotating): the machine's drift over seconds then hits every variant alike, which
timing whole runs one after another does not (on this shared machine whole runs of
the same work vary +-15%; interleaved, the quartiles of the ratio are within ~2%).
A variant's time counts making its recorder, its epochs (the recorder's `step()`
calls included) and its `close()`. The figure is the median over repeats of the ratio
to the plain loop; the target is <= 1.05.

Variants: "floor" only runs the probe's forward pass every `every` steps (no
recorder): the cost that no recorder running the probe on the training thread can
avoid; "logits-only" records without the penultimate features; "recorded" is the
example as it ships (features of layer "3" and the classifier's weights); with `--wide`,
"unwritten" records as "recorded" but its worker writes nothing (a diagnosis: what the
disk writes of the features cost the training when they compete with it for the cores).

    python benchmarks/bench_record.py [--repeats 10] [--epochs 30] [--every 10] [--threads 1] [--breakdown]

`--breakdown` instead times the recorder's own parts inside the recorded loop (process CPU,
so the worker thread's appends count): making it, its `step()` calls, and `close()`, beside
the floor's probe forwards and the plain training; and inside them (thread CPU) the probe
forward with its hook and copies, the hand-over of each block, and the worker's appends.
With `--wide`, on the wide model.

`--wide` runs the same interleaved comparison on a model big enough that one training step
takes >= 10 ms (an MLP 256-1024-1024-10 on synthetic data, batches of 256, a probe of 1000
samples): the figure there is the recorder's overhead beyond its own probe forward,
(recorded - floor) / plain, target <= 2%.

`--ddp` measures the probe under torch.distributed: each of 2 processes times a record of the
whole probe without a process group (the single-process time), then, in a gloo group, a
record of its share; the figure is each rank's ratio, about 1/2 if a rank pays only its share.

    python benchmarks/bench_record.py --wide [--repeats 6]
    python benchmarks/bench_record.py --wide --breakdown [--repeats 5]
    python benchmarks/bench_record.py --ddp [--records 20]
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


class BareProbe:
    """The floor: only the probe's forward pass (in eval mode) every `every` steps, kept nowhere."""

    def __init__(self, model, probe, every):
        self.model, self.probe, self.every, self.count = model, probe, every, 0

    def step(self):
        self.count += 1
        if self.count % self.every == 0:
            self.model.eval()
            with torch.no_grad():
                self.model(self.probe)
            self.model.train()

    def close(self):
        pass


class Unwritten:
    """A `RunWriter.append` that counts each block's records and writes nothing (the "unwritten" variant)."""

    def __init__(self, writer):
        self.records = writer.records

    def __call__(self, steps, logits, **_):
        self.records += len(steps)
        return self.records


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: a tiny MLP gains nothing from more, and on a shared "
                             "machine extra threads only add noise)")
    parser.add_argument("--breakdown", action="store_true",
                        help="time the recorder's parts (make, step, close) instead of the ratios")
    parser.add_argument("--wide", action="store_true", help="a model whose training step takes >= 10 ms")
    parser.add_argument("--ddp", action="store_true", help="the probe time per rank under torch.distributed")
    parser.add_argument("--records", type=int, default=20, help="records timed per phase with --ddp")
    parser.add_argument("--rank", type=int, default=None, help=argparse.SUPPRESS)  # a --ddp child
    parser.add_argument("--init", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.ddp:
        return ddp_probe(args)

    from softmaxlab.record import LogitRecorder

    digits = WideProblem() if args.wide else load_example()
    x_train, y_train, x_test, y_test = digits.load_data()
    folder = Path(tempfile.mkdtemp())

    runs = iter(range(10**9))

    def start(variant):
        """(model, recorder or None) for a variant; the recorder is made here, so its making is timed."""
        model = digits.make_model()
        if variant == "plain":
            return model, None
        if variant == "floor":
            return model, BareProbe(model, x_test, args.every)
        # a fresh folder each time: replacing the last run would time deleting its files too
        features = None if variant == "logits-only" else digits.FEATURES if args.wide else "3"
        recorder = LogitRecorder(model, x_test, y_test, every=args.every, out=folder / f"run{next(runs)}",
                                 features=features)
        if variant == "unwritten":  # the worker takes each block and writes nothing: what the disk writes cost
            recorder._writer.append = Unwritten(recorder._writer)
        return model, recorder

    if args.breakdown:
        return breakdown(args, digits, LogitRecorder, (x_train, y_train, x_test, y_test), folder)

    variants = ["plain", "floor", "logits-only", "recorded"] + (["unwritten"] if args.wide else [])

    def repeat(shift):
        """Seconds per variant of one interleaved training of them all."""
        seconds, trainings, recorders = dict.fromkeys(variants, 0.0), {}, {}
        for variant in variants:
            began = time.perf_counter()
            model, recorders[variant] = start(variant)
            trainings[variant] = digits.epochs_of_training(model, x_train, y_train, recorder=recorders[variant])
            seconds[variant] += time.perf_counter() - began
        for epoch in range(args.epochs):
            turn = (epoch + shift) % len(variants)
            for variant in variants[turn:] + variants[:turn]:
                began = time.perf_counter()
                next(trainings[variant])
                seconds[variant] += time.perf_counter() - began
        for variant, recorder in recorders.items():
            if recorder is not None:
                began = time.perf_counter()
                recorder.close()
                seconds[variant] += time.perf_counter() - began
        return seconds

    repeat(0)  # warm up: the first calls pay for lazy imports and allocator growth
    steps = args.epochs * -(-x_train.shape[0] // (256 if args.wide else 64))
    print(f"{'wide' if args.wide else 'digits'}: {x_train.shape[0]} training / {x_test.shape[0]} probe samples, {steps} steps, "
          f"every={args.every}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          "load average %.2f %.2f %.2f" % os.getloadavg())
    ratios = {variant: [] for variant in variants[1:]}
    for i in range(args.repeats):
        seconds = repeat(i)
        for variant in ratios:
            ratios[variant].append(seconds[variant] / seconds["plain"])
        print(f"  repeat {i}: plain {seconds['plain']:.3f} s; ratios "
              + ", ".join(f"{variant} {values[-1]:.3f}" for variant, values in ratios.items()))
    for variant, meaning in (("floor", "bare probe forward, the least a recorder on the training thread pays"),
                             ("logits-only", "LogitRecorder without features"),
                             ("recorded", "LogitRecorder as in the example, with features"),
                             ("unwritten", "the same, its worker writing nothing to disk: a diagnosis")):
        if variant not in ratios:
            continue
        values = ratios[variant]
        low, median, high = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
        print(f"median {variant}/plain ({meaning}): {median:.3f} [quartiles {low:.3f}..{high:.3f}]")
    for variant in variants[2:]:
        beyond = [r - f for r, f in zip(ratios[variant], ratios["floor"])]
        low, median, high = statistics.quantiles(beyond, n=4) if len(beyond) > 1 else beyond * 3
        print(f"median ({variant} - floor)/plain, the overhead beyond the probe's own forward: {100 * median:.2f}% "
              f"[quartiles {100 * low:.2f}..{100 * high:.2f}%]" + ("; target <= 2% where a step takes >= 10 ms"
                                                                  if variant == "recorded" else ""))
    print("load average %.2f %.2f %.2f" % os.getloadavg())


def breakdown(args, problem, LogitRecorder, data, folder):
    """Median CPU milliseconds of each part of a recorded run, and of the floor and the plain loop.

    Whole parts (making the recorder, its step() calls, close()) are process CPU, so the worker
    thread's appends count; the finer parts inside them are the CPU of the thread that runs them.
    """
    x_train, y_train, x_test, y_test = data
    clock = time.process_time

    class Timed:
        def __init__(self, step):
            self.inner, self.seconds = step, 0.0

        def step(self):
            start = clock()
            self.inner()
            self.seconds += clock() - start

    def train(model, recorder):
        epochs = problem.epochs_of_training(model, x_train, y_train, recorder=recorder)
        for _ in range(args.epochs):
            next(epochs)

    inner = {"  probe forward, hook, copies into the buffers": "_forward",
             "  block hand-over (metrics, queue)": "_submit", "  appends (worker thread)": "append"}

    def instrument(recorder, spent):
        """Wrap the recorder's parts (and its writer's append) with thread-CPU timers adding to `spent`."""
        for name, method in inner.items():
            owner = recorder._writer if method == "append" else recorder
            def timed(*a, _fn=getattr(owner, method), _name=name, **k):
                start = time.thread_time()
                try:
                    return _fn(*a, **k)
                finally:
                    spent[_name] += time.thread_time() - start
            setattr(owner, method, timed)

    names = ("make the recorder", "its step() calls", *inner, "close()", "floor: probe forwards",
             "plain training (floor run, less its forwards)")
    parts = {name: [] for name in names}
    features = problem.FEATURES if args.wide else "3"
    for i in range(args.repeats + 1):
        model = problem.make_model()
        start = clock()
        recorder = LogitRecorder(model, x_test, y_test, every=args.every, out=folder / f"parts{i}", features=features)
        made = clock() - start
        spent = dict.fromkeys(inner, 0.0)
        instrument(recorder, spent)
        timed = Timed(recorder.step)
        train(model, timed)
        start = clock()
        recorder.close()
        closed = clock() - start
        model = problem.make_model()
        floor = Timed(BareProbe(model, x_test, args.every).step)
        start = clock()
        train(model, floor)
        plain = clock() - start - floor.seconds
        if i:  # the first round warms up
            for name, seconds in zip(names, (made, timed.seconds, *spent.values(), closed, floor.seconds, plain)):
                parts[name].append(seconds)
    print(f"{'wide' if args.wide else 'digits'}, {args.epochs} epochs, every={args.every}; "
          "load average %.2f %.2f %.2f" % os.getloadavg())
    for name, seconds in parts.items():
        print(f"{name:48s} {1e3 * statistics.median(seconds):7.2f} ms CPU (median of {args.repeats})")
    print("load average %.2f %.2f %.2f" % os.getloadavg())


class WideProblem:
    """A model whose training step takes >= 10 ms here: MLP 256-1024-1024-10, batches of 256, synthetic data.

    Offers what the benchmark uses of examples/digits.py: load_data, make_model, epochs_of_training.
    """

    FEATURES = "3"  # the second hidden layer's ReLU: the penultimate features

    def load_data(self):
        generator = torch.Generator().manual_seed(0)
        centres = torch.randn(10, 256, generator=generator)
        y = torch.randint(0, 10, (3072,), generator=generator)
        x = centres[y] + 2.0 * torch.randn(3072, 256, generator=generator)
        return x[:2048], y[:2048], x[2048:], y[2048:]  # 2048 training samples, a probe of 1024

    def make_model(self):
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(256, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024),
                                   torch.nn.ReLU(), torch.nn.Linear(1024, 10))

    def epochs_of_training(self, model, x, y, *, recorder=None):
        """A generator: each next() trains one epoch (8 steps of 256), calling recorder.step() after each."""
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        order = torch.Generator().manual_seed(1)
        while True:
            for batch in torch.randperm(x.shape[0], generator=order).split(256):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
                optimizer.step()
                if recorder is not None:
                    recorder.step()
            yield


def ddp_probe(args):
    """Each rank's probe time per record under torch.distributed, over the single-process time (2 processes)."""
    import subprocess
    import sys

    from softmaxlab.record import LogitRecorder

    if args.rank is None:  # the launcher: start 2 ranks of this script and relay what they say
        init = Path(tempfile.mkdtemp()) / "pg"
        procs = [subprocess.Popen([sys.executable, __file__, "--ddp", "--rank", str(r), "--init", str(init),
                                   "--records", str(args.records), "--threads", str(args.threads)])
                 for r in range(2)]
        for proc in procs:
            proc.wait(timeout=600)
        return
    problem = WideProblem()
    _, _, x, y = problem.load_data()
    model = problem.make_model()
    folder = Path(tempfile.mkdtemp())

    def per_record(recorder):
        seconds = []
        for _ in range(args.records):
            recorder.step_count += 1  # a new step to record, without training
            began = time.perf_counter()
            recorder.record()
            seconds.append(time.perf_counter() - began)
        recorder.close()
        return statistics.median(seconds)

    # the baseline in this same process: the whole probe, no process group (both ranks do it at once,
    # so both phases see the same contention for the 2 cores)
    single = per_record(LogitRecorder(model, x, y, every=1, out=folder / "single", features="3",
                                      flush_seconds=60.0))
    torch.distributed.init_process_group("gloo", init_method=f"file://{args.init}", rank=args.rank, world_size=2)
    shared = per_record(LogitRecorder(model, x, y, every=1, out=Path(args.init).parent / "ddp", features="3",
                                      flush_seconds=60.0))
    print(f"rank {args.rank}: probe of {x.shape[0]} samples, median per record: single process "
          f"{1e3 * single:.2f} ms, its share under DDP {1e3 * shared:.2f} ms, ratio {shared / single:.3f} "
          f"(1/2 = only its share)", flush=True)
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
