"""Fixtures of the server's logits answers (app/pages/runs.js `readBinaryAnswer`) from softmaxlab.server.api.

A small run of 5 records x 7 samples x 4 classes with 2-D inputs is written by `RunWriter` and answered by
the server's `Api` in `encoding=binary` (its bytes, as base64 inside the JSON fixture) and `encoding=list`
(the same numbers as JSON): the JS must read from the bytes what the list says.
"""

import base64
import json
import tempfile
from pathlib import Path

import numpy as np

from softmaxlab.server.api import Api
from softmaxlab.store import RunWriter


def cases():
    rng = np.random.default_rng(11)
    out = {}
    with tempfile.TemporaryDirectory() as root:
        with RunWriter(Path(root) / "small", labels=rng.integers(0, 4, 7), num_classes=4,
                       inputs=rng.normal(size=(7, 2)).astype(np.float32)) as writer:
            writer.append(np.arange(5) * 3, rng.normal(scale=5, size=(5, 7, 4)).astype(np.float32))
        with RunWriter(Path(root) / "bare", labels=rng.integers(0, 3, 6), num_classes=3) as writer:
            writer.append(np.arange(4), (rng.normal(size=(4, 6, 3)) * [1, 1e30, 1e-30]).astype(np.float32))
        RunWriter(Path(root) / "empty", labels=[0, 1], num_classes=2).close(complete=False)  # no records yet
        api = Api(root)
        for name, query in (("small", []), ("small", [("start", "1"), ("stop", "3"), ("max_samples", "5")]),
                            ("bare", []), ("empty", [])):
            binary = api.logits(name, [*query, ("encoding", "binary")])
            listed = json.loads(api.logits(name, [*query, ("encoding", "list")]))
            out.setdefault("api_answers", []).append({"binary": base64.b64encode(binary).decode(), "list": listed})
    return out
