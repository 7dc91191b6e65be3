"""Every command that writes checks its destination before any work: one line naming the flag, exit 2.

"Before any work" is checked directly: the functions that would train or compute are replaced by ones
that fail the test if they are called.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from softmaxlab.cli import main
from softmaxlab.cli.destinations import output_dir, output_file, run_folder
from softmaxlab.store import Run


def invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def one_line_error(result, *phrases):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def no_work(monkeypatch):
    """Training, loading and the readings fail the test if any command reaches them."""
    import softmaxlab.analysis as analysis
    import softmaxlab.figures.dynamics  # noqa: F401  imported first, so it keeps the real readings
    import softmaxlab.lab as lab

    def forbidden(*args, **kwargs):
        raise AssertionError("the command did work before checking where it writes")

    monkeypatch.setattr(lab, "train", forbidden)
    for name in ("cartography", "forgetting_events", "neural_collapse", "calibration_report"):
        monkeypatch.setattr(analysis, name, forbidden)


def _tiny_run(path):
    return Run(logits=np.zeros((2, 3, 3)), steps=[0, 1], labels=[0, 1, 2]).save(path)


@pytest.fixture
def unwritable(tmp_path):
    """A folder this process cannot create things in (a read-only folder; for root, /sys), else skip."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    for candidate in (locked, Path("/sys")):
        try:
            tempfile.TemporaryDirectory(dir=candidate).cleanup()
        except OSError:
            yield candidate
            locked.chmod(0o700)
            return
    locked.chmod(0o700)
    pytest.skip("no unwritable folder here")


def test_train_refuses_a_folder_that_is_not_a_run_even_with_overwrite(tmp_path, no_work):
    (tmp_path / "notarun").mkdir()
    (tmp_path / "notarun" / "notes.txt").write_text("mine")
    line = one_line_error(invoke("train", "--out", tmp_path / "notarun", "--overwrite"), "--out", "not a softmaxlab run")
    assert "pass --overwrite" not in line
    assert (tmp_path / "notarun" / "notes.txt").read_text() == "mine"


def test_train_refuses_a_folder_of_runs_and_names_them(tmp_path, no_work):
    _tiny_run(tmp_path / "runs" / "adam")
    _tiny_run(tmp_path / "runs" / "sgd")
    one_line_error(invoke("train", "--out", tmp_path / "runs"), "--out", "folder of runs", "adam, sgd",
                   str(tmp_path / "runs" / "NAME"))


def test_train_refuses_a_run_inside_a_run(tmp_path, no_work):
    _tiny_run(tmp_path / "runs" / "adam")
    one_line_error(invoke("train", "--out", tmp_path / "runs" / "adam" / "sub"), "--out", "inside the run",
                   str(tmp_path / "runs" / "adam"))
    assert not (tmp_path / "runs" / "adam" / "sub").exists()


def test_train_refuses_an_existing_run_without_overwrite_and_a_file(tmp_path, no_work):
    _tiny_run(tmp_path / "run")
    one_line_error(invoke("train", "--out", tmp_path / "run"), "--out", "already exists", "--overwrite")
    (tmp_path / "file").write_text("x")
    one_line_error(invoke("train", "--out", tmp_path / "file"), "--out", "is a file")
    one_line_error(invoke("train", "--out", tmp_path / "file" / "below"), "--out", "is a file")


def test_unwritable_destinations_fail_before_work(unwritable, tmp_path, no_work):
    one_line_error(invoke("train", "--out", unwritable / "run"), "--out", "cannot write")
    one_line_error(invoke("export", "readings", "--steps", 5, "--out", unwritable / "r.html"), "--out", "cannot write")
    run = _tiny_run(tmp_path / "run")
    one_line_error(invoke("analyze", run.path, "--out", unwritable / "figs"), "--out", "cannot write")


def test_export_checks_out_before_training(tmp_path, no_work):
    (tmp_path / "folder").mkdir()
    one_line_error(invoke("export", "logit-paths", "--steps", 5, "--out", tmp_path / "folder"), "--out", "folder")
    (tmp_path / "file").write_text("x")
    one_line_error(invoke("export", "readings", "--out", tmp_path / "file" / "r.html"), "--out", "is a file")


def test_analyze_checks_out_before_reading(tmp_path, no_work):
    run = _tiny_run(tmp_path / "run")
    other = _tiny_run(tmp_path / "other")
    one_line_error(invoke("analyze", run.path, "--out", other.path), "--out", "is a softmaxlab run")
    (tmp_path / "file").write_text("x")
    one_line_error(invoke("analyze", run.path, "--out", tmp_path / "file"), "--out", "is a file")


def test_the_functions_accept_what_they_should_and_create_nothing(tmp_path):
    assert run_folder(tmp_path / "new" / "run", overwrite=False) == tmp_path / "new" / "run"
    (tmp_path / "empty").mkdir()
    run_folder(tmp_path / "empty", overwrite=False)
    _tiny_run(tmp_path / "old")
    run_folder(tmp_path / "old", overwrite=True)
    output_file(tmp_path / "deep" / "f.html")
    output_dir(tmp_path / "site")
    (tmp_path / "site-old").mkdir()
    (tmp_path / "site-old" / "index.html").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        output_dir(tmp_path / "site-old")
    output_dir(tmp_path / "site-old", overwrite=True)
    output_dir(tmp_path / "site-old", allow_existing=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "old", "site-old"]
