"""`softmaxlab analyze RUN`: print a run's training-dynamics readings as tables and write their figures.

A thin edge: it loads the run, calls `softmaxlab.analysis` and `softmaxlab.figures.dynamics`,
and formats what they return. The definitions live in the analysis docstrings.
"""

from pathlib import Path

import click
import numpy as np

from softmaxlab.cli.destinations import output_dir
from softmaxlab.core import evenly_spaced

FIGURE_FILES = ("data-map.html", "reliability.html", "neural-collapse.html", "forgetting.html")


def format_table(header, rows) -> str:
    """Text columns two spaces apart: numbers right-aligned, words left-aligned.

    >>> print(format_table(["name", "n"], [["a", "1"], ["bb", "22"]]))
    name   n
    a      1
    bb    22
    """
    rows = [[str(cell) for cell in row] for row in rows]
    table = [list(header), *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    numeric = [bool(rows) and all(_is_number(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [cell.rjust(w) if num else cell.ljust(w) for cell, w, num in zip(row, widths, numeric)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text in ("-", "inf")
    return True


def _g(value, digits=4) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.{digits}g}"


def cartography_section(carto, labels, *, top: int) -> str:
    rows = []
    for name, count in carto.counts().items():
        inside = carto.regions == name
        means = [_g(v[inside].mean(), 3) if count else "-" for v in (carto.confidence, carto.variability,
                                                                     carto.correctness)]
        rows.append([name, count, *means])
    lines = [
        f"Dataset cartography (Swayamdipta et al. 2020) over {carto.steps.size} records "
        f"(steps {carto.steps[0]}..{carto.steps[-1]}); ambiguous: variability >= {carto.variability_threshold:g}, "
        f"else easy: confidence >= {carto.confidence_threshold:g}",
        format_table(["region", "samples", "confidence", "variability", "correctness"], rows),
    ]
    if top:
        hardest = np.argsort(carto.confidence, kind="stable")[:top]
        lines += ["", "Lowest confidence (possibly mislabelled):",
                  format_table(["sample", "class", "confidence", "variability", "correctness", "region"],
                               [[int(s), int(labels[s]), _g(carto.confidence[s], 3), _g(carto.variability[s], 3),
                                 _g(carto.correctness[s], 3), carto.regions[s]] for s in hardest])]
    return "\n".join(lines)


def forgetting_section(events, labels, *, top: int) -> str:
    table = events.histogram()
    lines = [
        f"Forgetting events (Toneva et al. 2019): correct -> wrong transitions over {events.steps.size} records; "
        f"{int(events.unforgettable.sum())} unforgettable, {table['never learned']} never learned",
        format_table(["events", "samples"], [[k, n] for k, n in table.items()]),
    ]
    order = np.argsort(-events.ranking(), kind="stable")
    worst = [s for s in order[:top] if events.counts[s] > 0 or events.never_learned[s]]
    if worst:
        lines += ["", "Most forgotten (never learned first):",
                  format_table(["sample", "class", "events", "first correct at step"],
                               [[int(s), int(labels[s]), "never learned" if events.never_learned[s] else int(events.counts[s]),
                                 "-" if events.never_learned[s] else int(events.steps[events.first_learned[s]])]
                                for s in worst])]
    return "\n".join(lines)


def collapse_section(nc, *, rows: int) -> str:
    picks = evenly_spaced(nc.steps.size, rows).tolist()
    return "\n".join([
        f"Neural collapse (Papyan, Han & Donoho 2020) from {nc.source}; each reading is 0 at full collapse",
        format_table(["step", "NC1", "NC2", "equinorm", "equiangular", "NC3", "NC4"],
                     [[int(nc.steps[r]), _g(nc.nc1[r]), _g(nc.nc2[r]), _g(nc.nc2_equinorm[r]),
                       _g(nc.nc2_equiangular[r]), _g(nc.nc3[r]), _g(nc.nc4[r])] for r in picks]),
    ])


def calibration_section(report) -> str:
    if report.fit_fraction is None:
        how = f"T fitted and evaluated on the same {report.eval_samples} samples"
    else:
        how = f"T fitted on {report.fit_samples} samples (fit fraction {report.fit_fraction:g}), evaluated on the other " \
              f"{report.eval_samples}"
    return "\n".join([
        f"Calibration at record {report.record} (step {report.step}), {report.before.bin_counts.size} bins; {how}",
        format_table(["", "T", "ECE", "MCE", "NLL", "accuracy", "confidence"],
                     [[name, _g(cal.temperature), f"{cal.ece:.4f}", f"{cal.mce:.4f}", f"{cal.nll:.4f}",
                       f"{cal.accuracy:.3f}", f"{cal.confidence:.3f}"]
                      for name, cal in (("before", report.before), ("after", report.after))]),
    ] + ([f"Note: {report.note}"] if report.note else []))


def _write(fig, path: Path) -> None:
    try:
        from softmaxlab.figures.export import export
    except ImportError:  # the export module is optional for this command: plotly alone writes the page
        fig.write_html(path, include_plotlyjs=True)
    else:
        export(fig, path)


def _open_run(run_path: Path):
    """The run at `run_path`, or a one-line UsageError (a folder of runs, an unreadable or empty run)."""
    from softmaxlab.store import load_run
    from softmaxlab.store.catalog import read_group_attributes_safely

    if run_path.is_dir() and read_group_attributes_safely(run_path) is None:
        inside = sorted(p for p in run_path.iterdir() if p.is_dir() and read_group_attributes_safely(p) is not None)
        if inside:
            shown = ", ".join(str(p) for p in inside[:3]) + (", ..." if len(inside) > 3 else "")
            raise click.UsageError(f"{run_path} is a folder of {len(inside)} runs, not a run; pick one inside it: "
                                   f"{shown} ('softmaxlab runs {run_path}' lists them)")
    try:
        run = load_run(run_path)
    except ValueError as e:  # RunStoreError names the path and the problem
        raise click.UsageError(f"cannot read run: {e}") from None
    if run.num_records == 0:
        raise click.UsageError(f"{run_path}: the run is empty: it has no records yet")
    return run


def _records_from(run, from_step):
    """The record indices at `from_step` and later (None: the readings' own defaults)."""
    if from_step is None:
        return None
    records = np.flatnonzero(run.steps >= from_step)
    if records.size == 0:
        raise click.UsageError(f"--from-step {from_step}: the run's last step is {run.steps[-1]}")
    return records


def _readings(run, *, records, source, record, bins, fit_fraction, seed, progress):
    """Cartography, forgetting events, neural collapse and the calibration report of `run`."""
    from softmaxlab.analysis import calibration_report, cartography, forgetting_events, neural_collapse

    readings = []
    for read in (lambda: cartography(run, records=records), lambda: forgetting_events(run, records=records),
                 lambda: neural_collapse(run, records=records, source=source),
                 lambda: calibration_report(run, record=record, bins=bins, fit_fraction=fit_fraction, seed=seed)):
        readings.append(read())
        progress.update()
    return readings


def _write_figures(run, out: Path, *, records, source, record, bins, fit_fraction, seed, progress) -> list[Path]:
    """The four analysis figures written to `out` as self-contained HTML files; their paths."""
    from softmaxlab.figures.dynamics import data_map, forgetting_figure, neural_collapse_figure, reliability_figure

    out.mkdir(parents=True, exist_ok=True)
    builders = [
        lambda: data_map(run, records=records),
        lambda: reliability_figure(run, record=record, bins=bins, fit_fraction=fit_fraction, seed=seed),
        lambda: neural_collapse_figure(run, records=records, source=source),
        lambda: forgetting_figure(run, records=records),
    ]
    made = []
    for name, build in zip(FIGURE_FILES, builders):
        _write(build(), out / name)
        made.append(out / name)
        progress.update()
    return made


def _fit_fraction(fit_fraction, holdout):
    """--fit-fraction, or the deprecated --holdout (the same fraction) with a note on stderr."""
    if holdout is None:
        return fit_fraction
    if fit_fraction is not None:
        raise click.UsageError("give --fit-fraction or its old name --holdout, not both")
    click.echo("note: --holdout is now --fit-fraction (the fraction of the samples that fits T)", err=True)
    return holdout


_FRACTION = click.FloatRange(0, 1, min_open=True, max_open=True)


@click.command("analyze", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_path", metavar="RUN", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder for the figures (self-contained HTML). Default: RUN/analysis.")
@click.option("--bins", type=click.IntRange(min=1), default=15, show_default=True,
              help="Equal-width confidence bins for ECE, MCE and the reliability diagram.")
@click.option("--fit-fraction", type=_FRACTION, default=None,
              help="Fit the temperature on this fraction of the samples (drawn with --seed) and report "
                   "calibration on the rest. Default: fit and report on every sample (in-sample).")
@click.option("--holdout", type=_FRACTION, default=None, hidden=True, help="The old name of --fit-fraction.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the --fit-fraction split.")
@click.option("--record", type=int, default=-1, show_default=True,
              help="Record (index) whose logits the calibration reads; -1 is the last.")
@click.option("--from-step", type=int, default=None,
              help="Read cartography, forgetting and neural collapse only from records at this step on. "
                   "Default: cartography and forgetting after step 0 (as their papers), neural collapse "
                   "from every record; 0 includes the record before training.")
@click.option("--source", type=click.Choice(["auto", "features", "logits"]), default="auto", show_default=True,
              help="Neural collapse from recorded features (and weights) or from the logits alone.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True,
              help="How many hardest and most-forgotten samples to list.")
@click.option("--figures/--no-figures", default=True, show_default=True, help="Write the HTML figures.")
def analyze_command(run_path, out, bins, fit_fraction, holdout, seed, record, from_step, source, top, figures):
    """Read the training dynamics of the run at RUN and print them as tables.

    Dataset cartography (which samples are easy, ambiguous or hard to learn), forgetting
    events, neural collapse NC1-NC4 over steps, and calibration (ECE, MCE, NLL) before and
    after temperature scaling. Unless --no-figures, the data map, reliability diagram,
    neural-collapse and forgetting figures are written as self-contained HTML files to --out.

    Example: softmaxlab analyze runs/digits --fit-fraction 0.5 --from-step 1
    """
    from tqdm import tqdm

    fit_fraction = _fit_fraction(fit_fraction, holdout)
    run = _open_run(run_path)
    records = _records_from(run, from_step)
    out = run_path / "analysis" if out is None else out
    if figures:
        output_dir(out, allow_existing=True)  # before any reading is computed

    options = dict(records=records, source=source, record=record, bins=bins, fit_fraction=fit_fraction, seed=seed)
    progress = tqdm(total=8 if figures else 4, desc="analyze", unit="step", disable=None, leave=False)
    try:
        carto, events, nc, report = _readings(run, progress=progress, **options)
        made = _write_figures(run, out, progress=progress, **options) if figures else []
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    except OSError as e:  # a folder that cannot be made or written
        raise click.UsageError(f"cannot write the figures to {out}: {e.strerror or e}") from None
    finally:
        progress.close()

    state = "complete" if run.complete else "in progress"
    click.echo(f"Run {run_path}: {run.num_records} records (steps {run.steps[0]}..{run.steps[-1]}), "
               f"{run.num_samples} samples, {run.num_classes} classes, {state}")
    for section in (cartography_section(carto, run.labels, top=top),
                    forgetting_section(events, run.labels, top=top),
                    collapse_section(nc, rows=6), calibration_section(report)):
        click.echo("")
        click.echo(section)
    if made:
        click.echo("")
        click.echo(f"Figures written to {out}: {', '.join(p.name for p in made)}")
