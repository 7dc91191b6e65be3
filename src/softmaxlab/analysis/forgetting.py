"""Forgetting events (Toneva et al. 2019): how often each sample goes from correct to wrong.

Toneva, Sordoni, Combes, Trischler, Bengio and Gordon, "An Empirical Study of Example
Forgetting during Deep Neural Network Learning", ICLR 2019.
"""

import dataclasses

import numpy as np

from ._inputs import correct_predictions, run_arrays

__all__ = ["Forgetting", "forgetting_events", "count_forgetting"]


@dataclasses.dataclass(frozen=True, eq=False)
class Forgetting:
    """Forgetting and learning events of every sample over the chosen records.

    Attributes:
        counts: `(S,)` int, forgetting events: transitions correct -> wrong between consecutive records.
        learning: `(S,)` int, learning events: transitions wrong -> correct (a sample correct at the
            first record counts as learned there without a learning event).
        never_learned: `(S,)` bool, never correct at any chosen record. Toneva et al. count these
            as having infinitely many forgetting events; `ranking()` does that.
        first_learned: `(S,)` int, the first chosen record (as a position 0..R'-1) where the sample
            is correct, -1 if never.
        steps: `(R',)` the training steps of the chosen records.
    """

    counts: np.ndarray
    learning: np.ndarray
    never_learned: np.ndarray
    first_learned: np.ndarray
    steps: np.ndarray

    @property
    def unforgettable(self) -> np.ndarray:
        """`(S,)` bool: learned at some record and never forgotten afterwards."""
        return ~self.never_learned & (self.counts == 0)

    def ranking(self) -> np.ndarray:
        """`(S,)` float forgetting counts with never-learned samples at +inf (the paper's sort key)."""
        return np.where(self.never_learned, np.inf, self.counts.astype(np.float64))

    def histogram(self) -> dict:
        """Number of samples per forgetting count, plus the key "never learned".

        >>> count_forgetting(np.array([[1, 0, 0], [0, 0, 0], [1, 0, 1]], bool)).histogram()
        {0: 1, 1: 1, 'never learned': 1}
        """
        learned = self.counts[~self.never_learned]
        table = {int(k): int(n) for k, n in zip(*np.unique(learned, return_counts=True))}
        table["never learned"] = int(self.never_learned.sum())
        return table


def count_forgetting(correct, *, steps=None) -> Forgetting:
    r"""Forgetting events from a correctness sequence `correct` `(records, samples)` bool.

    Sample s has a forgetting event at record r > 0 when it was correct at r - 1 and is
    wrong at r:

    .. math:: \text{forgetting}_s = \sum_{r=1}^{R-1} [c_{r-1,s} \wedge \neg c_{r,s}]

    and a learning event when it goes from wrong to correct.

    >>> f = count_forgetting(np.array([[0, 1, 0, 1, 0, 0],     # learned, forgotten twice
    ...                                [0, 0, 0, 0, 0, 0],     # never learned
    ...                                [1, 1, 1, 1, 1, 1]], bool).T)  # learned at once, kept
    >>> f.counts, f.learning, f.never_learned, f.first_learned
    (array([2, 0, 0]), array([2, 0, 0]), array([False,  True, False]), array([ 1, -1,  0]))
    >>> f.unforgettable
    array([False, False,  True])
    """
    c = np.asarray(correct)
    if c.ndim != 2:
        raise ValueError(f"correct must have shape (records, samples), got {c.shape}")
    if c.shape[0] == 0 or c.shape[1] == 0:
        raise ValueError(f"correct must hold at least one record and one sample, got shape {c.shape}")
    if c.dtype != np.bool_:
        if not np.all((c == 0) | (c == 1)):
            raise ValueError("correct must hold booleans (or 0/1)")
        c = c.astype(bool)
    before, after = c[:-1], c[1:]  # (R-1, S) each
    counts = np.sum(before & ~after, axis=0)  # (S,)
    learning = np.sum(~before & after, axis=0)  # (S,)
    ever = c.any(axis=0)  # (S,)
    first = np.where(ever, np.argmax(c, axis=0), -1)  # (S,)
    steps = np.arange(c.shape[0]) if steps is None else np.asarray(steps)
    return Forgetting(counts=counts.astype(np.int64), learning=learning.astype(np.int64),
                      never_learned=~ever, first_learned=first.astype(np.int64), steps=steps)


def forgetting_events(run, *, records=None) -> Forgetting:
    """Forgetting events of every sample of `run`, counted over its (chosen) records.

    A sample is correct at a record when its true logit strictly beats every other logit
    (a tie, as at a zero-initialised start, is wrong). See `count_forgetting` for the counts.
    Toneva et al. look once per presentation (epoch); a run is read once per record, so a
    finer recording interval can only see more events.

    **Which records.** As in the paper, over training: by default every record after training
    began (step > 0), leaving out the record before the first step (there a zero-initialised
    network ties every class; the paper's code, an argmax with ties to the lowest class, would count
    every class-0 sample correct there and then learned or forgotten). `records=slice(None)`
    includes step 0.

    Args:
        run: a `softmaxlab.store.Run`.
        records: None (every record with step > 0, or all of them when there is no other), a
            slice (`slice(None)`: every record), an int or a sequence of ints, as in `cartography`.

    >>> from softmaxlab.store import Run
    >>> logits = np.array([[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, 0.0]], [[0.0, 1.0]]])  # (R=4, S=1, K=2)
    >>> run = Run(logits=logits, steps=[0, 1, 2, 3], labels=[0])
    >>> forgetting_events(run).counts, forgetting_events(run, records=slice(None)).counts  # steps 1-3, 0-3
    (array([1]), array([2]))
    """
    logits, labels, steps, _ = run_arrays(run, records=records, from_training=True)  # (R', S, K)
    return count_forgetting(correct_predictions(logits, labels), steps=steps)  # (R', S) in
