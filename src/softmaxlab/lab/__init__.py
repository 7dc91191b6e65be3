"""The training lab: datasets, tiny models and a compiled training loop that records every logit.

- `Experiment`: one frozen config (seed included) that round-trips through JSON and a URL query;
  ``Experiment()`` is the reference experiment of docs/design.md. `FieldSpec`: one field's name, type,
  default, help, choices and bounds (``Experiment.field_specs()``).
- Registries, name -> spec: `DATASETS`, `MODELS`, `INITS`, `ACTIVATIONS`, `LOSSES`, `OPTIMIZERS`.
- `train(experiment) -> Run` and `train_many(experiments) -> list[Run]` (JAX jit + lax.scan + vmap,
  optax optimizers); `enable_disk_cache()` (or ``cache=True``) keeps compiled code across processes.
"""

from softmaxlab.extras import require_extra

from .config import Experiment, FieldSpec
from .datasets import DATASETS
from .losses import LOSSES
from .models import ACTIVATIONS, INITS, MODELS
from .optimizers import OPTIMIZERS

__all__ = ["ACTIVATIONS", "DATASETS", "INITS", "LOSSES", "MODELS", "OPTIMIZERS", "Experiment", "FieldSpec",
           "enable_disk_cache", "train", "train_many"]


def __getattr__(name):
    # the engine (JAX, ~1.3 s to import) loads when training is asked for, not for a command's help
    if name in ("enable_disk_cache", "train", "train_many"):
        require_extra("lab", f"softmaxlab.{name}")  # one line naming the pip install, not a JAX traceback
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
