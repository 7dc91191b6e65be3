"""The training engine: reference defaults, no recompilation, datasets, inits, model-free modes, losses vs core."""

import contextlib

import numpy as np
import pytest

from softmaxlab.core import LOSSES as CORE_LOSSES
from softmaxlab.core import cross_entropy_grad, softmax
from softmaxlab.lab import DATASETS, LOSSES, OPTIMIZERS, Experiment, train, train_many
from softmaxlab.lab import engine
from softmaxlab.lab.hyperparameters import Hyperparameters


@pytest.fixture(scope="module")
def reference_run():
    return train(Experiment())


def test_reference_run_records_every_step_from_zero_logits(reference_run):
    run = reference_run
    assert run.logits.shape == (1001, 60, 3) and run.logits.dtype == np.float32
    assert np.array_equal(run.steps, np.arange(1001)) and run.steps.dtype == np.int64
    assert np.all(run.logits[0] == 0.0)  # zero last layer: every sample starts at the centre
    assert run.loss[0] == pytest.approx(np.log(3), rel=1e-6)
    # the Gaussians reach past the radius-4 sphere for some seeds (seed 0: norms 4.15 and 5.06): all but one
    assert run.loss[-1] < 0.1 * run.loss[0] and run.accuracy[-1] >= 59 / 60
    assert np.array_equal(np.bincount(run.labels), [20, 20, 20]) and run.inputs.shape == (60, 3)
    assert run.complete and run.config == Experiment().to_dict() and run.wall_time > 0


def test_recorded_loss_and_accuracy_are_those_of_the_recorded_logits(reference_run):
    run = reference_run
    for r in (0, 10, 1000):
        core_loss = CORE_LOSSES["cross-entropy"].value(run.logits[r].astype(np.float64), run.labels)
        assert run.loss[r] == pytest.approx(core_loss, rel=1e-5, abs=1e-6)
        assert run.accuracy[r] == pytest.approx(np.mean(run.logits[r].argmax(axis=1) == run.labels), rel=1e-6)


@contextlib.contextmanager
def counting_traces():
    """Count JAX's traces (each jit of a new function or shape) inside the block, through jax.monitoring."""
    import jax.monitoring

    traces = []

    def listen(event, duration, **kwargs):
        if event == "/jax/core/compile/jaxpr_trace_duration":
            traces.append(event)

    jax.monitoring.register_event_duration_secs_listener(listen)
    try:
        yield traces
    finally:
        jax.monitoring.unregister_event_duration_listener(listen)


def test_the_trace_counter_sees_a_new_plan_compile(reference_run):
    with counting_traces() as traces:
        train(Experiment(steps=3, hidden=(7,)))  # a new shape: start and advance are traced
    assert len(traces) >= 2


def test_changing_lr_seed_noise_steps_or_init_does_not_recompile(reference_run):
    with counting_traces() as traces:
        for changes in ({"lr": 0.05}, {"seed": 9}, {"noise": 0.5}, {"steps": 250},
                        {"steps": 37, "record_every": 5}, {"init": "default"}, {"temperature": 2.0},
                        {"label_smoothing": 0.1}, {"weight_decay": 0.01}):
            train(Experiment(**changes))
    assert traces == []


def test_same_experiment_gives_the_same_run_and_another_seed_another(reference_run):
    again = train(Experiment(steps=20))
    assert np.array_equal(again.logits, reference_run.logits[:21])
    other = train(Experiment(steps=20, seed=1))
    assert not np.array_equal(other.inputs, reference_run.inputs)


def test_record_every_records_the_last_step_too():
    run = train(Experiment(steps=7, record_every=3))
    assert run.steps.tolist() == [0, 3, 6, 7] and run.logits.shape == (4, 60, 3)
    full = train(Experiment(steps=7))
    np.testing.assert_allclose(run.logits, full.logits[[0, 3, 6, 7]], rtol=1e-6, atol=1e-7)


def test_zero_steps_records_only_the_start():
    assert train(Experiment(steps=0)).logits.shape == (1, 60, 3)


