"""The README is the front door: its quick start must match what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text):
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_quick_start_has_exactly_two_commands():
    quick = ROOT.joinpath("README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = _bash_blocks(quick)
    assert len(blocks) == 2, blocks
    assert all("\n" not in block for block in blocks)
    assert "softmaxlab serve" in blocks[0]
    assert "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command():
    quick = ROOT.joinpath("README.md").read_text().split("## Quick start", 1)[1]
    test_command = _bash_blocks(quick)[1]
    ci = ROOT.joinpath(".ci", "run").read_text()
    assert test_command in ci.splitlines(), "CI must run the README test command verbatim"
