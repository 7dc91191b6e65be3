"""Logit paths page: the lab. Every `Experiment` field is a control, generated from `field_specs()`.

A change trains the experiment and its comparison runs (e.g. SGD against Adam) off the request path
(`jobs.Jobs`: debounced, newest request wins), then draws every sample's logits as a 3D path, the
runs side by side with one camera, plus the readings over steps. A step slider and play/pause move
a marker along the paths without training again (the runs are cached).
"""

from __future__ import annotations

import uuid

import dash
from dash import ALL, Input, Output, State, dcc, html

from .jobs import Busy, Superseded
from .layout import Page, cid, controls_panel, format_errors, graph, message, read, resolve_step, step_marks, step_slider
from .state import Control

KEY = "paths"
MAX_COMPARE = 3  # comparison runs beside the main one
PATH_RECORDS = 100  # records drawn per path
# The app trains on the request of anyone who can reach it, so it allows less than the lab does;
# `softmaxlab train` has the lab's full range.
APP_LIMITS = {"steps": 5000, "num_samples": 2000, "hidden": 128, "feature_dim": 128, "logits": 4_000_000}

HELP = (
    "Each line is one sample's logits while the network trains, from the open dot (before training) "
    "to the filled dot. With **init = zeros** the last layer starts at zero, so every sample starts at "
    "the centre with equal probabilities, where gradients are healthy; only the last layer can be zeroed. "
    "The gradient p - onehot(y) pulls toward the right class's vertex *and* away from the others, so "
    "paths do not head for one target point."
)


def _experiment_controls() -> tuple[Control, ...]:
    from softmaxlab.lab import Experiment

    controls = []
    for spec in Experiment.field_specs():
        if spec.type is bool and not spec.many:
            controls.append(Control(spec.name, "bool", bool(spec.default), label=spec.name, help=spec.help,
                                    extra={"field": True}))
        elif spec.choices:
            controls.append(Control(spec.name, "choice", spec.default, help=spec.help, choices=tuple(spec.choices),
                                    extra={"field": True}))
        else:  # numbers and lists are typed: steps and learning rates span decades, a slider would not do
            controls.append(Control(spec.name, "str", spec.format(spec.default) or None, help=spec.help, nullable=True,
                                    extra={"field": True, "widget": "input"}))
    return tuple(controls)


def _compare_controls(fields) -> tuple[Control, ...]:
    names = ("none", *[c.name for c in fields if c.kind == "choice"], "lr", "seed", "steps", "noise", "temperature")
    return (
        Control("compare", "choice", "optimizer", label="compare", help="the field that differs between the runs",
                choices=names),
        Control("against", "str", "adam", label="against (comma-separated)",
                help=f"values of the compared field for up to {MAX_COMPARE} more runs", extra={"widget": "input"}),
        # -1 (the default) means "the last step"; the slider itself always shows the real step number
        Control("step", "int", -1, label="step", help="the training step marked on the paths (in the URL, -1 means the last)",
                minimum=-1, maximum=100_000, extra={"hidden": True}),
    )


FIELDS = _experiment_controls()
CONTROLS = (*_compare_controls(FIELDS), *FIELDS)


def experiments(values) -> tuple[list, list[str]]:
    """The main experiment and its comparison runs from control values, or messages and no work."""
    from softmaxlab.lab import Experiment

    kwargs, errors = {}, []
    for spec in Experiment.field_specs():
        value = values[spec.name]
        try:
            if spec.choices or isinstance(value, bool):  # checked already: a choice, or a checkbox's on/off
                kwargs[spec.name] = value
            else:
                kwargs[spec.name] = spec.parse("" if value is None else value)
        except ValueError as e:
            errors.append(str(e))
    if errors:
        return [], errors
    try:
        base = Experiment(**kwargs)
    except (ValueError, TypeError) as e:
        return [], [str(e)]
    runs = [base]
    field, against = values["compare"], [a.strip() for a in values["against"].split(",") if a.strip()]
    if field != "none":
        if not against:
            return [], [f"against: give a value of {field} for the comparison run (or compare none)"]
        if len(against) > MAX_COMPARE:
            return [], [f"against: at most {MAX_COMPARE} values, got {len(against)}"]
        spec = Experiment.field_spec(field)
        for text in against:
            try:
                runs.append(base.replace(**{field: spec.parse(text)}))
            except (ValueError, TypeError) as e:
                return [], [f"against: {e}"]
    for e in runs:
        errors += limit_errors(e)
    return (runs, []) if not errors else ([], sorted(set(errors)))


def limit_errors(e) -> list[str]:
    """Messages for an experiment too big for the app to train on request."""
    errors = []
    for name, value in (("steps", e.steps), ("num_samples", e.num_samples), ("feature_dim", e.feature_dim)):
        if value > APP_LIMITS[name]:
            errors.append(f"{name}: {value} is above the app's limit {APP_LIMITS[name]} "
                          "(train bigger runs with `softmaxlab train` and open them on the Runs page)")
    if e.hidden and max(e.hidden) > APP_LIMITS["hidden"]:
        errors.append(f"hidden: widths above {APP_LIMITS['hidden']} are beyond the app's limit")
    size = e.num_records * e.num_samples * e.classes
    if size > APP_LIMITS["logits"]:
        errors.append(f"steps/record_every: {size:,} recorded logits are above the app's limit "
                      f"{APP_LIMITS['logits']:,}; raise record_every")
    return errors


