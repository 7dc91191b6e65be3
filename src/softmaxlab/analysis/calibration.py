"""Calibration: does a model's confidence match its accuracy? ECE, MCE, NLL and temperature scaling.

Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks", ICML 2017
(expected and maximum calibration error, reliability diagrams, temperature scaling);
Naeini, Cooper and Hauskrecht, AAAI 2015 (ECE and MCE with equal-width bins).
"""

import dataclasses
import math
import numbers

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from softmaxlab.core._checks import temperature_value as _temperature

from ._inputs import labels_array, logits_array, record_indices, run_arrays

__all__ = ["Calibration", "TemperatureScaling", "calibration", "fit_temperature", "calibration_report"]

# the search range of fit_temperature: wide enough for any model seen in practice, narrow
# enough that exp never meets an extreme exponent
TEMPERATURE_BOUNDS = (1e-2, 1e2)


@dataclasses.dataclass(frozen=True, eq=False)
class Calibration:
    """Calibration of one set of predictions, binned by confidence.

    Attributes:
        ece, mce: expected and maximum calibration error, in [0, 1].
        nll: mean negative log-likelihood -log p_y (nats).
        accuracy: fraction of samples whose argmax is the label.
        confidence: mean max-probability.
        temperature: the T the logits were divided by.
        samples: n.
        bin_edges: `(bins + 1,)` equal-width edges on [0, 1]; bin m holds (edges[m], edges[m+1]].
        bin_counts: `(bins,)` int samples per bin.
        bin_confidence, bin_accuracy: `(bins,)` mean confidence and accuracy per bin, NaN when empty
            (the reliability curve).
    """

    ece: float
    mce: float
    nll: float
    accuracy: float
    confidence: float
    temperature: float
    samples: int
    bin_edges: np.ndarray
    bin_counts: np.ndarray
    bin_confidence: np.ndarray
    bin_accuracy: np.ndarray


def _bins(bins) -> int:
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"bins must be an int >= 1, got {bins!r}")
    return int(bins)


def calibration(logits, labels, *, bins=15, temperature=1.0) -> Calibration:
    r"""ECE, MCE, NLL and the reliability curve of the predictions softmax(logits / T).

    With confidence c_s = max_k p_sk, prediction argmax_k p_sk (ties to the lowest class) and
    B equal-width bins :math:`I_m = ((m-1)/B, m/B]`:

    .. math::
        \mathrm{ECE} = \sum_m \frac{|I_m|}{n} \,|\mathrm{acc}(I_m) - \mathrm{conf}(I_m)|, \qquad
        \mathrm{MCE} = \max_{m : |I_m| > 0} |\mathrm{acc}(I_m) - \mathrm{conf}(I_m)|, \qquad
        \mathrm{NLL} = -\frac1n \sum_s \log p_{s, y_s}

    Probabilities can be checked too: pass `np.log(p)` as the logits (softmax(log p) = p).

    Args:
        logits: `(n, K)` logits.
        labels: `(n,)` int true classes.
        bins: number of equal-width confidence bins, >= 1.
        temperature: T > 0, divides the logits first (1 = as they are).

    Returns:
        A `Calibration`.

    >>> logits = np.log([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    >>> cal = calibration(logits, [0, 1, 0, 0], bins=5)
    >>> round(cal.ece, 6), round(cal.mce, 6)         # |0.5 - 0.9| and |1.0 - 0.6|, each half the samples
    (0.4, 0.4)
    >>> cal.bin_counts
    array([0, 0, 2, 0, 2])
    """
    bins = _bins(bins)
    t = _temperature(temperature)
    z = logits_array(logits) / t  # (n, K)
    n, k = z.shape
    y = labels_array(labels, n, k)
    logp = log_softmax(z, axis=1)  # (n, K)
    prediction = np.argmax(logp, axis=1)  # (n,)
    confidence = np.exp(logp[np.arange(n), prediction])  # (n,)
    hit = (prediction == y).astype(np.float64)  # (n,)

    edges = np.linspace(0.0, 1.0, bins + 1)  # (B + 1,)
    # searchsorted(side="left") puts a confidence equal to an edge in the bin that edge closes
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)  # (n,)
    counts = np.bincount(which, minlength=bins)  # (B,)
    filled = counts > 0
    bin_conf = np.full(bins, np.nan)
    bin_acc = np.full(bins, np.nan)
    bin_conf[filled] = np.bincount(which, weights=confidence, minlength=bins)[filled] / counts[filled]
    bin_acc[filled] = np.bincount(which, weights=hit, minlength=bins)[filled] / counts[filled]
    gaps = np.abs(bin_acc[filled] - bin_conf[filled])
    return Calibration(
        ece=float(np.sum(counts[filled] / n * gaps)),
        mce=float(gaps.max()),
        nll=float(-np.mean(logp[np.arange(n), y])) + 0.0,  # + 0.0 turns -0.0 into 0.0
        accuracy=float(hit.mean()),
        confidence=float(confidence.mean()),
        temperature=t,
        samples=n,
        bin_edges=edges,
        bin_counts=counts,
        bin_confidence=bin_conf,
        bin_accuracy=bin_acc,
    )


