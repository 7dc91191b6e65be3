"""The recorder's fast path: the store's direct Zarr v3 files against Zarr's own, block buffers, metrics in torch."""

import json
import time

import numpy as np
import pytest
import torch
import zarr
from scipy.special import log_softmax as scipy_log_softmax
from torch import nn
from zarr.codecs import Crc32cCodec

import softmaxlab.record.recorder as recorder_module
from softmaxlab.record import LogitRecorder
from softmaxlab.store import RunWriter, load_run
from softmaxlab.store import schema

EXTRAS = {  # name -> (per-record shape, dtype, values of a block of 5 records)
    "f32": ((3, 4), "float32", lambda rng: rng.normal(size=(5, 3, 4))),
    "i64": ((2,), "int64", lambda rng: rng.integers(-9, 9, size=(5, 2))),
    "u8": ((3,), "uint8", lambda rng: rng.integers(0, 255, size=(5, 3))),
    "flag": ((2,), "bool", lambda rng: rng.random((5, 2)) > 0.5),
    "f64": ((1,), "float64", lambda rng: rng.normal(size=(5, 1))),
}


@pytest.fixture()
def written(tmp_path, monkeypatch):
    """A run of 13 records in blocks of 5, 1, 7 (several chunks per array), and the data it was given."""
    monkeypatch.setattr(schema, "TARGET_CHUNK_BYTES", 100)
    rng = np.random.default_rng(0)
    labels, inputs = np.array([0, 2, 1]), rng.normal(size=(3, 2)).astype(np.float32)
    given = {"logits": [], "steps": [], **{f"extras/{n}": [] for n in EXTRAS}}
    with RunWriter(tmp_path / "run", labels=labels, num_classes=3, inputs=inputs,
                   extras={n: (shape, dtype) for n, (shape, dtype, _) in EXTRAS.items()}) as writer:
        start = 0
        for n in (5, 1, 7):
            block = {"logits": rng.normal(size=(n, 3, 3)).astype(np.float32), "steps": np.arange(start, start + n)}
            block.update({f"extras/{name}": np.resize(make(rng), (n, *shape)).astype(dtype)
                          for name, (shape, dtype, make) in EXTRAS.items()})
            writer.append(block["steps"], block["logits"],
                          extras={name: block[f"extras/{name}"] for name in EXTRAS})
            for name, values in block.items():
                given[name].append(values)
            start += n
    return tmp_path / "run", {name: np.concatenate(v) for name, v in given.items()}, labels, inputs


def test_direct_files_are_what_zarr_itself_writes(written, tmp_path):
    """Every array's zarr.json and every chunk file, byte for byte, against zarr.create_array + setitem."""
    path, given, labels, inputs = written
    given = {**given, "labels": labels, "inputs": inputs}
    for name, values in given.items():
        ours = json.loads((path / name / "zarr.json").read_text())
        reference = tmp_path / "zarr" / name
        array = zarr.create_array(reference, shape=values.shape, dtype=ours["data_type"],
                                  chunks=ours["chunk_grid"]["configuration"]["chunk_shape"], fill_value=0,
                                  compressors=[Crc32cCodec()], config={"write_empty_chunks": True})
        array[...] = values
        assert ours == json.loads((reference / "zarr.json").read_text()), name
        ours_files = sorted(p.relative_to(path / name) for p in (path / name).rglob("c/**/*") if p.is_file())
        theirs_files = sorted(p.relative_to(reference) for p in reference.rglob("c/**/*") if p.is_file())
        assert ours_files == theirs_files and ours_files, name
        for chunk in ours_files:
            assert (path / name / chunk).read_bytes() == (reference / chunk).read_bytes(), f"{name}/{chunk}"
    group = json.loads((path / "zarr.json").read_text())
    assert group["zarr_format"] == 3 and group["node_type"] == "group"
    assert group["attributes"]["records"] == 13 and group["attributes"]["complete"] is True


