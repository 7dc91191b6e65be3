"""Runs page: every run under `--logdir`, listed, and one opened in the paths and readings views.

Runs come from `softmaxlab train` or from the recorder; a run still being written refreshes every
few seconds. Only runs that lie directly in the runs folder can be opened: a name from the URL or a
callback is checked as a stranger's input (no separators, no `..`, no symlink leading out).
"""

from __future__ import annotations

import threading
from pathlib import Path

import dash
from dash import ALL, Input, Output, State, dcc, html

from .layout import Page, cid, controls_panel, format_errors, graph, message, read, resolve_step, step_marks, step_slider
from .state import Control

KEY = "runs"
REFRESH_MS = 2000
READINGS = ("data map", "reliability", "forgetting", "neural collapse")

HELP = (
    "Every run in the runs folder (`softmaxlab serve --logdir DIR`), from `softmaxlab train` or your own "
    "training wrapped in `LogitRecorder`. Open one to see its logit paths and readings; the data map shows "
    "which samples are easy, ambiguous or hard, the reliability diagram whether confidence matches accuracy."
)

CONTROLS = (
    Control("run", "str", None, label="run", help="the run's folder name inside the runs folder", nullable=True,
            extra={"hidden": True}),
    Control("reading", "choice", "data map", label="reading", help="the analysis drawn below the paths",
            choices=READINGS, extra={"widget": "radio"}),
    Control("step", "int", -1, label="step", help="the training step marked on the paths (in the URL, -1 means the last)",
            minimum=-1, maximum=10**9, extra={"hidden": True}),
)


def resolve_run(logdir: Path, name) -> Path:
    """The folder of the run called `name` directly inside `logdir`, or ValueError saying why not.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> resolve_run(root, "../etc")
    Traceback (most recent call last):
    ...
    ValueError: run: '../etc' is not a run name (a folder directly inside the runs folder)
    """
    if not isinstance(name, str) or not name or name in (".", "..") or name.startswith(".") \
            or any(ch in name for ch in "/\\\x00:") or len(name) > 200:
        raise ValueError(f"run: {str(name)[:60]!r} is not a run name (a folder directly inside the runs folder)")
    root = Path(logdir).resolve()
    path = (root / name).resolve()  # follows symlinks, so one pointing out of the folder is caught here
    if path.parent != root:
        raise ValueError(f"run: {name!r} lies outside the runs folder")
    if not path.is_dir():
        raise ValueError(f"run: there is no run called {name!r} in the runs folder")
    return path


def summaries(logdir: Path):
    from softmaxlab.store import RunStoreError, list_runs

    try:
        return list_runs(logdir)
    except (RunStoreError, OSError):
        return []


def run_table(items):
    if not items:
        return html.P("No runs yet. Train one with `softmaxlab train --out runs/first` and it appears here.",
                      className="empty")
    head = html.Tr([html.Th(h) for h in ("run", "kind", "records", "samples", "classes", "done", "loss", "accuracy")])
    rows = [
        html.Tr([html.Td(s.name), html.Td(s.kind), html.Td(_n(s.records)), html.Td(_n(s.samples)),
                 html.Td(_n(s.classes)), html.Td("yes" if s.complete else "writing" if s.complete is False else "?"),
                 html.Td(_n(s.final_loss, ".3f")), html.Td(_n(s.final_accuracy, ".1%"))])
        for s in items
    ]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="runs-table")


def _n(value, fmt=""):
    return "" if value is None else format(value, fmt)


def body(values, ctx):
    items = summaries(ctx.logdir)
    options = [{"label": s.name, "value": s.name} for s in items if s.kind != "broken"]
    picker = html.Div(
        [html.Label("run", className="control-label"),
         dcc.Dropdown(id=cid(KEY, "run"), options=options, value=values["run"], placeholder="choose a run",
                      clearable=False, className="dropdown")],
        className="control", title="the run to open",
    )
    # the run's length is known once it is read (by the draw), which then sets the slider's range and step
    step = html.Div(
        [html.Span("step", className="control-label"),
         step_slider(KEY, max(values["step"], 0), max(values["step"], 1), help="the training step marked on the paths")],
        className="player",
    )
    return html.Div(
        [
            controls_panel(PAGE, values, extra=[picker, html.Div(f"runs folder: {ctx.logdir}", className="note")]),
            html.Div(
                [
                    message(KEY),
                    html.Div(run_table(items), id="runs-list"),
                    html.Div(id="runs-status", className="status"),
                    step,
                    dcc.Interval(id="runs-refresh", interval=REFRESH_MS, disabled=True),
                    graph("runs-paths", three_d=True),
                    graph("runs-readings"),
                    graph("runs-analysis"),
                ],
                className="figures",
            ),
        ],
        className="columns",
    )


