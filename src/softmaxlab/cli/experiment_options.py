"""Click options generated from `Experiment.field_specs()`: one flag per field, so a new field or a new
registry choice appears on every command at once.

`experiment_options` decorates a command with the flags (``--samples-per-class``, ``--optimizer``...);
`experiment_from_options(kwargs)` turns the parsed values back into a validated `Experiment`, and
reports a bad value as a one-line usage error naming the flag (exit code 2).
"""

import click

from softmaxlab.lab import Experiment


def flag(name: str) -> str:
    """The command-line flag of a field: ``samples_per_class`` -> ``--samples-per-class``."""
    return "--" + name.replace("_", "-")


def _bound(spec, value) -> str:
    # whole numbers as people write them (2,147,483,647, not 2.14748e+09)
    if spec.type is int and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


def _help(spec) -> str:
    text = spec.help
    if spec.minimum is not None and not spec.choices:
        text += f" ({_bound(spec, spec.minimum)}..{_bound(spec, spec.maximum)})"
    shown = spec.format(spec.default) or "none"
    return f"{text} [default: {shown}]"


def _click_type(spec):
    if spec.choices:
        return click.Choice(spec.choices)
    if spec.many or spec.optional:
        return str  # parsed by FieldSpec.parse: "32,32", or "" / "none" for None
    return {int: click.INT, float: click.FLOAT}.get(spec.type, click.STRING)


def _metavar(spec) -> str | None:
    """What the value looks like: LIST for "32,32", NUMBER or INTEGER for optional fields (not TEXT)."""
    if spec.many:
        return "LIST"
    if spec.optional:
        return {int: "INTEGER", float: "NUMBER"}.get(spec.type, "TEXT")
    return None


def experiment_options(command):
    """Add one click option per `Experiment` field to ``command`` (each defaults to None = the field's default)."""
    for spec in reversed(Experiment.field_specs()):  # click shows options in decoration order, last first
        if spec.type is bool:  # --record-features / --no-record-features; None when neither is given
            name = flag(spec.name)[2:]
            option = click.option(f"--{name}/--no-{name}", spec.name, default=None, help=_help(spec))
        else:
            option = click.option(flag(spec.name), spec.name, type=_click_type(spec), default=None,
                                  metavar=_metavar(spec), help=_help(spec))
        command = option(command)
    return command


def experiment_from_options(options: dict, *, base: Experiment | None = None) -> Experiment:
    """The `Experiment` given by the parsed flags (fields not given keep ``base``'s values, or the defaults).

    ``options`` may hold other keys too (the command's own flags); they are ignored.

    >>> experiment_from_options({"optimizer": "adam", "hidden": "64", "out": "runs/x"}).hidden
    (64,)
    """
    base = Experiment() if base is None else base
    changes = {}
    try:
        for spec in Experiment.field_specs():
            value = options.get(spec.name)
            if value is not None:
                changes[spec.name] = spec.parse(value) if isinstance(value, str) else value
        return base.replace(**changes)
    except ValueError as e:
        name, _, problem = str(e).partition(": ")
        names = name.split("/")
        if all(n in {s.name for s in Experiment.field_specs()} for n in names):
            raise click.UsageError(f"{'/'.join(flag(n) for n in names)}: {problem}") from None
        raise click.UsageError(str(e)) from None
