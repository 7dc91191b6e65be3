"""`softmaxlab serve` checks its --host before it starts anything."""

from click.testing import CliRunner

from softmaxlab.cli import main


def test_a_host_that_does_not_resolve_is_named_before_the_app_starts(monkeypatch):
    import softmaxlab.app

    def forbidden(**kwargs):
        raise AssertionError("the app was started")

    monkeypatch.setattr(softmaxlab.app, "serve", forbidden)
    result = CliRunner().invoke(main, ["serve", "--host", "nosuchhost.invalid", "--no-browser"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "--host nosuchhost.invalid: the host name does not resolve" in lines[0]
    assert "no free port" not in lines[0]
