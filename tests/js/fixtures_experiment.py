"""Fixtures of an Experiment's link (app/experiment.js): softmaxlab.lab reads and writes queries, the JS must agree."""

import numpy as np

from softmaxlab.lab import Experiment

QUERIES = [
    "", "?", "optimizer=adam", "?optimizer=adam&seed=3", "hidden=64,16", "hidden=64,,16,", "hidden=", "hidden=a,b",
    "hidden=1,2,3,4,5", "hidden=600", "hidden=3.0", "hidden=3.5", "lr=", "lr=none", "lr=0.5", "lr=-1", "lr=nan",
    "lr=1e-3", "lr=11", "steps=ten", "steps=1e3", "steps=2.5", "steps=200000", "steps=%20300%20", "seed=1&seed=2",
    "colour=red", "colour=red&colour=blue", "record_features=true", "record_features=maybe", "record_features=1",
    "dataset=blobs&classes=4", "dataset=reference&classes=4", "dataset=reference&dim=2", "dataset=shells&dim=1",
    "dataset=blobs&frequencies=0.7,0.2,0.1", "dataset=blobs&frequencies=1,2", "frequencies=1,1,1",
    "dataset=imbalanced&classes=5", "dataset=imbalanced&classes=3&samples_per_class=7",
    "dataset=blobs&frequencies=0.5,0.25,0.25&samples_per_class=3", "batch_size=0", "batch_size=61",
    "batch_size=60", "batch_size=7&optimizer=adam", "model=free-logits&record_features=1",
    "model=free-features&feature_dim=512&record_features=true&steps=100000", "steps=100000&samples_per_class=5000",
    "optimizer=Adam", "optimizer=lbfgs&steps=x&lr=0", "noise=2.0", "noise=2", "noise=1e1", "noise=10.5",
    "temperature=0.01", "label_smoothing=0.99", "momentum=1", "init=default", "activation=tanh",
    # a link of today's Dash page: every field written, numbers as text boxes wrote them
    "?compare=optimizer&against=adam&dataset=reference&classes=3&dim=3&samples_per_class=20&noise=1.0&frequencies="
    "&model=mlp&hidden=32%2C32&activation=relu&feature_dim=16&init=zeros&loss=cross-entropy&label_smoothing=0.0"
    "&focal_gamma=2.0&temperature=1.0&optimizer=sgd&lr=&momentum=0.9&weight_decay=0.0&batch_size=&steps=1000"
    "&record_every=1&seed=0&record_features=false",
    "?steps=" + "9" * 50, "?x=" + "1" * 9000,
]

BROWSER = [
    {}, {"steps": 5000}, {"steps": 5001}, {"samples_per_class": 700}, {"hidden": (256,)},
    {"dataset": "blobs", "dim": 200 // 4, "samples_per_class": 600, "steps": 5000},
    {"model": "free-features", "feature_dim": 200}, {"dataset": "blobs", "classes": 10, "samples_per_class": 200},
]


def _random_experiment(rng):
    dataset = str(rng.choice(["reference", "blobs", "shells", "spirals", "imbalanced"]))
    kwargs = {"dataset": dataset, "seed": int(rng.integers(0, 2**31 - 1)), "steps": int(rng.integers(0, 3000)),
              "optimizer": str(rng.choice(["sgd", "adam", "momentum", "rmsprop"])),
              "lr": None if rng.random() < 0.5 else float(10 ** rng.uniform(-4, 0)),
              "noise": float(rng.choice([1.0, round(float(rng.uniform(0, 10)), 2), float(rng.uniform(0, 10))])),
              "hidden": tuple(int(h) for h in rng.integers(1, 129, size=int(rng.integers(0, 4)))),
              "init": str(rng.choice(["zeros", "default"])), "record_features": bool(rng.random() < 0.2)}
    if dataset != "reference":
        kwargs["classes"] = int(rng.integers(2, 6))
        kwargs["dim"] = int(rng.integers(2, 6))
        if rng.random() < 0.4:
            kwargs["frequencies"] = tuple(float(f) for f in rng.uniform(0.1, 3, size=kwargs["classes"]))
    return Experiment(**kwargs)


def cases():
    rng = np.random.default_rng(11)
    reads = []
    for q in QUERIES:
        experiment, errors = Experiment.read_query(q)
        reads.append({"query": q, "errors": errors, "values": experiment.to_dict() if experiment else None})
    writes = []
    for _ in range(80):
        e = _random_experiment(rng)
        writes.append({"values": e.to_dict(), "query": e.to_query()})
    limits = []
    for changes in BROWSER:
        e = Experiment(**changes)
        limits.append({"values": e.to_dict(), "errors": e.browser_errors(), "samples": e.num_samples,
                       "learning_rate": e.learning_rate})
    return {"experiment": {"spec": Experiment.spec_json(), "reads": reads, "writes": writes, "limits": limits}}
