"""The `softmaxlab` group itself: a bare command prints help as help; a near-miss gets a suggestion."""

import pytest
from click.testing import CliRunner

from softmaxlab.cli import COMMANDS, main


def test_bare_softmaxlab_prints_its_help_on_stdout_and_succeeds():
    result = CliRunner().invoke(main, [], prog_name="softmaxlab")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.startswith("Usage: softmaxlab")
    assert "error" not in result.stdout
    for name in COMMANDS:
        assert name in result.stdout


def test_bare_export_prints_its_help_too():
    result = CliRunner().invoke(main, ["export"], prog_name="softmaxlab")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: softmaxlab export")


@pytest.mark.parametrize("typed, meant", [("serv", "serve"), ("trian", "train"), ("analyse", "analyze"),
                                          ("run", "runs")])
def test_a_near_miss_command_names_the_one_meant(typed, meant):
    result = CliRunner().invoke(main, [typed])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"no such command {typed!r}; did you mean {meant!r}?" in lines[0]


def test_a_word_like_nothing_gets_no_suggestion():
    result = CliRunner().invoke(main, ["qqqqq"])
    assert result.exit_code == 2 and "did you mean" not in result.output and "no such command" in result.output


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_takes_dash_h_also_on_its_own(name):
    """Each command carries its own -h (click caches a command's help option on first use, so one
    inherited from the group would depend on how the command was first called)."""
    import importlib

    module, attribute, _ = COMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    result = CliRunner().invoke(command, ["-h"])
    assert result.exit_code == 0 and "-h, --help" in result.output
