"""LogitRecorder inside a real PyTorch training loop, checked against logits recomputed independently.

The reference for every recorded record is the model rebuilt from a copy of its
state_dict taken at that step, run by hand in eval mode: no recorder code involved.
"""

import copy
import time

import numpy as np
import pytest
import torch
from torch import nn

from softmaxlab.record import LogitRecorder
from softmaxlab.store import load_run


def make_data(n=60, d=5, k=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % k  # (n,)
    centres = torch.randn(k, d, generator=g) * 2.0
    x = centres[y] + torch.randn(n, d, generator=g)  # (n, d)
    return x, y


class Net(nn.Module):
    """An MLP with batch norm and dropout, so train and eval mode give different logits."""

    def __init__(self, d=5, h=16, k=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.5),
                                  nn.Linear(h, h), nn.ReLU(inplace=True))
        self.head = nn.Linear(h, k)

    def forward(self, x):
        return self.head(self.body(x))


def reference(state, x, *, upto=None):
    """Logits (or the output of body[:upto]) of a fresh Net loaded with `state`, in eval mode."""
    net = Net()
    net.load_state_dict(state)
    net.eval()
    with torch.no_grad():
        return (net.body[:upto](x) if upto is not None else net(x)).numpy()


def train(model, x, y, recorder, *, steps, batch=16, snapshots=None, lr=0.1):
    """Minibatch SGD; recorder.step() after each optimizer step; state_dict copies at multiples of every."""
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    g = torch.Generator().manual_seed(1)
    for n in range(1, steps + 1):
        idx = torch.randint(0, x.shape[0], (batch,), generator=g)
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
        recorder.step()
        if snapshots is not None:
            snapshots[n] = copy.deepcopy(model.state_dict())


@pytest.fixture
def setup(tmp_path):
    torch.manual_seed(0)
    x, y = make_data()
    return Net(), x, y, tmp_path / "run"


