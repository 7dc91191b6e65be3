"""Fixtures of the losses and their gradients (kernel/losses.js) from softmaxlab.core.LOSSES.

Random rows for every K from 2 to 10 at three scales, and extreme ones: huge logits (1e4, 1e300), a -inf
logit, exact ties, every option at its limits (label smoothing 0 and 0.99, gamma 0 and 10, margin 0 and 3)."""

import numpy as np

from softmaxlab.core import LOSSES

OPTIONS = {"cross-entropy": [{"label_smoothing": e} for e in (0.0, 0.1, 0.99)],
           "focal": [{"gamma": g} for g in (0.0, 0.5, 2.0, 10.0)],
           "squared-error": [{}], "hinge": [{"margin": m} for m in (0.0, 1.0, 3.0)]}


def _rows(rng):
    rows = [rng.normal(scale=s, size=k) for k in range(2, 11) for s in (0.1, 2.0, 40.0)]
    rows += [np.array(v) for v in ([1.0, 1.0, 0.0], [3.0, 3.0, 3.0], [0.0, 0.5, -0.5], [1000.0, -1000.0],
                                   [1e4, 0.0, -1e4], [-1e4, 1e4, 1e4, 0.0], [1e300, 0.0], [0.0, 1e-300, -1e-300],
                                   [2.0, -np.inf, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0])]
    return rows


def _finite_enough(name, z, y, opts):
    """Where the core itself answers (no warnings as errors): -inf logits only off the true class for the
    hinge (its margin + (-inf) - (-inf) is NaN) and for smoothing (a smoothed target on -inf is +inf)."""
    if np.isinf(z).any() and (np.isinf(z[y]) or name == "hinge" or opts.get("label_smoothing")):
        return False
    return True


def cases():
    rng = np.random.default_rng(9)
    out = []
    for z in _rows(rng):
        for y in sorted({0, len(z) - 1, int(rng.integers(len(z)))}):
            for name, spec in LOSSES.items():
                for opts in OPTIONS[name]:
                    if not _finite_enough(name, z, y, opts):
                        continue
                    with np.errstate(all="ignore"):
                        value = spec.value(z[None], np.array([y]), reduction="none", **opts)[0]
                        grad = spec.grad(z[None], np.array([y]), reduction="none", **opts)[0]
                    out.append({"loss": name, "options": opts, "z": z, "y": y, "value": value, "grad": grad})
    return {"losses": out}
