"""Benchmark of the lab's randomness: the counter-based generator against what it replaced, in one process.

Run: python benchmarks/bench_lab_random.py

- the mini-batch draw inside a compiled loop of 200 steps: `engine.batch_indices` (Threefry words sorted
  with their index) against the `jax.random.permutation(fold_in(PRNGKey(seed), step), n)[:B]` it replaced;
- a mini-batch training run (the reference experiment with batch_size 16) against the same full-batch run,
  the ratio to compare with the same ratio before the change (run this file with the old code on the path:
  it then skips the batch draws);
- `prepare` (data and init, NumPy): the reference experiment and a big one, against NumPy's PCG64 drawing
  the same number of normals and uniforms (what the old `prepare` drew).
"""

import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from softmaxlab.lab import Experiment, train
from softmaxlab.lab.engine import prepare
from timing import median_times


def compiled_draws(draw, samples, size, steps=200):
    """A jitted loop of `steps` batch draws, summing an index so the draws cannot be skipped."""

    @jax.jit
    def loop(seed):
        return lax.fori_loop(0, steps, lambda t, acc: acc + draw(seed, t, samples, size)[0], jnp.int32(0))

    loop(jnp.int32(0)).block_until_ready()  # compile
    return lambda: loop(jnp.int32(1)).block_until_ready()


def old_draw(seed, t, samples, size):
    return jax.random.permutation(jax.random.fold_in(jax.random.PRNGKey(seed), t), samples)[:size]


def new_draw(seed, t, samples, size):
    from softmaxlab.lab.engine import batch_indices

    return batch_indices(seed, t, samples, size)


def has_new_draw():
    """Whether the code on the path has the counter-based batch (run with the old code, only the rest is timed)."""
    import softmaxlab.lab.engine as engine

    return hasattr(engine, "batch_indices")


def pcg_prepare(e, normals, uniforms):
    """What the old prepare drew: `normals` from default_rng([seed, 0]), `uniforms` from default_rng([seed, 1])."""
    np.random.default_rng([e.seed, 0]).standard_normal(normals).astype(np.float32)
    np.random.default_rng([e.seed, 1]).uniform(-1, 1, uniforms).astype(np.float32)


def main():
    print(f"jax {jax.__version__}")
    print("\nmini-batch draw inside a compiled loop of 200 steps (median of 7)")
    for samples, size in ((60, 16), (1000, 64), (50_000, 256)) if has_new_draw() else ():
        t = median_times({"old": compiled_draws(old_draw, samples, size),
                          "new": compiled_draws(new_draw, samples, size)}, repeats=7)
        print(f"  {samples:6d} samples, batch {size:3d}: permutation {t['old'] * 1e3:8.2f} ms   "
              f"threefry + sort {t['new'] * 1e3:8.2f} ms   new / old {t['new'] / t['old']:.2f}")

    full, mini = Experiment(), Experiment(batch_size=16)
    train(full), train(mini)  # compile both plans
    t = median_times({"full": lambda: train(full), "mini": lambda: train(mini)}, repeats=9)
    print(f"\nreference run, 1000 steps: full batch {t['full'] * 1e3:.1f} ms, batch 16 {t['mini'] * 1e3:.1f} ms, "
          f"mini / full {t['mini'] / t['full']:.2f}")

    print("\nprepare (data and init, NumPy; median of 7)")
    for e in (Experiment(), Experiment(dataset="blobs", classes=10, dim=64, samples_per_class=5000,
                                       hidden=(512, 512), init="default", steps=0)):
        data, params, _ = prepare(e)
        normals = data["inputs"].size + (e.classes * e.dim if e.dataset == "blobs" else 0)
        uniforms = sum(p.size for p in params.values())
        t = median_times({"pcg": lambda: pcg_prepare(e, normals, uniforms), "ours": lambda: prepare(e)}, repeats=7)
        print(f"  {e.num_samples} x {e.dim} inputs, {uniforms} parameters: PCG64 draws {t['pcg'] * 1e3:.1f} ms, "
              f"prepare {t['ours'] * 1e3:.1f} ms, ratio {t['ours'] / t['pcg']:.1f}")


if __name__ == "__main__":
    began = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - began:.0f} s)")
