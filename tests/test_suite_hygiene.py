"""The suite cleans up after itself: a passing run leaves no temporary folder behind."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_passing_run_leaves_no_temporary_folders(tmp_path):
    # a doctest that calls tempfile.mkdtemp() and a test that writes into tmp_path
    (tmp_path / "test_writes.py").write_text("def test_writes(tmp_path):\n    (tmp_path / 'big').write_bytes(b'x' * 1000)\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                           "-c", str(ROOT / "pyproject.toml"), str(ROOT / "src/softmaxlab/store/catalog.py"),
                           str(tmp_path / "test_writes.py")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "TMPDIR": str(temp)})
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr
    left = [p.relative_to(temp) for p in temp.rglob("*") if p.is_file() or not any(p.iterdir())]
    assert [str(p) for p in left if not str(p).startswith("pytest-of-")] == []
    assert [p for p in temp.rglob("*") if p.is_file()] == []