def fit_temperature(logits, labels, *, bounds=TEMPERATURE_BOUNDS) -> float:
    r"""The temperature T > 0 that minimises the mean NLL of softmax(logits / T) (temperature scaling).

    .. math:: T^\star = \arg\min_{T > 0} \; -\frac1n \sum_s \log \mathrm{softmax}(z_s / T)_{y_s}

    The NLL is convex in 1/T (a log-sum-exp of linear functions minus a linear one), so it
    has one minimum along log T; bounded Brent search on log T finds it, deterministically.
    Fit it on held-out logits (not the ones the model trained on) and apply it to new ones: T > 1
    softens an overconfident model, T < 1 sharpens an underconfident one. Predictions (the
    argmax) do not change. If every sample is classified with room to spare, the NLL keeps
    falling as T -> 0 and the lower bound is returned, or a T where the NLL already rounds to 0
    (likewise the upper bound for a model
    no better than chance, whose best temperature is infinite).

    Args:
        logits: `(n, K)` held-out logits.
        labels: `(n,)` int true classes.
        bounds: `(low, high)` search range for T, 0 < low < high.

    Returns:
        T as a float.

    >>> rng = np.random.default_rng(0)
    >>> true = rng.normal(scale=3.0, size=(4000, 3))                       # (n, K) calibrated logits
    >>> labels = np.array([rng.choice(3, p=p) for p in np.exp(log_softmax(true, axis=1))])
    >>> round(fit_temperature(2.0 * true, labels), 1)                     # twice too confident
    2.0
    """
    low, high = (_temperature(b) for b in bounds)
    if not low < high:
        raise ValueError(f"bounds must be (low, high) with low < high, got {bounds!r}")
    z = logits_array(logits)  # (n, K)
    y = labels_array(labels, *z.shape)
    rows = np.arange(z.shape[0])

    def nll(log_t):
        logp = log_softmax(z * math.exp(-log_t), axis=1)  # (n, K)
        return -np.mean(logp[rows, y])

    result = minimize_scalar(nll, bounds=(math.log(low), math.log(high)), method="bounded",
                             options={"xatol": 1e-9})
    # bounded Brent never evaluates the ends; when the minimum is at one (or beyond), say so exactly
    best = min((result.x, math.log(low), math.log(high)), key=nll)
    return float(math.exp(best))


@dataclasses.dataclass(frozen=True, eq=False)
class TemperatureScaling:
    """Calibration of one record of a run before and after temperature scaling.

    Attributes:
        temperature: the fitted T.
        before, after: `Calibration` of the evaluation samples at T = 1 and at the fitted T.
        record, step: which record was read.
        fit_samples, eval_samples: how many samples fitted T and how many were evaluated
            (the same samples when no holdout was asked for).
        holdout: the fraction of samples held out to fit T, or None.
        eval_index: `(eval_samples,)` int, which samples were evaluated (sorted).
    """

    temperature: float
    before: Calibration
    after: Calibration
    record: int
    step: int
    fit_samples: int
    eval_samples: int
    holdout: float | None
    eval_index: np.ndarray


def calibration_report(run, *, record=-1, bins=15, holdout=None, seed=0) -> TemperatureScaling:
    """Fit a temperature on one record of `run` and report ECE, MCE and NLL before and after.

    Args:
        run: a `softmaxlab.store.Run`.
        record: which record (an int index; -1 = the last, the trained model).
        bins: number of equal-width confidence bins.
        holdout: None to fit T on every sample and evaluate on the same samples (the
            after-scaling numbers are then in-sample, optimistic), or a fraction in (0, 1):
            that share of the samples, drawn at random with `seed`, fits T, and the rest are
            evaluated, as Guo et al. fit on a validation set and report on a test set.
        seed: seed of the random split.

    >>> from softmaxlab.store import Run
    >>> logits = np.array([[[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]]])  # (R=1, S=4, K=2)
    >>> report = calibration_report(Run(logits=logits, steps=[0], labels=[0, 0, 1, 1]), bins=10)
    >>> report.temperature > 1, report.after.ece < report.before.ece
    (True, True)
    """
    bins = _bins(bins)
    if isinstance(record, bool) or not isinstance(record, numbers.Integral):
        raise ValueError(f"record must be an int index, got {record!r}")
    index = int(record_indices(int(record), np.shape(run.logits)[0])[0]) if np.shape(run.logits)[0] else 0
    logits, labels, steps, _ = run_arrays(run, records=[index])  # (1, S, K)
    z = logits[0]  # (S, K)
    samples = z.shape[0]
    if holdout is None:
        fit, evaluate = np.arange(samples), np.arange(samples)
    else:
        if isinstance(holdout, bool) or not isinstance(holdout, numbers.Real) or not 0 < holdout < 1:
            raise ValueError(f"holdout must be None or a fraction in (0, 1), got {holdout!r}")
        n_fit = int(round(holdout * samples))
        if not 1 <= n_fit <= samples - 1:
            raise ValueError(f"holdout={holdout} of {samples} samples leaves no sample to fit or to evaluate")
        order = np.random.default_rng(seed).permutation(samples)  # (S,)
        fit, evaluate = np.sort(order[:n_fit]), np.sort(order[n_fit:])
    t = fit_temperature(z[fit], labels[fit])
    return TemperatureScaling(
        temperature=t,
        before=calibration(z[evaluate], labels[evaluate], bins=bins),
        after=calibration(z[evaluate], labels[evaluate], bins=bins, temperature=t),
        record=index, step=int(steps[0]), fit_samples=fit.size, eval_samples=evaluate.size,
        holdout=None if holdout is None else float(holdout), eval_index=evaluate,
    )
