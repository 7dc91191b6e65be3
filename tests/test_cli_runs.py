"""`softmaxlab runs [DIR]`, in-process through click's CliRunner."""

import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from softmaxlab.cli import main
from softmaxlab.store import Run, RunWriter


def invoke(*args):
    return CliRunner().invoke(main, ["runs", *map(str, args)])


@pytest.fixture
def folder(tmp_path):
    Run(logits=np.zeros((3, 4, 3)), steps=[0, 1, 2], labels=[0, 1, 2, 0], loss=[1.1, 0.5, 0.123456],
        accuracy=[0.25, 0.5, 1.0], config={"lr": 0.1}).save(tmp_path / "reference")
    writer = RunWriter(tmp_path / "mine", labels=[0, 1], num_classes=2, description="resnet")
    writer.append([0, 10], np.zeros((2, 2, 2)))
    Run(logits=np.zeros((1, 1, 2)), steps=[0], labels=[0]).save(tmp_path / "damaged")
    shutil.rmtree(tmp_path / "damaged" / "steps")
    (tmp_path / "not-a-run").mkdir()
    return tmp_path


def test_table_lists_every_run_with_its_numbers(folder):
    result = invoke(folder)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split() == ["name", "kind", "records", "samples", "classes", "final", "loss", "accuracy",
                                "status", "modified"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert sorted(rows) == ["damaged", "mine", "reference"]
    assert rows["reference"].split()[:8] == ["reference", "lab", "3", "4", "3", "0.1235", "1.000", "complete"]
    assert rows["mine"].split()[:7] == ["mine", "recorded", "2", "2", "2", "0.6931", "0.500"]
    assert "in progress" in rows["mine"]
    assert "broken" in rows["damaged"] and "steps" in rows["damaged"]
    assert "not-a-run" not in result.output


def test_default_folder_is_runs(folder, monkeypatch):
    monkeypatch.chdir(folder.parent)
    folder.rename(folder.parent / "runs")
    result = CliRunner().invoke(main, ["runs"])
    assert result.exit_code == 0 and "reference" in result.output


def test_missing_folder_is_a_usage_error(tmp_path):
    result = invoke(tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "no such folder" in result.output and str(tmp_path / "nowhere") in result.output
    assert "Traceback" not in result.output


def test_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    result = invoke(tmp_path / "f.txt")
    assert result.exit_code == 2 and "not a folder" in result.output


def test_a_folder_without_runs_says_so(tmp_path):
    result = invoke(tmp_path)
    assert result.exit_code == 0
    assert result.output.startswith(f"No runs in {tmp_path}.")


def test_help_explains_the_columns():
    result = CliRunner().invoke(main, ["runs", "--help"])
    assert result.exit_code == 0
    assert "in progress" in result.output and "broken" in result.output


def test_runs_one_folder_down_are_pointed_at(folder):
    project = folder.parent / "project"
    project.mkdir()
    folder.rename(project / "runs")
    result = invoke(project)
    assert result.exit_code == 0, result.output
    assert f"there are runs in {project / 'runs'}" in result.output
    assert f"softmaxlab runs {project / 'runs'}" in result.output


def test_a_run_nested_in_a_run_is_refused_at_train_time(folder):
    result = CliRunner().invoke(main, ["train", "--steps", "2", "--out", str(folder / "reference" / "sub")])
    assert result.exit_code == 2 and "inside the run" in result.output
    assert not (folder / "reference" / "sub").exists()
