"""`check_labels`: the one label check that runs, writers, the recorder and the readings share."""

import numpy as np
import pytest
import torch

from softmaxlab.store.labels import check_labels


def test_integers_of_any_width_and_tensors_become_int64():
    for given in ([2, 0, 1], np.array([2, 0, 1], np.uint8), torch.tensor([2, 0, 1], dtype=torch.int32)):
        out = check_labels(given, classes=3)
        assert out.dtype == np.int64 and out.tolist() == [2, 0, 1]


def test_whole_floats_only_where_allowed():
    assert check_labels(np.array([1.0, 0.0]), whole_floats=True).tolist() == [1, 0]
    for bad in (np.array([1.0, 0.0]), np.array([True, False])):
        with pytest.raises(ValueError, match="must be integer class indices"):
            check_labels(bad)
    with pytest.raises(ValueError, match="must be integer class indices"):
        check_labels(np.array([0.5, 1.0]), whole_floats=True)
    with pytest.raises(ValueError, match="must be integer class indices"):
        check_labels(np.array([np.nan, 1.0]), whole_floats=True)


@pytest.mark.parametrize("labels, options, message", [
    ([], {}, r"probe_labels must be a non-empty 1-D array \(N,\)"),
    ([[0, 1]], {}, r"probe_labels must be a non-empty 1-D array \(N,\), got shape \(1, 2\)"),
    ([0, 1], dict(samples=3), r"probe_labels must have shape \(3,\) \(one per sample\), got \(2,\)"),
    ([0, 3], dict(classes=3), r"probe_labels must lie in \[0, 3\), got 0..3"),
    ([-1, 2], dict(classes=3), r"probe_labels must lie in \[0, 3\), got -1..2"),
    ([-1, 2], {}, "probe_labels must be class indices >= 0, got a minimum of -1"),
    (["a"], {}, "probe_labels must be integer class indices"),
])
def test_bad_labels_name_the_argument_and_the_problem(labels, options, message):
    with pytest.raises(ValueError, match=message):
        check_labels(labels, name="probe_labels", **options)
