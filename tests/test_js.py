"""The JavaScript tests (node's built-in runner), on fixtures that Python's core writes first."""

import subprocess
from pathlib import Path

from tests.conftest import NODE, need_node
from tests.js.fixtures import write_all

JS_TESTS = Path(__file__).parent / "js"


def test_javascript(tmp_path):
    need_node()
    write_all(tmp_path)
    files = sorted(str(p) for p in JS_TESTS.glob("*.test.mjs"))
    result = subprocess.run([NODE, "--test", *files], capture_output=True, text=True, timeout=600,
                            env={"SOFTMAXLAB_FIXTURES": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "# fail 0" in result.stdout and "# pass 0" not in result.stdout, result.stdout[-3000:]
