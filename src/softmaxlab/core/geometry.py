"""Geometry of logit space: the sum-zero subspace, the simplex of one-hot points, Gaussians.

Softmax ignores a common shift of all K logits, so only the component of `z` orthogonal to
`(1, ..., 1)` matters: K logits really live in a (K-1)-dimensional subspace. In it the K one-hot
points `e_i` project to the vertices of a regular simplex (a segment for K = 2, a triangle for
K = 3, a tetrahedron for K = 4), and class i wins wherever `z` is nearest to vertex i.
"""

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_distribution, class_axis
from .softmax import logsumexp

__all__ = [
    "sum_zero_basis",
    "to_subspace",
    "from_subspace",
    "simplex_vertices",
    "winning_class",
    "gaussian_posterior",
]


def _classes(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"the number of classes must be an int >= 2, got {k!r}")
    return int(k)


def sum_zero_basis(k: int) -> np.ndarray:
    r"""An orthonormal basis of the sum-zero subspace of R^K, as the columns of a `(K, K-1)` array.

    The Helmert basis: column j (j = 1..K-1) is

    .. math:: b_j = \frac{(1, \dots, 1, -j, 0, \dots, 0)}{\sqrt{j (j + 1)}} \quad (j \text{ ones})

    so the columns are orthonormal and orthogonal to `(1, ..., 1)`, and the basis of K is the
    basis of K-1 with one more row and column (the first axes keep their meaning as K grows).

    Example:
        >>> sum_zero_basis(2)
        array([[ 0.7071],
               [-0.7071]])
    """
    k = _classes(k)
    basis = np.zeros((k, k - 1))  # (K, K-1)
    for j in range(1, k):
        basis[:j, j - 1] = 1.0
        basis[j, j - 1] = -j
        basis[:, j - 1] /= np.sqrt(j * (j + 1))
    return basis


def to_subspace(z: ArrayLike) -> np.ndarray:
    """Coordinates `(..., K-1)` of logits `(..., K)` in :func:`sum_zero_basis`.

    The component along `(1, ..., 1)` (the shift softmax ignores) is dropped, so
    `to_subspace(z + c) == to_subspace(z)`. Float32 stays float32.

    Example:
        >>> to_subspace([1.0, 0.0]) == to_subspace([6.0, 5.0])
        array([ True])
    """
    z = as_float_array(z)
    class_axis(z, -1)
    with np.errstate(under="ignore"):  # subnormal coordinates round to 0: that is the right answer
        return z @ sum_zero_basis(z.shape[-1]).astype(z.dtype)


def from_subspace(u: ArrayLike) -> np.ndarray:
    """Logits `(..., K)` that sum to zero, from coordinates `(..., K-1)`; inverts :func:`to_subspace`
    on sum-zero logits (for other logits it returns their centred version `z - mean(z)`).

    Example:
        >>> from_subspace(to_subspace([3.0, 1.0, 2.0]))
        array([ 1., -1.,  0.])
    """
    u = as_float_array(u, name="u")
    class_axis(u, -1, name="u")
    with np.errstate(under="ignore"):
        return u @ sum_zero_basis(u.shape[-1] + 1).T.astype(u.dtype)


def simplex_vertices(k: int) -> np.ndarray:
    r"""The K one-hot points projected to the sum-zero subspace: `(K, K-1)`, one vertex per row.

    They form a regular simplex centred at 0: every vertex has norm `sqrt((K-1)/K)` and every
    pair is `sqrt(2)` apart.

    Example:
        >>> np.linalg.norm(simplex_vertices(3), axis=1) ** 2
        array([0.6667, 0.6667, 0.6667])
    """
    return to_subspace(np.eye(_classes(k)))


def winning_class(z: ArrayLike) -> np.ndarray:
    """The class with the largest logit, `(...)` int from logits `(..., K)`; ties go to the lowest index.

    Equivalently the vertex of :func:`simplex_vertices` nearest to `to_subspace(z)`.

    Example:
        >>> winning_class([[0.0, 2.0, 1.0], [5.0, 5.0, 0.0]])
        array([1, 0])
    """
    z = as_float_array(z)
    class_axis(z, -1)
    return np.argmax(z, axis=-1)


def gaussian_posterior(z: ArrayLike, *, priors: ArrayLike | None = None) -> np.ndarray:
    r"""Posterior of K isotropic unit Gaussians centred at the one-hot points, at the point `z`.

    .. math:: p(i \mid z) = \frac{\pi_i\, e^{-\lVert z - e_i \rVert^2 / 2}}{\sum_j \pi_j\, e^{-\lVert z - e_j \rVert^2 / 2}}

    Since :math:`\lVert z - e_i \rVert^2 = \lVert z \rVert^2 - 2 z_i + 1`, this equals
    `softmax(z + log(priors))`: softmax *is* this posterior, and unequal priors are a bias.
    Computed here from the distances themselves, in the log domain (so it is exact while the
    squared distances stay finite, |z| below about 1e150).

    Args:
        z: points `(..., K)`.
        priors: `(K,)` class priors, a distribution; None for equal priors.

    Returns:
        `(..., K)` posteriors.

    Example:
        >>> gaussian_posterior([2.0, 1.0, 0.1])
        array([0.659, 0.2424, 0.0986])
    """
    z = as_float_array(z)
    class_axis(z, -1)
    k = z.shape[-1]
    if priors is None:
        log_prior = np.zeros(k, dtype=z.dtype)
    else:
        pi = as_float_array(priors, name="priors")
        if pi.shape != (k,):
            raise ValueError(f"priors must have shape ({k},), got {pi.shape}")
        check_distribution(pi, name="priors")
        with np.errstate(divide="ignore"):  # a prior of 0 gives log 0 = -inf: that class never wins
            log_prior = np.log(pi).astype(z.dtype)
    centres = np.eye(k, dtype=z.dtype)  # (K, K): centre of class i in row i
    sq_dist = ((z[..., None, :] - centres) ** 2).sum(axis=-1)  # (..., K)
    log_joint = log_prior - sq_dist / 2
    return np.exp(log_joint - logsumexp(log_joint, keepdims=True))

