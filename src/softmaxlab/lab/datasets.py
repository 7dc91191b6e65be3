"""Datasets for the lab: small, generated, seeded point clouds (NumPy only).

Every dataset maker has the same signature,
``make(rng, *, classes, dim, samples_per_class, noise, frequencies) -> (inputs, labels)``,
with ``inputs`` ``(samples, dim)`` float32 and ``labels`` ``(samples,)`` int64, samples
grouped by class (class 0 first). ``rng`` is a `softmaxlab.core.random.Threefry` (the lab's is the
stream ``(seed, STREAMS["data"])``): the makers draw its normals in the order docs/random.md gives,
compute in float64 with + - * / sqrt and the generator's own `log` and `sincos`, and round to float32
once, so that ``static/js/lab/datasets.js`` makes the same inputs bit for bit.
``DATASETS`` maps each name to a :class:`DatasetSpec`; the CLI flags, the app's controls and the URL
read their choices from it.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from softmaxlab.core.random import Threefry, sincos


@dataclass(frozen=True)
class DatasetSpec:
    """One named dataset: its maker, one line of help, and the input dimensions it accepts."""

    name: str
    make: Callable
    help: str
    min_dim: int = 1
    fixed_classes: int | None = None  # the reference set always has 3 classes in 3D
    fixed_dim: int | None = None


def class_counts(*, classes, samples_per_class, frequencies=()):
    """Samples per class: ``samples_per_class`` each, or ``round(K * n * f_k)`` (at least 1) for frequencies f.

    >>> class_counts(classes=3, samples_per_class=20).tolist()
    [20, 20, 20]
    >>> class_counts(classes=2, samples_per_class=50, frequencies=(0.9, 0.1)).tolist()
    [90, 10]
    """
    if not frequencies:
        return np.full(classes, samples_per_class, dtype=np.int64)
    total = 0.0
    for v in frequencies:  # in order, one addition at a time: the browser sums the same way
        total += float(v)
    f = np.asarray(frequencies, dtype=np.float64) / total
    return np.maximum(1, np.rint(classes * samples_per_class * f)).astype(np.int64)


def imbalanced_frequencies(classes):
    """The imbalanced dataset's default class frequencies, 1 : 1/2 : 1/4 ... (f_k proportional to 2^-k).

    >>> imbalanced_frequencies(3)
    (1.0, 0.5, 0.25)
    """
    return tuple(2.0**-k for k in range(classes))


def _labels(counts):
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)  # (samples,)


def _normals(rng, n, dim):
    """The next ``n * dim`` standard normals of ``rng`` as ``(n, dim)``, row by row."""
    return rng.normal(n * dim).reshape(n, dim)


def _directions(rng, n, dim):
    """``n`` points uniform on the unit sphere in ``dim`` dimensions: normalised standard normals."""
    g = _normals(rng, n, dim)  # (n, dim)
    squares = g[:, 0] * g[:, 0]
    for j in range(1, dim):  # the squared norm summed column by column, as the browser does
        squares = squares + g[:, j] * g[:, j]
    norms = np.sqrt(squares)[:, None]  # (n, 1)
    return g / np.where(norms == 0.0, 1.0, norms)


def linspace(start, stop, num):
    """``num`` evenly spaced numbers from ``start`` to ``stop``: start + ((stop - start) j) / (num - 1).

    >>> linspace(0.1, 1.0, 4).tolist()
    [0.1, 0.4, 0.7, 1.0]
    >>> linspace(0.1, 1.0, 1).tolist()
    [0.1]
    """
    j = np.arange(num, dtype=np.float64)
    return start + ((stop - start) * j) / max(num - 1, 1)


def reference(rng, *, classes=3, dim=3, samples_per_class=20, noise=1.0, frequencies=()):
    """The video's three-class set (docs/design.md): N(0, noise^2 I) + (2,0,0), N(0, noise^2 I) - (2,0,0), radius-4 sphere.

    >>> x, y = reference(Threefry(0, 1))
    >>> x.shape, np.bincount(y).tolist(), bool(np.allclose(np.linalg.norm(x[y == 2], axis=1), 4.0))
    ((60, 3), [20, 20, 20], True)
    """
    n = samples_per_class
    shift = np.array([2.0, 0.0, 0.0])
    class0 = noise * _normals(rng, n, 3) + shift  # (n, 3)
    class1 = noise * _normals(rng, n, 3) - shift  # (n, 3)
    class2 = 4.0 * _directions(rng, n, 3)  # (n, 3) on the sphere of radius 4
    inputs = np.concatenate([class0, class1, class2]).astype(np.float32)
    return inputs, _labels([n, n, n])


def blobs(rng, *, classes=3, dim=3, samples_per_class=20, noise=1.0, frequencies=()):
    """Isotropic Gaussian blobs: centres ~ N(0, 9 I), points = centre + N(0, noise^2 I).

    >>> x, y = blobs(Threefry(0, 1), classes=4, dim=5, samples_per_class=10)
    >>> x.shape, np.bincount(y).tolist()
    ((40, 5), [10, 10, 10, 10])
    """
    counts = class_counts(classes=classes, samples_per_class=samples_per_class, frequencies=frequencies)
    centres = 3.0 * _normals(rng, classes, dim)  # (classes, dim)
    labels = _labels(counts)
    inputs = centres[labels] + noise * _normals(rng, len(labels), dim)  # (samples, dim)
    return inputs.astype(np.float32), labels


def imbalanced(rng, *, classes=3, dim=3, samples_per_class=20, noise=1.0, frequencies=()):
    """Gaussian blobs whose class k holds ``round(K * n * f_k)`` samples (default f_k proportional to 2^-k).

    >>> x, y = imbalanced(Threefry(0, 1), classes=2, samples_per_class=50, frequencies=(0.8, 0.2))
    >>> np.bincount(y).tolist()
    [80, 20]
    """
    if not frequencies:
        frequencies = imbalanced_frequencies(classes)
    return blobs(rng, classes=classes, dim=dim, samples_per_class=samples_per_class, noise=noise,
                 frequencies=frequencies)


def shells(rng, *, classes=3, dim=3, samples_per_class=20, noise=1.0, frequencies=()):
    """Concentric spheres: class k lies on radius k + 1, plus N(0, (0.1 noise)^2 I) jitter.

    >>> x, y = shells(Threefry(0, 1), classes=2, dim=2, samples_per_class=5, noise=0.0)
    >>> np.linalg.norm(x, axis=1).round(3).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    """
    counts = class_counts(classes=classes, samples_per_class=samples_per_class, frequencies=frequencies)
    labels = _labels(counts)
    radii = (labels + 1.0)[:, None]  # (samples, 1)
    directions = _directions(rng, len(labels), dim)  # (samples, dim), drawn before the jitter
    inputs = radii * directions + 0.1 * noise * _normals(rng, len(labels), dim)
    return inputs.astype(np.float32), labels


def spirals(rng, *, classes=3, dim=2, samples_per_class=20, noise=1.0, frequencies=()):
    """K interleaved spiral arms in the first two dimensions (radius t, angle 4 pi t + 2 pi k / K, t in [0.1, 1]).

    Extra dimensions, and every coordinate, get N(0, (0.05 noise)^2) jitter.

    >>> x, y = spirals(Threefry(0, 1), classes=3, dim=4, samples_per_class=7)
    >>> x.shape, np.bincount(y).tolist()
    ((21, 4), [7, 7, 7])
    """
    counts = class_counts(classes=classes, samples_per_class=samples_per_class, frequencies=frequencies)
    labels = _labels(counts)
    t = np.concatenate([linspace(0.1, 1.0, c) for c in counts])  # (samples,)
    angle = 4.0 * np.pi * t + 2.0 * np.pi * labels / classes
    sin, cos = sincos(angle)  # the generator's own, which the browser repeats bit for bit
    inputs = np.zeros((len(labels), dim))
    inputs[:, 0] = t * cos
    inputs[:, 1] = t * sin
    inputs += 0.05 * noise * _normals(rng, len(labels), dim)
    return inputs.astype(np.float32), labels


DATASETS = {
    spec.name: spec
    for spec in (
        DatasetSpec("reference", reference, "the video's set: two shifted Gaussians and a radius-4 sphere (3 classes, 3D)",
                    fixed_classes=3, fixed_dim=3),
        DatasetSpec("blobs", blobs, "K Gaussian blobs in d dimensions (std = noise)"),
        DatasetSpec("shells", shells, "K concentric spheres of radius 1..K in d dimensions", min_dim=2),
        DatasetSpec("spirals", spirals, "K interleaved spiral arms in the plane (extra dimensions are jitter)",
                    min_dim=2),
        DatasetSpec("imbalanced", imbalanced, "Gaussian blobs with class frequencies (default 1 : 1/2 : 1/4 ...)"),
    )
}