def test_recorded_logits_equal_independent_eval_mode_logits(setup):
    model, x, y, out = setup
    snapshots = {0: copy.deepcopy(model.state_dict())}
    with LogitRecorder(model, x, y, every=5, out=out) as recorder:
        train(model, x, y, recorder, steps=23, snapshots=snapshots)
    run = load_run(out)
    # step 0 at construction, every 5th step, and the last step at close
    assert run.steps.tolist() == [0, 5, 10, 15, 20, 23]
    assert run.complete
    for i, step in enumerate(run.steps):
        np.testing.assert_allclose(run.logits[i], reference(snapshots[step], x), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(run.labels, y.numpy())
    np.testing.assert_allclose(run.inputs, x.numpy())
    # the eval-mode reference is a real distinction: train-mode logits (dropout, batch statistics) differ
    model.train()
    with torch.no_grad():
        assert not np.allclose(model(x).numpy(), run.logits[-1], atol=1e-3)
    # metrics are the store's defaults, i.e. cross-entropy of the recorded logits, checked against torch
    expected_loss = nn.functional.cross_entropy(torch.from_numpy(run.logits[-1]), y).item()
    assert run.loss[-1] == pytest.approx(expected_loss, rel=1e-5)


def test_train_mode_restored_and_state_untouched(setup):
    model, x, y, out = setup
    model.body[1].eval()  # a frozen batch norm: its own flag must survive the recorder's eval()
    recorder = LogitRecorder(model, x, y, every=1, out=out)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        before = copy.deepcopy(model.state_dict())
        recorder.step()
        assert model.training and model.head.training and model.body[3].training
        assert not model.body[1].training
        after = model.state_dict()  # recording must not move batch-norm running statistics
        assert all(torch.equal(before[k], after[k]) for k in before)
    model.eval()
    recorder.close()
    assert not model.training  # and eval mode stays eval


def test_features_and_weights_equal_hooked_layer_and_head(setup):
    model, x, y, out = setup
    snapshots = {0: copy.deepcopy(model.state_dict())}
    # body.5 is ReLU(inplace=True) after body.4: its output is the penultimate features
    with LogitRecorder(model, x, y, every=4, out=out, features="body.4") as recorder:
        train(model, x, y, recorder, steps=8, snapshots=snapshots)
    run = load_run(out)
    assert run.steps.tolist() == [0, 4, 8]
    feats, weights = run.extras["features"], run.extras["weights"]
    assert feats.shape == (3, 60, 16) and weights.shape == (3, 3, 16)
    for i, step in enumerate(run.steps):
        # body[:5] stops at the Linear, before the in-place ReLU: the hook must have copied its output
        np.testing.assert_allclose(feats[i], reference(snapshots[step], x, upto=5), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(weights[i], snapshots[step]["head.weight"].numpy())
    # the logits are the head applied to the recorded features after ReLU: W relu(h) + b
    last = snapshots[8]
    head = np.maximum(feats[-1], 0) @ last["head.weight"].numpy().T + last["head.bias"].numpy()
    np.testing.assert_allclose(run.logits[-1], head, rtol=1e-5, atol=1e-5)


def test_classifier_option_and_no_weights(setup):
    model, x, y, out = setup
    LogitRecorder(model, x, y, out=out, features="body.5", classifier=False).close()
    assert set(load_run(out).extras) == {"features"}
    LogitRecorder(model, x, y, out=out, overwrite=True, classifier="head").close()
    assert load_run(out).extras["weights"].shape == (1, 3, 16)
    with pytest.raises(ValueError, match=r"weight shape \(16, 16\)"):
        LogitRecorder(model, x, y, out=out, overwrite=True, classifier="body.4")


def test_probe_in_batches_numpy_dataloader_and_mapping(setup, tmp_path):
    model, x, y, _ = setup
    model.eval()
    with torch.no_grad():
        expected = model(x).numpy()
    # a float64 NumPy array fed 7 at a time
    LogitRecorder(model, x.double().numpy(), y.numpy(), out=tmp_path / "a", batch_size=7,
                  features="body.4").close()
    run = load_run(tmp_path / "a")
    np.testing.assert_allclose(run.logits[0], expected, rtol=1e-5, atol=1e-6)
    assert run.extras["features"].shape == (1, 60, 16)
    # a memory map on disk, read 16 samples at a time: a probe set need not fit in memory
    mapped = np.lib.format.open_memmap(tmp_path / "probe.npy", mode="w+", dtype=np.float32, shape=tuple(x.shape))
    mapped[:] = x.numpy()
    mapped.flush()
    probe = np.load(tmp_path / "probe.npy", mmap_mode="r")
    LogitRecorder(model, probe, y, out=tmp_path / "m", batch_size=16).close()
    np.testing.assert_allclose(load_run(tmp_path / "m").logits[0], expected, rtol=1e-5, atol=1e-6)
    # a DataLoader of (x, y) batches; labels read from the batches
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=13)
    LogitRecorder(model, loader, None, out=tmp_path / "b").close()
    run = load_run(tmp_path / "b")
    np.testing.assert_allclose(run.logits[0], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(run.labels, y.numpy())
    assert run.inputs is None

    class Keywords(nn.Module):  # a model called as model(features=...) returning {"logits": ...}
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *, features):
            return {"logits": self.inner(features)}

    LogitRecorder(Keywords(model), {"features": x}, y, out=tmp_path / "c", batch_size=25).close()
    np.testing.assert_allclose(load_run(tmp_path / "c").logits[0], expected, rtol=1e-5, atol=1e-6)


def wait_for_records(out, n, *, timeout=20.0):
    """Poll the run as another reader would, until it shows `n` records (the appends run on a thread)."""
    deadline = time.monotonic() + timeout
    while True:
        run = load_run(out)
        if run.num_records >= n or time.monotonic() > deadline:
            return run
        time.sleep(0.01)


def test_blocks_flushed_by_time_are_visible_before_close(setup):
    model, x, y, out = setup
    recorder = LogitRecorder(model, x, y, every=2, out=out, flush_seconds=0.0)
    train(model, x, y, recorder, steps=6)
    run = wait_for_records(out, 4)  # before close: every record is on disk, the run is not complete
    assert run.steps.tolist() == [0, 2, 4, 6] and not run.complete
    recorder.flush()  # nothing left to write; returns once the worker has counted every block
    assert recorder.flushed_records == 4
    recorder.close()
    assert load_run(out).complete


def test_blocks_wait_for_flush_seconds(setup):
    model, x, y, out = setup
    recorder = LogitRecorder(model, x, y, every=2, out=out, flush_seconds=3600)
    train(model, x, y, recorder, steps=6)
    time.sleep(0.2)
    run = load_run(out)  # the run exists from the start, its records wait in the buffer
    assert run.num_records == 0 and not run.complete
    recorder.flush()  # an explicit flush returns once the block is on disk
    assert load_run(out).steps.tolist() == [0, 2, 4, 6] and recorder.flushed_records == 4
    recorder.close()
    assert load_run(out).complete


def test_failed_append_surfaces_in_the_training_thread(setup):
    model, x, y, out = setup
    recorder = LogitRecorder(model, x, y, every=1, out=out, flush_seconds=3600)
    recorder.flush()

    def broken_append(*args, **kwargs):
        raise OSError("disk full")

    recorder._writer.append = broken_append  # the store failing under the worker thread
    recorder.step()
    with pytest.raises(OSError, match="disk full"):
        recorder.flush()
    with pytest.raises(OSError, match="disk full"):
        recorder.close()
    run = load_run(out)
    assert run.steps.tolist() == [0] and not run.complete  # what was written stays, marked unfinished


def test_exception_in_with_block_keeps_records(setup):
    model, x, y, out = setup
    with pytest.raises(KeyError):
        with LogitRecorder(model, x, y, every=2, out=out, flush_seconds=3600) as recorder:
            train(model, x, y, recorder, steps=5)
            raise KeyError("training broke")
    run = load_run(out)
    assert run.steps.tolist() == [0, 2, 4]  # buffered records kept; no final record of a broken model
    assert not run.complete
    with pytest.raises(RuntimeError, match="closed"):
        recorder.step()
    recorder.close()  # closing twice is harmless


def test_bad_input_raises_clear_value_errors(setup, tmp_path):
    model, x, y, _ = setup
    out = tmp_path / "bad"
    cases = [
        (dict(probe_labels=y[:10]), "10 entries but probe_inputs has 60"),
        (dict(probe_labels=y.float()), "integer class indices"),
        (dict(probe_labels=y.reshape(6, 10)), r"1-D array \(N,\)"),
        (dict(every=0), "every must be an integer >= 1"),
        (dict(every=2.5), "every must be an integer >= 1"),
        (dict(flush_seconds=-1), "flush_seconds"),
        (dict(batch_size=0), "batch_size"),
        (dict(features="body.44"), r"did you mean body\.4"),
        (dict(features="bdy"), "did you mean body"),
        (dict(classifier="nothing"), "'nothing' is not a module"),
        (dict(probe_labels=y + 1), "go up to 3 but the model gives 3 logits"),
        (dict(probe_inputs=(xi for xi in x)), "re-iterable"),
        (dict(probe_inputs=torch.utils.data.DataLoader(x, shuffle=True)), "shuffle=False"),
        (dict(probe_inputs=[x[:30], x[30:]], probe_labels=None), "carries no labels"),
        (dict(probe_inputs="x"), "probe_inputs must be"),
    ]
    for changes, message in cases:
        kwargs = dict(probe_inputs=x, probe_labels=y, out=out)
        kwargs.update(changes)
        with pytest.raises(ValueError, match=message):
            LogitRecorder(model, kwargs.pop("probe_inputs"), kwargs.pop("probe_labels"), **kwargs)
    assert not out.exists()  # a refused recorder leaves nothing on disk

    class Image(nn.Module):
        def forward(self, x):
            return x.reshape(x.shape[0], 1, -1)  # (N, 1, d): not 2-D logits

    with pytest.raises(ValueError, match=r"2-D logits .* got shape \(60, 1, 5\)"):
        LogitRecorder(Image(), x, y, out=out)
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="already exists; pass overwrite=True"):
        LogitRecorder(model, x, y, out=out)
    assert (out / "notes.txt").read_text() == "mine"


def test_default_out_is_under_runs(setup, tmp_path, monkeypatch):
    model, x, y, _ = setup
    monkeypatch.chdir(tmp_path)
    with LogitRecorder(model, x, y) as recorder:
        pass
    assert recorder.path.parent.name == "runs" and recorder.path.name.startswith("net-")
    assert "Net, 60 probe samples, every 10 steps" in load_run(recorder.path).description


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
def test_gpu_model_records_on_device(setup):  # pragma: no cover - CPU-only machine
    model, x, y, out = setup
    model = model.cuda()
    with LogitRecorder(model, x, y, every=1, out=out) as recorder:
        recorder.step()
    model.eval()
    with torch.no_grad():
        np.testing.assert_allclose(load_run(out).logits[-1], model(x.cuda()).cpu().numpy(), rtol=1e-5, atol=1e-5)
