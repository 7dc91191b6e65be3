"""Geometry of logit space: the sum-zero subspace, the simplex of one-hot points, Gaussians.

Softmax ignores a common shift of all K logits, so only the component of `z` orthogonal to
`(1, ..., 1)` matters: K logits really live in a (K-1)-dimensional subspace. In it the K one-hot
points `e_i` project to the vertices of a regular simplex (a segment for K = 2, a triangle for
K = 3, a tetrahedron for K = 4), and class i wins wherever `z` is nearest to vertex i; two classes
tie on the flat faces between those regions (:func:`tie_face`). To draw more than three dimensions of
it, :func:`principal_axes` finds the directions along which points spread most.
"""

from typing import NamedTuple

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
    "PrincipalAxes",
    "principal_axes",
    "tie_face",
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



class PrincipalAxes(NamedTuple):
    """What :func:`principal_axes` finds: the mean, the leading axes and how much of the spread each holds."""

    mean: np.ndarray  # (d,) the mean point
    axes: np.ndarray  # (d, count) orthonormal columns, largest spread first
    spread: np.ndarray  # (count,) sum of squared deviations from the mean along each axis
    total: float  # sum of squared deviations from the mean over every direction (the scatter's trace)


def principal_axes(points: ArrayLike, *, count: int = 3) -> PrincipalAxes:
    r"""The `count` leading principal axes of `points` `(n, d)`: the directions of largest spread.

    With the centred points X = points - mean, the axes are the unit eigenvectors of the d x d scatter
    matrix S = X^T X of the `count` largest eigenvalues, largest first; `spread` holds those
    eigenvalues (the sum of (x . a)^2 over the centred points x, for each axis a) and `total` the sum
    of them all (the trace of S), so `spread / total` is the share of the spread each axis holds. S is
    d x d whatever n, so the axes are a full orthonormal set even for fewer points than dimensions
    (then the directions of zero spread are any orthonormal completion). An eigenvector's sign is
    arbitrary; here each axis's entry of largest magnitude is positive, so the same points always
    give the same axes (the browser's ``figures/paths.js`` follows the same rule).

    Args:
        points: `(n, d)` real, n >= 1, computed in float64.
        count: how many axes, 1 <= count <= d.

    Returns:
        A :class:`PrincipalAxes` `(mean (d,), axes (d, count), spread (count,), total)`.

    Example:
        >>> pca = principal_axes([[-2.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, -1.0]], count=2)
        >>> pca.axes.T  # the x axis holds 80% of the spread, the z axis 20%
        array([[1., 0., 0.],
               [0., 0., 1.]])
        >>> pca.spread / pca.total
        array([0.8, 0.2])
    """
    x = as_float_array(points, name="points").astype(np.float64)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"points must have shape (n, d) with n, d >= 1, got {x.shape}")
    d = x.shape[1]
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 1 <= count <= d:
        raise ValueError(f"count must be an int in [1, {d}] for points of {d} dimensions, got {count!r}")
    mean = x.mean(axis=0)  # (d,)
    centred = x - mean
    values, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues of the (d, d) scatter
    order = np.argsort(values)[::-1][:count]
    axes = vectors[:, order]  # (d, count)
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), np.arange(count)])
    axes = axes * np.where(signs == 0, 1.0, signs)
    return PrincipalAxes(mean, axes, values[order], float(values.sum()))


def _clip(polygon: list, a: np.ndarray, b: float) -> list:
    """Sutherland-Hodgman: the part of a convex polygon (a list of 3D points) where a . x + b >= 0."""
    out = []
    n = len(polygon)
    for k in range(n):
        cur, nxt = polygon[k], polygon[(k + 1) % n]
        fc, fn = a @ cur + b, a @ nxt + b
        if fc >= 0:
            out.append(cur)
        if (fc >= 0) != (fn >= 0):  # the edge crosses the plane: keep the crossing point
            out.append(cur + (nxt - cur) * (fc / (fc - fn)))
    return out


def tie_face(rows: ArrayLike, offset: ArrayLike, i: int, j: int, *, extent: float) -> np.ndarray:
    r"""The face of a 3D slice of logit space where classes `i` and `j` tie for the lead, inside a box.

    The slice maps x in R^3 to the logits z(x) = rows @ x + offset (for example the sum-zero
    coordinates u = (u_1, u_2, u_3) of 4 logits, z = B u, or a slice u_4 = c of 5). The face is

    .. math:: F_{ij} = \{x : z_i(x) = z_j(x) \ge z_k(x) \ \forall k,\ \lvert x_d \rvert \le \text{extent}\}

    a convex polygon in the plane z_i = z_j: a square of that plane covering the box, clipped by
    the half-spaces z_i >= z_k of every other class and by the box's six faces.

    Args:
        rows: `(K, 3)` the slice's linear part.
        offset: `(K,)` its constant part.
        i, j: two different classes.
        extent: the box's half-width, > 0.

    Returns:
        `(m, 3)` the polygon's vertices in order around it; m = 0 where the two classes never tie
        for the lead inside the box (or rows i and j are equal, so z_i - z_j does not vary).

    Example:
        >>> face = tie_face(sum_zero_basis(4), np.zeros(4), 0, 1, extent=1.0)
        >>> z = face @ sum_zero_basis(4).T  # (m, 4) logits at the vertices
        >>> bool(np.allclose(z[:, 0], z[:, 1]) and np.all(z[:, 0] >= z[:, 2:].max(axis=1) - 1e-12))
        True
    """
    rows = as_float_array(rows, name="rows").astype(np.float64)
    offset = as_float_array(offset, name="offset").astype(np.float64)
    if rows.ndim != 2 or rows.shape[1] != 3 or offset.shape != rows.shape[:1]:
        raise ValueError(f"rows must be (K, 3) and offset (K,), got {rows.shape} and {offset.shape}")
    k = rows.shape[0]
    for name, c in (("i", i), ("j", j)):
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < k:
            raise ValueError(f"{name} must be a class in [0, {k}), got {c!r}")
    if i == j:
        raise ValueError(f"i and j must be different classes, got {i} twice")
    if not extent > 0:
        raise ValueError(f"extent must be > 0, got {extent!r}")
    normal = rows[i] - rows[j]  # (3,)
    norm_sq = float(normal @ normal)
    if norm_sq < 1e-24:
        return np.zeros((0, 3))
    origin = -(offset[i] - offset[j]) * normal / norm_sq  # (3,) the point of the plane nearest 0
    # two unit vectors spanning the plane
    helper = np.eye(3)[int(np.argmin(np.abs(normal)))]
    e1 = np.cross(normal, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(normal, e1) / np.sqrt(norm_sq)
    half = extent * np.sqrt(3) + np.linalg.norm(origin) + 1.0  # a square that covers the box's section
    polygon = [origin + half * (s * e1 + t * e2) for s, t in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    for other in range(k):
        if other not in (i, j):
            polygon = _clip(polygon, rows[i] - rows[other], offset[i] - offset[other])
    for d in range(3):
        for sign in (1.0, -1.0):  # extent - sign * x_d >= 0
            polygon = _clip(polygon, -sign * np.eye(3)[d], extent)
    return np.array(polygon).reshape(-1, 3)
