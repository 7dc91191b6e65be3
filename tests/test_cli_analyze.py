"""`softmaxlab analyze RUN`, in-process through click's CliRunner: tables, figures, one-line errors."""

import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from softmaxlab.analysis import calibration_report, cartography, forgetting_events, neural_collapse
from softmaxlab.cli import main
from softmaxlab.store import Run, RunWriter, load_run


def invoke(*args):
    return CliRunner().invoke(main, ["analyze", *map(str, args)])


@pytest.fixture(scope="module")
def run_path(tmp_path_factory):
    """A saved run whose logits drift toward each class, with recorded features and weights."""
    rng = np.random.default_rng(0)
    records, samples, classes = 9, 40, 3
    labels = np.arange(samples) % classes
    growth = np.linspace(0.0, 3.0, records)[:, None, None]  # (R, 1, 1)
    logits = growth * np.eye(classes)[labels] + rng.normal(size=(records, samples, classes))  # (R, S, K)
    features = np.concatenate([logits, rng.normal(size=(records, samples, 1))], axis=2)  # (R, S, K+1)
    weights = np.broadcast_to(np.eye(classes, classes + 1), (records, classes, classes + 1))
    path = tmp_path_factory.mktemp("runs") / "drift"
    Run(logits=logits, steps=10 * np.arange(records), labels=labels,
        extras={"features": features.astype(np.float32), "weights": np.array(weights, np.float32)}).save(path)
    return path


def _section(output, start):
    """The lines of the section that begins with `start`, up to the next blank line."""
    text = output.split(start, 1)[1]
    return text.split("\n\n", 1)[0].splitlines()


def test_tables_hold_the_readings_and_figures_are_written(run_path, tmp_path):
    result = invoke(run_path, "--out", tmp_path / "figs", "--bins", 10)
    assert result.exit_code == 0, result.output
    run = load_run(run_path)
    out = result.output
    assert out.startswith(f"Run {run_path}: 9 records (steps 0..80), 40 samples, 3 classes, complete")

    carto = cartography(run)
    rows = {line.split()[0]: line.split() for line in _section(out, "Dataset cartography")[2:]}
    for name, count in carto.counts().items():
        assert int(rows[name][1]) == count

    events = forgetting_events(run)
    rows = _section(out, "Forgetting events")[2:]
    table = {" ".join(r.split()[:-1]): int(r.split()[-1]) for r in rows}
    assert table == {str(k): n for k, n in events.histogram().items()}

    nc = neural_collapse(run)
    assert "from features;" in out
    last = _section(out, "Neural collapse")[-1].split()
    assert int(last[0]) == 80 and float(last[1]) == pytest.approx(nc.nc1[-1], rel=1e-3)
    assert float(last[5]) == pytest.approx(nc.nc3[-1], rel=1e-3, abs=1e-4)

    report = calibration_report(run, bins=10)
    rows = {r.split()[0]: r.split() for r in _section(out, "Calibration at record 8 (step 80), 10 bins")[2:]}
    assert float(rows["before"][2]) == pytest.approx(report.before.ece, abs=1e-4)
    assert float(rows["after"][1]) == pytest.approx(report.temperature, rel=1e-3)
    assert float(rows["after"][2]) == pytest.approx(report.after.ece, abs=1e-4)

    for name in ("data-map.html", "reliability.html", "neural-collapse.html", "forgetting.html"):
        page = (tmp_path / "figs" / name).read_text()
        assert not re.search(r"<script[^>]+src=\"http", page)  # plotly.js inlined: opens offline
        assert len(page) > 1_000_000 and "Plotly.newPlot" in page
    assert "data map" in (tmp_path / "figs" / "data-map.html").read_text().lower()


def test_default_folder_is_inside_the_run_and_the_run_still_loads(run_path, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_path, copy)
    result = invoke(copy, "--no-figures")
    assert result.exit_code == 0 and not (copy / "analysis").exists()
    result = invoke(copy, "--fit-fraction", 0.5, "--seed", 3, "--from-step", 10, "--top", 2, "--source", "logits")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (copy / "analysis").iterdir()) == sorted(
        ["data-map.html", "reliability.html", "neural-collapse.html", "forgetting.html"])
    assert "over 8 records (steps 10..80)" in result.output
    assert "T fitted on 20 samples (fit fraction 0.5), evaluated on the other 20" in result.output
    assert "from logits;" in result.output
    reloaded = load_run(copy)
    np.testing.assert_array_equal(reloaded.logits, load_run(run_path).logits)


def _one_line_error(result, *phrases):
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in lines[0]


