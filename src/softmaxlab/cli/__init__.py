"""The `softmaxlab` command: a thin edge that parses arguments and calls public functions.

Each sub-command lives in its own module and is imported only when it runs, so
`softmaxlab --help` stays fast. Usage errors print one line and exit with code 2.
"""

import difflib
import importlib
import importlib.util
import sys

import click

from softmaxlab import __version__

# command name -> (module, attribute, one-line help shown by `softmaxlab --help`)
COMMANDS = {
    "softmax": ("softmaxlab.cli.softmax_cmd", "softmax_command", "Print softmax of some logits as a table."),
    "train": ("softmaxlab.cli.train_cmd", "train_command", "Train a tiny classifier and record every logit."),
    "runs": ("softmaxlab.cli.runs_cmd", "runs_command", "List the runs in a folder."),
    "export": ("softmaxlab.cli.export_cmd", "export_command", "Export a figure to HTML, PNG, SVG, GIF or MP4."),
    "site": ("softmaxlab.cli.site_cmd", "site_command", "Write the explainer as a static site or one HTML file."),
    "serve": ("softmaxlab.cli.serve_cmd", "serve_command", "Serve the pages and your runs in the browser."),
    "analyze": ("softmaxlab.cli.analyze_cmd", "analyze_command", "Read a run's dynamics: cartography, calibration..."),
}


def did_you_mean(word: str, choices) -> str:
    """``"; did you mean 'serve'?"`` when `word` is close to one of `choices`, else ``""``.

    >>> did_you_mean("serv", ["softmax", "serve", "train"])
    "; did you mean 'serve'?"
    >>> did_you_mean("--temp", ["--temperature", "--top-k"])
    "; did you mean '--temperature'?"
    >>> did_you_mean("xyz", ["serve"])
    ''
    """
    choices = list(choices)
    close = [c for c in choices if len(word) >= 3 and c.startswith(word)]
    close = close or difflib.get_close_matches(word, choices, n=3, cutoff=0.6)  # a prefix is the likelier slip
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close[:2]) + "?"


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, with one-line usage errors."""

    def list_commands(self, ctx):
        return [name for name, (module, _, _) in COMMANDS.items() if importlib.util.find_spec(module)]

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        if importlib.util.find_spec(module) is None:
            return None
        return getattr(importlib.import_module(module), attribute)

    def resolve_command(self, ctx, args):
        if args and not args[0].startswith("-") and self.get_command(ctx, args[0]) is None:
            raise click.UsageError(f"no such command {args[0]!r}{did_you_mean(args[0], self.list_commands(ctx))}", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def main(self, args=None, prog_name=None, **kwargs):
        prog = prog_name or "softmaxlab"
        try:
            rv = super().main(args=args, prog_name=prog, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:  # a bare `softmaxlab` (or `softmaxlab export`): help
            click.echo(e.ctx.get_help())
            sys.exit(0)
        except click.UsageError as e:
            where = e.ctx.command_path if e.ctx is not None else prog
            click.echo(f"{where}: error: {e.format_message()} (see '{where} --help')", err=True)
            sys.exit(2)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        # standalone_mode=False returns the exit code of ctx.exit(); keep it
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="softmaxlab")
def main():
    """softmaxlab: see the softmax function and the paths logits take while a classifier trains.

    Start with `softmaxlab serve` to open the pages and your runs in your browser.
    """
