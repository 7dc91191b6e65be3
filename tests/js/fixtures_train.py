"""Fixtures of the JavaScript trainer (web/static/js/lab/train.js): softmaxlab.lab trains, node must follow.

Each case is an Experiment, the lab's own start (its data and initial parameters from `engine.prepare`, and
for mini-batches the lab's batch indices of every step) and the Run that `softmaxlab.lab.train` records from
it. The 200-step cases are the parity runs of the reference experiment; the others take a few steps on
every optimiser, loss (with its options), activation, model, init and mini-batching.
"""

import numpy as np

from softmaxlab.lab import Experiment, train
from softmaxlab.lab.engine import prepare

PARITY = {  # 200 steps of the reference experiment, logits recorded every 10 steps
    "sgd-zeros": dict(optimizer="sgd"),
    "momentum-zeros": dict(optimizer="momentum"),
    "adam-default": dict(optimizer="adam", init="default"),
    "rmsprop-default": dict(optimizer="rmsprop", init="default"),
}
# a run can meet a near-tie that rounding decides (adam-default: at step 136 a second-layer ReLU pre-activation of
# sample 24 is 3e-8): from there two float32 engines differ as much as one ulp on the start moves either; the test
# accepts such a departure only as far as the JS run's own sensitivity goes


SHORT = {  # 25 steps each, recorded every 5 steps
    **{f"{o}-wd": dict(optimizer=o, init="default", weight_decay=0.05)
       for o in ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")},
    "nesterov": dict(optimizer="nesterov", lr=0.05),
    "adagrad": dict(optimizer="adagrad", init="default", lr=0.1),
    "adamw-zeros-lr": dict(optimizer="adamw", init="default", lr=0.01, weight_decay=0.3),
    "momentum-0.5": dict(optimizer="momentum", momentum=0.5, lr=0.1),
    "smoothing": dict(label_smoothing=0.1),
    "smoothing-0.9-T2": dict(label_smoothing=0.9, temperature=2.0, init="default"),
    "focal": dict(loss="focal"),
    "focal-0.5": dict(loss="focal", focal_gamma=0.5, init="default"),
    "focal-0": dict(loss="focal", focal_gamma=0.0, init="default"),
    "focal-5-T0.3": dict(loss="focal", focal_gamma=5.0, temperature=0.3, init="default"),
    "squared-error": dict(loss="squared-error", lr=1.0),
    "squared-error-T0.5": dict(loss="squared-error", temperature=0.5, init="default"),
    "hinge-zeros": dict(loss="hinge"),  # every other logit ties at the zero init
    "hinge-T3": dict(loss="hinge", temperature=3.0, init="default"),
    "temperature-0.2": dict(temperature=0.2, init="default"),
    "tanh": dict(activation="tanh", init="default"),
    "gelu": dict(activation="gelu", init="default", optimizer="adam"),
    "gelu-blobs": dict(activation="gelu", dataset="blobs", classes=5, dim=7, hidden=(8, 6, 4), init="default"),
    "linear": dict(hidden=(), init="default", dataset="blobs", classes=4, dim=2),
    "one-layer": dict(hidden=(5,), dataset="spirals", classes=3, dim=2, init="default", lr=0.5),
    "four-layers": dict(hidden=(7, 6, 5, 4), activation="tanh", dataset="shells", classes=2, dim=4,
                        init="default", optimizer="adam", lr=0.01),
    "prior": dict(dataset="imbalanced", classes=3, dim=3, init="prior"),
    "free-logits": dict(model="free-logits", lr=1.0),
    "free-logits-default": dict(model="free-logits", init="default", optimizer="adam", lr=0.05),
    "free-features": dict(model="free-features", init="default", feature_dim=5, lr=0.5),
    "free-features-zeros": dict(model="free-features", dataset="blobs", classes=6, dim=2, feature_dim=3,
                                optimizer="momentum", lr=0.1),
    "record-features": dict(record_features=True, init="default", hidden=(4, 3)),
    "record-features-ufm": dict(model="free-features", feature_dim=4, record_features=True, init="default"),
    "batch-sgd": dict(batch_size=16, init="default"),
    "batch-adam": dict(batch_size=7, optimizer="adam", init="default"),  # Adam moves rows out of the batch too
    "batch-momentum-wd": dict(batch_size=30, optimizer="momentum", weight_decay=0.1, lr=0.1),
    "batch-free-logits": dict(batch_size=10, model="free-logits", optimizer="rmsprop"),
    "batch-free-features": dict(batch_size=12, model="free-features", feature_dim=3, init="default"),
    "batch-record-every-4": dict(batch_size=20, init="default", record_every=4, steps=26),
}

FROM_SEED = {  # train(experiment) makes its own start (labrng's datasets.js, init.js): only the Run is written
    "reference": dict(steps=200, record_every=10),
    "adam-blobs-batch": dict(dataset="blobs", classes=4, dim=5, optimizer="adam", init="default", batch_size=9,
                             steps=30, record_every=5, seed=2**31 - 1),
    "free-features-spirals": dict(model="free-features", dataset="spirals", classes=3, dim=2, init="prior",
                                  steps=30, record_every=5, seed=7, lr=0.3),
}

ADAM_FROM_ZERO = dict(optimizer="adam")  # the default: zero last layer (see the test and docs/web.md)


def lab_batches(e):
    """The mini-batch indices of each step, drawn by the lab's jitted `engine.batch_indices` as its step draws them."""
    if not e.batch_size:
        return None
    from softmaxlab.lab.engine import batch_indices

    return [np.asarray(batch_indices(e.seed, t, e.num_samples, e.batch_size)) for t in range(e.steps)]


def case(name, **fields):
    e = Experiment(**fields)
    data, params, _ = prepare(e)
    run = train(e)
    return {"name": name, "experiment": e.to_dict(), "inputs": data["inputs"].ravel(), "labels": data["labels"],
            "samples": int(len(data["labels"])), "dim": e.dim,
            "params": {k: {"data": v.ravel(), "shape": list(v.shape)} for k, v in params.items()},
            "batches": lab_batches(e), "logits": run.logits.ravel(), "shape": list(run.logits.shape),
            "steps": run.steps, "loss": run.loss, "accuracy": run.accuracy,
            "extras": {k: v.ravel() for k, v in run.extras.items()}}


def torch32(name, **fields):
    """PyTorch's float32 loop from the lab's start, at the recorded steps: the second float32 reference.

    Two float32 engines can part at a near-tie that rounding decides (with rmsprop-default, the lab on some
    CPUs follows float64 past step 85 where PyTorch float32 and the JS trainer take the other side); from there
    the JS trainer is held to whichever reference it follows.
    """
    import torch

    from tests.test_lab_torch import torch_logit_paths

    e = Experiment(**fields)
    return torch_logit_paths(e, torch.float32)[::e.record_every].astype(np.float32).ravel()


def cases():
    return {
        "train_parity": [{**case(n, steps=200, record_every=10, **f), "torch32": torch32(n, steps=200, record_every=10, **f)}
                         for n, f in PARITY.items()],
        "train_short": [case(n, **{"steps": 25, "record_every": 5, **f}) for n, f in SHORT.items()],
        "train_from_seed": [{"name": n, "experiment": Experiment(**f).to_dict(), "query": Experiment(**f).to_query(),
                             **{k: v for k, v in case(n, **f).items() if k in ("logits", "shape", "loss", "accuracy")}}
                            for n, f in FROM_SEED.items()],
        "train_adam_zero": [case("adam-zeros-1", steps=1, **ADAM_FROM_ZERO),
                            case("adam-zeros", steps=200, record_every=10, **ADAM_FROM_ZERO)],
    }
