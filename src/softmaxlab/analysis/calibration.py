"""Calibration: does a model's confidence match its accuracy? ECE, MCE, NLL and temperature scaling.

Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks", ICML 2017
(expected and maximum calibration error, reliability diagrams, temperature scaling);
Naeini, Cooper and Hauskrecht, AAAI 2015 (ECE and MCE with equal-width bins).
"""

import dataclasses
import math
import numbers
import warnings

import numpy as np

from softmaxlab.core import log_softmax, softmax

from ._inputs import labels_array, logits_array, record_indices, run_arrays

__all__ = ["Calibration", "TemperatureScaling", "calibration", "fit_temperature", "calibration_report"]

# where fit_temperature starts looking for the root in log T; it widens from here as far as needed
START_BRACKET = (1e-2, 1e2)


@dataclasses.dataclass(frozen=True, eq=False)
class Calibration:
    """Calibration of one set of predictions, binned by confidence.

    Attributes:
        ece, mce: expected and maximum calibration error, in [0, 1].
        nll: mean negative log-likelihood -log p_y (nats).
        accuracy: fraction of samples whose argmax is the label.
        confidence: mean max-probability.
        temperature: the T the logits were divided by (0 and inf: the limits, see `calibration`).
        samples: n.
        bin_edges: `(bins + 1,)` equal-width edges on [0, 1]; bin m holds (edges[m], edges[m+1]]
            (the first bin also holds a confidence of exactly 0).
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


def _temperature(temperature, *, limits: bool = False) -> float:
    """A temperature as a float: finite and > 0, or (with `limits`) also 0 or inf."""
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number, got {temperature!r}") from None
    if limits and t in (0.0, math.inf):
        return t
    if not math.isfinite(t) or t <= 0:
        extra = ", or the limits 0 and inf" if limits else ""
        raise ValueError(f"temperature must be finite and > 0{extra}, got {temperature!r}")
    return t


def _log_probabilities(z, t):
    """log softmax(z / T) `(n, K)`, with T = 0 the argmax (ties split evenly) and T = inf uniform."""
    if t == math.inf:
        return np.full(z.shape, -math.log(z.shape[1]))
    if t == 0.0:
        winners = z == z.max(axis=1, keepdims=True)  # (n, K)
        with np.errstate(divide="ignore"):
            return np.where(winners, -np.log(winners.sum(axis=1, keepdims=True)), -np.inf)
    return log_softmax(z / t, axis=1)


def calibration(logits, labels, *, bins=15, temperature=1.0) -> Calibration:
    r"""ECE, MCE, NLL and the reliability curve of the predictions softmax(logits / T).

    With confidence c_s = max_k p_sk, prediction argmax_k p_sk (ties to the lowest class) and
    B equal-width bins :math:`I_m = ((m-1)/B, m/B]`:

    .. math::
        \mathrm{ECE} = \sum_m \frac{|I_m|}{n} \,|\mathrm{acc}(I_m) - \mathrm{conf}(I_m)|, \qquad
        \mathrm{MCE} = \max_{m : |I_m| > 0} |\mathrm{acc}(I_m) - \mathrm{conf}(I_m)|, \qquad
        \mathrm{NLL} = -\frac1n \sum_s \log p_{s, y_s}

    **Bin edges.** A confidence exactly on an edge m/B goes to the bin the edge closes, (a, b], as in
    Guo et al.'s code (gpleiss/temperature_scaling: ``conf > lower and conf <= upper``) and
    torchmetrics; a confidence of exactly 0 goes to the first bin. netcal bins [a, b) instead. The two
    rules differ only for confidences exactly on an edge, which is not rare: at a zero-initialised
    start every sample of K classes has confidence 1/K, an edge whenever B is a multiple of K (1/3 =
    5/15), and the two ECEs of such a record can differ.

    Probabilities can be checked too: pass `np.log(p)` as the logits (softmax(log p) = p).

    Args:
        logits: `(n, K)` logits.
        labels: `(n,)` int true classes.
        bins: number of equal-width confidence bins, >= 1.
        temperature: T > 0, divides the logits first (1 = as they are); also the limits that
            `fit_temperature` can return: 0 (the argmax, ties split evenly) and inf (uniform).

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
    t = _temperature(temperature, limits=True)
    z = logits_array(logits)  # (n, K)
    n, k = z.shape
    y = labels_array(labels, n, k)
    logp = _log_probabilities(z, t)  # (n, K)
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


