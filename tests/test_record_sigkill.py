"""A training process killed with SIGKILL mid-run loses no block the recorder reported flushed."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from softmaxlab.store import load_run

CHILD = textwrap.dedent("""
    import sys, time, torch
    from softmaxlab.record import LogitRecorder

    torch.manual_seed(0)
    x, y = torch.randn(40, 4), torch.arange(40) % 4
    model = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    recorder = LogitRecorder(model, x, y, every=1, out=sys.argv[1], flush_seconds=0.02, features="1")
    reported = -1
    while True:  # trains until killed
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        recorder.step()
        if recorder.flushed_records != reported:
            reported = recorder.flushed_records
            print("flushed", reported, flush=True)
        time.sleep(0.001)
""")


@pytest.mark.slow
def test_sigkill_keeps_every_reported_block(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    out = tmp_path / "run"
    child = subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE, text=True)
    reported = []
    try:
        for line in child.stdout:
            reported.append(int(line.split()[1]))
            if len(reported) >= 8:  # several blocks after step 0: kill it mid-run
                break
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        reported += [int(line.split()[1]) for line in child.stdout]  # lines printed before it died
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert len(reported) >= 8, "the child never reported its flushes"
    run = load_run(out)
    assert not run.complete
    assert run.num_records >= max(reported)
    # every=1: the records are steps 0, 1, 2, ... with no gap and no half-written block
    np.testing.assert_array_equal(run.steps, np.arange(run.num_records))
    assert np.isfinite(run.logits).all() and run.extras["features"].shape == (run.num_records, 40, 16)
    assert np.any(run.logits[-1] != run.logits[0])  # the records really follow training
