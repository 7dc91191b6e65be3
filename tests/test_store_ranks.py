"""A distributed run on disk: a shared root by rank 0 and one part per rank, merged by `load_run`.

These tests write the parts from one process, as the ranks would (each rank's part only through
its own `RunWriter`); tests/test_record_distributed.py runs real processes.
"""

import json
import shutil

import numpy as np
import pytest
import zarr
from scipy.special import log_softmax

from softmaxlab.store import RankStatus, RunStoreError, RunWriter, list_runs, load_run
from softmaxlab.store.ranks import create_distributed_run, part_path, split_samples


def test_split_samples_puts_every_sample_on_exactly_one_rank():
    for samples in range(1, 40):
        for world in range(1, min(samples, 7) + 1):
            shares = split_samples(samples, world)
            owned = np.concatenate([np.arange(a, b) for a, b in shares])
            np.testing.assert_array_equal(owned, np.arange(samples))
            sizes = [b - a for a, b in shares]
            assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1
    with pytest.raises(ValueError, match="2 samples for 3 ranks"):
        split_samples(2, 3)


def write_parts(path, *, world=3, samples=10, classes=4, d=5, records=(6, 6, 6), seed=0, finish=(True,) * 3):
    """A distributed run whose rank r committed records[r] records; returns the whole arrays."""
    rng = np.random.default_rng(seed)
    total = max(records)
    logits = rng.normal(size=(total, samples, classes)).astype(np.float32)  # (R, N, K)
    features = rng.normal(size=(total, samples, d)).astype(np.float32)  # (R, N, d)
    weights = rng.normal(size=(total, classes, d)).astype(np.float32)  # (R, K, d)
    labels = rng.integers(0, classes, size=samples)
    steps = np.arange(total) * 5
    shares = split_samples(samples, world)
    create_distributed_run(path, labels=labels, num_classes=classes, shares=shares, run_id="abc",
                           inputs=rng.normal(size=(samples, 2)), description="three ranks",
                           extras={"features": ((samples, d), "float32"), "weights": ((classes, d), "float32")},
                           split_extras=["features"])
    for rank, (a, b) in enumerate(shares):
        extras = {"features": ((b - a, d), "float32")}
        if rank == 0:
            extras["weights"] = ((classes, d), "float32")
        writer = RunWriter(part_path(path, rank), labels=labels[a:b], num_classes=classes, extras=extras,
                           part={"rank": rank, "run_id": "abc"})
        for start in range(0, records[rank], 4):  # blocks of up to 4 records
            stop = min(start + 4, records[rank])
            block = {"features": features[start:stop, a:b]}
            if rank == 0:
                block["weights"] = weights[start:stop]
            writer.append(steps[start:stop], logits[start:stop, a:b], extras=block)
        if finish[rank]:
            writer.close()
    return dict(logits=logits, features=features, weights=weights, labels=labels, steps=steps, shares=shares)


def test_the_parts_load_as_one_run_in_probe_order(tmp_path):
    whole = write_parts(tmp_path / "run")
    run = load_run(tmp_path / "run")
    np.testing.assert_array_equal(run.logits, whole["logits"])
    np.testing.assert_array_equal(run.extras["features"], whole["features"])
    np.testing.assert_array_equal(run.extras["weights"], whole["weights"])
    np.testing.assert_array_equal(run.labels, whole["labels"])
    np.testing.assert_array_equal(run.steps, whole["steps"])
    assert run.complete and run.description == "three ranks" and run.inputs.shape == (10, 2)
    # the loss of the whole probe set, against scipy on the whole logits
    true = np.take_along_axis(log_softmax(whole["logits"].astype(np.float64), axis=-1),
                              whole["labels"][None, :, None], axis=-1)[..., 0]
    np.testing.assert_allclose(run.loss, -true.mean(axis=1), rtol=1e-6)
    assert run.ranks == (RankStatus(0, (0, 4), 6, True), RankStatus(1, (4, 7), 6, True),
                         RankStatus(2, (7, 10), 6, True))


