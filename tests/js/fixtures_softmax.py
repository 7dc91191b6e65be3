"""Fixtures of the softmax family and of Python's number formatting (kernel/softmax.js, format.js)."""

import numpy as np

from softmaxlab.core import effective_choices, entropy, log_softmax, logsumexp, sigmoid, softmax, softmax_jacobian


def _rows(rng):
    """Random and extreme rows of logits: every K from 1 to 10, huge values, -inf, +inf, ties, NaN."""
    rows = [rng.normal(scale=s, size=k) for k in range(1, 11) for s in (0.1, 1.0, 30.0)]
    rows += [
        np.array([1000.0, 0.0]), np.array([-1000.0, 1000.0, 0.0]), np.array([1e308, -1e308]),
        np.array([-np.inf, 0.0, 1.0]), np.array([np.inf, 0.0, np.inf]), np.array([-np.inf, -np.inf]),
        np.array([np.nan, 1.0]), np.array([2.0, 2.0, 2.0]), np.array([5e-324, 0.0]), np.array([0.0]),
    ]
    return rows


def cases():
    rng = np.random.default_rng(20261202)
    temperatures = (1.0, 0.5, 3.0, 1e-3, 1e-30, 1e3, 1e30)
    softmax_cases = []
    for z in _rows(rng):
        for t in temperatures:
            softmax_cases.append({
                "z": z, "t": t,
                "softmax": softmax(z, temperature=t),
                "log_softmax": log_softmax(z, temperature=t),
                "jacobian": softmax_jacobian(z, temperature=t) if np.isfinite(z).all() else None,
            })
    lse = [{"z": z, "lse": logsumexp(z)} for z in _rows(rng)]
    xs = np.concatenate([rng.normal(scale=10, size=50), [0.0, -0.0, 1e-300, -745.0, 745.0, 1e308, -np.inf, np.inf, np.nan]])
    dists = [softmax(rng.normal(scale=s, size=k)) for k in range(1, 11) for s in (0.1, 3.0, 50.0)]
    dists += [np.array([1.0, 0.0, 0.0]), np.full(4, 0.25)]
    return {
        "softmax": softmax_cases,
        "logsumexp": lse,
        "sigmoid": [{"x": x, "y": sigmoid(np.array(x))} for x in xs],
        "entropy": [{"p": p, "nats": entropy(p), "bits": entropy(p, base=2), "choices": effective_choices(p)}
                    for p in dists],
        "format": _formats(rng),
    }


def _formats(rng):
    specs = (".3f", ".4f", "g", ".2f", ".3g", ".4g", ".3e", ".1f", ".0f", "+.2f", ",", ",.2f", "%", ".1%")
    numbers = list(rng.normal(scale=1, size=30)) + list(10.0 ** rng.uniform(-8, 22, size=30))
    numbers += [0.125, 2.5, 0.5, 1.5, -2.5, 0.0, -0.0, 9.9995, 999.5, 1e16, 1e-5, 5e-324, 1 / 3, 2 / 3, 100.0,
                np.inf, -np.inf, np.nan, 0.045, 123456789.0, 0.00095]
    out = []
    for x in numbers:
        for spec in specs:
            if spec == "," and not float(x).is_integer():
                continue
            value = int(x) if spec == "," else float(x)
            out.append({"x": value, "spec": spec, "text": format(value, spec)})
    return out
