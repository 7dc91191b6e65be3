"""The lab's JAX losses where float32 saturates: a sample whose p_y rounds to 1."""

import numpy as np
import pytest

from softmaxlab.core import LOSSES as CORE_LOSSES
from softmaxlab.lab.hyperparameters import Hyperparameters
from softmaxlab.lab.losses import LOSSES


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0])
def test_focal_gradient_is_finite_where_p_y_rounds_to_one(gamma):
    """p_y = 1 in float32 (a margin of 72) once made the focal gradient NaN for gamma <= 1, gamma = 0 included
    (Experiment(loss="focal", focal_gamma=0) went NaN at step 865): it must follow the float64 core's."""
    jax = pytest.importorskip("jax")
    z = np.array([[-43.54, 29.11], [0.3, 0.1], [5.0, -40.0]], np.float32)
    y = np.array([1, 0, 0])
    hp = Hyperparameters(focal_gamma=np.float32(gamma))
    value, grad = jax.value_and_grad(LOSSES["focal"].fn)(z, y, hp)
    z64 = z.astype(np.float64)
    assert float(value) == pytest.approx(CORE_LOSSES["focal"].value(z64, y, gamma=gamma), rel=1e-5)
    np.testing.assert_allclose(grad, CORE_LOSSES["focal"].grad(z64, y, gamma=gamma), rtol=1e-4, atol=1e-7)