def test_missing_broken_and_empty_runs_exit_2_with_one_line(tmp_path):
    _one_line_error(invoke(tmp_path / "nowhere"), "cannot read run", "nowhere")
    (tmp_path / "junk").mkdir()
    _one_line_error(invoke(tmp_path / "junk"), "cannot read run", "junk")
    RunWriter(tmp_path / "empty", labels=[0, 1], num_classes=2).close()
    _one_line_error(invoke(tmp_path / "empty"), "empty")


def test_bad_options_exit_2_with_one_line(run_path, tmp_path):
    _one_line_error(invoke(run_path, "--bins", 0, "--no-figures"), "--bins")
    _one_line_error(invoke(run_path, "--fit-fraction", 1.5, "--no-figures"), "--fit-fraction")
    _one_line_error(invoke(run_path, "--fit-fraction", 0.01, "--no-figures"), "no sample")
    _one_line_error(invoke(run_path, "--fit-fraction", 0.5, "--holdout", 0.5, "--no-figures"), "not both")
    _one_line_error(invoke(run_path, "--record", 99, "--no-figures"), "out of range")
    _one_line_error(invoke(run_path, "--from-step", 1000, "--no-figures"), "--from-step")
    (tmp_path / "file").write_text("x")
    _one_line_error(invoke(run_path, "--out", tmp_path / "file"), "is a file, not a folder")
    _one_line_error(invoke(run_path, "--out", tmp_path / "file" / "below"), "--out", "is a file")


def test_help_names_every_reading():
    result = CliRunner().invoke(main, ["analyze", "--help"])
    assert result.exit_code == 0
    for word in ("cartography", "forgetting", "neural collapse", "temperature", "--fit-fraction", "--bins"):
        assert word in result.output.lower() or word in result.output
    assert "--holdout" not in result.output  # the old name still works, unlisted


def test_the_old_holdout_flag_still_fits_the_same_fraction_and_says_its_new_name(run_path):
    old, new = (CliRunner().invoke(main, ["analyze", str(run_path), flag, "0.5", "--seed", "3", "--no-figures"])
                for flag in ("--holdout", "--fit-fraction"))
    assert old.exit_code == new.exit_code == 0, old.output
    assert "--holdout is now --fit-fraction" in old.stderr and "--holdout" not in new.stderr
    assert old.stdout == new.stdout and "T fitted on 20 samples (fit fraction 0.5)" in new.stdout


def test_a_folder_of_runs_says_to_pick_one_and_lists_a_few(run_path, tmp_path):
    for name in ("adam", "sgd", "sgd-2", "sgd-3"):
        shutil.copytree(run_path, tmp_path / "runs" / name)
    _one_line_error(invoke(tmp_path / "runs"), "folder of 4 runs", "pick one inside it",
                    str(tmp_path / "runs" / "adam"), str(tmp_path / "runs" / "sgd"), "softmaxlab runs")


def test_never_learned_samples_are_said_so_not_inf(tmp_path):
    # sample 0 of class 0 is always wrong (class 1 wins); sample 1 learns at step 1, forgets at 2
    logits = np.zeros((4, 3, 2))
    logits[:, 0] = [-1.0, 1.0]
    logits[:, 1] = [[-1, 1], [1, -1], [-1, 1], [1, -1]]
    logits[:, 2] = [-1.0, 1.0]  # class 1: always right
    Run(logits=logits, steps=[0, 1, 2, 3], labels=[0, 0, 1]).save(tmp_path / "run")
    result = invoke(tmp_path / "run", "--no-figures")
    assert result.exit_code == 0, result.output
    rows = _section(result.output, "Most forgotten")[2:]
    cells = {int(r.split()[0]): r for r in rows}
    assert "never learned" in cells[0] and "inf" not in result.output
    assert cells[1].split()[2] == "1"  # correct -> wrong once (step 1 -> 2)
    assert forgetting_events(load_run(tmp_path / "run")).never_learned.tolist() == [True, False, False]


def test_calibration_says_when_no_finite_temperature_is_best(tmp_path):
    # every sample's true logit is its row's largest at the last record: the NLL falls all the way to T = 0
    logits = np.array([[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]]])
    Run(logits=logits, steps=[0, 1], labels=[0, 1, 0]).save(tmp_path / "separated")
    result = invoke(tmp_path / "separated", "--no-figures")
    assert result.exit_code == 0, result.output
    calibration = "\n".join(_section(result.output, "Calibration at record 1"))
    assert "Note: no finite temperature is best" in calibration and "perfectly separated" in calibration
    assert re.search(r"after\s+0\s", calibration)  # T = 0, the argmax
