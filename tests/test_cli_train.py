"""`softmaxlab train` in-process: flags from the Experiment fields, one-line usage errors, a run that loads back."""

import numpy as np
import pytest
from click.testing import CliRunner

from softmaxlab.cli import main
from softmaxlab.lab import Experiment
from softmaxlab.store import load_run


def invoke(*args):
    return CliRunner().invoke(main, ["train", *args])


def test_train_saves_a_run_that_load_run_reads_back(tmp_path):
    out = tmp_path / "adam"
    result = invoke("--optimizer", "adam", "--steps", "30", "--seed", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "final loss" in result.output and "accuracy" in result.output and str(out) in result.output
    run = load_run(out)
    assert run.logits.shape == (31, 60, 3) and run.complete
    assert Experiment.from_run(run) == Experiment(optimizer="adam", steps=30, seed=2)
    assert np.all(run.logits[0] == 0.0)


def test_refuses_to_overwrite_unless_asked(tmp_path):
    out = tmp_path / "run"
    assert invoke("--steps", "3", "--out", str(out)).exit_code == 0
    again = invoke("--steps", "5", "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.output
    assert load_run(out).logits.shape == (4, 60, 3)  # untouched
    assert invoke("--steps", "5", "--out", str(out), "--overwrite").exit_code == 0
    assert load_run(out).logits.shape == (6, 60, 3)


@pytest.mark.parametrize(("args", "message"), [
    (["--classes", "12"], "--classes"),
    (["--steps", "-3"], "--steps"),
    (["--hidden", "a,b"], "--hidden"),
    (["--optimizer", "lbfgs"], "--optimizer"),
    (["--lr", "0"], "--lr"),
    (["--dataset", "blobs", "--frequencies", "1,2"], "--frequencies"),
])
def test_bad_flags_exit_2_with_one_line_naming_the_flag(tmp_path, args, message):
    result = invoke(*args, "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert not (tmp_path / "x").exists()


def test_every_experiment_field_has_a_flag_with_help():
    result = invoke("--help")
    assert result.exit_code == 0
    for spec in Experiment.field_specs():
        assert "--" + spec.name.replace("_", "-") in result.output


def test_boolean_fields_are_on_off_flags(tmp_path):
    out = tmp_path / "features"
    assert invoke("--steps", "4", "--record-features", "--out", str(out)).exit_code == 0
    run = load_run(out)
    assert run.extras["features"].shape == (5, 60, 32)
    assert Experiment.from_run(run).record_features is True


def test_help_writes_values_as_a_user_would_type_them():
    from click.testing import CliRunner

    from softmaxlab.cli import main

    text = CliRunner().invoke(main, ["train", "--help"], terminal_width=200).output
    assert "--lr NUMBER" in text and "--batch-size INTEGER" in text and "TEXT" not in text
    assert "2,147,483,647" in text and "e+09" not in text


def test_a_list_of_the_wrong_kind_is_named_in_words(tmp_path):
    from click.testing import CliRunner

    from softmaxlab.cli import main

    result = CliRunner().invoke(main, ["train", "--hidden", "3,x", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "comma-separated integers" in result.output and "ints" not in result.output


def test_help_is_built_without_importing_the_engine():
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from softmaxlab.cli import main; "
            "r = CliRunner().invoke(main, ['train', '--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('jax', 'optax', 'zarr', 'torch', 'plotly') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_query_trains_the_experiment_of_a_link_and_flags_change_its_fields(tmp_path):
    from softmaxlab.lab import Experiment, train
    from softmaxlab.store import load_run

    query = "optimizer=adam&steps=12&seed=4&hidden=8"
    result = invoke("--query", query, "--steps", "10", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    run = load_run(tmp_path / "r")
    expected = Experiment(optimizer="adam", steps=10, seed=4, hidden=(8,))
    assert Experiment.from_run(run) == expected
    assert np.allclose(run.logits, train(expected).logits)


def test_a_bad_query_is_one_line_naming_every_problem_before_any_work(tmp_path):
    result = invoke("--query", "steps=ten&colour=red&lr=-1", "--out", str(tmp_path / "r"))
    assert result.exit_code == 2 and not (tmp_path / "r").exists()
    assert len(result.output.strip().splitlines()) == 1
    assert ("error: --query: unknown setting 'colour'; lr: -1 is below the minimum 1e-07; steps: 'ten' is not a number"
            in result.output)
