"""Neural collapse readings: exact zeros on a simplex ETF, hand-computed values, and a d x d reference."""

import numpy as np
import pytest
from scipy.linalg import pinv
from scipy.stats import ortho_group

from softmaxlab.analysis import collapse_metrics, neural_collapse
from softmaxlab.store import Run

ZEROS = dict.fromkeys(["nc1", "nc2", "nc2_equinorm", "nc2_equiangular", "nc3", "nc4"], 0.0)


def _simplex_etf(k, d, *, scale=1.0, seed=0):
    """K unit vectors in R^d with pairwise cosine -1/(K-1), randomly rotated: `(K, d)`.

    Built independently of the code under test: the centred one-hot vectors e_c - 1/K,
    normalised, span the (K-1)-dimensional sum-zero subspace of R^K; their coordinates in an
    orthonormal basis of it (QR) keep every inner product, and a random orthogonal matrix
    carries those into R^d (d >= K - 1).
    """
    vertices = np.eye(k) - 1.0 / k  # (K, K)
    vertices /= np.linalg.norm(vertices, axis=1, keepdims=True)
    basis = np.linalg.qr(np.eye(k) - 1.0 / k)[0][:, : k - 1]  # (K, K-1) orthonormal, sum-zero columns
    rotation = ortho_group.rvs(d, random_state=seed)[:, : k - 1]  # (d, K-1) orthonormal columns
    return scale * (vertices @ basis) @ rotation.T  # (K, d)


def _nc1_reference(h, labels):
    """tr(Sigma_W Sigma_B^+) / K with d x d covariance matrices and scipy's pseudo-inverse."""
    classes = np.unique(labels)
    means = np.array([h[labels == c].mean(axis=0) for c in classes])
    centre = means.mean(axis=0)
    d = h.shape[1]
    sigma_w = np.zeros((d, d))
    for x, c in zip(h, labels):
        diff = x - means[np.searchsorted(classes, c)]
        sigma_w += np.outer(diff, diff) / len(h)
    sigma_b = sum(np.outer(m - centre, m - centre) for m in means) / len(classes)
    return np.trace(sigma_w @ pinv(sigma_b, atol=1e-10)) / len(classes)


@pytest.mark.parametrize("k,d", [(2, 2), (3, 5), (4, 3), (10, 64)])
def test_a_simplex_etf_with_no_spread_and_matching_classifier_collapses_exactly(k, d):
    means = _simplex_etf(k, d, scale=3.0, seed=k)  # (K, d)
    labels = np.repeat(np.arange(k), np.arange(k) + 2)  # unbalanced: 2, 3, ... samples per class
    h = means[labels] + 5.0  # the same offset on every feature: the global mean is not zero
    weights = 0.7 * means + np.arange(d)  # scaled, and shifted alike for every class (softmax ignores it)
    predictions = np.argmax((h - 5.0) @ means.T, axis=1)
    m = collapse_metrics(h, labels, weights=weights, predictions=predictions)
    assert m == pytest.approx(ZEROS, abs=1e-10)


def test_random_features_are_clearly_not_collapsed():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 25)
    h = rng.normal(size=(100, 8))
    m = collapse_metrics(h, labels, weights=rng.normal(size=(4, 8)), predictions=rng.integers(0, 4, size=100))
    assert m["nc1"] > 1.0 and m["nc2"] > 0.1 and m["nc3"] > 0.5 and m["nc4"] > 0.3
    assert m["nc2_equinorm"] > 0.05 and m["nc2_equiangular"] > 0.05


@pytest.mark.parametrize("k,d,samples", [(3, 2, 30), (4, 8, 80), (5, 3, 40)])
def test_nc1_matches_a_reference_with_full_covariances(k, d, samples):
    rng = np.random.default_rng(k * d)
    labels = rng.integers(0, k, size=samples)
    labels[:k] = np.arange(k)  # every class present
    h = rng.normal(size=(samples, d)) + 2 * rng.normal(size=(k, d))[labels]
    assert collapse_metrics(h, labels)["nc1"] == pytest.approx(_nc1_reference(h, labels), rel=1e-8)


def test_nc1_grows_with_the_within_class_spread():
    rng = np.random.default_rng(1)
    means = _simplex_etf(3, 4)
    labels = np.repeat(np.arange(3), 50)
    noise = rng.normal(size=(150, 4))
    values = [collapse_metrics(means[labels] + s * noise, labels)["nc1"] for s in (0.01, 0.1, 0.5)]
    assert 0 < values[0] < values[1] < values[2]


