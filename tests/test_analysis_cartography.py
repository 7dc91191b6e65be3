"""Dataset cartography against values computed by hand on a tiny run."""

import numpy as np
import pytest

from softmaxlab.analysis import REGIONS, cartography
from softmaxlab.store import Run

# probabilities chosen by hand: (records=4, samples=4, classes=3); logits = log p, so softmax gives p back
P = np.array([
    # sample 0 (label 0)   sample 1 (label 1)   sample 2 (label 2)   sample 3 (label 0)
    [[0.2, 0.4, 0.4], [0.05, 0.9, 0.05], [0.45, 0.45, 0.1], [0.45, 0.45, 0.1]],
    [[0.4, 0.3, 0.3], [0.05, 0.9, 0.05], [0.45, 0.45, 0.1], [0.45, 0.45, 0.1]],
    [[0.6, 0.2, 0.2], [0.05, 0.9, 0.05], [0.5, 0.3, 0.2], [0.45, 0.45, 0.1]],
    [[0.8, 0.1, 0.1], [0.05, 0.9, 0.05], [0.5, 0.3, 0.2], [0.45, 0.45, 0.1]],
])
LABELS = [0, 1, 2, 0]
RUN = Run(logits=np.log(P), steps=[0, 10, 20, 30], labels=LABELS)


def test_confidence_variability_and_correctness_by_hand():
    carto = cartography(RUN, records=slice(None))  # every record, step 0 included
    # sample 0: p_true 0.2, 0.4, 0.6, 0.8 -> mean 0.5, deviations +-0.3, +-0.1 -> std sqrt(0.2 / 4)
    # sample 1: always 0.9; sample 2: 0.1, 0.1, 0.2, 0.2 -> mean 0.15, std 0.05; sample 3: always 0.45
    assert carto.confidence == pytest.approx([0.5, 0.9, 0.15, 0.45], abs=1e-6)
    assert carto.variability == pytest.approx([np.sqrt(0.05), 0.0, 0.05, 0.0], abs=1e-6)
    # sample 0 loses at record 0 (0.2 < 0.4), wins after; sample 3 only ties (0.45 = 0.45): wrong
    assert carto.correctness.tolist() == [0.75, 1.0, 0.0, 0.0]
    assert carto.regions.tolist() == ["ambiguous", "easy-to-learn", "hard-to-learn", "hard-to-learn"]
    assert carto.counts() == {"easy-to-learn": 1, "ambiguous": 1, "hard-to-learn": 2}
    assert list(carto.counts()) == list(REGIONS)
    assert carto.steps.tolist() == [0, 10, 20, 30]


def test_a_record_window_reads_only_those_records():
    carto = cartography(RUN, records=slice(1, None))  # skip the record at step 0
    # sample 0: 0.4, 0.6, 0.8 -> mean 0.6, std sqrt(0.08 / 3)
    assert carto.confidence[0] == pytest.approx(0.6, abs=1e-6)
    assert carto.variability[0] == pytest.approx(np.sqrt(0.08 / 3), abs=1e-6)
    assert carto.correctness[0] == 1.0 and carto.regions[0] == "easy-to-learn"
    assert carto.steps.tolist() == [10, 20, 30]
    picked = cartography(RUN, records=[0, 3])  # sample 0: 0.2, 0.8 -> mean 0.5, std 0.3
    assert picked.variability[0] == pytest.approx(0.3, abs=1e-6)
    assert cartography(RUN, records=-1).variability == pytest.approx(np.zeros(4), abs=1e-12)


def test_thresholds_move_the_regions():
    carto = cartography(RUN, confidence_threshold=0.4, variability_threshold=0.25)
    assert carto.regions.tolist() == ["easy-to-learn", "easy-to-learn", "hard-to-learn", "easy-to-learn"]
    assert (carto.confidence_threshold, carto.variability_threshold) == (0.4, 0.25)


@pytest.mark.parametrize("kwargs,message", [
    (dict(confidence_threshold=1.5), "confidence_threshold"),
    (dict(variability_threshold=-0.1), "variability_threshold"),
    (dict(variability_threshold="high"), "variability_threshold"),
    (dict(records=slice(4, None)), "selects no record"),
    (dict(records=7), "out of range"),
    (dict(records=[0, 9]), "out of range"),
    (dict(records="all"), "records must be"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cartography(RUN, **kwargs)


def test_empty_and_diverged_runs_are_refused():
    with pytest.raises(ValueError, match="empty"):
        cartography(Run(logits=np.zeros((0, 2, 2)), steps=np.zeros(0, np.int64), labels=[0, 1]))
    logits = np.zeros((3, 2, 2))
    logits[2, 0, 0] = np.nan
    diverged = Run(logits=logits, steps=[0, 5, 9], labels=[0, 1])
    with pytest.raises(ValueError, match=r"not finite at record 2 \(step 9\)"):
        cartography(diverged)
    assert cartography(diverged, records=slice(0, 2)).confidence == pytest.approx([0.5, 0.5])
    with pytest.raises(ValueError, match="expected a softmaxlab Run"):
        cartography(np.zeros((2, 2, 2)))


def _papers_readings(logits, labels):
    """Cartography and forgetting as the papers' code computes them, per record: argmax (ties to the lowest
    class) for correctness, mean and population std of p_gold (allenai/cartography), and a forgetting event
    whenever a sample's correctness drops from one record to the next (Toneva et al.'s forgetting code)."""
    z = np.asarray(logits, dtype=np.float64)
    p = np.exp(z - z.max(axis=2, keepdims=True))
    p /= p.sum(axis=2, keepdims=True)
    gold = p[:, np.arange(len(labels)), labels]  # (R, S)
    correct = np.argmax(z, axis=2) == labels  # (R, S)
    forgotten = np.sum(correct[:-1] & ~correct[1:], axis=0)
    return gold.mean(axis=0), gold.std(axis=0), correct.mean(axis=0), forgotten


def test_the_default_reads_the_records_after_training_began_as_the_papers_do():
    pytest.importorskip("jax")
    from softmaxlab.analysis import forgetting_events
    from softmaxlab.lab import Experiment, train

    run = train(Experiment(steps=200))  # the reference: zero last layer, every logit 0 at step 0
    confidence, variability, correctness, forgotten = _papers_readings(run.logits[1:], run.labels)
    carto = cartography(run)
    assert carto.steps.tolist() == list(range(1, 201))
    np.testing.assert_allclose(carto.confidence, confidence, rtol=1e-12)
    np.testing.assert_allclose(carto.variability, variability, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(carto.correctness, correctness)
    np.testing.assert_array_equal(forgetting_events(run).counts, forgotten)
    # with step 0 the papers' argmax calls every class-0 sample right at the tie, where ours says wrong
    _, _, with_start, _ = _papers_readings(run.logits, run.labels)
    ours_with_start = cartography(run, records=slice(None)).correctness
    assert np.sum(with_start != ours_with_start) == 20 == np.sum(run.labels == 0)