def fit_temperature(logits, labels) -> float:
    r"""The temperature T > 0 that minimises the mean NLL of softmax(logits / T) (temperature scaling).

    .. math:: T^\star = \arg\min_{T > 0} \; -\frac1n \sum_s \log \mathrm{softmax}(z_s / T)_{y_s}

    With :math:`\beta = 1/T` the NLL is convex (a log-sum-exp of linear functions minus a linear
    one) and its derivative is

    .. math:: g(\beta) = \frac1n \sum_s \big(\mathrm{E}_{\mathrm{softmax}(\beta z_s)}[z_s] - z_{s,y_s}\big),

    non-decreasing from :math:`g(0) = \frac1n \sum_s (\bar z_s - z_{s,y_s})` (:math:`\bar z_s` the
    mean logit) to :math:`g(\infty) = \frac1n \sum_s (\max_k z_{sk} - z_{s,y_s}) \ge 0`. So:

    - if :math:`g(0) < 0 < g(\infty)` there is one finite optimum, the root of g: it is found in
      log T, starting from the bracket [0.01, 100] and widening it until g changes sign, then by
      the Illinois method (regula falsi that keeps a bracket, `_bracketed_root`), for any finite T;
    - if :math:`g(\infty) = 0`, every sample's true logit is its row's largest (perfectly
      separated data): the NLL keeps falling as T -> 0 and the optimum is T = 0 (the argmax),
      returned as ``0.0``;
    - if :math:`g(0) \ge 0`, the true logits are on average no higher than the mean logit (a
      model no better than chance): the optimum is T = inf (uniform), returned as ``math.inf``;
    - if both, the NLL does not depend on T (every row's logits are equal): 1.0 is returned.

    `calibration(..., temperature=T)` accepts both limits. Fit T on held-out logits (not the ones
    the model trained on) and apply it to new ones: T > 1 softens an overconfident model, T < 1
    sharpens an underconfident one. Predictions (the argmax) do not change for finite T.

    Args:
        logits: `(n, K)` held-out logits.
        labels: `(n,)` int true classes.

    Returns:
        T as a float: the finite optimum, or 0.0 or math.inf for an optimum at a limit.

    >>> rng = np.random.default_rng(0)
    >>> true = rng.normal(scale=3.0, size=(4000, 3))                       # (n, K) calibrated logits
    >>> labels = np.array([rng.choice(3, p=p) for p in np.exp(log_softmax(true, axis=1))])
    >>> round(fit_temperature(2.0 * true, labels), 1)                     # twice too confident
    2.0
    >>> fit_temperature([[2.0, 0.0], [0.0, 1.0]], [0, 1])                 # separated: the sharper the better
    0.0
    """
    z = logits_array(logits)  # (n, K)
    y = labels_array(labels, *z.shape)
    true = z[np.arange(z.shape[0]), y]  # (n,)
    at_zero = float(np.mean(z.mean(axis=1) - true))  # g(beta -> 0): the slope at T = inf
    at_inf = float(np.mean(z.max(axis=1) - true))  # g(beta -> inf): the slope at T = 0, >= 0
    if at_inf <= 0 and at_zero >= 0:
        return 1.0
    if at_inf <= 0:
        return 0.0
    if at_zero >= 0:
        return math.inf

    shifted = z - z.max(axis=1, keepdims=True)  # (n, K) <= 0: a huge 1/T gives -inf, never inf - inf

    def slope(log_t):  # g(1/T): positive where the NLL rises with 1/T, i.e. where T is below the optimum
        with np.errstate(over="ignore", invalid="ignore"):
            p = softmax(shifted * math.exp(-log_t), axis=1)  # (n, K)
        return float(np.mean(np.sum(p * z, axis=1) - true))

    # g falls along log T from g(inf) > 0 to g(0) < 0: widen the bracket until both signs show
    low, high = (math.log(b) for b in START_BRACKET)
    step = high - low
    while slope(low) <= 0:
        if low < -700:  # the root lies below T = 1e-304: as good as the limit T = 0
            return 0.0
        low, step = low - step, 2 * step
    step = high - low
    while slope(high) >= 0:
        if high > 700:
            return math.inf
        high, step = high + step, 2 * step
    return float(math.exp(_bracketed_root(slope, low, high, xtol=1e-12)))


def _bracketed_root(f, low, high, *, xtol):
    """A root of `f` in [low, high], where f(low) > 0 > f(high), to within `xtol` + 4 eps |x|.

    The Illinois method (Dowell and Jarratt, BIT 11, 1971): the secant through the bracket's ends,
    keeping the bracket, and halving the kept end's value when the same end is kept twice, so both ends
    close in (order ~1.44, where plain regula falsi can crawl from one side). A step that rounding puts
    outside the bracket bisects instead, so the bracket always shrinks.

    >>> round(_bracketed_root(lambda x: 2.0 - x * x, 0.0, 2.0, xtol=1e-12), 12)
    1.414213562373
    """
    f_low, f_high = f(low), f(high)
    kept = 0  # which end the last step kept: -1 low, +1 high
    for _ in range(400):  # ~60 bisections reach any double's precision; this bound is never met
        if high - low <= xtol + 4 * np.finfo(float).eps * max(abs(low), abs(high)):
            break
        x = (low * f_high - high * f_low) / (f_high - f_low)
        if not low < x < high:
            x = 0.5 * (low + high)
        fx = f(x)
        if fx == 0:
            return x
        if fx > 0:  # the root is above x
            low, f_low = x, fx
            if kept == +1:
                f_high /= 2
            kept = +1
        else:
            high, f_high = x, fx
            if kept == -1:
                f_low /= 2
            kept = -1
    return 0.5 * (low + high)


