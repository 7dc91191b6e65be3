"""Runs written by an older softmaxlab (schema version 1) still load: written here by that version's own code.

The writer of the commit before distributed runs existed is taken from the repository's history
(`git archive`), run in a child process, and its run read with today's `load_run`.
"""

import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

from softmaxlab.store import list_runs, load_run

# the last commit whose store wrote only schema version 1 (before the store was split and ranks added)
OLD_COMMIT = "b19996afc6ac7d10304caf08f9ac34ccab2a33cc"
REPO = Path(__file__).resolve().parents[1]

WRITE = textwrap.dedent("""
    import sys
    import numpy as np
    import softmaxlab.store as store
    assert store.__file__.startswith(sys.argv[2]), store.__file__  # the old code, not today's
    assert store.SCHEMA_VERSION == 1
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(5, 6, 3)).astype(np.float32)
    features = rng.normal(size=(5, 6, 4)).astype(np.float32)
    with store.RunWriter(sys.argv[1], labels=[0, 1, 2, 0, 1, 2], num_classes=3, inputs=np.eye(6, 2),
                         description="old", extras={"features": ((6, 4), "float32")}) as writer:
        writer.append([0, 1, 2], logits[:3], extras={"features": features[:3]})
        writer.append([4, 8], logits[3:], extras={"features": features[3:]})
""")


@pytest.fixture(scope="module")
def old_source(tmp_path_factory):
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("needs git and the repository's history")
    if subprocess.run([git, "-C", str(REPO), "cat-file", "-e", f"{OLD_COMMIT}^{{commit}}"],
                      capture_output=True).returncode != 0:
        pytest.skip(f"the repository's history lacks {OLD_COMMIT[:8]} (a shallow clone?)")
    folder = tmp_path_factory.mktemp("old")
    archive = folder / "old.tar"
    subprocess.run([git, "-C", str(REPO), "archive", "-o", str(archive), OLD_COMMIT, "src/softmaxlab"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def test_a_run_written_by_the_old_writer_loads_with_every_field(old_source, tmp_path):
    out = tmp_path / "old-run"
    subprocess.run([sys.executable, "-c", WRITE, str(out), str(old_source)], check=True, timeout=120,
                   env={"PYTHONPATH": str(old_source), "PATH": "/usr/bin:/bin"})
    run = load_run(out)
    rng = np.random.default_rng(7)  # the same numbers the old writer was given
    logits = rng.normal(size=(5, 6, 3)).astype(np.float32)
    features = rng.normal(size=(5, 6, 4)).astype(np.float32)
    np.testing.assert_array_equal(run.logits, logits)
    np.testing.assert_array_equal(run.extras["features"], features)
    np.testing.assert_array_equal(run.steps, [0, 1, 2, 4, 8])
    np.testing.assert_array_equal(run.labels, [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(run.inputs, np.eye(6, 2))
    assert run.complete and run.description == "old" and run.ranks == ()
    summary, = list_runs(tmp_path)
    assert summary.records == 5 and summary.kind == "recorded"
