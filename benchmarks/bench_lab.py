"""Benchmark of the lab's training engine against a PyTorch eager loop of the same reference experiment.

Run: python benchmarks/bench_lab.py

Everything is measured in one process, after warm-up, as medians; ratios are against PyTorch eager
(float32, the video's loop plus recording every logit) timed here too. PyTorch gets one thread:
on this shared 2-core machine its default of 2 threads spin-waits under load and ran ~40x slower,
which would flatter the lab. The compute estimate of one
reference run is ~0.44 GFLOP (docs/design.md).
"""

import time

import numpy as np
import torch

from softmaxlab.lab import Experiment, train, train_many
from softmaxlab.lab.engine import prepare
from timing import median_time

GFLOP_PER_RUN = 0.44


def torch_reference(optimizer):
    """PyTorch eager: the reference MLP, full-batch cross-entropy, 1000 steps, logits recorded every step."""
    data, params, _ = prepare(Experiment())
    x, y = torch.tensor(data["inputs"]), torch.tensor(data["labels"], dtype=torch.int64)
    model = torch.nn.Sequential(torch.nn.Linear(3, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 3))
    with torch.no_grad():
        model[4].weight.zero_()
        model[4].bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=0.1) if optimizer == "sgd" else torch.optim.Adam(model.parameters())
    paths = []
    for _ in range(1000):
        logits = model(x)
        paths.append(logits.detach().clone())
        loss = torch.nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    paths.append(model(x).detach())
    return torch.stack(paths).numpy()  # (1001, 60, 3)


def main():
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    began = time.perf_counter()
    train(Experiment())
    print(f"first train() in this process (compile, or load from the disk cache): {time.perf_counter() - began:.2f} s")
    train(Experiment(optimizer="adam"))

    print("\nreference experiment, 1000 full-batch steps, every logit recorded (median)")
    for optimizer in ("sgd", "adam"):
        e = Experiment(optimizer=optimizer)
        torch_reference(optimizer)  # warm-up
        t_torch = median_time(lambda: torch_reference(optimizer), repeats=5)
        t_lab = median_time(lambda: train(e), repeats=9)
        print(f"  {optimizer:5s} PyTorch eager {t_torch * 1e3:7.1f} ms   lab {t_lab * 1e3:6.1f} ms   "
              f"speed-up {t_torch / t_lab:5.1f}x")

    rng = np.random.default_rng(0)
    changed = iter([Experiment(lr=float(lr), seed=int(s))
                    for lr, s in zip(rng.uniform(0.01, 0.3, 40), rng.integers(1, 10**6, 40))])
    t_rerun = median_time(lambda: train(next(changed)), repeats=21)
    print(f"\nre-run with a changed lr and seed (no recompilation): median {t_rerun * 1e3:.1f} ms")

    configs = [Experiment(lr=float(lr), seed=s) for s, lr in enumerate(np.linspace(0.02, 0.3, 16))]
    train_many(configs)  # warm-up: compiles the 16-wide vmap
    t_many = median_time(lambda: train_many(configs), repeats=5)
    t_each = median_time(lambda: [train(c) for c in configs], repeats=3)
    per = t_many / len(configs)
    print(f"\n16 configurations: train_many {t_many * 1e3:.0f} ms ({per * 1e3:.1f} ms per configuration), "
          f"16 x train {t_each * 1e3:.0f} ms; train_many is {t_each / t_many:.1f}x faster")
    print(f"  per configuration: {GFLOP_PER_RUN} GFLOP in {per * 1e3:.1f} ms = {GFLOP_PER_RUN / per:.1f} GFLOP/s "
          f"(compute estimate / time)")


if __name__ == "__main__":
    main()
