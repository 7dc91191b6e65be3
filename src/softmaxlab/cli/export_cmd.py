"""`softmaxlab export FIGURE [options] --out FILE`: one figure of the registry to HTML, PNG, SVG, GIF or MP4.

Each figure of `softmaxlab.figures.FIGURES` is a sub-command whose flags are generated from the
figure's options (`Param`: name, kind, default, help, read from the builder's signature and
docstring), so `softmaxlab export softmax-2d --help` lists exactly what `softmax_2d` takes. The
figures of runs (`logit-paths`, `readings`) read `--run DIR` (repeat it for runs side by side) or,
without it, train the experiment given by the flags of `softmaxlab train`.
"""

import functools
from pathlib import Path

import click

from softmaxlab.cli import need_extra
from softmaxlab.cli.destinations import output_file
from softmaxlab.cli.lists import ListCommand, experiment_list_flags
from softmaxlab.cli.plain_help import plain_help
from softmaxlab.figures.registry import FIGURES, KINDS, parse_value

LIST_KINDS = ("floats", "ints", "strs", "pairs")
IMAGE_WIDTH = 1100  # default width of a PNG/SVG in CSS pixels: room for scenes side by side


class _KindType(click.ParamType):
    """A click type for one `Param.kind`: parses "2,1,0.1" and friends, failing with a one-line message."""

    def __init__(self, kind: str):
        self.kind = kind
        self.name = kind

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            return parse_value(self.kind, value, name=param.opts[0] if param else "value")
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _shown(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (tuple, list)):
        return ",".join(":".join(map(str, v)) if isinstance(v, (tuple, list)) else f"{v:g}"
                        if isinstance(v, float) else str(v) for v in value)
    return str(value)


def _figure_option(param):
    """A click option for one figure `Param`; its value lands in `fig_<name>` (None: not given)."""
    dest = f"fig_{param.name}"
    if param.kind == "bool":
        negative = "--no-" + param.cli_flag[2:]
        return click.option(f"{param.cli_flag}/{negative}", dest, default=None,
                            help=f"{plain_help(param.help)} [default: {_shown(param.default)}]")
    kind = click.Choice(param.choices) if param.choices else _KindType(param.kind)
    metavar = {"floats": "X,Y,..", "ints": "I,J,..", "strs": "A,B,..", "pairs": "I:J,.."}.get(param.kind)
    return click.option(param.cli_flag, dest, type=kind, default=None, metavar=metavar,
                        help=f"{plain_help(param.help)} [default: {_shown(param.default)}]")


def _figure_command(spec) -> click.Command:
    """The sub-command of one figure: its own flags, the output flags, and for run figures --run."""
    options = [_figure_option(p) for p in spec.params()]
    options += [
        click.option("--out", "-o", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="file to write: .html (self-contained, works offline), .png or .svg"
                          + (", or .gif/.mp4 (animation)" if spec.animated else "")),
        click.option("--width", type=click.IntRange(16, 8192), default=None,
                     help=f"image width in pixels for .png/.svg/.gif/.mp4 [default: {IMAGE_WIDTH}; "
                          "animations: 480 per scene]"),
        click.option("--height", type=click.IntRange(16, 8192), default=None,
                     help="image height in pixels [default: the figure's own height]"),
        click.option("--scale", type=click.FloatRange(0.1, 8), default=1.0, show_default=True,
                     help="pixel density of a .png (2 for sharp slides)"),
    ]
    if spec.animated:
        options.append(click.option("--fps", type=click.FloatRange(0.1, 60), default=8.0, show_default=True,
                                    help=".gif/.mp4 frames per second (--max-frames sets how many frames, "
                                         "default 40 for files)"))
    callback = functools.partial(_export, spec)
    functools.update_wrapper(callback, _export)
    if spec.data != "none":
        from softmaxlab.cli.experiment_options import experiment_options

        options.append(click.option("--run", "run_dirs", multiple=True, type=click.Path(path_type=Path),
                                    help="a saved run to draw (repeat for runs side by side); without it the "
                                         "experiment given by the flags below (those of `softmaxlab train`) "
                                         "is trained"))
        callback = experiment_options(callback)  # innermost: listed last in --help
    for option in reversed(options):
        callback = option(callback)
    where = "" if spec.data == "none" else "\n\nDraws --run DIR (repeatable), or trains the experiment the flags give."
    command = click.command(spec.name, cls=ListCommand, help=f"{spec.description}{where}",
                            short_help=spec.description,
                            context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})(callback)
    command.list_flags = frozenset([p.cli_flag for p in spec.params() if p.kind in LIST_KINDS]
                                   + (experiment_list_flags() if spec.data != "none" else []))
    flags = [opt for p in command.params for opt in (*p.opts, *p.secondary_opts)]
    duplicates = sorted({f for f in flags if flags.count(f) > 1})
    if duplicates:  # a figure option shadowing an experiment flag: rename it with FigureSpec.flags
        raise RuntimeError(f"figure {spec.name}: flags defined twice: {', '.join(duplicates)}")
    return command


