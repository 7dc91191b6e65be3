"""Recording inside a torch.distributed process group: which rank records what, and agreeing on it once.

Every rank makes the same `LogitRecorder` with the same full probe set. Rank r runs the
model on its own contiguous share of the N samples (`store.ranks.split_samples`) and writes
only its own part of the run; rank 0 alone writes the shared root (`store.ranks`).

The ranks meet once, at construction, and never after, through the process group's own
key-value store (the one `init_process_group` made; no collective, so no backend, no
group of our own and no collective timeout). Each rank posts what it is about to record
(probe size, labels, `every`, ...) or, if making its recorder failed, why; each then polls
for every other rank's post, and stops at the first failure it sees: a rank whose
constructor raised makes every other rank raise within a poll, naming it and its reason,
instead of waiting. Then rank 0 posts whether it could create the run. A rank that never
posts (it died hard, or the script makes the recorder on rank 0 only) is waited for at most
`AGREE_SECONDS`, with a warning after `WARN_SECONDS` naming it. Recording and closing use no
communication: a rank that is slow or dies never holds the others up, and its part keeps
every block it flushed.
"""

import contextlib
import itertools
import pickle
import time
import uuid
import warnings
import zlib
from pathlib import Path

import torch

from softmaxlab.store import RunWriter
from softmaxlab.store.ranks import create_distributed_run, part_path

# how long a rank waits for another that has posted nothing (neither its facts nor an error)
AGREE_SECONDS = 300.0
# when a rank still waiting says for whom
WARN_SECONDS = 20.0
# how often a waiting rank looks at the store: at first every POLL_SECONDS[0], then less and less often,
# down to every POLL_SECONDS[1] (a rank still importing torch on a busy machine should not compete with
# a hundred store reads a second)
POLL_SECONDS = (0.005, 0.25)

# the recorders made so far in this process inside a process group: the n-th recorder of every rank
# meets under the n-th key prefix (each rank counts its own; a failed constructor counts too)
_made = itertools.count()


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


class Meeting:
    """One recorder's meeting of the ranks: posts keyed by rank in a store, read by polling.

    `post(phase, value)` makes this rank's post of a phase ("facts", "created"); `collect(phase, ranks)`
    waits for the posts of `ranks` and returns them, raising at once if any rank has posted a failure.
    `store`: a torch.distributed `Store` that this recorder's ranks alone use (`Meeting.of_recorder`).
    """

    def __init__(self, rank, world, store, *, timeout=AGREE_SECONDS):
        self.rank, self.world, self.store, self.timeout = rank, world, store, timeout

    @classmethod
    def of_recorder(cls, rank, world):
        """The meeting of the recorder being made, in the process group's store under a prefix of its own."""
        store = torch.distributed.distributed_c10d._get_default_store()
        return cls(rank, world, torch.distributed.PrefixStore(f"softmaxlab/recorder/{next(_made)}/", store))

    def post(self, phase, value):
        self.store.set(f"{phase}/{self.rank}", pickle.dumps(value))

    def fail(self, error):
        """Tell the other ranks that this rank cannot make its recorder, and why (once)."""
        with contextlib.suppress(Exception):  # the store gone too: the caller's own error matters more
            self.store.set(f"failed/{self.rank}", f"{type(error).__name__}: {error}".encode())

    def _failures(self):
        found = {}
        for rank in range(self.world):
            if rank != self.rank and self.store.check([f"failed/{rank}"]):
                found[rank] = self.store.get(f"failed/{rank}").decode()
        return found

    def collect(self, phase, ranks):
        """`{rank: value}` of `ranks`' posts of `phase`; a ValueError if one of them (any rank) failed."""
        got, began, warned, pause = {}, time.monotonic(), False, POLL_SECONDS[0]
        while True:
            for rank in ranks:
                if rank not in got and self.store.check([f"{phase}/{rank}"]):
                    got[rank] = pickle.loads(self.store.get(f"{phase}/{rank}"))
            if len(got) == len(ranks):
                return got
            failures = self._failures()
            if failures:
                raise ValueError("; ".join(f"rank {rank} could not make its LogitRecorder ({reason})"
                                           for rank, reason in sorted(failures.items()))
                                 + f", so rank {self.rank} stops too")
            missing = [rank for rank in ranks if rank not in got]
            waited = time.monotonic() - began
            if waited > self.timeout:
                raise ValueError(f"rank {self.rank} waited {self.timeout:.0f} s for rank(s) {missing} to make "
                                 "their LogitRecorder; every rank must make the same recorder")
            if waited > WARN_SECONDS and not warned:
                warned = True
                warnings.warn(f"rank {self.rank} has waited {WARN_SECONDS:.0f} s for rank(s) {missing} to make "
                              "their LogitRecorder (every rank must make one)", stacklevel=4)
            time.sleep(pause)
            pause = min(POLL_SECONDS[1], 1.5 * pause)


@contextlib.contextmanager
def told(meeting):
    """Post any error raised inside to the other ranks (`meeting.fail`), then raise it here as it was."""
    try:
        yield
    except BaseException as e:
        if meeting is not None:
            meeting.fail(e)
        raise


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


def open_part(meeting, path, *, whole, shares, shapes, num_classes, every, start_step, description, out_given,
              overwrite):
    """Agree with the other ranks, let rank 0 make the run, then open this rank's part.

    Args:
        meeting: this recorder's `Meeting` of the ranks (made before anything that may fail, which it posts).
        path: this rank's idea of the run's folder (rank 0's is used: a default one holds its time).
        whole: the whole `ProbeSet`; shares: `[(start, stop)]` per rank.
        shapes: the extras of the whole run, name -> (shape of one record, dtype).

    Returns:
        `(path, writer, extras)`: the run's folder, the `RunWriter` of this rank's part, and
        the extras it writes (name -> (shape, dtype)); only rank 0 writes the weights.
    """
    rank, world = meeting.rank, meeting.world
    facts = {"probe samples": whole.num_samples, "probe labels": zlib.crc32(whole.labels.tobytes()),
             "every": every, "start_step": start_step, "classes": num_classes,
             "extras": {name: list(shape) for name, (shape, _) in shapes.items()}, "world size": world,
             "out": str(Path(path).resolve()) if out_given else "(the default)", "overwrite": bool(overwrite)}
    meeting.post("facts", (facts, str(path), uuid.uuid4().hex))
    gathered = meeting.collect("facts", range(world))  # every rank's post, or the first failure
    check_agreement([gathered[r][0] for r in range(world)])  # the same facts on every rank: the same error
    _, path, run_id = gathered[0]
    path = Path(path)
    if rank == 0:
        with told(meeting):  # the others wait for the run: they hear why it could not be made
            create_distributed_run(path, labels=whole.labels, num_classes=num_classes, shares=shares,
                                   run_id=run_id, inputs=whole.store_inputs(), description=description,
                                   extras=shapes or None, split_extras=["features"] if "features" in shapes else [],
                                   overwrite=overwrite)
        meeting.post("created", True)
    else:
        meeting.collect("created", [0])  # every rank hears that the run exists before it makes its part in it
    start, stop = shares[rank]
    extras = {}
    if "features" in shapes:
        extras["features"] = ((stop - start, shapes["features"][0][1]), "float32")
    if "weights" in shapes and rank == 0:
        extras["weights"] = shapes["weights"]
    writer = RunWriter(part_path(path, rank), labels=whole.labels[start:stop], num_classes=num_classes,
                       extras=extras or None, part={"rank": rank, "run_id": run_id})
    return path, writer, extras
