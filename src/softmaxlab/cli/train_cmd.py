"""`softmaxlab train`: train one experiment with a progress bar, save the run, print a short summary."""

import time
from pathlib import Path

import click

from softmaxlab.cli import need_extra
from softmaxlab.cli.destinations import run_folder
from softmaxlab.cli.experiment_options import experiment_from_options, experiment_options
from softmaxlab.cli.lists import ListCommand, experiment_list_flags


@click.command("train", cls=ListCommand, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@experiment_options
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="folder to save the run in (a Zarr directory), e.g. runs/reference")
@click.option("--overwrite", is_flag=True, help="replace a run that already exists at --out")
@click.option("--query", metavar="QUERY", default=None,
              help="the experiment of a link, as the web build's Logit paths page shows it (e.g. "
                   "'optimizer=adam&steps=500'); flags given beside it change its fields")
def train_command(out, overwrite, query, **fields):
    """Train a tiny classifier and record every sample's logits at every recorded step.

    With no flags this is the reference experiment: 60 points in 3 classes, an MLP 3-32-32-3
    with a zero last layer, 1000 full-batch SGD steps at lr 0.1, logits recorded every step.

    \b
    Examples:
      softmaxlab train --out runs/reference
      softmaxlab train --optimizer adam --steps 2000 --out runs/adam
      softmaxlab train --dataset spirals --dim 2 --hidden 64,64 --activation tanh --out runs/spirals
      softmaxlab train --query "optimizer=adam&init=default" --out runs/from-the-page
    """
    need_extra("lab", "softmaxlab train")
    base = None
    if query is not None:
        from softmaxlab.lab import Experiment

        base, problems = Experiment.read_query(query)
        if problems:  # every problem of the link at once, on one line
            raise click.UsageError(f"--query: {'; '.join(problems)}")
    experiment = experiment_from_options(fields, base=base)
    run_folder(out, overwrite=overwrite)  # before training: a bad --out costs milliseconds, not the run

    from softmaxlab.lab import train
    from softmaxlab.store import RunStoreError

    began = time.perf_counter()
    run = train(experiment, progress=True, cache=True)  # the CLI keeps compiles across processes
    seconds = time.perf_counter() - began
    try:
        run.save(out, overwrite=overwrite)
    except RunStoreError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"trained {experiment.steps} steps of {experiment.optimizer} on {experiment.dataset} "
               f"({run.num_samples} samples, {run.num_classes} classes) in {seconds:.2f} s")
    click.echo(f"final loss {run.loss[-1]:.4g}, accuracy {run.accuracy[-1]:.3f}, "
               f"mean logit norm {run.logit_norms()[-1].mean():.3g}")
    click.echo(f"saved {run.num_records} records to {out}")


train_command.list_flags = frozenset(experiment_list_flags())