def analysis_figure(run, reading):
    from softmaxlab.figures import dynamics

    if reading == "data map":
        return dynamics.data_map(run)
    if reading == "reliability":
        return dynamics.reliability_figure(run)
    if reading == "forgetting":
        return dynamics.forgetting_figure(run)
    return dynamics.neural_collapse_figure(run)


def register(app, ctx):
    from softmaxlab import figures
    from softmaxlab.store import RunStoreError, load_run
    from softmaxlab.store.catalog import run_stamp

    empty = {"data": [], "layout": {"template": "plotly_white"}}
    loaded = {}  # path -> (stamp, run): moving the step slider must not read the whole run again
    lock = threading.Lock()

    def load(path):
        # every commit of a writer (of each rank, for a distributed run), and every save, replaces a
        # zarr.json: run_stamp says whether the run on disk is still the one in memory
        stamp = run_stamp(path)
        with lock:
            hit = loaded.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        run = load_run(path)
        with lock:
            if len(loaded) >= 4 and path not in loaded:
                loaded.pop(next(iter(loaded)))
            loaded[path] = (stamp, run)
        return run

    @app.callback(
        Output("runs-paths", "figure"),
        Output("runs-readings", "figure"),
        Output("runs-analysis", "figure"),
        Output(f"{KEY}-message", "children"),
        Output("runs-status", "children"),
        Output("runs-refresh", "disabled"),
        Output(cid(KEY, "step"), "max"),
        Output("runs-list", "children"),
        Output(cid(KEY, "step"), "marks"),
        Output(cid(KEY, "step"), "value"),
        Input({"page": KEY, "name": ALL}, "value"),
        Input("runs-refresh", "n_intervals"),
        State(cid(KEY, "step"), "max"),
    )
    def draw(_values, _ticks, shown_last):
        values, errors = read(PAGE, dash.ctx.inputs_list[0])
        refreshing = dash.ctx.triggered_id == "runs-refresh"
        listing = run_table(summaries(ctx.logdir)) if refreshing else dash.no_update
        if errors:
            return (dash.no_update,) * 3 + (format_errors(errors), "", True, dash.no_update, listing) + (dash.no_update,) * 2
        if values["run"] is None:
            return empty, empty, empty, [], "", True, 1, listing, dash.no_update, dash.no_update
        try:
            path = resolve_run(ctx.logdir, values["run"])
            run = load(path)
        except (ValueError, RunStoreError, OSError) as e:
            return (empty, empty, empty, format_errors([str(e)]), "", True, dash.no_update, listing,
                    dash.no_update, dash.no_update)
        if run.num_records == 0:
            return (empty, empty, empty, [], f"{path.name}: no records yet", run.complete, 1, listing,
                    dash.no_update, dash.no_update)
        last = int(run.steps[-1])
        at_end = refreshing and isinstance(shown_last, int) and values["step"] == shown_last
        # a run still being written: a marker at its end follows the end as new records arrive
        step = last if at_end else resolve_step(values["step"], last)
        shown = step if step != values["step"] else dash.no_update  # the slider shows the real step number
        paths = figures.logit_paths([run], step=step, titles=[path.name], max_records=100)
        paths.update_layout(uirevision=path.name)
        trigger = dash.ctx.triggered_id
        if isinstance(trigger, dict) and trigger.get("name") == "step":
            # only the marked step moved: the readings and the analysis over all records stay as drawn
            readings = analysis = note = dash.no_update
        else:
            readings = figures.readings([run], titles=[path.name])
            try:
                analysis = analysis_figure(run, values["reading"])
                note = []
            except ValueError as e:  # e.g. neural collapse needs recorded features or weights
                analysis, note = empty, [f"{values['reading']}: {e}"]
        state = "complete" if run.complete else "still being written; refreshing"
        status = (f"{path.name}: {run.num_records} records up to step {last}, {run.num_samples} samples, "
                  f"{run.num_classes} classes ({state})")
        return (paths, readings, analysis, note if note is dash.no_update else format_errors(note), status, bool(run.complete), last, listing,
                step_marks(last), shown)


PAGE = Page(key=KEY, path="/runs", title="Runs", help=HELP, controls=CONTROLS, body=body, register=register)
