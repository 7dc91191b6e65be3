"""examples/digits.py runs end to end in a subprocess and leaves a run that loads."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from softmaxlab.store import load_run

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits.py"


@pytest.mark.slow
def test_digits_example_records_a_run(tmp_path):
    out = tmp_path / "runs" / "digits"
    cmd = [sys.executable, str(EXAMPLE), "--out", str(out), "--epochs", "2", "--every", "5"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"softmaxlab serve --logdir {out.parent}" in done.stdout
    run = load_run(out)
    # 1437 training digits in batches of 64: 23 steps per epoch, 46 in all; every 5th, plus the last
    assert run.steps.tolist() == [*range(0, 46, 5), 46] and run.complete
    assert run.logits.shape == (11, 360, 10) and run.inputs.shape == (360, 64)
    from sklearn.datasets import load_digits

    fifth = np.bincount(load_digits().target) / 5  # a stratified held-out fifth of each class
    assert np.all(np.abs(np.bincount(run.labels, minlength=10) - fifth) < 1)
    assert run.extras["features"].shape == (11, 360, 64) and run.extras["weights"].shape == (11, 10, 64)
    # the accuracy the example measured on its live model is the store's accuracy of the last record
    printed = float(re.search(r"held-out accuracy ([0-9.]+)", done.stdout).group(1))
    assert run.accuracy[-1] == pytest.approx(printed, abs=1e-3)
    assert run.accuracy[-1] > 0.5 > run.accuracy[0]

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and "already exists; pass --overwrite" in again.stderr
