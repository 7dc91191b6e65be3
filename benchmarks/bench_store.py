"""Run store speed: appending records while training runs, and saving/loading a large run.

Baselines, measured in the same process on the same data:
- appends: raw `file.write(block.tobytes())` + flush per block (no format, no crash safety), and
  zarr's own `Array.append` on each array followed by a counter bump (the straightforward Zarr way);
- save/load: `np.save` / `np.load` of the logits array alone.

    python benchmarks/bench_store.py            # about a minute on 2 cores
    python benchmarks/bench_store.py --quick    # smaller sizes, a smoke run
"""

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

from softmaxlab.store import Run, RunWriter, load_run
from timing import median_time


def bench_append(folder, *, samples, classes, block, records, given_metrics):
    """Seconds per record for RunWriter.append and for the raw-bytes baseline."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, classes, size=samples)
    blocks = [rng.normal(size=(block, samples, classes)).astype(np.float32) for _ in range(records // block)]
    metrics = dict(loss=np.ones(block, np.float32), accuracy=np.ones(block, np.float32)) if given_metrics else {}

    def store():
        with RunWriter(folder / "append", labels=labels, num_classes=classes, overwrite=True) as writer:
            for i, logits in enumerate(blocks):
                writer.append(np.arange(i * block, (i + 1) * block), logits, **metrics)

    def raw():
        with open(folder / "append.bin", "wb") as f:
            for i, logits in enumerate(blocks):
                f.write(np.arange(i * block, (i + 1) * block).tobytes())
                f.write(logits.tobytes())
                f.flush()

    def naive_zarr():
        # the straightforward way: zarr's own Array.append on each array, then bump the counter
        import zarr

        shutil.rmtree(folder / "naive", ignore_errors=True)
        group = zarr.create_group(folder / "naive", attributes={"records": 0})
        chunk = max(1, (1 << 20) // (samples * classes * 4))
        arrays = {"steps": group.create_array("steps", shape=(0,), dtype="int64", chunks=(4096,)),
                  "loss": group.create_array("loss", shape=(0,), dtype="float32", chunks=(4096,)),
                  "accuracy": group.create_array("accuracy", shape=(0,), dtype="float32", chunks=(4096,)),
                  "logits": group.create_array("logits", shape=(0, samples, classes), dtype="float32",
                                               chunks=(chunk, samples, classes))}
        for i, logits in enumerate(blocks):
            arrays["steps"].append(np.arange(i * block, (i + 1) * block))
            arrays["loss"].append(np.ones(block, np.float32))
            arrays["accuracy"].append(np.ones(block, np.float32))
            arrays["logits"].append(logits)
            group.update_attributes({"records": (i + 1) * block})

    return (median_time(store, repeats=3) / records, median_time(raw, repeats=3) / records,
            median_time(naive_zarr, repeats=3) / records if given_metrics else float("nan"))


def bench_large(folder, *, records, samples, classes):
    """(save, load, np.save, np.load) seconds for a run of (records, samples, classes) logits."""
    rng = np.random.default_rng(1)
    # a random walk, like logits during training (pure noise would compress even worse)
    logits = np.cumsum(rng.normal(scale=0.05, size=(records, samples, classes)).astype(np.float32), axis=0)
    run = Run(logits=logits, steps=np.arange(records), labels=rng.integers(0, classes, size=samples),
              loss=np.zeros(records), accuracy=np.zeros(records))
    save = median_time(lambda: run.save(folder / "large", overwrite=True), repeats=3)
    load = median_time(lambda: load_run(folder / "large"), repeats=3)
    np_save = median_time(lambda: np.save(folder / "large.npy", logits), repeats=3)
    np_load = median_time(lambda: np.load(folder / "large.npy"), repeats=3)
    return save, load, np_save, np_load, logits.nbytes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_store_"))
    try:
        print("append: RunWriter vs raw bytes appended to one file, and vs zarr's own Array.append per array")
        print(f"{'samples x classes':>18} {'block':>6} {'metrics':>8} {'us/record':>10} {'records/s':>10} "
              f"{'raw us/rec':>10} {'ratio':>7} {'naive zarr':>10} {'ratio':>6}")
        cases = [(60, 3, 1), (60, 3, 10), (60, 3, 100), (10_000, 3, 10)]
        for samples, classes, block in cases:
            for given in (True, False):
                records = (200 if block == 1 else 1000) // (10 if args.quick else 1)
                ours, raw, naive = bench_append(folder, samples=samples, classes=classes, block=block,
                                                records=records, given_metrics=given)
                print(f"{f'{samples} x {classes}':>18} {block:>6} {'given' if given else 'default':>8} "
                      f"{ours * 1e6:>10.0f} {1 / ours:>10.0f} {raw * 1e6:>10.1f} {ours / raw:>7.0f} "
                      f"{naive * 1e6:>10.0f} {ours / naive:>6.2f}")
        records = 100 if args.quick else 1000
        save, load, np_save, np_load, nbytes = bench_large(folder, records=records, samples=10_000, classes=3)
        size = sum(p.stat().st_size for p in (folder / "large").rglob("*") if p.is_file())
        print(f"\n{records} records x 10,000 samples x 3 classes ({nbytes / 1e6:.0f} MB of logits, "
              f"{size / 1e6:.0f} MB on disk)")
        print(f"  save  {save:6.3f} s  ({nbytes / save / 1e6:5.0f} MB/s)   np.save {np_save:6.3f} s   "
              f"ratio {save / np_save:4.1f}")
        print(f"  load  {load:6.3f} s  ({nbytes / load / 1e6:5.0f} MB/s)   np.load {np_load:6.3f} s   "
              f"ratio {load / np_load:4.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
