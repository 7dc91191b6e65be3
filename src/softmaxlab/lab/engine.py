"""The training engine: one compiled ``lax.scan`` per shape, ``vmap``-ed across configurations.

What fixes the compiled code is a :class:`Plan` (shapes and code paths: model, loss, optimizer,
batch size, sample count...). Everything else (learning rate, seed, noise, init, loss and optimizer
hyperparameters, the number of steps, how often to record) enters as traced arguments, so changing
it reuses the compiled functions. The number of steps is handled by scanning over a fixed chunk of
``CHUNK`` records, each doing a traced number of steps (0 for padding), and looping over chunks in
Python, which also lets a progress bar move.

Nothing here changes JAX's process-wide configuration unless asked: `enable_disk_cache()` (or
``train(..., cache=True)``) turns on the persistent compilation cache; the CLI and the server do.
"""

import collections
import functools
import math
import os
import time
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from softmaxlab.core.random import STREAMS, Threefry
from softmaxlab.extras import MissingExtraError, missing_extra_message, missing_modules

try:
    import jax
    import jax.numpy as jnp
    import optax
    from jax import lax
    from jax.extend.random import threefry_2x32
except ImportError:
    if not missing_modules("lab"):
        raise  # installed but broken: its own message says more than ours would
    raise MissingExtraError(missing_extra_message("lab", "softmaxlab's training engine",
                                                  missing=missing_modules("lab"))) from None

from softmaxlab.store import Run

from .config import Experiment
from .datasets import DATASETS
from .hyperparameters import Hyperparameters
from .losses import LOSSES
from .models import MODELS
from .optimizers import OPTIMIZERS

CHUNK = 100  # records per compiled call: the progress bar moves once per chunk


