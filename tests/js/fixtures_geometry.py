"""Fixtures of the sum-zero geometry (kernel/geometry.js) from softmaxlab.core.geometry."""

import numpy as np

from softmaxlab.core import softmax
from softmaxlab.core.geometry import (from_subspace, gaussian_posterior, simplex_vertices, sum_zero_basis,
                                      to_subspace, winning_class)


def cases():
    rng = np.random.default_rng(5)
    points = []
    for k in range(2, 11):
        for scale in (0.1, 1.0, 50.0, 1e6):
            z = rng.normal(scale=scale, size=k)
            priors = softmax(rng.normal(size=k))
            points.append({"z": z, "u": to_subspace(z), "back": from_subspace(to_subspace(z)), "winner": int(winning_class(z)),
                           "posterior": gaussian_posterior(z), "priors": priors,
                           "posterior_priors": gaussian_posterior(z, priors=priors)})
    ties = [{"z": z, "winner": int(winning_class(np.array(z)))} for z in ([1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0] * 4)]
    return {"geometry": {"bases": {str(k): sum_zero_basis(k) for k in range(2, 11)},
                         "vertices": {str(k): simplex_vertices(k) for k in range(2, 11)}, "points": points, "ties": ties}}
