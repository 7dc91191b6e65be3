"""Readers during writes and after a crash: every completed block, never half of one.

The writer and the reader run in separate processes here, on a real Zarr directory,
with chunks of a few records so that appends rewrite chunks that already hold
committed records (the case where a torn write would show).
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from softmaxlab.store import RunWriter, load_run
from softmaxlab.store import schema

SAMPLES, CLASSES = 50, 3  # 600 bytes of logits per record

# The data are a function of the step, so any record can be checked on its own:
# logits[r, s, k] = step_r + k and extras["seen"][r, s] = step_r.
WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from softmaxlab.store import RunWriter, schema
    schema.TARGET_CHUNK_BYTES = 2000  # 3 records per chunk; blocks of 2 straddle chunk edges
    path, block = sys.argv[1], int(sys.argv[2])
    writer = RunWriter(path, labels=np.arange(50) % 3, num_classes=3, extras={"seen": ((50,), "int32")})
    print(0, flush=True)
    step = 0
    while True:
        steps = np.arange(step, step + block)  # (block,)
        logits = steps[:, None, None] + np.arange(3.0)[None, None, :] + np.zeros((block, 50, 3))
        writer.append(steps, logits, extras={"seen": np.repeat(steps[:, None], 50, axis=1)})
        step += block
        print(step, flush=True)  # reported only after append returned: the block is committed
    """
)

READER = textwrap.dedent(
    """
    import sys
    from softmaxlab.store import load_run
    for line in sys.stdin:
        run = load_run(sys.argv[1])
        print(run.num_records, float(run.logits.sum()), run.complete, flush=True)
    """
)


def expected_logits(records):
    steps = np.arange(records)
    return (steps[:, None, None] + np.arange(3.0)[None, None, :] + np.zeros((records, SAMPLES, CLASSES))).astype(
        np.float32)


def check_consistent(run, *, block):
    """Every record present is whole and right; the count is a whole number of blocks."""
    assert run.num_records % block == 0, run.num_records
    np.testing.assert_array_equal(run.steps, np.arange(run.num_records))
    np.testing.assert_array_equal(run.logits, expected_logits(run.num_records))
    np.testing.assert_array_equal(run.extras["seen"], np.repeat(np.arange(run.num_records)[:, None], SAMPLES, 1))
    assert np.all(np.isfinite(run.loss)) and np.all((run.accuracy >= 0) & (run.accuracy <= 1))


def start_writer(path, block):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(block)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def read_committed(child, at_least):
    """Read the child's reports until it has committed `at_least` records; returns the last count."""
    committed = -1
    while committed < at_least:
        line = child.stdout.readline()
        if not line:
            raise AssertionError(f"writer died: {child.stderr.read()}")
        committed = int(line)
    return committed


@pytest.mark.parametrize("delay", [0.0, 0.003, 0.011])
def test_sigkill_mid_write_keeps_every_reported_block(tmp_path, delay):
    path = tmp_path / "run"
    child = start_writer(path, block=2)
    try:
        reported = read_committed(child, at_least=14)
        time.sleep(delay)  # land the kill at different points of an append
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    run = load_run(path)
    assert not run.complete
    assert run.num_records >= reported  # every block the child reported as completed
    check_consistent(run, block=2)


def test_a_reader_in_another_process_sees_every_completed_block(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "TARGET_CHUNK_BYTES", 2000)
    path = tmp_path / "run"
    writer = RunWriter(path, labels=np.arange(SAMPLES) % 3, num_classes=CLASSES,
                       extras={"seen": ((SAMPLES,), "int32")})
    reader = subprocess.Popen([sys.executable, "-c", READER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def ask():
        reader.stdin.write("load\n")
        reader.stdin.flush()
        line = reader.stdout.readline()
        assert line, reader.stderr.read()
        records, total, complete = line.split()
        return int(records), float(total), complete == "True"

    try:
        assert ask() == (0, 0.0, False)
        step = 0
        for block in (2, 1, 4, 3):
            steps = np.arange(step, step + block)
            logits = expected_logits(step + block)[step:]
            writer.append(steps, logits, extras={"seen": np.repeat(steps[:, None], SAMPLES, axis=1)})
            step += block
            assert ask() == (step, float(expected_logits(step).sum()), False)
        writer.close()
        assert ask() == (step, float(expected_logits(step).sum()), True)
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)


def test_reading_while_another_process_appends_never_sees_a_torn_block(tmp_path):
    path = tmp_path / "run"
    child = start_writer(path, block=2)
    try:
        read_committed(child, at_least=0)  # the run exists
        loads, last = 0, 0
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            run = load_run(path)  # must never raise while the writer works
            check_consistent(run, block=2)
            assert run.num_records >= last  # and never go backwards
            last = run.num_records
            loads += 1
    finally:
        child.kill()
        child.wait()
    assert loads >= 5 and last > 0