def title(e, field) -> str:
    from softmaxlab.lab import Experiment

    if field == "none":
        return f"{e.optimizer}, lr {e.learning_rate:g}"
    return f"{field} = {Experiment.field_spec(field).format(getattr(e, field)) or 'default'}"


def body(values, ctx):
    # the run's length is known before training, so the slider starts at the real step, never at the URL's -1
    # (the draw only sets its range; writing its value from there would hold the URL back while playing)
    runs, errors = experiments(values)
    last = runs[0].steps if not errors else 1
    play = html.Div(
        [
            html.Button("play", id="paths-play", n_clicks=0, className="button"),
            html.Span("step", className="control-label"),
            step_slider(KEY, resolve_step(values["step"], last), last, help="the training step marked on the paths"),
            dcc.Interval(id="paths-timer", interval=250, disabled=True),
        ],
        className="player",
    )
    return html.Div(
        [
            dcc.Store(id="paths-session", data=uuid.uuid4().hex),  # the key under which newer requests win
            dcc.Store(id="paths-camera"),
            controls_panel(PAGE, values),
            html.Div(
                [
                    message(KEY),
                    html.Div(id="paths-status", className="status"),
                    play,
                    graph("paths-graph", three_d=True),
                    graph("paths-readings"),
                ],
                className="figures",
            ),
        ],
        className="columns",
    )


def trained(ctx, session, runs):
    """The trained runs, from the pool: cached, debounced, and dropped if a newer request of `session` came."""
    from softmaxlab.lab import train_many

    key = tuple(e.to_json() for e in runs)
    return ctx.jobs.run(session, key, lambda: train_many(list(runs)))


def warm_up(ctx):
    """Import the lab and the figures and train the page's default runs, so the first visit is quick."""
    from softmaxlab import figures  # noqa: F401
    from .state import defaults

    runs, _ = experiments(defaults(CONTROLS))
    trained(ctx, "warm-up", runs)


def register(app, ctx):
    from softmaxlab import figures

    def runs_of(inputs, session, purpose):
        """`(experiments, trained runs, errors)` for the page's controls; raises PreventUpdate if superseded."""
        values, errors = read(PAGE, inputs)
        if not errors:
            runs, errors = experiments(values)
        if errors:
            return values, None, None, errors
        session = session if isinstance(session, str) and len(session) <= 64 else "anonymous"
        try:
            return values, runs, trained(ctx, (purpose, session), runs), []
        except Superseded:
            raise dash.exceptions.PreventUpdate from None  # a newer change is on its way; draw that one
        except Busy as e:
            return values, None, None, [str(e)]

    @app.callback(
        Output("paths-graph", "figure"),
        Output(f"{KEY}-message", "children"),
        Output("paths-status", "children"),
        Output(cid(KEY, "step"), "max"),
        Output(cid(KEY, "step"), "marks"),
        Input({"page": KEY, "name": ALL}, "value"),
        State("paths-session", "data"),
    )
    def draw(_values, session):
        values, runs, results, errors = runs_of(dash.ctx.inputs_list[0], session, "paths")
        if errors:
            return dash.no_update, format_errors(errors), "", dash.no_update, dash.no_update
        last = runs[0].steps
        step = resolve_step(values["step"], last)
        # 100 records per path look smooth and keep WebGL fast in software renderers too
        paths = figures.logit_paths(results, step=step, titles=[title(e, values["compare"]) for e in runs],
                                    max_records=PATH_RECORDS)
        # keep the camera (and the linked cameras) when only the step changes
        paths.update_layout(uirevision=" ".join(e.to_json() for e in runs))
        status = f"{len(runs)} run(s) of {last} steps, {runs[0].num_samples} samples each"
        return paths, [], status, last, step_marks(last)

    @app.callback(
        Output("paths-readings", "figure"),
        Input({"page": KEY, "name": ALL}, "value"),
        State("paths-session", "data"),
    )
    def draw_readings(_values, session):
        # its own request, so the paths are drawn without waiting for this figure; the step does not change it
        if [t["prop_id"] for t in dash.ctx.triggered] == ['{"name":"step","page":"paths"}.value']:
            raise dash.exceptions.PreventUpdate
        values, runs, results, errors = runs_of(dash.ctx.inputs_list[0], session, "readings")
        if errors:
            return dash.no_update
        readings = figures.readings(results, titles=[title(e, values["compare"]) for e in runs])
        readings.update_layout(uirevision="readings")
        return readings

    @app.callback(
        Output("paths-timer", "disabled"),
        Output("paths-play", "children"),
        Input("paths-play", "n_clicks"),
        State("paths-timer", "disabled"),
        prevent_initial_call=True,
    )
    def play(_clicks, disabled):
        playing = bool(disabled)  # a click flips the state
        return (not playing), ("pause" if playing else "play")

    # the player and the linked cameras run in the browser: no round trip per frame or per drag
    app.clientside_callback(
        dash.ClientsideFunction(namespace="softmaxlab", function_name="advanceStep"),
        Output(cid(KEY, "step"), "value"),
        Input("paths-timer", "n_intervals"),
        State(cid(KEY, "step"), "value"),
        State(cid(KEY, "step"), "max"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        dash.ClientsideFunction(namespace="softmaxlab", function_name="linkCameras"),
        Output("paths-camera", "data"),
        Input("paths-graph", "relayoutData"),
        State("paths-graph", "id"),
        prevent_initial_call=True,
    )


PAGE = Page(key=KEY, path="/paths", title="Logit paths", help=HELP, controls=CONTROLS, body=body, register=register)
