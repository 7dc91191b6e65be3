"""`Run` in memory: validation of every field, and each reading against a direct NumPy/SciPy/closed form."""

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax as scipy_softmax

from softmaxlab.store import Run


def make_run(records=4, samples=7, classes=3, *, seed=0, **changes):
    rng = np.random.default_rng(seed)
    fields = dict(
        logits=rng.normal(scale=3.0, size=(records, samples, classes)),  # (R, S, K)
        steps=np.arange(records) * 10,
        labels=rng.integers(0, classes, size=samples),
    )
    fields.update(changes)
    return Run(**fields)


# ---- construction and validation -------------------------------------------------------------


def test_fields_are_converted_to_the_documented_dtypes():
    run = make_run(inputs=np.ones((7, 2)), extras={"features": np.zeros((4, 7, 5))})
    assert run.logits.dtype == np.float32 and run.logits.shape == (4, 7, 3)
    assert run.steps.dtype == np.int64 and run.labels.dtype == np.int64
    assert run.inputs.dtype == np.float32 and run.inputs.shape == (7, 2)
    assert run.loss.dtype == np.float32 and run.accuracy.dtype == np.float32
    assert (run.num_records, run.num_samples, run.num_classes) == (4, 7, 3)
    assert run.complete is True and run.path is None and run.config is None and run.description == ""


def test_default_loss_and_accuracy_match_scipy():
    run = make_run(records=5, samples=11, classes=4, seed=3)
    logits64 = run.logits.astype(np.float64)
    nll = -np.take_along_axis(scipy_log_softmax(logits64, axis=-1), run.labels[None, :, None], axis=-1)[..., 0]
    np.testing.assert_allclose(run.loss, nll.mean(axis=1), rtol=1e-6)
    expected_accuracy = [np.mean([np.argmax(run.logits[r, s]) == run.labels[s] for s in range(11)])
                         for r in range(5)]
    np.testing.assert_allclose(run.accuracy, expected_accuracy)


def test_given_loss_and_accuracy_are_kept():
    run = make_run(records=2, loss=[5.0, 4.0], accuracy=[0.5, 1.0])
    np.testing.assert_array_equal(run.loss, np.float32([5.0, 4.0]))
    np.testing.assert_array_equal(run.accuracy, np.float32([0.5, 1.0]))


def test_zero_records_is_a_valid_run():
    run = Run(logits=np.zeros((0, 3, 2)), steps=[], labels=[0, 1, 1])
    assert run.num_records == 0 and run.loss.shape == (0,) and run.margins().shape == (0, 3)


@pytest.mark.parametrize(
    "changes, field",
    [
        (dict(logits=np.zeros((4, 7))), "logits"),
        (dict(logits=np.zeros((4, 7, 1)), labels=np.zeros(7, int)), "logits"),
        (dict(logits=np.array([[["a", "b"]]])), "logits"),
        (dict(steps=np.arange(3)), "steps"),
        (dict(steps=np.linspace(0, 1, 4)), "steps"),
        (dict(steps=[0, 2, 1, 3]), "steps"),
        (dict(labels=np.zeros(6, int)), "labels"),
        (dict(labels=np.full(7, 3)), "labels"),
        (dict(labels=np.zeros(7)), "labels"),
        (dict(inputs=np.zeros((6, 2))), "inputs"),
        (dict(loss=np.zeros(3)), "loss"),
        (dict(accuracy=np.zeros((4, 1))), "accuracy"),
        (dict(config=["not", "a", "dict"]), "config"),
        (dict(config={"f": object()}), "config"),
        (dict(description=3), "description"),
        (dict(extras={"features": np.zeros((3, 7, 2))}), "extras"),
        (dict(extras={"bad/name": np.zeros((4, 2))}), "extra names"),
        (dict(wall_time=-1.0), "wall_time"),
        (dict(wall_time=float("nan")), "wall_time"),
    ],
)
def test_bad_fields_raise_value_error_naming_the_field(changes, field):
    with pytest.raises(ValueError, match=field):
        make_run(**changes)


def test_repr_is_short_and_does_not_print_arrays():
    text = repr(make_run(records=1000, samples=60))
    assert text == "Run(records=1000, samples=60, classes=3, steps=0..9990, complete=True)"


def test_run_is_frozen():
    run = make_run()
    with pytest.raises(AttributeError):
        run.complete = False


# ---- readings -------------------------------------------------------------------------------


def test_probabilities_match_scipy():
    run = make_run(seed=1)
    np.testing.assert_allclose(run.probabilities(), scipy_softmax(run.logits.astype(np.float64), axis=-1),
                               rtol=1e-5, atol=1e-7)
    assert run.probabilities().shape == (4, 7, 3)


