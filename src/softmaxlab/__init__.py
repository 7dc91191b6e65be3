"""softmaxlab: see the softmax function and the paths logits take while a classifier trains.

Public names are imported lazily, so `import softmaxlab` stays fast and does not
import JAX, zarr, Plotly or PyTorch until a name that needs them is used.
"""

from importlib import import_module

__version__ = "0.1.0"

# public name -> module that defines it; one table, read by __getattr__ and __dir__
_LAZY = {
    # core: the math of softmax (NumPy only)
    "softmax": "softmaxlab.core",
    "log_softmax": "softmaxlab.core",
    "logsumexp": "softmaxlab.core",
    "softmax_jacobian": "softmaxlab.core",
    "cross_entropy": "softmaxlab.core",
    "cross_entropy_grad": "softmaxlab.core",
    "entropy": "softmaxlab.core",
    "sigmoid": "softmaxlab.core",
    "sparsemax": "softmaxlab.core",
    "sparsemax_jacobian": "softmaxlab.core",
    "entmax15": "softmaxlab.core",
    "entmax15_jacobian": "softmaxlab.core",
    "effective_choices": "softmaxlab.core",
    "filter_logits": "softmaxlab.core",
    "sample": "softmaxlab.core",
    # lab: experiments and training
    "Experiment": "softmaxlab.lab",
    "train": "softmaxlab.lab",
    "train_many": "softmaxlab.lab",
    # store: runs on disk
    "Run": "softmaxlab.store",
    "load_run": "softmaxlab.store",
    # analysis: training-dynamics readings of a run
    "cartography": "softmaxlab.analysis",
    "forgetting_events": "softmaxlab.analysis",
    "neural_collapse": "softmaxlab.analysis",
    "calibration": "softmaxlab.analysis",
    "fit_temperature": "softmaxlab.analysis",
    # record: a user's own PyTorch training
    "LogitRecorder": "softmaxlab.record",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'softmaxlab' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
