"""Neural collapse (Papyan, Han & Donoho 2020): the geometry of features and classifier late in training.

Papyan, Han and Donoho, "Prevalence of neural collapse during the terminal phase of deep
learning training", PNAS 117 (40), 2020. NC2's single-number Frobenius form follows Zhu et al.,
"A Geometric Analysis of Neural Collapse with Unconstrained Features", NeurIPS 2021.

Notation for one record: features h_s `(d,)` with labels y_s, the K classes present among the
labels, class means mu_c, their centre mu_G, and the centred means M_c = mu_c - mu_G stacked as
rows of M `(K, d)`.

Conventions, each a keyword where peers differ (README, "Reading the dynamics", lists them with sources):

- `center="classes"` (default): mu_G = mean_c mu_c, the mean of the class means, so the rows of
  M sum to zero and a perfect simplex ETF scores exactly 0 whatever the class frequencies.
  `center="global"`: mu_G = the mean of all samples, as Papyan et al. and rhubarbwu/neural-collapse;
  for balanced classes the two agree.
- NC1's pseudo-inverse follows `numpy.linalg.pinv(Sigma_B, rcond=max(K, d) * eps)`: eigenvalues
  of Sigma_B at or below rcond times the largest count as zero.
- `equinorm_ddof=0` (default): the population std of the norms; `equinorm_ddof=1` is the sample
  std (torch.std's default), sqrt(K / (K - 1)) times larger.
- `center_weights=True` (default): NC3 centres W over classes (softmax ignores a shift shared by
  every class's logit, so only the centred W acts); `center_weights=False` uses W as it is, as
  Papyan et al. and rhubarbwu/neural-collapse.
- NC4 compares the nearest class centre with given predictions; `neural_collapse` takes them from
  the run's logits (the classifier with its bias) unless `nc4_bias=False` (argmax of W h, no bias).
"""

import dataclasses

import numpy as np

from ._inputs import labels_array, run_arrays

__all__ = ["NeuralCollapse", "neural_collapse", "collapse_metrics", "READINGS"]

# the per-record readings, in table order
READINGS = ("nc1", "nc2", "nc2_equinorm", "nc2_equiangular", "nc3", "nc4")


def collapse_metrics(features, labels, *, weights=None, predictions=None, center="classes", center_weights=True,
                     equinorm_ddof=0) -> dict:
    r"""NC1-NC4 of one record of features.

    - **NC1**, within-class variability relative to between-class (0 at collapse):
      :math:`\mathrm{tr}(\Sigma_W \Sigma_B^{+}) / K` with
      :math:`\Sigma_W = \frac1S \sum_s (h_s - \mu_{y_s})(h_s - \mu_{y_s})^T`,
      :math:`\Sigma_B = \frac1K \sum_c M_c M_c^T` and :math:`^{+}` the pseudo-inverse of
      `numpy.linalg.pinv(Sigma_B, rcond=max(K, d) * eps)`: eigenvalues of Sigma_B at or below
      `max(K, d) * eps` times the largest count as zero (computed from the singular values s_j of M,
      since Sigma_B's eigenvalues are s_j^2 / K).
    - **NC2**, distance of the centred means from a simplex equiangular tight frame (0 at
      collapse): `nc2` = :math:`\| G / \|G\|_F - (I - \frac1K 11^T)/\sqrt{K-1} \|_F` with
      :math:`G = M M^T`; also Papyan's two parts: `nc2_equinorm` = std / mean of the norms
      :math:`\|M_c\|` (std with `equinorm_ddof`, 0 by default), and `nc2_equiangular` = mean over c != c' of
      :math:`|\cos(M_c, M_{c'}) + 1/(K-1)|`.
    - **NC3**, self-duality of classifier and means (0 at collapse):
      :math:`\| W / \|W\|_F - M / \|M\|_F \|_F^2`, W `(K, d)` the classifier's rows for the
      present classes, centred over classes first unless `center_weights=False` (softmax ignores
      a shift shared by every class's logit, so only the centred W acts; for rows summing to zero
      this is Papyan's NC3).
    - **NC4**, disagreement with the nearest-class-centre rule (0 at collapse): the fraction of
      samples where `predictions` differs from :math:`\arg\min_c \|h_s - \mu_c\|`.

    A reading that cannot be formed is NaN: NC1 when every class mean coincides, NC2 when a
    centred mean is zero, NC3 without `weights` (or with W or M zero), NC4 without `predictions`
    or when every class mean coincides (every sample then ties for the nearest centre).

    Args:
        features: `(S, d)` one record's features.
        labels: `(S,)` int classes; at least two distinct classes must occur.
        weights: `(C, d)` the last layer's weight matrix (C >= every label), or None.
        predictions: `(S,)` int, the network's predicted classes (argmax of its logits), or None;
            `argmax(features @ weights.T)` is the rule without the bias.
        center: "classes" (mu_G = mean of the class means) or "global" (mean of all samples).
        center_weights: centre W over classes before NC3.
        equinorm_ddof: 0 or 1, the std's degrees of freedom in `nc2_equinorm`.

    Returns:
        dict with the keys of `READINGS`, each a float.

    >>> etf = np.array([[1.0, 0.0], [-0.5, np.sqrt(3) / 2], [-0.5, -np.sqrt(3) / 2]])  # (K=3, d=2)
    >>> labels = np.array([0, 0, 1, 1, 2, 2])
    >>> m = collapse_metrics(etf[labels], labels, weights=etf, predictions=labels)
    >>> {name: round(value, 12) for name, value in m.items()}
    {'nc1': 0.0, 'nc2': 0.0, 'nc2_equinorm': 0.0, 'nc2_equiangular': 0.0, 'nc3': 0.0, 'nc4': 0.0}
    """
    h = np.asarray(features, dtype=np.float64)
    if h.ndim != 2 or h.shape[0] < 1 or h.shape[1] < 1:
        raise ValueError(f"features must have shape (samples, d) with both >= 1, got {h.shape}")
    samples, d = h.shape
    options = _options(center, center_weights, equinorm_ddof)
    present, index = _classes(labels, samples)
    w = None if weights is None else _weights(weights, d, present, center=center_weights)[None]  # (1, K, d)
    pred = None if predictions is None else _predictions(predictions, samples)[None]  # (1, S)
    if not np.all(np.isfinite(h)):
        raise ValueError("features must be finite (found NaN or inf)")
    batch = _collapse_batch(h[None], index, present, weights=w, predictions=pred, **options)
    return {name: float(values[0]) for name, values in batch.items()}