def test_logit_norms_are_euclidean_lengths():
    run = make_run(seed=2)
    expected = np.sqrt((run.logits.astype(np.float64) ** 2).sum(axis=-1))
    np.testing.assert_allclose(run.logit_norms(), expected, rtol=1e-6)


def test_margins_against_a_loop():
    run = make_run(records=3, samples=9, classes=5, seed=4)
    expected = np.empty((3, 9))
    for r in range(3):
        for s in range(9):
            y = run.labels[s]
            others = [run.logits[r, s, j] for j in range(5) if j != y]
            expected[r, s] = run.logits[r, s, y] - max(others)
    np.testing.assert_allclose(run.margins(), expected, rtol=1e-6)
    # the margin is positive exactly where the argmax is the true class (no ties with random logits)
    np.testing.assert_array_equal(run.margins() > 0, np.argmax(run.logits, axis=-1) == run.labels)


def test_class_mean_logits_against_masks_and_nan_for_an_empty_class():
    run = make_run(records=2, samples=6, classes=4, labels=np.array([0, 0, 1, 2, 1, 0]), seed=5)
    means = run.class_mean_logits()
    assert means.shape == (2, 4, 4)
    for c in range(3):
        np.testing.assert_allclose(means[:, c], run.logits[:, run.labels == c].mean(axis=1), rtol=1e-6)
    assert np.all(np.isnan(means[:, 3]))


def _angle_closed_form(mean, c):
    """Angle between mean - mean.mean() and e_c - 1/K, in the full K-dimensional space."""
    k = mean.shape[-1]
    u = mean - mean.mean()
    v = np.eye(k)[c] - 1.0 / k
    return np.degrees(np.arccos(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))))


def test_vertex_angles_against_the_closed_form_in_the_full_space():
    run = make_run(records=3, samples=40, classes=4, seed=6, labels=np.arange(40) % 4)
    angles = run.vertex_angles()
    assert angles.shape == (3, 4) and angles.dtype == np.float32
    means = run.class_mean_logits().astype(np.float64)
    expected = [[_angle_closed_form(means[r, c], c) for c in range(4)] for r in range(3)]
    np.testing.assert_allclose(angles, expected, atol=1e-3)


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_vertex_angles_are_0_toward_the_vertex_and_180_away(classes):
    # a mean exactly along e_y - mean(e_y) (plus any shift, which the projection removes) gives 0;
    # the opposite direction gives 180
    rng = np.random.default_rng(classes)
    toward = np.stack([(np.eye(classes)[c] - 1.0 / classes) * rng.uniform(0.5, 4) + rng.normal()
                       for c in range(classes)])  # (K, K)
    away = -toward
    run = Run(logits=np.stack([toward, away]), steps=[0, 1], labels=np.arange(classes))
    angles = run.vertex_angles()
    np.testing.assert_allclose(angles[0], 0.0, atol=0.05)
    np.testing.assert_allclose(angles[1], 180.0, atol=0.05)


def test_vertex_angle_of_a_zero_mean_is_nan_not_a_warning():
    run = Run(logits=np.zeros((1, 3, 3)), steps=[0], labels=[0, 1, 2])
    assert np.all(np.isnan(run.vertex_angles()))


def test_a_diverged_run_has_nan_loss_without_warnings(recwarn):
    logits = np.array([[[0.0, 1.0], [1.0, 0.0]], [[np.inf, 0.0], [np.nan, 1.0]]])  # record 1 diverged
    run = Run(logits=logits, steps=[0, 1], labels=[0, 1])
    assert np.isfinite(run.loss[0]) and np.isnan(run.loss[1])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_record_of_step_is_the_last_record_at_or_before_the_step():
    run = make_run(records=4, steps=[0, 10, 10, 30])
    # a brute-force reference: the largest index whose step is <= the asked step
    for step in range(0, 31):
        expected = max(i for i, s in enumerate(run.steps) if s <= step)
        assert run.record_of_step(step) == expected
    assert run.record_of_step(-1) == 3
    assert run.record_of_step(np.int64(10)) == 2


@pytest.mark.parametrize("step, message", [
    (31, r"step must lie in the recorded steps \[0, 30\].*got 31"),
    (-2, r"step must lie in the recorded steps \[0, 30\].*got -2"),
    (2.5, "step must be an integer"),
    (True, "step must be an integer"),
])
def test_record_of_step_refuses_steps_outside_the_run(step, message):
    with pytest.raises(ValueError, match=message):
        make_run(records=4, steps=[0, 10, 10, 30]).record_of_step(step)
    with pytest.raises(ValueError, match="no records"):
        make_run(records=0, steps=[]).record_of_step(0)
