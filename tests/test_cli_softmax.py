"""`softmaxlab softmax`: in-process with click's CliRunner, and once as a real subprocess."""

import math
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import scipy.special
import scipy.stats
from click.testing import CliRunner

from softmaxlab.cli import main


def run(*args):
    return CliRunner().invoke(main, ["softmax", *map(str, args)])


def table(output):
    """The table rows as lists of cells (below the dashed rule, up to the blank line)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("---")) + 1
    end = lines.index("", start)
    return [line.split() for line in lines[start:end]]


def test_the_issue_example_against_scipy():
    z, t = np.array([2.0, 1.0, 0.1]), 0.5
    result = run(*z, "--temperature", t)
    assert result.exit_code == 0, result.output
    rows = table(result.stdout)
    assert [row[0] for row in rows] == ["0", "1", "2"]
    np.testing.assert_allclose([float(row[1]) for row in rows], z)
    np.testing.assert_allclose([float(row[2]) for row in rows], np.exp(z / t), rtol=1e-3)
    np.testing.assert_allclose([float(row[3]) for row in rows], scipy.special.softmax(z / t), atol=1e-4)
    p = scipy.special.softmax(z / t)
    nats = re.search(r"entropy: ([\d.]+) nats = ([\d.]+) bits", result.stdout)
    assert math.isclose(float(nats[1]), scipy.stats.entropy(p), abs_tol=1e-4)
    assert math.isclose(float(nats[2]), scipy.stats.entropy(p, base=2), abs_tol=1e-4)
    lse = re.search(r"log-sum-exp: .* = ([-\d.e+]+)", result.stdout)
    assert math.isclose(float(lse[1]), scipy.special.logsumexp(z / t), rel_tol=1e-3)


@pytest.mark.parametrize("args", [["-1", "2"], ["--", "-1", "2"], ["-1", "2", "-t", "1"], ["-t", "1", "-1", "2"]])
def test_negative_logits_work_with_and_without_the_separator(args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    rows = table(result.stdout)
    np.testing.assert_allclose([float(row[1]) for row in rows], [-1, 2])
    np.testing.assert_allclose([float(row[3]) for row in rows], scipy.special.softmax([-1, 2]), atol=1e-4)


def test_huge_logits_and_minus_infinity():
    result = run(1000, 0, "-inf", "-t", 0.5)
    assert result.exit_code == 0, result.output
    rows = table(result.stdout)
    assert rows[0][2] == "3.881e+868"  # exp(2000), beyond float range, still printed
    assert [row[3] for row in rows] == ["1.0000", "0.0000", "0.0000"]
    assert rows[2][2] == "0"
    assert "log sum exp(z/T) = 2000" in result.stdout


def test_filters_add_a_column_of_kept_probabilities():
    z = np.array([3.0, 2.0, 1.0, 0.0])
    result = run(*z, "--top-k", 2)
    assert result.exit_code == 0, result.output
    rows = table(result.stdout)
    expected = scipy.special.softmax([3.0, 2.0])
    np.testing.assert_allclose([float(row[4]) for row in rows], [*expected, 0, 0], atol=1e-4)
    assert "entropy after filtering" in result.stdout
    rows = table(run(*z, "--min-p", 0.3).stdout)
    assert [float(row[4]) > 0 for row in rows] == [True, True, False, False]  # e^-1 >= 0.3 > e^-2


@pytest.mark.parametrize(
    "args, message",
    [
        (["abc"], "'abc' is not a number"),
        (["1", "nan"], "finite"),
        (["1", "inf"], "finite"),
        ([], "at least one logit"),
        (["1", "2", "--temperature", "0"], "temperature"),
        (["1", "2", "--temperature", "-1"], "temperature"),
        (["1", "2", "--temperature", "warm"], "temperature"),
        (["1", "2", "--top-k", "0"], "--top-k"),
        (["1", "2", "--top-p", "1.5"], "--top-p"),
        (["1", "2", "--min-p", "-1"], "--min-p"),
        (["1", "--temprature", "2"], "no such option --temprature; did you mean '--temperature'?"),
        (["1", "2", "--temp", "0.5"], "no such option --temp; did you mean '--temperature'?"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_help_describes_the_command():
    result = run("--help")
    assert result.exit_code == 0
    for word in ("--temperature", "--top-k", "--top-p", "--min-p", "entropy", "log-sum-exp"):
        assert word in result.stdout


def test_real_process_exit_codes():
    command = [shutil.which("softmaxlab")] if shutil.which("softmaxlab") else [sys.executable, "-m", "softmaxlab"]
    ok = subprocess.run([*command, "softmax", "2", "1", "0.1", "--temperature", "0.5"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "0.8638" in ok.stdout and "entropy" in ok.stdout
    bad = subprocess.run([*command, "softmax", "2", "x"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert len(bad.stderr.strip().splitlines()) == 1 and "'x' is not a number" in bad.stderr


def test_errors_speak_flags_not_python():
    for args in (["1", "2", "--top-k", "0"], ["1", "2", "--top-p", "2"], ["1", "2", "--min-p", "-1"]):
        result = run(*args)
        assert result.exit_code == 2
        assert "top_k" not in result.stderr and "top_p" not in result.stderr and "min_p" not in result.stderr
        assert "None" not in result.stderr


@pytest.mark.parametrize("args", [["2,1,0.1"], ["2,", "1,", "0.1"], ["2", "1,0.1"]])
def test_commas_work_as_well_as_spaces(args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose([float(row[3]) for row in table(result.stdout)],
                               scipy.special.softmax([2.0, 1.0, 0.1]), atol=1e-4)


def test_the_entropy_line_reads_as_english():
    certain = run(100, 0).stdout
    assert "like 1 equally likely classes" not in certain and "1 equally likely" not in certain
    assert "no uncertainty" in certain
    z = np.array([2.0, 1.0, 0.1])
    spread = re.search(r"as uncertain as ([\d.]+) equally likely classes", run(*z).stdout)
    assert math.isclose(float(spread[1]), math.exp(scipy.stats.entropy(scipy.special.softmax(z))), rel_tol=1e-3)