def test_a_run_shows_the_records_every_rank_has_and_says_who_finished(tmp_path):
    whole = write_parts(tmp_path / "run", records=(9, 5, 7), finish=(True, False, True))
    run = load_run(tmp_path / "run")
    assert run.num_records == 5 and not run.complete
    np.testing.assert_array_equal(run.logits, whole["logits"][:5])
    assert [(s.records, s.complete) for s in run.ranks] == [(9, True), (5, False), (7, True)]
    summary, = list_runs(tmp_path)
    assert (summary.records, summary.samples, summary.classes, summary.complete) == (5, 10, 4, False)
    # the listing's final loss (each part's mean weighted by its samples) equals the merged run's
    np.testing.assert_allclose(summary.final_loss, run.loss[-1], rtol=1e-6)
    np.testing.assert_allclose(summary.final_accuracy, run.accuracy[-1], rtol=1e-6)


def test_a_rank_that_has_not_made_its_part_yet_means_no_records(tmp_path):
    write_parts(tmp_path / "run")
    shutil.rmtree(part_path(tmp_path / "run", 1))
    run = load_run(tmp_path / "run")
    assert run.num_records == 0 and not run.complete and run.ranks[1] == RankStatus(1, (4, 7), 0, False)
    assert run.logits.shape == (0, 10, 4) and run.extras["features"].shape == (0, 10, 5)


def _edit(path, **changes):
    meta = json.loads((path / "zarr.json").read_text())
    meta["attributes"].update(changes)
    (path / "zarr.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("damage, problem", [
    (lambda p: _edit(part_path(p, 2), run_id="other"), "belongs to another run"),
    (lambda p: _edit(p, shares=[[0, 4], [4, 7]]), "malformed attribute 'shares'"),
    (lambda p: _edit(p, schema_version=3), "newer than this softmaxlab"),
])
def test_damaged_distributed_runs_raise_naming_the_problem(tmp_path, damage, problem):
    write_parts(tmp_path / "run")
    damage(tmp_path / "run")
    with pytest.raises(RunStoreError, match=problem):
        load_run(tmp_path / "run")
    assert list_runs(tmp_path)[0].kind == "broken"


def test_ranks_that_disagree_on_the_steps_are_an_error(tmp_path):
    write_parts(tmp_path / "run", world=2, records=(3, 3), finish=(True, True))
    # rank 1's steps, rewritten as a rank that counted its steps differently would have written them
    array = zarr.open_array(part_path(tmp_path / "run", 1) / "steps", mode="r+")
    array[1] = 99
    with pytest.raises(RunStoreError, match="ranks disagree on the steps: record 1 is step 5 on rank 0 and step 99"):
        load_run(tmp_path / "run")


def test_a_distributed_run_says_schema_version_2_and_a_single_one_1(tmp_path):
    write_parts(tmp_path / "run")
    assert json.loads((tmp_path / "run" / "zarr.json").read_text())["attributes"]["schema_version"] == 2
    RunWriter(tmp_path / "single", labels=[0, 1], num_classes=2).close()
    assert json.loads((tmp_path / "single" / "zarr.json").read_text())["attributes"]["schema_version"] == 1


def test_the_stamp_of_a_distributed_run_changes_when_any_rank_commits(tmp_path):
    from softmaxlab.store.catalog import run_stamp

    write_parts(tmp_path / "run", world=2, records=(3, 3), finish=(False, False))
    before = run_stamp(tmp_path / "run")
    assert len(before) == 3  # the root and both parts
    part = part_path(tmp_path / "run", 1)
    # a commit of rank 1 alone replaces its part's zarr.json
    meta = (part / "zarr.json").read_text()
    (part / "zarr.json.new").write_text(meta.replace('"records": 3', '"records": 2'))
    (part / "zarr.json.new").rename(part / "zarr.json")
    assert run_stamp(tmp_path / "run") != before