def test_nc2_and_nc3_on_hand_computed_means():
    # centred means (2, 0), (-1, 1), (-1, -1): norms 2, sqrt 2, sqrt 2; cosines -1/sqrt 2, -1/sqrt 2, 0
    m = np.array([[2.0, 0.0], [-1.0, 1.0], [-1.0, -1.0]])
    labels = np.array([0, 1, 2])
    out = collapse_metrics(m + [3.0, -4.0], labels, weights=-m)
    norms = np.array([2.0, np.sqrt(2), np.sqrt(2)])
    assert out["nc2_equinorm"] == pytest.approx(np.sqrt(np.mean((norms - norms.mean()) ** 2)) / norms.mean())
    assert out["nc2_equiangular"] == pytest.approx((4 * abs(0.5 - 1 / np.sqrt(2)) + 2 * 0.5) / 6)
    # G / |G|_F against (I - 11^T/3) / sqrt 2, entry by entry
    gram = np.array([[4.0, -2, -2], [-2, 2, 0], [-2, 0, 2]]) / np.sqrt(16 + 4 * 4 + 2 * 4)
    etf = np.array([[2.0, -1, -1], [-1, 2, -1], [-1, -1, 2]]) / 3 / np.sqrt(2)
    assert out["nc2"] == pytest.approx(np.sqrt(np.sum((gram - etf) ** 2)))
    assert out["nc3"] == pytest.approx(4.0)  # W = -M: |a - (-a)|^2 = 4 for unit a
    assert out["nc1"] == pytest.approx(0.0, abs=1e-12)


def test_nc4_counts_disagreements_with_the_nearest_centre():
    h = np.array([[0.0, 0.0], [0.1, 0.0], [4.0, 0.0], [3.9, 0.0]])
    labels = np.array([0, 0, 1, 1])  # centres (0.05, 0) and (3.95, 0)
    nearest = np.array([0, 0, 1, 1])
    assert collapse_metrics(h, labels, predictions=nearest)["nc4"] == 0.0
    assert collapse_metrics(h, labels, predictions=[0, 1, 1, 1])["nc4"] == 0.25
    assert collapse_metrics(h, labels, predictions=[1, 1, 0, 0])["nc4"] == 1.0


def test_readings_do_not_depend_on_rotation_or_scale_of_the_feature_space():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(4), 10)
    h = rng.normal(size=(40, 6)) + 3 * rng.normal(size=(4, 6))[labels]
    w = rng.normal(size=(4, 6))
    q = ortho_group.rvs(6, random_state=3)
    a = collapse_metrics(h, labels, weights=w)
    b = collapse_metrics(2.5 * h @ q, labels, weights=0.1 * w @ q)
    assert b == pytest.approx(a, rel=1e-8, nan_ok=True)


def test_undefined_readings_are_nan():
    labels = np.array([0, 1, 0, 1])
    same = collapse_metrics(np.ones((4, 3)), labels, weights=np.eye(2, 3), predictions=labels)
    assert all(np.isnan(v) for v in same.values())  # every class mean at one point
    no_extras = collapse_metrics(np.eye(4, 3), labels)
    assert np.isnan(no_extras["nc3"]) and np.isnan(no_extras["nc4"]) and no_extras["nc1"] >= 0


