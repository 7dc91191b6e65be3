"""`LogitRecorder` inside a torch.distributed process group: real processes, gloo on CPU.

Each rank is a process running tests/distributed_worker.py; every wait has a timeout, and a
test that fails kills the processes it started.
"""

import os
import signal
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from softmaxlab.record import LogitRecorder, distributed
from softmaxlab.store import list_runs, load_run

sys.path.insert(0, str(Path(__file__).parent))
from distributed_worker import problem, train_step  # noqa: E402

WORKER = Path(__file__).parent / "distributed_worker.py"
WAIT = 120  # seconds any one process may take (3 ranks took 73 s at load 10-13 on 2 cores)


class Ranks:
    """`world` worker processes for one run; killed on exit if still running."""

    def __init__(self, tmp_path, mode, world, **options):
        self.out = tmp_path / "run"
        init = tmp_path / "pg-init"
        env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
        self.procs = [subprocess.Popen([sys.executable, str(WORKER), mode, str(rank), str(world), str(init),
                                        str(self.out), json.dumps(options)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                      for rank in range(world)]

    def finish(self, ranks=None):
        """Wait for `ranks` (default all) to exit 0; returns their stdout lines."""
        lines = {}
        for rank in ranks if ranks is not None else range(len(self.procs)):
            out, err = self.procs[rank].communicate(timeout=WAIT)
            assert self.procs[rank].returncode == 0, f"rank {rank} failed:\n{err[-3000:]}"
            lines[rank] = out.splitlines()
        return lines

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=WAIT)
        return False


def single_process_run(tmp_path, *, steps=7, samples=23):
    """The same training and recording in this process, without a process group: the reference."""
    x, y, model = problem(samples=samples)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    with LogitRecorder(model, x, y, every=2, out=tmp_path / "single", features="1", flush_seconds=0.0) as recorder:
        for _ in range(steps):
            train_step(model, optimizer, x, y)
            recorder.step()
    return load_run(tmp_path / "single")


@pytest.mark.slow
@pytest.mark.parametrize("world, ddp", [(2, True), (3, False)])
def test_a_distributed_run_equals_the_single_process_run(tmp_path, world, ddp):
    with Ranks(tmp_path, "record", world, ddp=ddp) as ranks:
        ranks.finish()
    run = load_run(ranks.out)
    reference = single_process_run(tmp_path)
    # 23 samples over 2 or 3 ranks: uneven shares, each sample on exactly one rank, in probe order
    assert [s.samples for s in run.ranks] == ([(0, 12), (12, 23)] if world == 2 else [(0, 8), (8, 16), (16, 23)])
    assert run.complete and all(s.complete for s in run.ranks)
    np.testing.assert_array_equal(run.steps, [0, 2, 4, 6, 7])
    np.testing.assert_array_equal(run.steps, reference.steps)
    np.testing.assert_array_equal(run.labels, reference.labels)
    np.testing.assert_array_equal(run.inputs, reference.inputs)
    # the same weights, so the same logits up to float32 rounding (a forward pass over fewer rows may
    # round differently)
    np.testing.assert_allclose(run.logits, reference.logits, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run.extras["features"], reference.extras["features"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run.extras["weights"], reference.extras["weights"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run.loss, reference.loss, rtol=1e-5)
    np.testing.assert_array_equal(run.accuracy, reference.accuracy)
    assert np.any(run.logits[-1] != run.logits[0])  # it really trained
    summary, = [s for s in list_runs(tmp_path) if s.name == "run"]
    assert (summary.records, summary.samples, summary.complete) == (5, 23, True)


@pytest.mark.slow
def test_a_killed_rank_keeps_every_block_it_flushed_and_the_others_finish(tmp_path):
    # ranks 0 and 2 train 120 steps and close; rank 1 trains until it is killed
    with Ranks(tmp_path, "record", 3, steps=120, forever=["1"], delays={"0": 0.002, "1": 0.004, "2": 0.002}) as ranks:
        killed, reported = ranks.procs[1], []
        for line in killed.stdout:
            reported += [int(line.split()[1])] if line.startswith("flushed") else []
            if len(reported) >= 6:
                break
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=WAIT)
        reported += [int(line.split()[1]) for line in killed.stdout if line.startswith("flushed")]
        ranks.finish([0, 2])  # the others finish: nothing they do waits for rank 1
    assert killed.returncode == -signal.SIGKILL and len(reported) >= 6
    run = load_run(ranks.out)
    assert not run.complete
    assert [s.complete for s in run.ranks] == [True, False, True]
    assert run.ranks[0].records == run.ranks[2].records == 61  # steps 0, 2, ..., 120
    # every block the killed rank reported flushed is read, and the run shows all of it
    assert run.ranks[1].records >= max(reported) and run.num_records == run.ranks[1].records
    np.testing.assert_array_equal(run.steps, 2 * np.arange(run.num_records))
    reference = single_process_run(tmp_path, steps=120)
    np.testing.assert_allclose(run.logits, reference.logits[:run.num_records], rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_a_run_read_mid_run_shows_every_block_both_ranks_completed(tmp_path):
    # rank 0 stops at step 6 (records at 0, 2, 4, 6), rank 1, slower, at step 4 (0, 2, 4)
    with Ranks(tmp_path, "pause", 2, pause_at={"0": 6, "1": 4}, delays={"1": 0.05}) as ranks:
        said = [Path(f"{ranks.out}.rank{r}") for r in (0, 1)]
        deadline = time.monotonic() + WAIT
        while not all(p.exists() for p in said) and time.monotonic() < deadline:
            assert all(proc.poll() is None for proc in ranks.procs), "a rank ended before pausing"
            time.sleep(0.02)
        flushed = [int(p.read_text()) for p in said]
        assert flushed == [4, 3]
        during = load_run(ranks.out)
        Path(f"{ranks.out}.go").touch()
        ranks.finish()
    assert [s.records for s in during.ranks] == [4, 3] and not during.complete
    np.testing.assert_array_equal(during.steps, [0, 2, 4])  # what both ranks have
    after = load_run(ranks.out)
    assert after.complete and after.steps.tolist() == [0, 2, 4, 6, 7]
    np.testing.assert_array_equal(during.logits, after.logits[:3])


@pytest.mark.slow
@pytest.mark.parametrize("options, message", [
    (dict(every={"1": 5}), "every is 2 on rank 0 but 5 on rank 1"),
    (dict(probe_of={"1": 20}), "probe samples is 23 on rank 0 but 20 on rank 1"),
    (dict(overwrite={"1": True}), "overwrite is False on rank 0 but True on rank 1"),
])
def test_ranks_that_disagree_get_a_clear_error_on_every_rank(tmp_path, options, message):
    with Ranks(tmp_path, "record", 2, **options) as ranks:
        lines = ranks.finish()
    for rank in (0, 1):
        assert lines[rank][0] == f"refused the ranks made different LogitRecorders: {message} (every rank must " \
                                 "make the same recorder, with the same full probe set)", lines[rank]
    assert not ranks.out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("options, reason", [
    (dict(features_of={"1": "nope"}), "ValueError: features='nope' is not a module of the model; its modules are 0, 1, 2)"),
    (dict(broken=["1"]), "RuntimeError: the model of rank 1 is broken"),
])
def test_a_rank_whose_recorder_fails_makes_the_others_fail_at_once_naming_it(tmp_path, options, reason):
    # rank 1's constructor raises before the ranks agree; rank 0 must not wait for it (AGREE_SECONDS is
    # 300 s, far beyond the WAIT that `finish` allows) but raise, naming rank 1 and its reason
    assert distributed.AGREE_SECONDS > 2 * WAIT
    with Ranks(tmp_path, "record", 2, **options) as ranks:
        lines = ranks.finish([0])
        _, err = ranks.procs[1].communicate(timeout=WAIT)
    said = lines[0][0]
    assert said.startswith(f"refused rank 1 could not make its LogitRecorder ({reason}"), said
    assert said.endswith("), so rank 0 stops too"), said
    if "broken" in options:  # not a ValueError: rank 1's own error goes up as it was, and the process fails
        assert ranks.procs[1].returncode == 1 and err.rstrip().endswith("RuntimeError: the model of rank 1 is broken")
    else:
        assert ranks.procs[1].returncode == 0
    assert not ranks.out.exists()
