"""`softmaxlab runs [DIR]`: list the runs in a folder as a table (a thin edge over `store.list_runs`)."""

from pathlib import Path

import click

COLUMNS = ("name", "kind", "records", "samples", "classes", "final loss", "accuracy", "status", "modified")


def _number(value, fmt):
    return "-" if value is None else format(value, fmt)


def _row(summary):
    if summary.kind == "broken":
        status = f"broken: {summary.error}"
    else:
        status = "complete" if summary.complete else "in progress"
    return (
        summary.name,
        summary.kind,
        _number(summary.records, "d"),
        _number(summary.samples, "d"),
        _number(summary.classes, "d"),
        _number(summary.final_loss, ".4g"),
        _number(summary.final_accuracy, ".3f"),
        status,
        summary.modified.astimezone().strftime("%Y-%m-%d %H:%M"),
    )


def format_table(rows, header=COLUMNS):
    """Left-aligned text columns (numbers right-aligned), two spaces apart."""
    rows = [tuple(header), *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    numeric = {"records", "samples", "classes", "final loss", "accuracy"}
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if name in numeric else cell.ljust(w) for cell, w, name in zip(row, widths, header)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _folders_with_runs(directory: Path) -> list[Path]:
    """The folders directly inside `directory` that hold runs (runs are listed one level down only)."""
    from softmaxlab.store.catalog import read_group_attributes_safely

    def holds_runs(folder):
        try:
            return any(p.is_dir() and read_group_attributes_safely(p) is not None for p in folder.iterdir())
        except OSError:
            return False

    return [p for p in sorted(directory.iterdir()) if p.is_dir() and not p.name.startswith(".") and holds_runs(p)]


@click.command("runs", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("directory", required=False, default="runs", type=click.Path(path_type=Path))
def runs_command(directory):
    """List the runs in DIRECTORY (default: ./runs) as a table.

    One line per run: its name, kind (lab: made by `softmaxlab train`; recorded: written by a
    recorder), how many records, samples and classes it holds, the loss and accuracy at its last
    record, whether it is complete or still in progress (a run whose writer crashed also stays
    "in progress"), and when it last changed. Damaged runs are listed as broken, with the reason.
    """
    from softmaxlab.store import RunStoreError, list_runs

    if not directory.exists():
        raise click.UsageError(f"{directory}: no such folder")
    if not directory.is_dir():
        raise click.UsageError(f"{directory}: not a folder")
    try:
        summaries = list_runs(directory)
    except RunStoreError as e:
        raise click.UsageError(str(e)) from None
    if not summaries:
        deeper = _folders_with_runs(directory)
        if deeper:
            where = " and ".join(str(p) for p in deeper[:2]) + (", ..." if len(deeper) > 2 else "")
            click.echo(f"No runs directly in {directory}; there are runs in {where}: "
                       f"softmaxlab runs {deeper[0]}")
            return
        click.echo(f"No runs in {directory}. Make one with: softmaxlab train --out {directory / 'NAME'}")
        return
    click.echo(format_table([_row(s) for s in summaries]))