@dataclasses.dataclass(frozen=True, eq=False)
class TemperatureScaling:
    """Calibration of one record of a run before and after temperature scaling.

    Attributes:
        temperature: the fitted T (0.0 or inf when the optimum is a limit; `note` says so).
        before, after: `Calibration` of the evaluation samples at T = 1 and at the fitted T.
        record, step: which record was read.
        fit_samples, eval_samples: how many samples fitted T and how many were evaluated
            (the same samples when no `fit_fraction` was asked for).
        fit_fraction: the fraction of samples used to fit T, or None (every sample).
        eval_index: `(eval_samples,)` int, which samples were evaluated (sorted).
        note: "" for a finite optimum; else one sentence on why no finite T is best.
    """

    temperature: float
    before: Calibration
    after: Calibration
    record: int
    step: int
    fit_samples: int
    eval_samples: int
    fit_fraction: float | None
    eval_index: np.ndarray
    note: str = ""

    @property
    def holdout(self) -> float | None:
        """Deprecated name of `fit_fraction`."""
        warnings.warn("TemperatureScaling.holdout is now fit_fraction", DeprecationWarning, stacklevel=2)
        return self.fit_fraction


def temperature_note(t: float) -> str:
    """One sentence on a fitted temperature at a limit (0 or inf); "" for a finite one.

    >>> temperature_note(2.0)
    ''
    """
    if t == 0.0:
        return ("no finite temperature is best: every fitting sample's true class has the largest logit "
                "(perfectly separated), so the NLL keeps falling as T -> 0; 'after' is that limit, the argmax")
    if t == math.inf:
        return ("no finite temperature is best: the true logits are on average no higher than the mean logit "
                "(no better than chance), so the NLL keeps falling as T -> inf; 'after' is that limit, uniform")
    return ""


def calibration_report(run, *, record=-1, bins=15, fit_fraction=None, seed=0, holdout=None) -> TemperatureScaling:
    """Fit a temperature on one record of `run` and report ECE, MCE and NLL before and after.

    Args:
        run: a `softmaxlab.store.Run`.
        record: which record (an int index; -1 = the last, the trained model).
        bins: number of equal-width confidence bins.
        fit_fraction: None to fit T on every sample and evaluate on the same samples (the
            after-scaling numbers are then in-sample, optimistic), or a fraction in (0, 1):
            that share of the samples, drawn at random with `seed`, fits T, and the rest are
            evaluated, as Guo et al. fit on a validation set and report on a test set.
        seed: seed of the random split.
        holdout: the old name of `fit_fraction` (deprecated; it meant the same fraction).

    When the best temperature is a limit (0 for perfectly separated data, inf for a model no better
    than chance; see `fit_temperature`), `temperature` is that limit, `after` is calibration at
    it and `note` says so.

    >>> from softmaxlab.store import Run
    >>> logits = np.array([[[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 0.0]]])  # (R=1, S=4, K=2)
    >>> report = calibration_report(Run(logits=logits, steps=[0], labels=[0, 0, 1, 1]), bins=10)
    >>> report.temperature > 1, report.after.ece < report.before.ece, report.note
    (True, True, '')
    """
    if holdout is not None:
        warnings.warn("calibration_report(holdout=...) is now fit_fraction=... (the fraction that fits T)",
                      DeprecationWarning, stacklevel=2)
        if fit_fraction is not None:
            raise ValueError("give fit_fraction or its old name holdout, not both")
        fit_fraction = holdout
    bins = _bins(bins)
    if isinstance(record, bool) or not isinstance(record, numbers.Integral):
        raise ValueError(f"record must be an int index, got {record!r}")
    index = int(record_indices(int(record), np.shape(run.logits)[0])[0]) if np.shape(run.logits)[0] else 0
    logits, labels, steps, _ = run_arrays(run, records=[index])  # (1, S, K)
    z = logits[0]  # (S, K)
    samples = z.shape[0]
    if fit_fraction is None:
        fit, evaluate = np.arange(samples), np.arange(samples)
    else:
        if (isinstance(fit_fraction, bool) or not isinstance(fit_fraction, numbers.Real)
                or not 0 < fit_fraction < 1):
            raise ValueError(f"fit_fraction must be None or a fraction in (0, 1), got {fit_fraction!r}")
        n_fit = int(round(fit_fraction * samples))
        if not 1 <= n_fit <= samples - 1:
            raise ValueError(f"fit_fraction={fit_fraction} of {samples} samples leaves no sample to fit "
                             f"or to evaluate")
        order = np.random.default_rng(seed).permutation(samples)  # (S,)
        fit, evaluate = np.sort(order[:n_fit]), np.sort(order[n_fit:])
    t = fit_temperature(z[fit], labels[fit])
    return TemperatureScaling(
        temperature=t,
        before=calibration(z[evaluate], labels[evaluate], bins=bins),
        after=calibration(z[evaluate], labels[evaluate], bins=bins, temperature=t),
        record=index, step=int(steps[0]), fit_samples=fit.size, eval_samples=evaluate.size,
        fit_fraction=None if fit_fraction is None else float(fit_fraction), eval_index=evaluate,
        note=temperature_note(t),
    )
