"""Fixtures of the lab's data, initial parameters and mini-batches (static/js/lab/), from softmaxlab.lab itself.

Every dataset x model x init, then random experiments (odd dims, 2..10 classes, frequencies with ties in the
rounding, noise 0, seeds up to 2^31 - 1, batch sizes); float32 arrays are written as their uint32 bits, so the
node test compares bits, not decimals.
"""

import itertools

import numpy as np

from softmaxlab.core.random import STREAMS, batch_indices, log, normal, sincos, uniform
from softmaxlab.lab import Experiment
from softmaxlab.lab.datasets import DATASETS
from softmaxlab.lab.engine import prepare
from softmaxlab.lab.models import INITS, MODELS

STEPS = (0, 1, 2, 37, 99_999)  # the steps whose mini-batches are written


def bits(a):
    return np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).ravel()  # row by row, as the browser's arrays


def experiments(rng):
    for dataset, model, init in itertools.product(DATASETS, MODELS, INITS):  # every combination once
        fixed = DATASETS[dataset].fixed_classes is not None
        yield dict(dataset=dataset, model=model, init=init, classes=3 if fixed else 4, dim=3 if fixed else 5,
                   samples_per_class=7, hidden=(5, 3), feature_dim=6, batch_size=9, seed=int(rng.integers(0, 2**31)))
    edges = [dict(dataset="blobs", classes=2, samples_per_class=5, frequencies=(0.25, 0.75)),  # rint(2.5) = 2
             dict(dataset="shells", classes=4, samples_per_class=3, frequencies=(0.125, 0.375, 0.125, 0.375)),
             dict(dataset="spirals", classes=10, dim=2, samples_per_class=1, noise=0.0, batch_size=10),
             dict(dataset="spirals", classes=7, dim=3, samples_per_class=40, noise=0.0, init="prior"),
             dict(dataset="imbalanced", classes=10, dim=1, samples_per_class=3, init="prior", model="free-logits"),
             dict(dataset="reference", hidden=(), init="default", seed=2**31 - 1, batch_size=60),
             dict(dataset="shells", classes=2, dim=2, samples_per_class=5, noise=0.0, model="free-features",
                  feature_dim=1, init="prior")]
    yield from edges
    for _ in range(90):
        dataset = str(rng.choice(list(DATASETS)))
        spec = DATASETS[dataset]
        classes = spec.fixed_classes or int(rng.integers(2, 11))
        e = dict(dataset=dataset, classes=classes, dim=spec.fixed_dim or int(rng.integers(spec.min_dim, 10)),
                 samples_per_class=int(rng.integers(1, 30)), noise=float(rng.choice([0.0, 0.3, 1.0, 2.5])),
                 model=str(rng.choice(list(MODELS))), init=str(rng.choice(list(INITS))),
                 hidden=tuple(int(h) for h in rng.integers(1, 12, int(rng.integers(0, 4)))),
                 feature_dim=int(rng.integers(1, 9)),
                 seed=int(rng.choice([0, 1, 2**31 - 1, int(rng.integers(0, 2**31))])))
        if dataset != "reference" and rng.random() < 0.4:
            e["frequencies"] = tuple(float(f) for f in rng.choice([0.5, 0.25, 0.75, 1.0, 0.1, 3.0], classes))
        if rng.random() < 0.6:
            e["batch_size"] = int(rng.integers(1, 2 * classes + 1))
        yield e


def lab_case(e):
    data, params, _ = prepare(e)
    return {"experiment": e.to_dict(), "inputs": bits(data["inputs"]), "labels": data["labels"],
            "samples": e.num_samples,
            "params": {name: {"bits": bits(p), "shape": list(p.shape)} for name, p in params.items()},
            "batches": {str(t): batch_indices(e.seed, t, e.num_samples, e.batch_size) for t in STEPS}
            if e.batch_size else None}


def cases():
    rng = np.random.default_rng(12)
    labs = []
    for fields in experiments(rng):
        try:
            e = Experiment(**fields)
        except ValueError:  # e.g. more batch than samples: the browser is given valid experiments only
            continue
        labs.append(lab_case(e))
    x = np.concatenate([np.exp(rng.uniform(-700, 700, 300)), rng.uniform(0, 2, 300), [1.0, 0.5, 2.0, 2**-1022]])
    angles = np.concatenate([rng.uniform(-100, 100, 300), np.arange(-20, 21) * np.pi / 4, [0.0, 1e-300]])
    sin, cos = sincos(angles)
    generator = {"log": {"x": x, "y": log(x)}, "sincos": {"x": angles, "sin": sin, "cos": cos},
                 "streams": [{"seed": s, "stream": t, "start": a, "normal": normal(s, t, 200, start=a),
                              "uniform": uniform(s, t, 50, start=a)}
                             for s, t, a in ((0, STREAMS["data"], 0), (2**31 - 1, STREAMS["init"], 12345),
                                             (77, STREAMS["batches"], 2**32 - 200))]}
    return {"lab_generator": generator, "lab": labs}
