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

import torch

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
