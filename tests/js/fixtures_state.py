"""Fixtures of the URL state (app/state.js): softmaxlab.spec reads and writes queries, the JS must agree."""

import numpy as np

from softmaxlab.spec import Control, from_search, spec_json, to_search

SPEC = (
    Control("k", "int", 4, minimum=2, maximum=10),
    Control("t", "float", 1.0, minimum=0.05, maximum=10.0, scale="log"),
    Control("z0", "float", 2.0, minimum=-8.0, maximum=8.0),
    Control("gaussians", "bool", False),
    Control("classes", "choice", 2, choices=(2, 3)),
    Control("loss", "choice", "cross-entropy", choices=("cross-entropy", "focal", "hinge")),
    Control("top_k", "int", None, minimum=1, maximum=50, nullable=True),
    Control("logits", "str", "3,2,1"),
)

QUERIES = [
    "", "?", "?k=3", "k=3&t=0.5", "?t=2.5e-1&z0=-7.9", "?k=11", "?k=1", "?k=2.5", "?k=3.0", "?t=0", "?t=nan",
    "?t=inf", "?t=-Infinity", "?t=1e999", "?t=abc", "?t=", "?t=+.5", "?t=5.", "?t=1_0", "?k=%33", "?k=3&k=4",
    "?colour=red", "?gaussians=yes", "?gaussians=OFF", "?gaussians=2", "?classes=3", "?classes=4",
    "?loss=focal", "?loss=Focal", "?top_k=none", "?top_k=", "?top_k=7", "?logits=1,+2,3", "?logits=a%20b",
    "?logits=" + "x" * 201, "?t=" + "1" * 45, "?k=%E2%91%A2", "?z0=%C3%A9t%C3%A9", "?a&b=", "?k=3&bogus=1&t=99",
    "?" + "&".join(f"n{i}=1" for i in range(5)), "?t=" + "9" * 30, "?z0=-0", "?z0=1e-7", "?loss='x'",
    "?k=" + "2" * 9000,
]


def cases():
    rng = np.random.default_rng(7)
    reads = []
    for q in QUERIES:
        values, errors = from_search(SPEC, q)
        reads.append({"query": q, "values": values, "errors": errors})
    writes = []
    for _ in range(60):
        values = {
            "k": int(rng.integers(2, 11)), "t": float(np.exp(rng.uniform(np.log(0.05), np.log(10)))),
            "z0": float(rng.choice([2.0, round(rng.uniform(-8, 8), 1), rng.uniform(-8, 8), 1e-5, -0.0])),
            "gaussians": bool(rng.random() < 0.5), "classes": int(rng.choice([2, 3])),
            "loss": str(rng.choice(["cross-entropy", "focal", "hinge"])),
            "top_k": None if rng.random() < 0.5 else int(rng.integers(1, 51)), "logits": "3,2,1" if rng.random() < 0.5 else "1, 2 & 3'",
        }
        query = to_search(SPEC, values, changed_only=True)
        writes.append({"values": values, "query": query, "back": from_search(SPEC, query)[0]})
    floats = [float(x) for x in np.concatenate([rng.normal(size=20), 10.0 ** rng.uniform(-12, 25, 30)])]
    floats += [0.1, 1e16, 1e15, 123456789012345678.0, 1e-4, 1e-5, 0.5, 100.0, 2.0**-1074, 1.7976931348623157e308]
    floats += [-x for x in floats[:10]]
    return {"state": {"spec": spec_json(SPEC), "reads": reads, "writes": writes,
                      "floats": [{"x": x, "repr": repr(x)} for x in floats]}}
