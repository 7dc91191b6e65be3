"""The traced hyperparameters of a run: one typed named tuple, read by the losses and the optimizers.

They enter the compiled training loop as arguments, not constants (a named tuple is a JAX pytree),
so a changed learning rate, seed or temperature reuses the compiled code.
"""

from typing import NamedTuple

import numpy as np


class Hyperparameters(NamedTuple):
    """Scalars of one run (float32, the seed int32); inside the loop each is a traced scalar.

    >>> Hyperparameters(lr=0.1).lr, Hyperparameters().temperature
    (0.1, 1.0)
    """

    lr: float = 0.1
    weight_decay: float = 0.0
    momentum: float = 0.9
    label_smoothing: float = 0.0  # read by the cross-entropy loss
    focal_gamma: float = 2.0  # read by the focal loss
    temperature: float = 1.0  # the loss sees logits / T
    seed: int = 0  # draws the minibatches

    @classmethod
    def of(cls, e) -> "Hyperparameters":
        """The hyperparameters of an `Experiment`, as NumPy scalars ready to be traced."""
        f32 = np.float32
        return cls(lr=f32(e.learning_rate), weight_decay=f32(e.weight_decay), momentum=f32(e.momentum),
                   label_smoothing=f32(e.label_smoothing), focal_gamma=f32(e.focal_gamma),
                   temperature=f32(e.temperature), seed=np.int32(e.seed))