def test_neural_collapse_reads_recorded_features_and_weights():
    rng = np.random.default_rng(4)
    k, d, samples = 3, 5, 12
    labels = np.arange(samples) % k
    means = _simplex_etf(k, d)
    # records: random, half-way, collapsed with the classifier aligned
    features = np.stack([rng.normal(size=(samples, d)), means[labels] + 0.3 * rng.normal(size=(samples, d)),
                         means[labels]])  # (R, S, d)
    weights = np.stack([rng.normal(size=(k, d)), rng.normal(size=(k, d)), 2 * means])  # (R, K, d)
    logits = np.einsum("rsd,rkd->rsk", features, weights)  # (R, S, K)
    run = Run(logits=logits, steps=[0, 5, 10], labels=labels,
              extras={"features": features.astype(np.float32), "weights": weights.astype(np.float32)})
    nc = neural_collapse(run)
    assert nc.source == "features" and nc.steps.tolist() == [0, 5, 10]
    for r in range(3):
        expected = collapse_metrics(features[r].astype(np.float32), labels, weights=weights[r].astype(np.float32),
                                    predictions=np.argmax(run.logits[r], axis=1))
        assert {name: getattr(nc, name)[r] for name in ZEROS} == pytest.approx(expected)
    assert [nc.nc1[2], nc.nc2[2], nc.nc3[2], nc.nc4[2]] == pytest.approx([0, 0, 0, 0], abs=1e-6)
    assert nc.nc1[0] > nc.nc1[1] > nc.nc1[2]
    skipped = neural_collapse(run, records=slice(1, None))
    assert skipped.steps.tolist() == [5, 10] and skipped.nc1 == pytest.approx(nc.nc1[1:])
    no_weights = neural_collapse(Run(logits=logits, steps=[0, 5, 10], labels=labels, extras={"features": features}))
    assert no_weights.source == "features without weights" and np.isnan(no_weights.nc3).all()
    assert no_weights.nc1 == pytest.approx(nc.nc1, rel=1e-5)


def test_records_read_in_chunks_match_one_record_at_a_time():
    # 700 samples x 3000 features is over half the 4-million-value chunk: one record per chunk
    rng = np.random.default_rng(6)
    labels = np.arange(700) % 4
    features = rng.normal(size=(3, 700, 3000)).astype(np.float32)
    features[1] = 1.0  # a record where every class mean coincides: NC1 undefined
    features[2] += 5 * rng.normal(size=(4, 3000)).astype(np.float32)[labels]
    run = Run(logits=rng.normal(size=(3, 700, 4)), steps=[0, 1, 2], labels=labels, extras={"features": features})
    nc = neural_collapse(run)
    assert np.isnan(nc.nc1[1]) and np.isnan(nc.nc4[1])
    for r in (0, 2):  # the batched, chunked path against the one-record path
        one = collapse_metrics(features[r], labels, predictions=np.argmax(run.logits[r], axis=1))
        assert {name: getattr(nc, name)[r] for name in ZEROS} == pytest.approx(one, rel=1e-10, nan_ok=True)
    assert nc.nc1[0] > 10 * nc.nc1[2]


def test_neural_collapse_from_logits_alone():
    labels = np.repeat(np.arange(4), 3)
    onehot = 6.0 * np.eye(4)[labels]  # (S, K): each class at its own vertex, scaled
    rng = np.random.default_rng(5)
    logits = np.stack([rng.normal(size=(12, 4)), onehot + rng.normal(size=(12, 1))])  # per-sample shifts
    nc = neural_collapse(Run(logits=logits, steps=[0, 1], labels=labels))
    assert nc.source == "logits"
    assert [nc.nc1[1], nc.nc2[1], nc.nc3[1], nc.nc4[1]] == pytest.approx([0, 0, 0, 0], abs=1e-6)
    assert nc.nc1[0] > 1 and nc.nc2[0] > 0.1 and nc.nc3[0] > 0.1
    # the reading equals collapse_metrics on the sum-zero logits with the identity as classifier
    centred = logits[0] - logits[0].mean(axis=1, keepdims=True)
    expected = collapse_metrics(centred, labels, weights=np.eye(4), predictions=np.argmax(logits[0], axis=1))
    assert {name: getattr(nc, name)[0] for name in ZEROS} == pytest.approx(expected, rel=1e-5)
    # shifting every logit of a sample by one constant changes nothing
    shifted = neural_collapse(Run(logits=logits + rng.normal(size=(2, 12, 1)), steps=[0, 1], labels=labels))
    assert shifted.nc1 == pytest.approx(nc.nc1, rel=1e-4) and shifted.nc3 == pytest.approx(nc.nc3, rel=1e-4)


