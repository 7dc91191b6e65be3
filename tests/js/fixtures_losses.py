"""Fixtures of the losses and their gradients (kernel/losses.js) from softmaxlab.core.LOSSES."""

import numpy as np

from softmaxlab.core import LOSSES

OPTIONS = {"cross-entropy": [{"label_smoothing": e} for e in (0.0, 0.1, 0.99)], "focal": [{"gamma": g} for g in (0.0, 0.5, 2.0, 10.0)],
           "squared-error": [{}], "hinge": [{"margin": m} for m in (0.0, 1.0, 3.0)]}


def cases():
    rng = np.random.default_rng(9)
    rows = [rng.normal(scale=s, size=k) for k in (2, 3, 5, 10) for s in (0.1, 2.0, 40.0)]
    rows += [np.array([1.0, 1.0, 0.0]), np.array([3.0, 3.0, 3.0]), np.array([1000.0, -1000.0]), np.array([0.0, 0.5, 0.5 - 1.0])]
    out = []
    for z in rows:
        for y in sorted({0, len(z) - 1, int(rng.integers(len(z)))}):
            for name, spec in LOSSES.items():
                for opts in OPTIONS[name]:
                    value = spec.value(z[None], np.array([y]), reduction="none", **opts)[0]
                    grad = spec.grad(z[None], np.array([y]), reduction="none", **opts)[0]
                    out.append({"loss": name, "options": opts, "z": z, "y": y, "value": value, "grad": grad})
    return {"losses": out}
