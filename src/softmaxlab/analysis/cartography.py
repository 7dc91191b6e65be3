"""Dataset cartography (Swayamdipta et al. 2020): which samples are easy, ambiguous or hard to learn.

Swayamdipta, Schwartz, Lourie, Wang, Hajishirzi, Smith and Choi, "Dataset Cartography:
Mapping and Diagnosing Datasets with Training Dynamics", EMNLP 2020.
"""

import dataclasses

import numpy as np

from ._inputs import correct_predictions, run_arrays, true_class_probability

__all__ = ["Cartography", "cartography", "REGIONS"]

# region names, in the order the data map and the tables list them
REGIONS = ("easy-to-learn", "ambiguous", "hard-to-learn")


@dataclasses.dataclass(frozen=True, eq=False)
class Cartography:
    """Per-sample training dynamics: the coordinates of the data map.

    Attributes:
        confidence: `(S,)` mean over the chosen records of p_true, the true class's probability.
        variability: `(S,)` its standard deviation over the same records (population, ddof=0).
        correctness: `(S,)` fraction of the records where the true class strictly wins the argmax.
        regions: `(S,)` str, one of `REGIONS` per sample.
        steps: `(R',)` the training steps of the records the reading used.
        confidence_threshold, variability_threshold: the region boundaries used.
    """

    confidence: np.ndarray
    variability: np.ndarray
    correctness: np.ndarray
    regions: np.ndarray
    steps: np.ndarray
    confidence_threshold: float
    variability_threshold: float

    def counts(self) -> dict:
        """Number of samples in each region, in `REGIONS` order."""
        return {name: int(np.sum(self.regions == name)) for name in REGIONS}


def cartography(run, *, records=None, confidence_threshold=0.5, variability_threshold=0.2) -> Cartography:
    r"""Confidence, variability and correctness of every sample over the recorded training.

    With p_{r,s} = softmax(z_{r,s})_{y_s} the probability of sample s's true class at record r,
    over the E chosen records:

    .. math::
        \hat\mu_s = \frac1E \sum_r p_{r,s}, \qquad
        \hat\sigma_s = \sqrt{\frac1E \sum_r (p_{r,s} - \hat\mu_s)^2}, \qquad
        \text{correctness}_s = \frac1E \sum_r [z_{r,s,y_s} > \max_{j \ne y_s} z_{r,s,j}]

    (the paper's confidence, variability and correctness, there over epochs, here over records;
    a tie in the argmax counts as wrong).

    **Which records.** As in the paper, over training: by default every record after training
    began (step > 0), leaving out the record taken before the first step, where a zero-initialised
    network ties every class (the paper's code, an argmax with ties to the lowest class, would call
    that correct for every class-0 sample). `records=slice(None)` includes step 0.

    Regions (the paper draws them by eye on the map; here they are fixed, documented rules):

    - ambiguous: variability >= `variability_threshold` (the model keeps changing its mind);
    - otherwise easy-to-learn: confidence >= `confidence_threshold`;
    - otherwise hard-to-learn (consistently low probability on the true class).

    The variability includes the learning curve itself: over records that span the climb of
    p_true from 1/K to near 1, most samples vary by more than 0.2. The paper's maps start after
    the first epoch, when most samples are already learned; to read the same thing here, choose
    the records after the early climb (e.g. `records=slice(R // 4, None)`, or `--from-step` of
    `softmaxlab analyze`).

    Args:
        run: a `softmaxlab.store.Run`.
        records: which records to read: None (the default: every record with step > 0, or all of
            them when the run has no other), a slice (`slice(None)`: every record, step 0 included),
            an int or a sequence of ints.
        confidence_threshold: in [0, 1], the easy/hard boundary.
        variability_threshold: in [0, 0.5] (0.5 is the largest std a value in [0, 1] can have).

    Returns:
        A `Cartography`.

    >>> from softmaxlab.store import Run
    >>> logits = [[[0.0, 0.0], [0.0, 0.0]],           # record 0: both samples at p_true = 1/2
    ...           [[np.log(3), 0.0], [0.0, 0.0]]]     # record 1: sample 0 at p_true = 3/4
    >>> carto = cartography(Run(logits=logits, steps=[0, 1], labels=[0, 1]), records=slice(None))
    >>> carto.confidence, carto.variability, carto.correctness
    (array([0.625, 0.5  ]), array([0.125, 0.   ]), array([0.5, 0. ]))
    >>> carto.regions.tolist()
    ['easy-to-learn', 'easy-to-learn']
    """
    for name, value, top in (("confidence_threshold", confidence_threshold, 1.0),
                             ("variability_threshold", variability_threshold, 0.5)):
        if not isinstance(value, (int, float, np.floating)) or not 0.0 <= float(value) <= top:
            raise ValueError(f"{name} must be a number in [0, {top}], got {value!r}")
    logits, labels, steps, _ = run_arrays(run, records=records, from_training=True)  # (R', S, K)
    p_true = true_class_probability(logits, labels)  # (R', S)
    confidence = p_true.mean(axis=0)  # (S,)
    variability = p_true.std(axis=0)  # (S,) ddof=0, as in the paper
    correctness = correct_predictions(logits, labels).mean(axis=0)  # (S,)
    regions = np.where(variability >= variability_threshold, REGIONS[1],
                       np.where(confidence >= confidence_threshold, REGIONS[0], REGIONS[2]))
    return Cartography(confidence=confidence, variability=variability, correctness=correctness,
                       regions=regions.astype(str), steps=steps,
                       confidence_threshold=float(confidence_threshold),
                       variability_threshold=float(variability_threshold))
