"""Runs on disk: a Zarr v3 directory per run, appendable while training runs and safe to read after a crash.

- `Run`: logits `(records, samples, classes)` with steps, labels, metrics and readings.
- `Run.save(path)` / `load_run(path)`: whole runs; `RunWriter`: append blocks while training.
- `list_runs(root)`: one `RunSummary` per run in a folder (broken runs listed, not raised).
- A run recorded by several processes (torch.distributed) is one run with a part per rank
  (`softmaxlab.store.ranks`); `load_run` merges the parts into probe order.
- `RunStoreError` (a ValueError): anything wrong on disk, naming the path.
"""

from softmaxlab.store.catalog import RunSummary, list_runs
from softmaxlab.store.reader import load_run
from softmaxlab.store.run import RankStatus, Run
from softmaxlab.store.schema import FORMAT, SCHEMA_VERSION, RunStoreError
from softmaxlab.store.writer import RunWriter

__all__ = ["FORMAT", "SCHEMA_VERSION", "RankStatus", "Run", "RunStoreError", "RunSummary", "RunWriter", "list_runs", "load_run"]
