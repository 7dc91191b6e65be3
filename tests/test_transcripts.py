"""The command-line sessions shown in README.md and docs/*.md (```console blocks) are real.

Every `$ softmaxlab ...` line is run in-process, in order, in one fresh folder (so a later block may read
the runs an earlier one trained, as a reader following the README would), and its output must match
what the page shows: `...` stands for anything (a time, a date), and numbers agree to 0.1%.
"""

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from softmaxlab.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"


def sessions():
    """(page, command, expected output) for every `$ ` line of every ```console block, in reading order."""
    found = []
    for page in PAGES:
        for block in re.findall(r"```console\n(.*?)```", page.read_text(), flags=re.S):
            for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
                command, _, output = part.partition("\n")
                found.append((page.relative_to(ROOT).as_posix(), command.strip(), output.rstrip("\n")))
    return found


def _pattern(expected: str):
    """A regex for the expected text: `...` matches anything, numbers are captured, spaces are flexible."""
    out, numbers = [], []
    for piece in re.split(rf"(\.\.\.|{NUMBER}|\s+)", expected):
        if not piece:
            continue
        if piece == "...":
            out.append(r".*?")
        elif re.fullmatch(r"\s+", piece):
            out.append(r"\s+")
        elif re.fullmatch(NUMBER, piece):
            out.append(f"({NUMBER})")
            numbers.append(float(piece))
        else:
            out.append(re.escape(piece))
    return re.compile("".join(out), flags=re.S), numbers


def matches(expected: str, actual: str) -> bool:
    """Whether `actual` is `expected` up to `...` and numbers within 0.1% (or 1e-4).

    >>> matches("final loss 0.1764 in ... s", "final loss 0.17641 in 1.60 s")
    True
    >>> matches("final loss 0.01234", "final loss 0.01711")
    False
    """
    pattern, numbers = _pattern(expected.strip())
    found = pattern.fullmatch(actual.strip())
    if found is None:
        return False
    return all(abs(float(got) - want) <= max(1e-3 * abs(want), 1e-4) for got, want in zip(found.groups(), numbers))


@pytest.fixture(scope="module")
def transcript(tmp_path_factory):
    """Every session run once, in order, in one fresh folder: {(page, command): (exit code, stdout)}."""
    import os

    folder = tmp_path_factory.mktemp("fresh-clone")
    before = Path.cwd()
    os.chdir(folder)
    try:
        results = {}
        for page, command, _ in sessions():
            words = shlex.split(command)
            assert words[0] == "softmaxlab", f"{page}: a session runs softmaxlab, not {words[0]}"
            result = CliRunner().invoke(main, words[1:], prog_name="softmaxlab")
            results[page, command] = (result.exit_code, result.stdout)
        return results
    finally:
        os.chdir(before)


def test_the_readme_has_sessions_that_train_list_and_export():
    commands = [command for page, command, _ in sessions() if page == "README.md"]
    assert any(c.startswith("softmaxlab train") for c in commands)
    assert any(c.startswith("softmaxlab runs") for c in commands)
    assert any(c.startswith("softmaxlab export") for c in commands)


@pytest.mark.parametrize("page, command, expected", sessions(), ids=[f"{p}: {c}" for p, c, _ in sessions()])
def test_a_session_prints_what_the_page_shows(transcript, page, command, expected):
    code, stdout = transcript[page, command]
    assert code == 0, stdout
    assert matches(expected, stdout), f"{page}: `{command}` printed\n{stdout}\nbut the page shows\n{expected}"