def test_direct_files_load_back_and_a_flipped_byte_is_detected(written):
    path, given, labels, _ = written
    run = load_run(path)
    np.testing.assert_array_equal(run.logits, given["logits"])
    for name in EXTRAS:
        np.testing.assert_array_equal(run.extras[name], given[f"extras/{name}"])
    # default metrics from the store, against SciPy
    nll = -np.take_along_axis(scipy_log_softmax(given["logits"].astype(np.float64), axis=-1),
                              labels[None, :, None], axis=-1)[..., 0]
    np.testing.assert_allclose(run.loss, nll.mean(axis=1), rtol=1e-5)
    chunk = path / "logits" / "c" / "0" / "0" / "0"
    data = bytearray(chunk.read_bytes())
    data[5] ^= 0xFF
    chunk.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupted"):
        load_run(path)


def _trained(seed=0, samples=24, classes=4):
    torch.manual_seed(seed)
    x, y = torch.randn(samples, 5), torch.arange(samples) % classes
    model = nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Linear(12, classes))
    return model, x, y, torch.optim.SGD(model.parameters(), lr=0.2)


def test_full_block_buffers_flush_early_and_every_record_is_intact(tmp_path, monkeypatch):
    """Blocks of 3 records (buffers handed over and replaced each time) give exactly the logits seen step by step."""
    monkeypatch.setattr(recorder_module, "MAX_BLOCK_RECORDS", 3)
    model, x, y, opt = _trained()
    expected_logits, expected_features = [], []

    def look():  # the independent reference: the model's own eval-mode outputs at this step
        model.eval()
        with torch.no_grad():
            hidden = model[1](model[0](x))
            expected_features.append(hidden.clone())
            expected_logits.append(model[2](hidden))
        model.train()

    look()
    recorder = LogitRecorder(model, x, y, every=1, out=tmp_path / "run", features="1", flush_seconds=1e9)
    flushed = []
    for _ in range(10):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        recorder.step()
        look()
        recorder._appender.wait()
        flushed.append(recorder.flushed_records)
    recorder.close()
    # 11 records (steps 0..10): a full buffer of 3 goes to disk when a 4th record needs a row,
    # although flush_seconds never passed
    assert flushed == [0, 0, 3, 3, 3, 6, 6, 6, 9, 9]
    run = load_run(tmp_path / "run")
    np.testing.assert_array_equal(run.steps, np.arange(11))
    np.testing.assert_allclose(run.logits, torch.stack(expected_logits).numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(run.extras["features"], torch.stack(expected_features).numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(run.extras["weights"][-1], model[2].weight.detach().numpy())


def test_loss_and_accuracy_from_torch_match_scipy_and_the_store_even_when_diverged(tmp_path):
    """Per-record metrics computed in torch per block, against SciPy, and against the store's NumPy default."""
    from softmaxlab.store.run import record_metrics

    class Fixed(nn.Module):
        def __init__(self, logits):
            super().__init__()
            self.logits = nn.Parameter(logits)

        def forward(self, x):
            return self.logits * 1.0

    rng = np.random.default_rng(3)
    logits = torch.tensor(rng.normal(scale=4, size=(30, 6)), dtype=torch.float32)
    labels = torch.tensor(rng.integers(0, 6, size=30))
    model = Fixed(logits.clone())
    with LogitRecorder(model, torch.zeros(30, 1), labels, every=1, out=tmp_path / "run") as recorder:
        for scale in (0.5, 3.0):
            with torch.no_grad():
                model.logits.mul_(scale)
            recorder.step()
        with torch.no_grad():
            model.logits[3, 2] = float("inf")  # a diverged record: its loss is honestly not finite
            model.logits[7, 0] = float("nan")
        recorder.step()
    run = load_run(tmp_path / "run")
    z = run.logits.astype(np.float64)  # (4, 30, 6)
    nll = -np.take_along_axis(scipy_log_softmax(z[:3], axis=-1), labels.numpy()[None, :, None], axis=-1)[..., 0]
    np.testing.assert_allclose(run.loss[:3], nll.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(run.accuracy, (np.argmax(z, -1) == labels.numpy()).mean(axis=1))
    store_loss, store_accuracy = record_metrics(run.logits, labels.numpy())
    np.testing.assert_array_equal(np.isnan(run.loss), np.isnan(store_loss))
    assert np.isnan(run.loss[3])
    np.testing.assert_allclose(run.loss[:3], store_loss[:3], rtol=1e-6)
    np.testing.assert_array_equal(run.accuracy, store_accuracy)


def test_a_model_whose_output_changes_shape_mid_run_is_refused_not_broadcast(tmp_path):
    """The block buffers hold (N, K) and (K, d): a head replaced by another size is a ValueError, not a silent copy."""
    model, x, y, _ = _trained()
    recorder = LogitRecorder(model, x, y, every=1, out=tmp_path / "run", features="1")
    model[2] = nn.Linear(12, 1)  # would broadcast into the (N, K) row if nothing checked
    with pytest.raises(ValueError, match="2-D logits|logits of shape"):
        recorder.step()
    model[2] = nn.Linear(12, 5)
    with pytest.raises(ValueError, match=r"logits of shape \(24, 5\)"):
        recorder.step()
    recorder.close(complete=False)
    assert load_run(tmp_path / "run").num_records == 1  # step 0, intact


def test_block_buffers_are_reused_only_after_the_worker_wrote_them(tmp_path, monkeypatch):
    """A slow disk: blocks of 2 records queue up; the buffers come back only once written, and are filled again."""
    monkeypatch.setattr(recorder_module, "MAX_BLOCK_RECORDS", 2)
    model, x, y, opt = _trained(seed=1)
    expected = []

    def look():  # the model's own eval-mode logits at this step, the independent reference
        model.eval()
        with torch.no_grad():
            expected.append(model(x).clone())
        model.train()

    look()
    recorder = LogitRecorder(model, x, y, every=1, out=tmp_path / "run", features="1", flush_seconds=1e9)
    write = recorder._writer.append

    def slow_write(*args, **kwargs):  # the block's arrays are read only after the loop has gone on
        time.sleep(0.05)
        return write(*args, **kwargs)

    recorder._writer.append = slow_write
    buffers = []  # every block buffer the recorder filled (kept alive, so each new one is a new object)
    for _ in range(15):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        recorder.step()
        look()
        if not any(b is recorder._slots["logits"] for b in buffers):
            buffers.append(recorder._slots["logits"])
    recorder.close()
    run = load_run(tmp_path / "run")
    np.testing.assert_array_equal(run.steps, np.arange(16))
    np.testing.assert_allclose(run.logits, torch.stack(expected).numpy(), rtol=1e-6, atol=1e-6)
    # 8 blocks, at most 2 queued and 1 being written besides the one filling: 4 buffers, reused
    assert len(buffers) <= 1 + 1 + 2 + 1 < 8


def test_a_chunk_of_a_megabyte_or_more_is_what_zarr_itself_writes(tmp_path):
    """Chunks >= 1 MiB take another path to their checksum (a bytes copy, without the GIL): same bytes as Zarr's."""
    from softmaxlab.store.zarr_files import GIL_FREE_CHECKSUM_BYTES

    rng = np.random.default_rng(5)
    values = rng.normal(size=(3, 600, 500)).astype(np.float32)  # 1.2 MB per record: one record per chunk
    assert values[0].nbytes >= GIL_FREE_CHECKSUM_BYTES
    with RunWriter(tmp_path / "run", labels=[0, 1], num_classes=2, extras={"big": ((600, 500), "float32")}) as writer:
        writer.append([0, 1], np.zeros((2, 2, 2)), extras={"big": values[:2]})
        writer.append([2], np.zeros((1, 2, 2)), extras={"big": values[2:]})
    reference = zarr.create_array(tmp_path / "zarr", shape=values.shape, dtype="float32", chunks=(1, 600, 500),
                                  fill_value=0, compressors=[Crc32cCodec()])
    reference[...] = values
    for record in range(3):
        chunk = f"c/{record}/0/0"
        assert (tmp_path / "run" / "extras" / "big" / chunk).read_bytes() == (tmp_path / "zarr" / chunk).read_bytes()
    np.testing.assert_array_equal(load_run(tmp_path / "run").extras["big"], values)