def test_bad_input_is_named():
    labels = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        collapse_metrics(np.ones((4, 2)), [1, 1, 1, 1])
    with pytest.raises(ValueError, match="features must have shape"):
        collapse_metrics(np.ones(4), labels)
    with pytest.raises(ValueError, match="labels must have shape"):
        collapse_metrics(np.ones((4, 2)), [0, 1])
    with pytest.raises(ValueError, match="weights must have shape"):
        collapse_metrics(np.ones((4, 2)), labels, weights=np.ones((2, 3)))
    with pytest.raises(ValueError, match="predictions must have shape"):
        collapse_metrics(np.ones((4, 2)), labels, predictions=[0, 1])
    with pytest.raises(ValueError, match="features must be finite"):
        collapse_metrics(np.full((4, 2), np.nan), labels)
    run = Run(logits=np.zeros((2, 4, 2)), steps=[0, 1], labels=labels)
    with pytest.raises(ValueError, match="source"):
        neural_collapse(run, source="weights")
    with pytest.raises(ValueError, match="extra 'features'"):
        neural_collapse(run, source="features")
    bad = Run(logits=np.zeros((2, 4, 2)), steps=[0, 1], labels=labels, extras={"features": np.zeros((2, 3, 5))})
    with pytest.raises(ValueError, match=r"extras\['features'\] must have shape"):
        neural_collapse(bad)
    bad = Run(logits=np.zeros((2, 4, 2)), steps=[0, 1], labels=labels,
              extras={"features": np.zeros((2, 4, 5)), "weights": np.zeros((2, 3, 5))})
    with pytest.raises(ValueError, match=r"extras\['weights'\] must have shape"):
        neural_collapse(bad)
    one_class = Run(logits=np.zeros((2, 4, 2)), steps=[0, 7], labels=[1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"neural collapse needs samples of at least 2 classes, got only \[1\]"):
        neural_collapse(one_class)
    nan_features = np.zeros((2, 4, 3))
    nan_features[1, 2, 0] = np.nan
    bad = Run(logits=np.zeros((2, 4, 2)), steps=[0, 7], labels=labels, extras={"features": nan_features})
    with pytest.raises(ValueError, match=r"not finite at record 1 \(step 7\)"):
        neural_collapse(bad)
    assert neural_collapse(bad, records=[0]).steps.tolist() == [0]  # the records before it still read
    with pytest.raises(ValueError, match="empty"):
        neural_collapse(Run(logits=np.zeros((0, 4, 2)), steps=np.zeros(0, np.int64), labels=labels))


def test_readings_of_a_real_recorded_torch_training(tmp_path):
    """A recorder on a real PyTorch loop: the last record's readings equal those of the model itself."""
    torch = pytest.importorskip("torch")
    from softmaxlab.record import LogitRecorder
    from softmaxlab.store import load_run

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: threads only contend on a shared machine
    try:
        _record_and_compare(torch, LogitRecorder, load_run, tmp_path)
    finally:
        torch.set_num_threads(threads)


def _record_and_compare(torch, LogitRecorder, load_run, tmp_path):
    torch.manual_seed(0)
    centres = torch.tensor([[3.0, 0.0], [-1.5, 2.6], [-1.5, -2.6]])
    y = torch.arange(90) % 3
    x = centres[y] + 0.7 * torch.randn(90, 2)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)
    with LogitRecorder(model, x, y, every=25, out=tmp_path / "run", features="3") as recorder:
        for _ in range(300):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            recorder.step()
    nc = neural_collapse(load_run(tmp_path / "run"))
    assert nc.source == "features" and nc.steps[-1] == 300
    with torch.no_grad():
        h, z = model[:4](x).numpy(), model(x).numpy()
    expected = collapse_metrics(h, y.numpy(), weights=model[4].weight.detach().numpy(), predictions=z.argmax(1))
    assert {name: getattr(nc, name)[-1] for name in ZEROS} == pytest.approx(expected, rel=1e-4, abs=1e-6)
    assert nc.nc1[-1] < nc.nc1[1] and nc.nc4[-1] < 0.1  # training gathers each class


def _textbook(h, labels, *, center="classes", rcond=None):
    """Class means, centred means and NC1 the textbook way (d x d matrices, numpy's pinv with its rcond)."""
    classes = np.unique(labels)
    k, d = len(classes), h.shape[1]
    means = np.array([h[labels == c].mean(axis=0) for c in classes])  # (K, d)
    m = means - (means.mean(axis=0) if center == "classes" else h.mean(axis=0))
    within = h - means[np.searchsorted(classes, labels)]
    sigma_w = within.T @ within / len(h)
    sigma_b = m.T @ m / k
    rcond = max(k, d) * np.finfo(float).eps if rcond is None else rcond
    return means, m, np.trace(sigma_w @ np.linalg.pinv(sigma_b, rcond=rcond)) / k


