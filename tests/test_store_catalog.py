"""`list_runs`: runs listed with their numbers, non-runs skipped, broken runs listed as broken."""

import datetime
import json
import shutil

import numpy as np
import pytest
import zarr

from softmaxlab.store import Run, RunStoreError, RunWriter, list_runs


@pytest.fixture
def folder(tmp_path):
    """A folder with a lab run, a recorded run in progress, a broken run and things that are not runs."""
    lab = Run(logits=np.array([[[0.0, 0.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 1.0]]]), steps=[0, 10],
              labels=[0, 1], config={"optimizer": "sgd"})
    lab.save(tmp_path / "b-lab")
    writer = RunWriter(tmp_path / "a-recorded", labels=[0, 1, 2], num_classes=3, description="my model")
    writer.append([0], np.zeros((1, 3, 3)), loss=[0.25], accuracy=[0.75])
    lab.save(tmp_path / "c-broken")
    shutil.rmtree(tmp_path / "c-broken" / "logits")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("x")
    (tmp_path / "readme.txt").write_text("x")
    zarr.create_group(tmp_path / "other-zarr")
    (tmp_path / ".b-lab.saving-1234").mkdir()  # a save in progress is hidden
    return tmp_path


def test_lists_runs_sorted_by_name_with_their_numbers(folder):
    summaries = list_runs(folder)
    assert [s.name for s in summaries] == ["a-recorded", "b-lab", "c-broken"]
    recorded, lab, broken = summaries

    assert (recorded.kind, recorded.records, recorded.samples, recorded.classes) == ("recorded", 1, 3, 3)
    assert recorded.complete is False and recorded.error is None
    assert (recorded.final_loss, recorded.final_accuracy) == (0.25, 0.75)

    assert (lab.kind, lab.records, lab.samples, lab.classes, lab.complete) == ("lab", 2, 2, 2, True)
    # last record: logits (2, 0) with label 0 and (0, 1) with label 1: loss = mean log(1 + e^-d)
    expected_loss = (np.log1p(np.exp(-2.0)) + np.log1p(np.exp(-1.0))) / 2
    assert lab.final_loss == pytest.approx(expected_loss, rel=1e-6)
    assert lab.final_accuracy == 1.0
    assert lab.path == folder / "b-lab"
    assert abs(lab.modified - datetime.datetime.now(datetime.timezone.utc)) < datetime.timedelta(minutes=5)

    assert broken.kind == "broken" and "logits" in broken.error
    assert broken.records is None and broken.final_loss is None


def test_a_run_folder_itself_lists_that_run(folder):
    assert [s.name for s in list_runs(folder / "b-lab")] == ["b-lab"]


def test_a_garbled_run_is_listed_as_broken(folder):
    (folder / "b-lab" / "zarr.json").write_text("{oops")
    by_name = {s.name: s for s in list_runs(folder)}
    assert by_name["b-lab"].kind == "broken" and "unreadable" in by_name["b-lab"].error


def test_a_newer_schema_is_listed_as_broken_with_the_reason(folder):
    meta = json.loads((folder / "b-lab" / "zarr.json").read_text())
    meta["attributes"]["schema_version"] = 99
    (folder / "b-lab" / "zarr.json").write_text(json.dumps(meta))
    by_name = {s.name: s for s in list_runs(folder)}
    assert by_name["b-lab"].kind == "broken" and "newer" in by_name["b-lab"].error


def test_no_runs_gives_an_empty_list(tmp_path):
    (tmp_path / "plain").mkdir()
    assert list_runs(tmp_path) == []


def test_missing_root_or_a_file_raises_naming_it(tmp_path):
    with pytest.raises(RunStoreError, match=str(tmp_path / "nope")):
        list_runs(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunStoreError, match="not a folder"):
        list_runs(tmp_path / "file")