@pytest.mark.parametrize("name", list(DATASETS))
def test_datasets_have_the_promised_shapes_and_class_counts(name):
    fixed = DATASETS[name].fixed_classes is not None
    e = Experiment(dataset=name, classes=3 if fixed else 4, dim=3 if fixed else 5, samples_per_class=12)
    data, _, _ = engine.prepare(e)
    counts = np.bincount(data["labels"])
    assert data["inputs"].shape == (e.num_samples, e.dim) and data["inputs"].dtype == np.float32
    if name == "imbalanced":  # default frequencies 1 : 1/2 : 1/4 : 1/8, n = 4 * 12 * f_k
        np.testing.assert_array_equal(counts, np.rint(48 * np.array([8, 4, 2, 1]) / 15))
    else:
        np.testing.assert_array_equal(counts, [12] * e.classes)


def test_reference_dataset_matches_design_md():
    data, _, _ = engine.prepare(Experiment(samples_per_class=5000, steps=10))
    x, y = data["inputs"].astype(np.float64), data["labels"]
    # means within ~7 standard errors (1 / sqrt(5000) = 0.014) of the stated centres
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [2, 0, 0], atol=0.1)
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [-2, 0, 0], atol=0.1)
    np.testing.assert_allclose(x[y == 0].std(axis=0), [1, 1, 1], atol=0.1)
    np.testing.assert_allclose(np.linalg.norm(x[y == 2], axis=1), 4.0, rtol=1e-6)
    np.testing.assert_allclose(x[y == 2].mean(axis=0), [0, 0, 0], atol=0.2)  # directions uniform


def test_imbalanced_frequencies_set_class_sizes_and_prior_init_predicts_them():
    e = Experiment(dataset="imbalanced", frequencies=(0.6, 0.3, 0.1), samples_per_class=50, init="prior", steps=0)
    run = train(e)
    freqs = np.bincount(run.labels) / len(run.labels)
    np.testing.assert_array_equal(np.bincount(run.labels), [90, 45, 15])
    np.testing.assert_allclose(softmax(run.logits[0].astype(np.float64)), np.tile(freqs, (150, 1)), rtol=1e-6)


def test_free_logits_step_is_minus_lr_times_core_cross_entropy_gradient():
    e = Experiment(model="free-logits", init="default", steps=1, lr=0.5)
    run = train(e)
    z0 = run.logits[0].astype(np.float64)
    grad = cross_entropy_grad(z0, run.labels)  # (p - y) / n
    np.testing.assert_allclose(run.logits[1] - z0, -0.5 * grad, rtol=1e-4, atol=1e-7)


