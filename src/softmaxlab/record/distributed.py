"""Recording inside a torch.distributed process group: which rank records what, and agreeing on it once.

Every rank makes the same `LogitRecorder` with the same full probe set. Rank r runs the
model on its own contiguous share of the N samples (`store.ranks.split_samples`) and writes
only its own part of the run; rank 0 alone writes the shared root (`store.ranks`).

The ranks talk twice, both at construction and never after: once to check that they agree
(probe size, labels, `every`, start step, classes, feature and weight shapes, the run's
folder) and to learn rank 0's run id, and once so that every rank hears whether rank 0 could
create the run. Both go through a gloo group of their own made with a timeout
(`AGREE_SECONDS`), so a rank that never arrives makes the others fail with an error rather
than hang. Recording and closing use no collective: a rank that is slow or dies never holds
the others up, and its part keeps every block it flushed.
"""

import contextlib
import datetime
import uuid
import zlib
from pathlib import Path

import torch

from softmaxlab.store import RunWriter
from softmaxlab.store.ranks import create_distributed_run, part_path

# how long the ranks wait for one another at construction before giving up with an error
AGREE_SECONDS = 300.0


def current_rank():
    """`(rank, world_size)` inside an initialised process group of more than one process, else None."""
    dist = torch.distributed
    if not (dist.is_available() and dist.is_initialized()):
        return None
    world = dist.get_world_size()
    return (dist.get_rank(), world) if world > 1 else None


def unwrap(model):
    """The module inside a `DistributedDataParallel` wrapper (its forward would run collectives), else `model`."""
    return model.module if isinstance(model, torch.nn.parallel.DistributedDataParallel) else model


@contextlib.contextmanager
def agreement_group(timeout=AGREE_SECONDS):
    """A gloo group of every rank whose collectives fail after `timeout` seconds instead of waiting for ever."""
    dist = torch.distributed
    group = dist.new_group(backend="gloo", timeout=datetime.timedelta(seconds=timeout))
    try:
        yield group
    finally:
        dist.destroy_process_group(group)


def gather(value, group):
    """Every rank's `value` (a small picklable object), in rank order, on every rank."""
    values = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(values, value, group=group)
    return values


def check_agreement(facts):
    """Raise the same ValueError on every rank if the ranks' `facts` (dicts, in rank order) differ.

    >>> check_agreement([{"every": 10}, {"every": 10}])
    >>> check_agreement([{"every": 10, "samples": 60}, {"every": 5, "samples": 60}])
    Traceback (most recent call last):
    ...
    ValueError: the ranks made different LogitRecorders: every is 10 on rank 0 but 5 on rank 1 (every rank must ...
    """
    for key, mine in facts[0].items():
        for rank, theirs in enumerate(facts[1:], start=1):
            if theirs.get(key) != mine:
                raise ValueError(f"the ranks made different LogitRecorders: {key} is {mine} on rank 0 but {theirs.get(key)} "
                                 f"on rank {rank} (every rank must make the same recorder, with the same full probe set)")


def open_part(path, *, whole, shares, rank, shapes, num_classes, every, start_step, description, out_given,
              overwrite):
    """Agree with the other ranks, let rank 0 make the run, then open this rank's part.

    Args:
        path: this rank's idea of the run's folder (rank 0's is used: a default one holds its time).
        whole: the whole `ProbeSet`; shares: `[(start, stop)]` per rank; rank: `(rank, world_size)`.
        shapes: the extras of the whole run, name -> (shape of one record, dtype).

    Returns:
        `(path, writer, extras)`: the run's folder, the `RunWriter` of this rank's part, and
        the extras it writes (name -> (shape, dtype)); only rank 0 writes the weights.
    """
    rank, world = rank
    facts = {"probe samples": whole.num_samples, "probe labels": zlib.crc32(whole.labels.tobytes()),
             "every": every, "start_step": start_step, "classes": num_classes,
             "extras": {name: list(shape) for name, (shape, _) in shapes.items()}, "world size": world,
             "out": str(Path(path).resolve()) if out_given else "(the default)"}
    with agreement_group() as group:
        gathered = gather((facts, str(path), uuid.uuid4().hex), group)
        check_agreement([f for f, _, _ in gathered])
        _, path, run_id = gathered[0]
        path = Path(path)
        problem = None
        if rank == 0:
            try:
                create_distributed_run(path, labels=whole.labels, num_classes=num_classes, shares=shares,
                                       run_id=run_id, inputs=whole.store_inputs(), description=description,
                                       extras=shapes or None,
                                       split_extras=["features"] if "features" in shapes else [],
                                       overwrite=overwrite)
            except (OSError, ValueError) as e:
                problem = str(e)
        # every rank hears whether the run exists before it makes its part in it
        problem = gather(problem, group)[0]
    if problem is not None:
        raise ValueError(f"rank 0 could not create the run: {problem}")
    start, stop = shares[rank]
    extras = {}
    if "features" in shapes:
        extras["features"] = ((stop - start, shapes["features"][0][1]), "float32")
    if "weights" in shapes and rank == 0:
        extras["weights"] = shapes["weights"]
    writer = RunWriter(part_path(path, rank), labels=whole.labels[start:stop], num_classes=num_classes,
                       extras=extras or None, part={"rank": rank, "run_id": run_id})
    return path, writer, extras
