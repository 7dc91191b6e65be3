"""Runs on disk: round trips, appends in blocks, and a RunStoreError naming the path for every kind of damage."""

import json
import shutil
import threading

import numpy as np
import pytest
import zarr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import log_softmax as scipy_log_softmax

from softmaxlab.store import SCHEMA_VERSION, Run, RunStoreError, RunWriter, load_run
from softmaxlab.store import schema


def make_run(records=5, samples=6, classes=3, *, seed=0, **changes):
    rng = np.random.default_rng(seed)
    fields = dict(
        logits=rng.normal(size=(records, samples, classes)).astype(np.float32),  # (R, S, K)
        steps=np.arange(records) * 3,
        labels=rng.integers(0, classes, size=samples),
    )
    fields.update(changes)
    return Run(**fields)


def assert_same_run(a, b):
    for name in ("logits", "steps", "labels", "loss", "accuracy"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    if a.inputs is None:
        assert b.inputs is None
    else:
        np.testing.assert_array_equal(a.inputs, b.inputs)
        assert b.inputs.dtype == np.float32
    assert a.config == b.config and a.description == b.description
    assert a.wall_time == b.wall_time and a.complete == b.complete
    assert sorted(a.extras) == sorted(b.extras)
    for name in a.extras:
        assert a.extras[name].dtype == b.extras[name].dtype, name
        np.testing.assert_array_equal(a.extras[name], b.extras[name])


# ---- round trips ------------------------------------------------------------------------------


def test_round_trip_of_every_field(tmp_path):
    rng = np.random.default_rng(1)
    run = make_run(
        inputs=rng.normal(size=(6, 3)),
        loss=rng.uniform(size=5),
        accuracy=rng.uniform(size=5),
        config={"dataset": "reference", "lr": 0.1, "hidden": [32, 32], "nested": {"seed": 0, "x": None}},
        description="recorded from a notebook",
        extras={"features": rng.normal(size=(5, 6, 4)).astype(np.float32),
                "weights": rng.normal(size=(5, 3, 4)),  # float64 stays float64
                "seen": rng.integers(0, 9, size=(5, 6)).astype(np.int16)},
        wall_time=1.25,
        complete=False,
    )
    # values that float32 rounds: the saved logits must be bit-identical, not re-rounded from float64
    run.logits[0, 0] = np.float32([1 / 3, -2e-38, 3.4e38])
    saved = run.save(tmp_path / "run")
    assert saved.path == tmp_path / "run" and run.path is None
    loaded = load_run(tmp_path / "run")
    assert_same_run(run, loaded)
    assert loaded.path == tmp_path / "run"


def test_round_trip_of_a_minimal_run_as_a_string_path(tmp_path):
    run = make_run(records=1, samples=1, classes=2)
    run.save(str(tmp_path / "nested" / "deeper" / "run"))
    assert_same_run(run, load_run(str(tmp_path / "nested" / "deeper" / "run")))


def test_zero_logits_survive_although_they_equal_the_fill_value(tmp_path):
    # step 0 of a zero-init run is all zeros: the chunk must still be written (and checked)
    run = Run(logits=np.zeros((3, 4, 3)), steps=[0, 1, 2], labels=[0, 1, 2, 0])
    run.save(tmp_path / "zeros")
    loaded = load_run(tmp_path / "zeros")
    np.testing.assert_array_equal(loaded.logits, 0.0)


def test_save_refuses_to_overwrite_unless_asked(tmp_path):
    first, second = make_run(seed=1), make_run(seed=2)
    first.save(tmp_path / "run")
    with pytest.raises(RunStoreError, match=str(tmp_path / "run")) as info:
        second.save(tmp_path / "run")
    assert "overwrite=True" in str(info.value)
    assert_same_run(first, load_run(tmp_path / "run"))  # untouched
    second.save(tmp_path / "run", overwrite=True)
    assert_same_run(second, load_run(tmp_path / "run"))
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folders left behind


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_that_is_not_a_run_is_never_destroyed(tmp_path, overwrite):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("important")
    with pytest.raises(RunStoreError, match=str(precious)):
        make_run().save(precious, overwrite=overwrite)
    with pytest.raises(RunStoreError, match=str(precious)):
        RunWriter(precious, labels=[0, 1], num_classes=2, overwrite=overwrite)
    assert (precious / "chapter1.tex").read_text() == "important"
    assert sorted(p.name for p in precious.iterdir()) == ["chapter1.tex"]


def test_an_empty_folder_can_become_a_run(tmp_path):
    (tmp_path / "empty").mkdir()
    run = make_run()
    run.save(tmp_path / "empty")
    assert_same_run(run, load_run(tmp_path / "empty"))


# ---- appends --------------------------------------------------------------------------------------


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of a few records, so that blocks start and end inside chunks and cross their edges."""
    monkeypatch.setattr(schema, "TARGET_CHUNK_BYTES", 200)


def test_appends_in_blocks_load_as_the_concatenation(tmp_path, tiny_chunks):
    rng = np.random.default_rng(2)
    samples, classes = 5, 3  # 60 bytes of logits per record: 3 records per chunk
    labels = rng.integers(0, classes, size=samples)
    inputs = rng.normal(size=(samples, 2))
    sizes = [1, 4, 2, 3, 7, 1]
    blocks = []
    step = 0
    with RunWriter(tmp_path / "run", labels=labels, num_classes=classes, inputs=inputs, config={"lr": 0.5},
                   extras={"features": ((samples, 2), "float32"), "count": ((), "int64")}) as writer:
        for n in sizes:
            block = dict(steps=np.arange(step, step + n) * 2, logits=rng.normal(size=(n, samples, classes)),
                         extras={"features": rng.normal(size=(n, samples, 2)), "count": np.arange(n) + step})
            step += n
            blocks.append(block)
            writer.append(block["steps"], block["logits"], extras=block["extras"])
    loaded = load_run(tmp_path / "run")
    logits = np.concatenate([b["logits"] for b in blocks]).astype(np.float32)
    np.testing.assert_array_equal(loaded.steps, np.concatenate([b["steps"] for b in blocks]))
    np.testing.assert_array_equal(loaded.logits, logits)
    np.testing.assert_array_equal(loaded.extras["features"],
                                  np.concatenate([b["extras"]["features"] for b in blocks]).astype(np.float32))
    np.testing.assert_array_equal(loaded.extras["count"], np.arange(sum(sizes)))
    assert loaded.extras["count"].dtype == np.int64
    np.testing.assert_array_equal(loaded.labels, labels)
    np.testing.assert_allclose(loaded.inputs, inputs.astype(np.float32))
    assert loaded.config == {"lr": 0.5} and loaded.complete and loaded.wall_time > 0
    # default metrics: mean cross-entropy and accuracy, against SciPy
    nll = -np.take_along_axis(scipy_log_softmax(logits.astype(np.float64), axis=-1),
                              labels[None, :, None], axis=-1)[..., 0]
    np.testing.assert_allclose(loaded.loss, nll.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(loaded.accuracy, (np.argmax(logits, -1) == labels).mean(axis=1))
    # the chunking really was along records, a few per chunk, and close() trimmed the room grown ahead
    on_disk = zarr.open_array(tmp_path / "run" / "logits", mode="r")
    assert on_disk.chunks == (3, samples, classes) and on_disk.shape == (sum(sizes), samples, classes)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(0, 7), min_size=1, max_size=6), per_chunk=st.integers(1, 5))
def test_any_block_sizes_load_as_the_concatenation(tmp_path_factory, monkeypatch, sizes, per_chunk):
    monkeypatch.setattr(schema, "TARGET_CHUNK_BYTES", 2 * 3 * 4 * per_chunk)  # per_chunk records per chunk
    path = tmp_path_factory.mktemp("run") / "run"
    rng = np.random.default_rng(len(sizes))
    blocks = [rng.normal(size=(n, 2, 3)).astype(np.float32) for n in sizes]
    with RunWriter(path, labels=[2, 0], num_classes=3) as writer:
        start = 0
        for logits in blocks:
            writer.append(np.arange(start, start + len(logits)), logits)  # empty blocks are a no-op
            start += len(logits)
            assert load_run(path).num_records == start
    loaded = load_run(path)
    np.testing.assert_array_equal(loaded.logits, np.concatenate(blocks))
    np.testing.assert_array_equal(loaded.steps, np.arange(sum(sizes)))


def test_single_record_appends_and_given_metrics(tmp_path):
    with RunWriter(tmp_path / "run", labels=[1, 0], num_classes=2) as writer:
        assert writer.append(0, np.zeros((2, 2)), loss=0.7, accuracy=0.5) == 1
        assert writer.append(5.0, np.ones((2, 2)), loss=0.6, accuracy=1.0) == 2  # whole floats are fine
    loaded = load_run(tmp_path / "run")
    np.testing.assert_array_equal(loaded.steps, [0, 5])
    np.testing.assert_array_equal(loaded.loss, np.float32([0.7, 0.6]))
    np.testing.assert_array_equal(loaded.accuracy, np.float32([0.5, 1.0]))


def test_every_append_is_visible_at_once_and_close_marks_complete(tmp_path):
    writer = RunWriter(tmp_path / "run", labels=[0, 1, 2], num_classes=3, description="live")
    empty = load_run(tmp_path / "run")
    assert empty.num_records == 0 and not empty.complete and empty.description == "live"
    for i in range(4):
        writer.append([i], np.full((1, 3, 3), i))
        seen = load_run(tmp_path / "run")
        assert seen.num_records == i + 1 and not seen.complete
        np.testing.assert_array_equal(seen.logits[:, 0, 0], np.arange(i + 1))
    writer.close()
    assert load_run(tmp_path / "run").complete
    writer.close()  # a second close does nothing


def test_a_failing_training_loop_leaves_an_incomplete_but_readable_run(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with RunWriter(tmp_path / "run", labels=[0, 1], num_classes=2) as writer:
            writer.append([0, 1], np.zeros((2, 2, 2)))
            1 / 0
    loaded = load_run(tmp_path / "run")
    assert loaded.num_records == 2 and not loaded.complete


def test_writer_overwrite_replaces_an_existing_run(tmp_path):
    make_run().save(tmp_path / "run")
    with pytest.raises(RunStoreError, match="overwrite=True"):
        RunWriter(tmp_path / "run", labels=[0], num_classes=2)
    with RunWriter(tmp_path / "run", labels=[0], num_classes=2, overwrite=True) as writer:
        writer.append([7], np.zeros((1, 1, 2)))
    loaded = load_run(tmp_path / "run")
    assert loaded.num_records == 1 and loaded.steps[0] == 7


@pytest.fixture
def writer(tmp_path):
    w = RunWriter(tmp_path / "run", labels=[0, 1, 2], num_classes=3, extras={"features": ((3, 2), "float32")})
    w.append([0, 1], np.zeros((2, 3, 3)), extras={"features": np.zeros((2, 3, 2))})
    yield w
    w.close()


@pytest.mark.parametrize(
    "steps, logits, kwargs, problem",
    [
        ([2, 3], np.zeros((2, 3, 2)), {}, "logits must have shape"),
        ([2, 3], np.zeros((3, 3, 3)), {}, "logits must have shape"),
        ([[2, 3]], np.zeros((2, 3, 3)), {}, "steps must be 1-D"),
        ([2.0, np.nan], np.zeros((2, 3, 3)), {}, "steps must be finite"),
        ([2.0, np.inf], np.zeros((2, 3, 3)), {}, "steps must be finite"),
        ([2.5, 3.0], np.zeros((2, 3, 3)), {}, "whole numbers"),
        (["a", "b"], np.zeros((2, 3, 3)), {}, "steps must be numbers"),
        ([3, 2], np.zeros((2, 3, 3)), {}, "must not decrease"),
        ([0, 0], np.zeros((2, 3, 3)), {}, "must not decrease"),  # the last committed step is 1
        ([2, 3], [["x"]], {}, "logits must be"),
        ([2, 3], np.zeros((2, 3, 3)), {"loss": [1.0]}, "loss must have shape"),
        ([2, 3], np.zeros((2, 3, 3)), {"accuracy": np.zeros((2, 1))}, "accuracy must have shape"),
        ([2, 3], np.zeros((2, 3, 3)), {"extras": None}, "extras must be exactly"),
        ([2, 3], np.zeros((2, 3, 3)), {"extras": {"other": np.zeros((2, 3, 2))}}, "extras must be exactly"),
        ([2, 3], np.zeros((2, 3, 3)), {"extras": {"features": np.zeros((2, 3, 3))}}, "extras\\['features'\\]"),
        ([2, 3], np.zeros((2, 3, 3)), {"extras": {"features": np.zeros((2, 3, 2), complex)}}, "castable"),
    ],
)
def test_bad_appends_raise_and_leave_the_run_intact(writer, tmp_path, steps, logits, kwargs, problem):
    with pytest.raises(RunStoreError, match=problem) as info:
        writer.append(steps, logits, **kwargs)
    assert str(tmp_path / "run") in str(info.value)
    loaded = load_run(tmp_path / "run")
    assert loaded.num_records == 2
    writer.append([1, 2], np.ones((2, 3, 3)), extras={"features": np.ones((2, 3, 2))})  # still usable
    assert load_run(tmp_path / "run").num_records == 4


def test_append_after_close_is_refused(tmp_path):
    writer = RunWriter(tmp_path / "run", labels=[0], num_classes=2)
    writer.close()
    with pytest.raises(RunStoreError, match="after close"):
        writer.append([0], np.zeros((1, 1, 2)))


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        (dict(labels=[0, 2], num_classes=2), "labels must lie"),
        (dict(labels=[], num_classes=2), "labels must be a non-empty"),
        (dict(labels=[0.5], num_classes=2), "labels must be"),
        (dict(labels=[0], num_classes=1), "num_classes"),
        (dict(labels=[0], num_classes=2, inputs=np.zeros((2, 3))), "inputs"),
        (dict(labels=[0], num_classes=2, config={"x": object()}), "config"),
        (dict(labels=[0], num_classes=2, extras={"f": "float32"}), "extras"),
        (dict(labels=[0], num_classes=2, extras={"a/b": ((2,), "float32")}), "extra names"),
        (dict(labels=[0], num_classes=2, extras={"s": ((2,), "U3")}), "numeric dtype"),
    ],
)
def test_bad_writer_arguments_raise_value_error_before_touching_disk(tmp_path, kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        RunWriter(tmp_path / "run", **kwargs)
    assert not (tmp_path / "run").exists()


# ---- damage on disk -------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path, monkeypatch):
    monkeypatch.setattr(schema, "TARGET_CHUNK_BYTES", 200)  # several chunks per array
    path = tmp_path / "run"
    make_run(records=10, extras={"features": np.ones((10, 6, 2))}).save(path)
    return path


def _edit_attributes(path, **changes):
    meta = json.loads((path / "zarr.json").read_text())
    meta["attributes"].update(changes)
    (path / "zarr.json").write_text(json.dumps(meta))


def _damage(kind, path):
    if kind == "missing":
        shutil.rmtree(path)
    elif kind == "a file":
        shutil.rmtree(path)
        path.write_text("hello")
    elif kind == "not a run":
        shutil.rmtree(path)
        path.mkdir()
        (path / "notes.txt").write_text("hi")
    elif kind == "another zarr group":
        shutil.rmtree(path)
        zarr.create_group(path, attributes={"format": "something.else"})
    elif kind == "garbled zarr.json":
        (path / "zarr.json").write_text("{not json")
    elif kind == "newer schema":
        _edit_attributes(path, schema_version=SCHEMA_VERSION + 1)
    elif kind == "no schema":
        _edit_attributes(path, schema_version=None)
    elif kind == "malformed extras":
        _edit_attributes(path, extras={"features": "float32"})
    elif kind == "one class":
        _edit_attributes(path, num_classes=1)
    elif kind == "missing attribute":
        meta = json.loads((path / "zarr.json").read_text())
        del meta["attributes"]["records"]
        (path / "zarr.json").write_text(json.dumps(meta))
    elif kind == "count beyond the arrays":
        _edit_attributes(path, records=11)
    elif kind == "deleted chunk":
        chunks = sorted((path / "logits" / "c").rglob("*"))
        next(c for c in chunks if c.is_file()).unlink()
    elif kind == "deleted extras chunk":
        chunks = sorted((path / "extras" / "features" / "c").rglob("*"))
        [c for c in chunks if c.is_file()][-1].unlink()
    elif kind == "corrupted chunk":
        chunk = next(c for c in sorted((path / "logits" / "c").rglob("*")) if c.is_file())
        chunk.write_bytes(b"\x00garbage" * 3)
    elif kind == "flipped byte":
        chunk = next(c for c in sorted((path / "loss" / "c").rglob("*")) if c.is_file())
        data = bytearray(chunk.read_bytes())
        data[5] ^= 0xFF  # same size, one value changed: only the checksum can tell
        chunk.write_bytes(bytes(data))
    elif kind == "deleted array":
        shutil.rmtree(path / "steps")
    elif kind == "shrunk array":
        zarr.open_array(path / "loss", mode="r+").resize((4,))
    elif kind == "wrong dtype":
        shutil.rmtree(path / "steps")
        zarr.open_group(path, mode="r+").create_array("steps", shape=(10,), dtype="float64", chunks=(10,))
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("kind, problem", [
    ("missing", "does not exist"),
    ("a file", "is a file"),
    ("not a run", "not a softmaxlab run"),
    ("another zarr group", "not a softmaxlab run"),
    ("garbled zarr.json", "unreadable"),
    ("newer schema", f"schema version {SCHEMA_VERSION + 1}, newer"),
    ("no schema", "schema_version"),
    ("missing attribute", "missing the attribute 'records'"),
    ("malformed extras", "malformed extras entry 'features'"),
    ("one class", "malformed attribute 'num_classes'"),
    ("count beyond the arrays", "truncated"),
    ("deleted chunk", "missing 1 chunk"),
    ("deleted extras chunk", "extras/features"),
    ("corrupted chunk", "corrupted"),
    ("flipped byte", "'loss' is corrupted"),
    ("deleted array", "missing the array 'steps'"),
    ("shrunk array", "'loss' is truncated"),
    ("wrong dtype", "'steps' has shape"),
])
def test_damage_gives_run_store_error_naming_the_path(saved, kind, problem):
    _damage(kind, saved)
    with pytest.raises(RunStoreError, match=problem) as info:
        load_run(saved)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith(str(saved)), str(info.value)
    error = info.value  # no zarr/KeyError traceback chained to it
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


# ---- replacing a run -------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["RunWriter", "save"])
def test_replacing_a_run_deletes_the_old_one_only_once_the_new_one_is_in_place(tmp_path, monkeypatch, how):
    path = tmp_path / "run"
    make_run(records=2).save(path)
    at_deletion = []
    real_rmtree = shutil.rmtree

    def rmtree(target, *args, **kwargs):
        # what a reader finds at `path` while the old run is being deleted
        at_deletion.append(load_run(path).steps.tolist())
        real_rmtree(target, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    if how == "RunWriter":
        RunWriter(path, labels=[0, 1], num_classes=2, overwrite=True).close()
        expected = []  # the new run, still empty
    else:
        make_run(records=4).save(path, overwrite=True)
        expected = [0, 3, 6, 9]
    assert at_deletion == [expected]
    assert load_run(path).steps.tolist() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # nothing left beside it


def test_a_reader_never_finds_the_path_empty_while_runs_replace_each_other(tmp_path):
    from softmaxlab.store import layout

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    if not layout._exchange(a, b):
        pytest.skip("this filesystem cannot swap two folders in one step (renameat2); the old run is renamed "
                    "aside instead, which leaves a moment without a run")
    path = tmp_path / "run"
    make_run().save(path)
    stop, misses = threading.Event(), []

    def watch():
        while not stop.is_set():
            if not (path / "zarr.json").is_file():
                misses.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for seed in range(20):
            make_run(seed=seed).save(path, overwrite=True)
            RunWriter(path, labels=[0], num_classes=2, overwrite=True).close()
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not misses
    assert load_run(path).num_records == 0