def test_temperature_divides_the_logits_before_the_loss():
    e = Experiment(model="free-logits", init="default", steps=1, lr=1.0, temperature=2.0)
    run = train(e)
    z0 = run.logits[0].astype(np.float64)
    grad = cross_entropy_grad(z0 / 2.0, run.labels) / 2.0  # chain rule through z / T
    np.testing.assert_allclose(run.logits[1] - z0, -grad, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("name", list(LOSSES))
def test_each_loss_value_and_gradient_match_core(name):
    jax = pytest.importorskip("jax")
    rng = np.random.default_rng(0)
    z = (3 * rng.standard_normal((40, 4))).astype(np.float32)
    y = rng.integers(0, 4, size=40)
    hp = Hyperparameters(label_smoothing=np.float32(0.1 if name == "cross-entropy" else 0.0),
                         focal_gamma=np.float32(2.0))
    kwargs = {"cross-entropy": {"label_smoothing": 0.1}, "focal": {"gamma": 2.0}}.get(name, {})
    spec = CORE_LOSSES[name]
    value = LOSSES[name].fn(z, y, hp)
    grad = jax.grad(LOSSES[name].fn)(z, y, hp)
    z64 = z.astype(np.float64)
    assert float(value) == pytest.approx(spec.value(z64, y, **kwargs), rel=1e-5)
    np.testing.assert_allclose(grad, spec.grad(z64, y, **kwargs), rtol=1e-4, atol=1e-6)


def test_free_features_learns_to_separate_and_keeps_features_per_sample():
    e = Experiment(model="free-features", dataset="blobs", classes=4, feature_dim=8, steps=300, lr=0.5,
                   init="default", record_every=50)
    run = train(e)
    assert run.logits.shape == (7, 80, 4)
    # the Gaussians reach past the radius-4 sphere for some seeds (seed 0: norms 4.15 and 5.06): all but one
    assert run.loss[-1] < 0.1 * run.loss[0] and run.accuracy[-1] >= 59 / 60


def test_mini_batch_moves_only_the_batch_rows_of_free_logits():
    run = train(Experiment(model="free-logits", batch_size=7, steps=3, lr=1.0))
    moved = np.any(run.logits[1] != run.logits[0], axis=1)
    assert moved.sum() == 7  # zero logits, so every batch row has p - y != 0
    later = np.any(run.logits[3] != run.logits[2], axis=1)
    assert later.sum() == 7 and not np.array_equal(moved, later)  # a new batch each step


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_optimizer_reduces_the_loss(optimizer):
    run = train(Experiment(model="free-logits", optimizer=optimizer, steps=100, record_every=100, lr=0.05))
    assert run.loss[-1] < run.loss[0]


def test_train_many_matches_separate_runs_and_keeps_order():
    es = [Experiment(steps=40, lr=lr, seed=s) for lr, s in ((0.1, 0), (0.05, 1), (0.2, 2))]
    es.insert(1, Experiment(model="free-logits", steps=10))  # another plan: trained in its own group
    es.append(Experiment(steps=25, record_every=10))  # same plan, fewer records
    runs = train_many(es)
    assert [r.config for r in runs] == [e.to_dict() for e in es]
    for e, run in zip(es, runs):
        alone = train(e)
        assert run.logits.shape == alone.logits.shape
        np.testing.assert_allclose(run.logits, alone.logits, rtol=1e-5, atol=1e-6)


def test_train_rejects_anything_but_an_experiment():
    with pytest.raises(ValueError, match="experiment"):
        train({"steps": 3})


@pytest.mark.parametrize("model", ["mlp", "free-features"])
def test_record_features_gives_what_the_last_layer_sees(model):
    e = Experiment(model=model, dataset="blobs", steps=20, record_every=10, record_features=True, init="default")
    run = train(e)
    features, weights = run.extras["features"], run.extras["weights"]
    width = 32 if model == "mlp" else e.feature_dim
    assert features.shape == (3, 60, width) and weights.shape == (3, 3, width)
    # logits = features W^T + b: what is left over is the bias, the same for every sample
    bias = run.logits - features @ weights.transpose(0, 2, 1)  # (records, samples, classes)
    np.testing.assert_allclose(bias, np.broadcast_to(bias[:, :1], bias.shape), atol=1e-5)
    assert np.abs(weights[-1] - weights[0]).max() > 0  # the classifier trained
    assert train(e.replace(record_features=False)).extras == {}


def test_progress_bar_moves_in_chunks(monkeypatch):
    import softmaxlab.lab.engine as engine

    updates = []

    class Recording(engine.tqdm):
        def update(self, n=1):
            updates.append(n)
            return super().update(n)

    # read the increments, not the terminal: tqdm throttles what it prints by wall time
    monkeypatch.setattr(engine, "tqdm", Recording)
    train(Experiment(steps=250), progress=True)
    assert sum(updates) == 250 and len(updates) >= 2, updates


def test_compiled_code_is_cached_on_disk_for_the_next_process(tmp_path):
    import subprocess
    import sys

    code = ("from softmaxlab.lab import Experiment, train; from softmaxlab.lab.engine import enable_disk_cache; "
            "train(Experiment(steps=2), cache=True); print(enable_disk_cache())")
    env = {**__import__("os").environ, "SOFTMAXLAB_JAX_CACHE": str(tmp_path / "jax")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "jax")
    assert any(p.name.startswith("jit_advance") for p in (tmp_path / "jax").iterdir())


def test_train_leaves_jax_configuration_alone_unless_asked(tmp_path):
    import subprocess
    import sys

    code = ("import jax; from softmaxlab.lab import Experiment, train; "
            "before = (jax.config.jax_compilation_cache_dir, jax.config.jax_persistent_cache_min_compile_time_secs); "
            "train(Experiment(steps=2)); "
            "print(before == (jax.config.jax_compilation_cache_dir, "
            "jax.config.jax_persistent_cache_min_compile_time_secs))")
    env = {**__import__("os").environ, "SOFTMAXLAB_JAX_CACHE": str(tmp_path / "jax")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
    assert not (tmp_path / "jax").exists()