@pytest.mark.parametrize("offset", [1e-9, 1e-5])
def test_nc1_pseudo_inverse_cut_off_is_numpys_rule_on_sigma_b(offset):
    # two classes far apart and a third whose mean lies a hair off their line: Sigma_B is nearly rank 1
    rng = np.random.default_rng(3)
    d = 4
    centres = np.array([[1.0, 0, 0, 0], [-1.0, 0, 0, 0], [0.0, offset, 0, 0]])
    labels = np.repeat(np.arange(3), 50)
    noise = 0.1 * rng.standard_normal((150, d))
    noise -= np.array([noise[labels == c].mean(axis=0) for c in range(3)])[labels]  # class means exactly the centres
    h = centres[labels] + noise
    _, _, reference = _textbook(h, labels)
    nc1 = collapse_metrics(h, labels)["nc1"]
    assert nc1 == pytest.approx(reference, rel=1e-6)
    if offset == 1e-9:  # an eigenvalue ratio of ~1e-18 < max(K, d) eps: cut, so NC1 stays moderate
        assert nc1 < 1.0
    else:  # 1e-10 > max(K, d) eps: kept, and the within-class spread along it dominates
        assert nc1 > 1e6


def test_equinorm_ddof_and_the_peers_conventions_by_keyword():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    k, d = 4, 6
    labels = np.concatenate([np.repeat(np.arange(k), [40, 20, 10, 5])])  # imbalanced
    centres = 3 * rng.standard_normal((k, d))
    h = centres[labels] + rng.standard_normal((len(labels), d))
    w = rng.standard_normal((k, d)) + 0.5  # rows that do not sum to zero
    for center in ("classes", "global"):
        means, m, nc1 = _textbook(h, labels, center=center)
        norms = np.linalg.norm(m, axis=1)
        for ddof in (0, 1):
            got = collapse_metrics(h, labels, weights=w, center=center, equinorm_ddof=ddof)
            assert got["nc1"] == pytest.approx(nc1, rel=1e-9)
            std = torch.tensor(norms).std(correction=ddof).item()  # torch.std's default is correction=1
            assert got["nc2_equinorm"] == pytest.approx(std / norms.mean(), rel=1e-12)
        for centred in (True, False):
            wc = w - w.mean(axis=0) if centred else w
            nc3 = np.sum((wc / np.linalg.norm(wc) - m / np.linalg.norm(m)) ** 2)
            got = collapse_metrics(h, labels, weights=w, center=center, center_weights=centred)
            assert got["nc3"] == pytest.approx(nc3, rel=1e-12)
    assert torch.tensor(norms).std().item() == pytest.approx(np.std(norms, ddof=1))  # the default is ddof 1


def test_nc4_without_the_bias_reads_the_recorded_weights():
    rng = np.random.default_rng(9)
    records, samples, k, d = 3, 60, 3, 5
    labels = np.arange(samples) % k
    features = rng.standard_normal((records, samples, d)) + 2 * np.eye(k, d)[labels]
    weights = rng.standard_normal((records, k, d))
    bias = np.array([0.0, 3.0, -3.0])  # a bias large enough to change many argmaxes
    logits = features @ weights.transpose(0, 2, 1) + bias
    run = Run(logits=logits, steps=[1, 2, 3], labels=labels,
              extras={"features": features.astype(np.float32), "weights": weights.astype(np.float32)})
    f32, w32 = run.extras["features"].astype(np.float64), run.extras["weights"].astype(np.float64)
    for r in range(records):
        means = np.array([f32[r][labels == c].mean(axis=0) for c in range(k)])
        nearest = np.argmin(((f32[r][:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
        with_bias = np.mean(nearest != np.argmax(run.logits[r], axis=1))
        without = np.mean(nearest != np.argmax(f32[r] @ w32[r].T, axis=1))
        assert with_bias != without
        assert neural_collapse(run).nc4[r] == pytest.approx(with_bias)
        assert neural_collapse(run, nc4_bias=False).nc4[r] == pytest.approx(without)
    with pytest.raises(ValueError, match="nc4_bias=False needs recorded features"):
        neural_collapse(run, source="logits", nc4_bias=False)
    for kwargs, word in [(dict(center="mean"), "center"), (dict(center_weights=1), "center_weights"),
                         (dict(equinorm_ddof=2), "equinorm_ddof"), (dict(nc4_bias=None), "nc4_bias")]:
        with pytest.raises(ValueError, match=word):
            neural_collapse(run, **kwargs)
