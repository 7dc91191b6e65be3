"""Forgetting events against hand-built correctness sequences and a plain loop."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmaxlab.analysis import count_forgetting, forgetting_events
from softmaxlab.store import Run


def _forgetting_loop(correct):
    """Counts, learning events and never-learned by walking each sample's sequence."""
    counts, learning, never = [], [], []
    for column in np.asarray(correct).T.tolist():
        counts.append(sum(1 for a, b in zip(column, column[1:]) if a and not b))
        learning.append(sum(1 for a, b in zip(column, column[1:]) if not a and b))
        never.append(not any(column))
    return counts, learning, never


def _run_from_correctness(correct, labels, classes=3):
    """Logits whose true class strictly wins exactly where `correct` `(R, S)` says so."""
    correct = np.asarray(correct, bool)
    records, samples = correct.shape
    logits = np.zeros((records, samples, classes))
    rows = np.arange(samples)
    for r in range(records):
        winner = np.where(correct[r], labels, (np.asarray(labels) + 1) % classes)
        logits[r, rows, winner] = 2.0
    return Run(logits=logits, steps=10 * np.arange(records), labels=labels)


def test_hand_built_sequences():
    correct = np.array([
        # s0 s1 s2 s3 s4
        [0, 0, 1, 1, 0],
        [1, 0, 1, 0, 0],
        [0, 0, 1, 1, 1],
        [1, 0, 1, 0, 1],
        [1, 0, 1, 1, 1],
    ], bool)
    f = count_forgetting(correct)
    assert f.counts.tolist() == [1, 0, 0, 2, 0]
    assert f.learning.tolist() == [2, 0, 0, 2, 1]
    assert f.never_learned.tolist() == [False, True, False, False, False]
    assert f.first_learned.tolist() == [1, -1, 0, 0, 2]
    assert f.unforgettable.tolist() == [False, False, True, False, True]
    assert f.ranking().tolist() == [1.0, np.inf, 0.0, 2.0, 0.0]
    assert f.histogram() == {0: 2, 1: 1, 2: 1, "never learned": 1}

    run = _run_from_correctness(correct, labels=[0, 1, 2, 0, 1])
    from_run = forgetting_events(run, records=slice(None))  # step 0 included
    assert from_run.counts.tolist() == [1, 0, 0, 2, 0]
    assert from_run.steps.tolist() == [0, 10, 20, 30, 40]
    trained = forgetting_events(run)  # the default: the records after training began, steps 10..40
    assert trained.steps.tolist() == [10, 20, 30, 40]
    assert trained.counts.tolist() == count_forgetting(correct[1:]).counts.tolist() == [1, 0, 0, 1, 0]
    window = forgetting_events(run, records=slice(2, None))  # rows 2..4 only
    assert window.counts.tolist() == [0, 0, 0, 1, 0] and window.first_learned.tolist() == [1, -1, 0, 0, 0]


def test_a_uniform_start_is_not_correct_so_it_is_not_forgotten():
    logits = np.zeros((3, 2, 3))  # record 0: zero-initialised last layer, every logit equal
    logits[1:, 0, 0] = 1.0  # sample 0 (class 0) learned at record 1
    logits[1:, 1, 2] = 1.0  # sample 1 (class 1) never learned
    f = forgetting_events(Run(logits=logits, steps=[0, 1, 2], labels=[0, 1]), records=slice(None))
    assert f.counts.tolist() == [0, 0]  # argmax would call record 0 "correct" for class 0; a tie is not
    assert f.first_learned.tolist() == [1, -1] and f.never_learned.tolist() == [False, True]


@settings(max_examples=60, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 12), st.integers(1, 6))))
def test_counts_match_a_plain_loop(correct):
    f = count_forgetting(correct)
    counts, learning, never = _forgetting_loop(correct)
    assert f.counts.tolist() == counts
    assert f.learning.tolist() == learning
    assert f.never_learned.tolist() == never
    # learning and forgetting alternate: they differ by at most one, and end correct iff one more learn
    assert np.all(np.abs(f.learning - f.counts) <= 1)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="records, samples"):
        count_forgetting(np.zeros(3, bool))
    with pytest.raises(ValueError, match="at least one record"):
        count_forgetting(np.zeros((0, 3), bool))
    with pytest.raises(ValueError, match="booleans"):
        count_forgetting(np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="empty"):
        forgetting_events(Run(logits=np.zeros((0, 2, 2)), steps=np.zeros(0, np.int64), labels=[0, 1]))
    with pytest.raises(ValueError, match="selects no record"):
        forgetting_events(Run(logits=np.zeros((2, 2, 2)), steps=[0, 1], labels=[0, 1]), records=slice(5, 9))