@functools.cache
def enable_disk_cache():
    """Turn on JAX's persistent compilation cache (``$SOFTMAXLAB_JAX_CACHE``, default ~/.cache/softmaxlab/jax).

    Compiles then survive the process: a second ``softmaxlab train`` skips most of the ~1 s compile.
    This changes JAX's configuration for the whole process (``jax_compilation_cache_dir``, and
    ``jax_persistent_cache_min_compile_time_secs = 0`` so that our sub-second compiles are kept too),
    which is why `train` never calls it on its own: the CLI and the server do, and a notebook may
    (``from softmaxlab.lab import enable_disk_cache; enable_disk_cache()``, or ``train(..., cache=True)``).
    Set ``SOFTMAXLAB_JAX_CACHE=`` (empty) to leave JAX's configuration alone; a cache directory the
    user already configured is kept. Returns the directory in use, or None.
    """
    path = os.environ.get("SOFTMAXLAB_JAX_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "softmaxlab", "jax"))
    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    if not path:
        return None
    try:
        os.makedirs(path, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", path)
        # our compiles take ~0.3-1 s, under JAX's default threshold of 1 s for caching
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    except (OSError, AttributeError):  # read-only home, or a JAX without the option: compile in memory only
        return None
    return path


class Plan(NamedTuple):
    """The static part of an experiment: the shapes and code paths that fix the compiled code.

    Experiments with equal plans share compiled code and can be trained side by side in one ``vmap``.
    """

    model: str
    hidden: tuple  # () unless the model is an MLP
    activation: str  # "" unless the model is an MLP
    feature_dim: int  # 0 unless the model is free-features
    loss: str
    optimizer: str
    batch_size: int  # 0 = full batch
    samples: int
    classes: int
    dim: int
    record_features: bool

    @classmethod
    def of(cls, e: Experiment) -> "Plan":
        mlp = e.model == "mlp"
        return cls(model=e.model, hidden=e.hidden if mlp else (), activation=e.activation if mlp else "",
                   feature_dim=e.feature_dim if e.model == "free-features" else 0, loss=e.loss,
                   optimizer=e.optimizer, batch_size=e.batch_size or 0, samples=e.num_samples,
                   classes=e.classes, dim=e.dim, record_features=e.record_features)


def prepare(e: Experiment):
    """The data, initial parameters and traced hyperparameters of one experiment (NumPy, seeded).

    The data and the init come from independent streams of ``e.seed`` (the counter-based generator of
    `softmaxlab.core.random`, keys ``(seed, STREAMS["data"])`` and ``(seed, STREAMS["init"])``), so
    changing the init leaves the data alone, and the browser (``static/js/lab/``) makes the same
    float32 numbers. Returns ``(data, params, hp)``: ``data`` holds ``inputs`` ``(samples, dim)``
    float32 and ``labels`` ``(samples,)`` int32; ``hp`` is a `Hyperparameters`.
    """
    data_rng, init_rng = Threefry(e.seed, STREAMS["data"]), Threefry(e.seed, STREAMS["init"])
    inputs, labels = DATASETS[e.dataset].make(data_rng, classes=e.classes, dim=e.dim, noise=e.noise,
                                              samples_per_class=e.samples_per_class, frequencies=e.frequencies)
    params = MODELS[e.model].init(init_rng, inputs=inputs, labels=labels, classes=e.classes, hidden=e.hidden,
                                  feature_dim=e.feature_dim, init=e.init)
    return {"inputs": inputs, "labels": labels.astype(np.int32)}, params, Hyperparameters.of(e)


def batch_indices(seed, step, samples, size):
    """`softmaxlab.core.random.batch_indices` in JAX, for the compiled step: ``seed`` and ``step`` may be traced.

    The words x0 of the counters (step, i) under the key (seed, STREAMS["batches"]), then the first ``size``
    samples sorted by (word, i): the same int32 indices as NumPy's stable argsort and the browser's. (A sort
    on the two keys is a total order, so it need not be stable; it is faster than a stable argsort here.)
    """
    key = jnp.stack([jnp.asarray(seed).astype(jnp.uint32), jnp.uint32(STREAMS["batches"])])
    counters = jnp.concatenate([jnp.broadcast_to(jnp.asarray(step).astype(jnp.uint32), (samples,)),
                                jnp.arange(samples, dtype=jnp.uint32)])
    words = threefry_2x32(key, counters)[:samples]  # x0 of each counter (step, i)
    return lax.sort((words, lax.iota(jnp.int32, samples)), num_keys=2, is_stable=False)[1][:size]


def schedule(e: Experiment):
    """Steps taken before each record after the first: k, k, ..., and the remainder, ``(records - 1,)``.

    >>> schedule(Experiment(steps=7, record_every=3)).tolist()
    [3, 3, 1]
    """
    full, rest = divmod(e.steps, e.record_every)
    return np.array([e.record_every] * full + ([rest] if rest else []), dtype=np.int32)


@functools.lru_cache(maxsize=32)
def compiled(plan: Plan):
    """``(start, advance)``: the jitted, vmapped training functions of one plan, cached across runs.

    ``start(params, data, hp) -> (state, (logits, loss, accuracy, extras))`` makes the optimizer state and the
    step-0 record; ``advance(state, data, hp, counts) -> (state, records)`` scans over ``counts``
    ``(CHUNK,)``, taking ``counts[r]`` steps and then recording. Every argument has a leading
    configurations axis. ``hp`` is a `Hyperparameters` of traced scalars, so a changed lr, seed, init or
    temperature reuses the compiled code (the tests count JAX's traces to check it).
    """
    apply = functools.partial(MODELS[plan.model].apply, activation=plan.activation)
    features = MODELS[plan.model].features
    loss_fn, make_optimizer = LOSSES[plan.loss].fn, OPTIMIZERS[plan.optimizer].make
    everyone = jnp.arange(plan.samples)

    def measure(params, data, hp):
        logits = apply(params, data["inputs"], everyone)  # (samples, classes)
        loss = loss_fn(logits / hp.temperature, data["labels"], hp)
        accuracy = jnp.mean(jnp.argmax(logits, axis=-1) == data["labels"])
        extras = {}
        if plan.record_features:  # what neural collapse reads: features (samples, width), weights (classes, width)
            extras = {"features": features(params, data["inputs"], everyone, activation=plan.activation),
                      "weights": params["w_out"].T}
        return logits, loss, accuracy, extras

    def objective(params, data, hp, index):
        logits = apply(params, data["inputs"][index], index)  # (batch, classes)
        return loss_fn(logits / hp.temperature, data["labels"][index], hp)

    def step(state, data, hp):
        params, opt_state, t = state
        if plan.batch_size:  # a fresh random batch each step, drawn without replacement
            index = batch_indices(hp.seed, t, plan.samples, plan.batch_size)
        else:
            index = everyone
        grads = jax.grad(objective)(params, data, hp, index)
        updates, opt_state = make_optimizer(hp).update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, t + 1

    def start(params, data, hp):
        state = (params, make_optimizer(hp).init(params), jnp.int32(0))
        return state, measure(params, data, hp)

    def advance(state, data, hp, counts):

        def take_steps_then_record(state, count):
            state = lax.fori_loop(0, count, lambda _, s: step(s, data, hp), state)
            return state, measure(state[0], data, hp)

        return lax.scan(take_steps_then_record, state, counts)

    return jax.jit(jax.vmap(start)), jax.jit(jax.vmap(advance), donate_argnums=0)


def _stack(trees):
    """Stack a list of equal-structure pytrees along a new leading configurations axis."""
    return jax.tree_util.tree_map(lambda *xs: np.stack(xs), *trees)


def train_group(experiments, *, bar=None):
    """Train experiments that share one `Plan` side by side; returns one `Run` each."""
    began = time.perf_counter()
    plan = Plan.of(experiments[0])
    data, params, hp = (_stack(part) for part in zip(*(prepare(e) for e in experiments)))
    schedules = [schedule(e) for e in experiments]
    chunks = math.ceil(max(len(s) for s in schedules) / CHUNK)
    counts = np.zeros((len(experiments), chunks * CHUNK), np.int32)  # (configs, padded records); 0 = no step
    for row, s in zip(counts, schedules):
        row[: len(s)] = s

    start, advance = compiled(plan)
    state, first = start(params, data, hp)
    blocks = []  # each (logits (configs, CHUNK, samples, K), loss (configs, CHUNK), accuracy, extras)
    for c in range(chunks):
        block = counts[:, c * CHUNK: (c + 1) * CHUNK]
        state, out = advance(state, data, hp, block)
        blocks.append(jax.device_get(out))
        if bar is not None:
            bar.update(int(block.sum()))
    # put the step-0 record in front: every leaf becomes (configs, records, ...)
    logits, loss, accuracy, extras = jax.tree_util.tree_map(
        lambda first, *rest: np.concatenate([first[:, None], *rest], axis=1), jax.device_get(first), *blocks)
    seconds = (time.perf_counter() - began) / len(experiments)  # configurations share the time evenly

    runs = []
    for i, (e, s) in enumerate(zip(experiments, schedules)):
        n = len(s) + 1
        runs.append(Run(
            logits=np.ascontiguousarray(logits[i, :n], dtype=np.float32),  # (records, samples, classes)
            steps=np.concatenate([[0], np.cumsum(s)]).astype(np.int64),  # (records,)
            labels=data["labels"][i].astype(np.int64), inputs=data["inputs"][i],
            loss=loss[i, :n].astype(np.float32), accuracy=accuracy[i, :n].astype(np.float32),
            extras={name: np.ascontiguousarray(value[i, :n], dtype=np.float32) for name, value in extras.items()},
            config=e.to_dict(), wall_time=seconds, complete=True))
    return runs


def train_many(experiments, *, progress=False, cache=False):
    """Train several experiments, side by side in one vectorised computation wherever their plans agree.

    Experiments are grouped by `Plan` (shapes and code paths); each group is one ``vmap`` over
    configurations. Returns one `Run` per experiment, in order. ``cache=True`` first calls
    `enable_disk_cache()` (which changes JAX's configuration for the whole process); the default
    leaves JAX alone and compiles in memory.
    """
    experiments = list(experiments)
    for i, e in enumerate(experiments):
        if not isinstance(e, Experiment):
            raise ValueError(f"experiments[{i}]: expected an Experiment, got {type(e).__name__}")
    if cache:
        enable_disk_cache()
    groups = collections.defaultdict(list)  # plan -> positions in `experiments`
    for i, e in enumerate(experiments):
        groups[Plan.of(e)].append(i)
    runs = [None] * len(experiments)
    with tqdm(total=sum(e.steps for e in experiments), disable=not progress, unit="step",
              desc="training", leave=False) as bar:
        for members in groups.values():
            for i, run in zip(members, train_group([experiments[i] for i in members], bar=bar)):
                runs[i] = run
    return runs


def train(experiment, *, progress=False, cache=False):
    """Train one experiment and record every sample's logits before step 0 and after every k-th step.

    Returns a `softmaxlab.store.Run` with ``logits`` ``(records, samples, classes)``; for the reference
    experiment ``Experiment()`` that is ``(1001, 60, 3)``. ``cache=True``: see `train_many`.
    """
    if not isinstance(experiment, Experiment):
        raise ValueError(f"experiment: expected an Experiment, got {type(experiment).__name__}")
    return train_many([experiment], progress=progress, cache=cache)[0]