def _export(spec, *, out, width, height, scale, fps=8.0, run_dirs=(), **values):
    figure_options = {k[4:]: v for k, v in values.items() if k.startswith("fig_") and v is not None}
    suffix = out.suffix.lower()
    animation = suffix in (".gif", ".mp4")
    if suffix not in (".html", ".png", ".svg", ".gif", ".mp4"):
        raise click.UsageError(f"--out: {out.name!r} must end in .html, .png, .svg" +
                               (", .gif or .mp4" if spec.animated else ""))
    if animation and not spec.animated:
        raise click.UsageError(f"--out: only animated figures export to {suffix} (try logit-paths)")
    if animation and ("step" in figure_options or figure_options.get("animate")):
        raise click.UsageError("--step and --animate do not apply to .gif/.mp4: every frame is a step")
    if suffix == ".mp4":
        need_extra("mp4", "MP4 export")
    if spec.data != "none" and not run_dirs:
        need_extra("lab", f"softmaxlab export {spec.name} without --run (it trains the experiment)")
    output_file(out)  # before training or rendering anything
    if suffix != ".html":
        _check_browser()

    from softmaxlab.figures.animation import export_animation
    from softmaxlab.figures.export import export

    try:
        args = [] if spec.data == "none" else [_runs(spec, run_dirs, values)]
        if animation:
            frames = figure_options.pop("max_frames", 40)
            export_animation(*args, out, frames=frames, fps=fps, width=width, height=height or 560,
                             progress=True, **figure_options)
        else:
            fig = spec.build(*args, **figure_options)
            export(fig, out, width=width or IMAGE_WIDTH, height=height or fig.layout.height or 600, scale=scale)
    except ValueError as e:  # bad option values, a folder that is not a run: one line, exit 2
        raise click.UsageError(str(e).splitlines()[0]) from None
    size = out.stat().st_size
    click.echo(f"wrote {out} ({size / 1e6:.2f} MB)" if size > 1e5 else f"wrote {out} ({size / 1e3:.1f} kB)")


class MissingTool(click.ClickException):
    """Something the export needs is not installed: one line, exit code 2 (as a usage error)."""

    exit_code = 2


def _check_browser() -> None:
    from softmaxlab.figures.export import BrowserNotFoundError, find_browser

    try:
        find_browser()
    except BrowserNotFoundError as e:
        raise MissingTool(str(e)) from None


def _runs(spec, run_dirs, values):
    """The run(s) to draw: loaded from --run, or trained from the experiment flags (with a progress bar)."""
    from softmaxlab.cli.experiment_options import experiment_from_options
    from softmaxlab.lab import Experiment

    given = [s.name for s in Experiment.field_specs() if values.get(s.name) is not None]
    if run_dirs:
        if given:
            raise click.UsageError(f"give --run or experiment flags (--{given[0].replace('_', '-')}), not both")
        if spec.data == "run" and len(run_dirs) > 1:
            raise click.UsageError(f"{spec.name} draws one run; got --run {len(run_dirs)} times")
        from softmaxlab.store import load_run

        runs = [load_run(d) for d in run_dirs]
    else:
        from softmaxlab.lab import train

        experiment = experiment_from_options(values)
        click.echo(f"training {experiment.optimizer} on {experiment.dataset} for {experiment.steps} steps "
                   "(pass --run DIR to draw a saved run)", err=True)
        runs = [train(experiment, progress=True)]
    return runs[0] if spec.data == "run" else runs


def _print_list(ctx, _param, value):
    if not value or ctx.resilient_parsing:
        return
    width = max(len(name) for name in FIGURES)
    for name, spec in FIGURES.items():
        click.echo(f"{name.ljust(width)}  {spec.description}")
    ctx.exit(0)


class _FigureGroup(click.Group):
    """Sub-commands made from the registry on demand; an unknown figure is a one-line usage error."""

    def list_commands(self, ctx):
        return list(FIGURES)

    def get_command(self, ctx, name):
        spec = FIGURES.get(name)
        return None if spec is None else _figure_command(spec)

    def resolve_command(self, ctx, args):
        if args and args[0] not in FIGURES and not args[0].startswith("-"):
            from softmaxlab.cli import did_you_mean

            raise click.UsageError(f"unknown figure {args[0]!r}{did_you_mean(args[0], FIGURES)} "
                                   "('softmaxlab export --list' names every figure)", ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx, formatter):
        with formatter.section("Figures"):
            formatter.write_dl([(name, spec.description) for name, spec in FIGURES.items()])


@click.group("export", cls=_FigureGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--list", "list_figures", is_flag=True, is_eager=True, expose_value=False, callback=_print_list,
              help="Print every figure's name and one-line description, then exit.")
def export_command():
    """Export a figure to a file: .html (one self-contained page that works offline), .png or .svg
    (rendered by Kaleido in the system chromium), or .gif/.mp4 (the logit paths, animated).

    Every figure exports with its defaults alone; its own options are flags, listed by
    `softmaxlab export FIGURE --help`. Lists take commas or spaces (--logits 2,1,0.1 or --logits 2 1 0.1).

    \b
    Examples:
      softmaxlab export --list
      softmaxlab export softmax-2d --temperature 0.5 --logits 2,1,0.1 --out softmax.html
      softmaxlab export surfaces-2 --derivatives --out surfaces.png
      softmaxlab export logit-paths --run runs/sgd --run runs/adam --out paths.html
      softmaxlab export logit-paths --optimizer adam --out paths.gif
    """
