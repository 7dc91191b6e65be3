"""One rank of a distributed recording, run as its own process by tests/test_record_distributed.py.

    python tests/distributed_worker.py MODE RANK WORLD INIT_FILE OUT [OPTIONS as JSON]

Every rank trains the same tiny model on the same data from the same seed (so its weights
equal a single-process training's), records it with `LogitRecorder` inside a gloo process
group, and prints what it flushed. MODE: "record" (train `steps` steps and close; the ranks
in the option `forever` train until killed), "pause" (at step `pause_at[rank]` flush, say so
in a file, wait for the file OUT.go, then go on and close).
"""

import json
import sys
import time
from pathlib import Path

import torch

from softmaxlab.record import LogitRecorder


def problem(samples=23, features=4, classes=3, seed=0):
    """The data and model every rank (and the single-process reference) starts from."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, features, generator=generator)
    y = torch.arange(samples) % classes
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(features, 8), torch.nn.ReLU(), torch.nn.Linear(8, classes))
    return x, y, model


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


def main():
    mode, rank, world, init_file, out = sys.argv[1:6]
    options = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
    rank, world = int(rank), int(world)
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    x, y, model = problem(samples=options.get("samples", 23))
    trained = model
    if options.get("ddp"):
        trained = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    # a rank may be given another `every`, a shorter probe set or another `overwrite`, to check that the
    # ranks disagree; or a features module the model lacks, or a model that raises, to check that the
    # others hear why its recorder could not be made
    every = options.get("every", {}).get(str(rank), 2)
    cut = options.get("probe_of", {}).get(str(rank))
    probe_x, probe_y = (x[:cut], y[:cut]) if cut else (x, y)
    features = options.get("features_of", {}).get(str(rank), "1")
    if str(rank) in options.get("broken", []):
        def broken(module, args, output):
            raise RuntimeError(f"the model of rank {rank} is broken")
        model.register_forward_hook(broken)
    try:
        recorder = LogitRecorder(trained, probe_x, probe_y, every=every, out=out, features=features,
                                 flush_seconds=options.get("flush_seconds", 0.0),
                                 overwrite=options.get("overwrite", {}).get(str(rank), False))
    except ValueError as e:
        print("refused", e, flush=True)
        return
    delay = options.get("delays", {}).get(str(rank), 0.0)
    reported = None
    step = 0
    forever = mode == "forever" or str(rank) in options.get("forever", [])
    pause_at = options.get("pause_at", {}).get(str(rank))
    while forever or step < options.get("steps", 7):
        train_step(trained, optimizer, x, y)
        recorder.step()
        step += 1
        if recorder.flushed_records != reported:
            reported = recorder.flushed_records
            print("flushed", reported, flush=True)
        if mode == "pause" and step == pause_at:
            recorder.flush()
            Path(f"{out}.rank{rank}").write_text(str(recorder.flushed_records))
            go = Path(f"{out}.go")
            deadline = time.monotonic() + 60
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        time.sleep(delay)
    recorder.close()
    print("closed", recorder.flushed_records, flush=True)


if __name__ == "__main__":
    main()
