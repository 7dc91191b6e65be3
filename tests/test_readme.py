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


def _readme():
    return ROOT.joinpath("README.md").read_text()


def _pyproject():
    import tomllib

    return tomllib.loads(ROOT.joinpath("pyproject.toml").read_text())["project"]


def _dist_name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9_.-]+", requirement)[0].lower()


# import name -> the distribution that provides it, where the two differ
DISTRIBUTIONS = {"sklearn": "scikit-learn", "yaml": "pyyaml", "PIL": "pillow"}


def _third_party_imports(path: Path) -> set[str]:
    import ast
    import sys

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "softmaxlab"}


def test_the_documented_install_is_enough_for_the_examples():
    readme = _readme()
    project = _pyproject()
    for example in sorted(ROOT.joinpath("examples").glob("*.py")):
        paragraph = next(p for p in readme.split("\n\n") if f"examples/{example.name}" in p)
        extras = re.findall(r'pip install -e "\.\[([\w,]+)\]"', paragraph)
        assert extras, f"the README paragraph naming examples/{example.name} says nothing of how to install for it"
        installed = {_dist_name(r) for r in project["dependencies"]}
        for extra in ",".join(extras).split(","):
            installed |= {_dist_name(r) for r in project["optional-dependencies"][extra]}
        needed = {DISTRIBUTIONS.get(n, n).lower() for n in _third_party_imports(example)}
        assert needed <= installed, f"examples/{example.name} needs {sorted(needed - installed)} too"


def test_a_cpu_only_user_is_told_how_to_get_the_cpu_build_and_ci_pins_it():
    readme = _readme()
    assert "--index-url https://download.pytorch.org/whl/cpu" in readme
    assert "CUDA" in readme
    ci = ROOT.joinpath(".ci", "run").read_text()
    assert "pip install -q torch==2.13.0" in ci
    assert "this machine's disk" not in ROOT.joinpath("pyproject.toml").read_text()  # no local-only promises


def test_the_readme_says_what_the_tests_take_and_the_quick_loop_exists():
    quick = _readme().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "minutes" in quick and "Chromium" in quick and "BROWSER_PATH" in quick
    loop = re.search(r'`(python3 -m pytest -m "([^"]+)")`', quick)
    assert loop, "the quick loop command is missing"
    import tomllib

    markers = tomllib.loads(ROOT.joinpath("pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
    declared = {m.split(":")[0] for m in markers}
    assert set(re.findall(r"\b(?!not\b|and\b|or\b)(\w+)", loop[2])) <= declared


def test_the_readme_is_a_front_door():
    readme = _readme()
    assert len(readme.splitlines()) <= 170
    top = "\n".join(readme.splitlines()[:20])
    assert "![" in top  # one picture near the top
    for page in ("docs/api.md", "docs/cli.md", "docs/readings.md", "docs/run-format.md"):
        assert f"({page}" in readme, page