def _options(center, center_weights, equinorm_ddof) -> dict:
    """The conventions, checked; returns the keywords `_collapse_batch` takes."""
    if center not in ("classes", "global"):
        raise ValueError(f"center must be 'classes' or 'global', got {center!r}")
    if not isinstance(center_weights, bool):
        raise ValueError(f"center_weights must be True or False, got {center_weights!r}")
    if isinstance(equinorm_ddof, bool) or equinorm_ddof not in (0, 1):
        raise ValueError(f"equinorm_ddof must be 0 or 1, got {equinorm_ddof!r}")
    return {"center": center, "equinorm_ddof": int(equinorm_ddof)}


def _classes(labels, samples):
    """The classes present among `labels` and each sample's position among them."""
    y = labels_array(labels, samples, np.iinfo(np.int64).max)
    present, index = np.unique(y, return_inverse=True)  # index: (S,) position of each label in present
    if present.size < 2:
        raise ValueError(f"neural collapse needs samples of at least 2 classes, got only {present.tolist()}")
    return present, index


def _weights(weights, d, present, *, center=True):
    """`weights` `(..., C, d)` as float64 rows of the present classes, centred over classes if `center`."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim < 2 or w.shape[-1] != d or w.shape[-2] <= present[-1]:
        raise ValueError(f"weights must have shape (classes, {d}) with a row for every label "
                         f"(largest label {present[-1]}), got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite (found NaN or inf)")
    w = w[..., present, :]
    return w - w.mean(axis=-2, keepdims=True) if center else w  # centred: the part of W that softmax sees


def _predictions(predictions, samples):
    pred = np.asarray(predictions)
    if pred.shape[-1:] != (samples,):
        raise ValueError(f"predictions must have shape ({samples},), got {pred.shape}")
    return pred


def _collapse_batch(h, index, present, *, weights=None, predictions=None, center="classes",
                    equinorm_ddof=0) -> dict:
    """The readings of `collapse_metrics` for B records at once, vectorised over records.

    Args:
        h: `(B, S, d)` float64 finite features; index: `(S,)` each sample's class position;
        present: `(K,)` the class labels; weights: `(B, K, d)` rows (centred or not) or None;
        predictions: `(B, S)` or None; center, equinorm_ddof: as in `collapse_metrics`.

    Returns:
        dict of `READINGS` -> `(B,)` float64, NaN where undefined.
    """
    b, samples, d = h.shape
    k = present.size
    eps = np.finfo(np.float64).eps
    onehot = np.zeros((k, samples))  # (K, S); a matrix product sums each class far faster than np.add.at
    onehot[index, np.arange(samples)] = 1.0
    means = (onehot @ h) / onehot.sum(axis=1)[:, None]  # (B, K, d) class means mu_c
    centre = means.mean(axis=1, keepdims=True) if center == "classes" else h.mean(axis=1, keepdims=True)  # (B, 1, d)
    m = means - centre  # (B, K, d) centred means M
    within = h - means[:, index]  # (B, S, d) h_s - mu_{y_s}
    out = {name: np.full(b, np.nan) for name in READINGS}

    # NC1 without forming d x d matrices: with M = U diag(s) V^T, Sigma_B^+ = sum_j (K / s_j^2) v_j v_j^T,
    # so tr(Sigma_W Sigma_B^+) / K = sum_j mean_s((within_s . v_j)^2) / s_j^2
    _, sv, vt = np.linalg.svd(m, full_matrices=False)  # sv: (B, r), vt: (B, r, d) with r = min(K, d)
    spread = np.mean((within @ vt.transpose(0, 2, 1)) ** 2, axis=1)  # (B, r)
    # numpy.linalg.pinv(Sigma_B, rcond=max(K, d) eps) keeps eigenvalues s_j^2 / K > rcond * s_max^2 / K
    keep = sv**2 > sv[:, :1] ** 2 * (max(k, d) * eps)  # (B, r); all False where M = 0
    ratio = np.divide(spread, sv**2, out=np.zeros_like(spread), where=keep)
    separated = sv[:, 0] > 0  # (B,) some class mean differs from the others
    out["nc1"][separated] = ratio.sum(axis=1)[separated]

    norms = np.linalg.norm(m, axis=2)  # (B, K)
    ok = norms.min(axis=1) > 0  # (B,) every centred mean has a direction
    if ok.any():
        mo, no = m[ok], norms[ok]
        gram = mo @ mo.transpose(0, 2, 1)  # (B', K, K)
        etf = (np.eye(k) - 1.0 / k) / np.sqrt(k - 1)  # the simplex ETF Gram, unit Frobenius norm
        out["nc2"][ok] = np.linalg.norm(gram / np.linalg.norm(gram, axis=(1, 2))[:, None, None] - etf, axis=(1, 2))
        out["nc2_equinorm"][ok] = no.std(axis=1, ddof=equinorm_ddof) / no.mean(axis=1)
        cosines = gram / (no[:, :, None] * no[:, None, :])  # (B', K, K)
        off = ~np.eye(k, dtype=bool)
        out["nc2_equiangular"][ok] = np.mean(np.abs(cosines[:, off] + 1.0 / (k - 1)), axis=1)

    if weights is not None:
        w_norm, m_norm = np.linalg.norm(weights, axis=(1, 2)), np.linalg.norm(m, axis=(1, 2))  # (B,) each
        ok = (w_norm > 0) & (m_norm > 0)
        if ok.any():
            diff = weights[ok] / w_norm[ok, None, None] - m[ok] / m_norm[ok, None, None]
            out["nc3"][ok] = np.sum(diff**2, axis=(1, 2))

    # with every class mean at one point each sample ties for nearest centre: no rule to agree with
    if predictions is not None and separated.any():
        # argmin_c |h - mu_c|^2 = argmin_c (|mu_c|^2 - 2 h . mu_c); |h|^2 is the same for every c
        scores = (means**2).sum(axis=2)[:, None, :] - 2.0 * h @ means.transpose(0, 2, 1)  # (B, S, K)
        nearest = present[np.argmin(scores, axis=2)]  # (B, S)
        out["nc4"][separated] = np.mean(nearest != predictions, axis=1)[separated]
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class NeuralCollapse:
    """NC1-NC4 over the chosen records of a run (see `collapse_metrics` for the definitions).

    Attributes:
        steps: `(R',)` training steps of the records.
        nc1, nc2, nc2_equinorm, nc2_equiangular, nc3, nc4: `(R',)` float, NaN where undefined.
        source: "features" (recorded features and weights), "features without weights"
            (NC3 is NaN) or "logits" (the logits stand in for the features).
    """

    steps: np.ndarray
    nc1: np.ndarray
    nc2: np.ndarray
    nc2_equinorm: np.ndarray
    nc2_equiangular: np.ndarray
    nc3: np.ndarray
    nc4: np.ndarray
    source: str


def neural_collapse(run, *, records=None, source="auto", center="classes", center_weights=True, equinorm_ddof=0,
                    nc4_bias=True) -> NeuralCollapse:
    """NC1-NC4 at every chosen record of `run`.

    With `source="features"` (the default when the run carries an extra `features`
    `(records, samples, d)`), the readings use those features, and the classifier's weights
    from the extra `weights` `(records, classes, d)` when present (NC3 is NaN without them).
    NC4 compares the nearest-class-centre rule with the argmax of the run's logits (ties to
    the lowest class).

    With `source="logits"` (the default otherwise) the logits stand in for the features: each
    is first projected onto the sum-zero subspace, z - mean(z) (softmax ignores the rest), and
    the classifier is the identity, whose centred rows I - 11^T/K are themselves a simplex ETF.
    All four readings are then defined: NC1 and NC2 ask whether the logits of each class
    gather at one point and whether those points form a regular simplex; NC3 whether they
    point at their own one-hot vertex; NC4 whether the nearest class-mean logit agrees with
    the argmax.

    Args:
        run: a `softmaxlab.store.Run`.
        records: None (all), a slice, an int or a sequence of ints, as in `cartography`.
        source: "auto", "features" or "logits".
        center, center_weights, equinorm_ddof: the conventions of `collapse_metrics`.
        nc4_bias: True: NC4 compares with the argmax of the run's logits (the classifier with its
            bias); False: with argmax(W h), the recorded weights without the bias (needs the
            `features` and `weights` extras; the logits themselves have the bias inside).

    >>> from softmaxlab.store import Run
    >>> logits = np.array([[[0.0, 0.0], [0.0, 0.0]],        # step 0: all equal, NC1 undefined
    ...                    [[2.0, -2.0], [-2.0, 2.0]]])      # step 9: two collapsed points
    >>> nc = neural_collapse(Run(logits=logits, steps=[0, 9], labels=[0, 1]))
    >>> nc.source, nc.nc1, nc.nc2, nc.nc4
    ('logits', array([nan,  0.]), array([nan,  0.]), array([nan,  0.]))
    """
    if source not in ("auto", "features", "logits"):
        raise ValueError(f"source must be 'auto', 'features' or 'logits', got {source!r}")
    options = _options(center, center_weights, equinorm_ddof)
    if not isinstance(nc4_bias, bool):
        raise ValueError(f"nc4_bias must be True or False, got {nc4_bias!r}")
    logits, labels, steps, chosen = run_arrays(run, records=records)  # (R', S, K)
    extras = getattr(run, "extras", None) or {}
    if source == "auto":
        source = "features" if "features" in extras else "logits"
    if source == "features":
        if "features" not in extras:
            raise ValueError("source='features' needs the run's extra 'features' (records, samples, d)")
        total = np.shape(run.logits)[0]  # every record, before the selection
        features = np.asarray(extras["features"])
        if features.ndim != 3 or features.shape[:2] != (total, logits.shape[1]):
            raise ValueError(f"run.extras['features'] must have shape (records, samples, d) = "
                             f"({total}, {logits.shape[1]}, d), got {features.shape}")
        features = features[chosen]  # (R', S, d)
        weights = extras.get("weights")
        if weights is not None:
            weights = np.asarray(weights)
            if weights.ndim != 3 or weights.shape[:2] != (total, logits.shape[2]):
                raise ValueError(f"run.extras['weights'] must have shape (records, classes, d) = "
                                 f"({total}, {logits.shape[2]}, {features.shape[2]}), got {weights.shape}")
            weights = weights[chosen]  # (R', K, d)
        label = "features" if weights is not None else "features without weights"
    else:
        features = logits - logits.mean(axis=-1, keepdims=True)  # (R', S, K) sum-zero projection
        weights = np.broadcast_to(np.eye(logits.shape[2]), (len(chosen),) + (logits.shape[2],) * 2)
        label = "logits"
    if not nc4_bias and (label != "features"):
        raise ValueError("nc4_bias=False needs recorded features and weights (run.extras 'features' and "
                         "'weights'); the logits already contain the bias")
    present, index = _classes(labels, logits.shape[1])
    predictions = np.argmax(logits, axis=-1)  # (R', S) the classifier with its bias
    if not nc4_bias:  # argmax of W h over every class, without the bias
        predictions = np.argmax(np.einsum("rsd,rkd->rsk", np.asarray(features, np.float64),
                                          np.asarray(weights, np.float64)), axis=-1)
    if weights is not None:
        weights = _weights(weights, features.shape[2], present, center=center_weights)  # (R', K, d)
    finite = np.isfinite(features).all(axis=(1, 2))  # (R',)
    if not finite.all():
        bad = int(np.argmin(finite))
        raise ValueError(f"run.extras['features'] are not finite at record {int(chosen[bad])} (step {int(steps[bad])})")
    # records in chunks of ~4 million feature values, so the float64 copies stay small
    chunk = max(1, 4_000_000 // (features.shape[1] * features.shape[2]))
    parts = [_collapse_batch(np.asarray(features[i : i + chunk], dtype=np.float64), index, present,
                             weights=None if weights is None else weights[i : i + chunk],
                             predictions=predictions[i : i + chunk], **options)
             for i in range(0, len(chosen), chunk)]
    columns = {name: np.concatenate([part[name] for part in parts]) for name in READINGS}  # each (R',)
    return NeuralCollapse(steps=steps, source=label, **columns)
