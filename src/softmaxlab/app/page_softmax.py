"""Softmax page: K logit sliders, temperature, the dots and their normalisation, one logit swept.

Buttons demonstrate shift invariance (add the same c to every logit: the exponentials move, the
probabilities do not) and the 2-class case, where softmax is the sigmoid of the difference.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, dcc, html

from .layout import Page, cid, controls_panel, format_errors, graph, message, read
from .state import Control

KEY = "softmax"
MAX_K = 10
LOGIT_RANGE = 8.0
DEFAULT_LOGITS = (2.0, 1.0, 0.1, -1.0, 0.5, -0.5, 1.5, -1.5, 0.8, -0.8)

HELP = (
    "Each dot sits at height exp(z/T); divided by their sum the heights add up to 1: that is softmax. "
    "**Add c to every logit** and the exponentials all grow by e^c while the probabilities stay put "
    "(shift invariance), so K logits really have K-1 degrees of freedom. "
    "With K = 2, p₀ = sigmoid(z₀ - z₁): only the difference matters."
)

CONTROLS = (
    Control("k", "int", 4, label="classes K", help="number of classes (2 to 10)", minimum=2, maximum=MAX_K, step=1,
            extra={"marks": {i: str(i) for i in range(2, MAX_K + 1)}}),
    # while a logit or the temperature is dragged only the browser's preview follows (its drag_value); the value,
    # and with it the server's figure and the URL, follow where the drag ends
    *(Control(f"z{i}", "float", DEFAULT_LOGITS[i], label=f"logit z{i}", help=f"the logit of class {i}",
              minimum=-LOGIT_RANGE, maximum=LOGIT_RANGE, step=0.1, extra={"updatemode": "mouseup"})
      for i in range(MAX_K)),
    Control("t", "float", 1.0, label="temperature T", help="p = softmax(z / T)", minimum=0.05, maximum=10.0,
            step=0.05, extra={"marks": {0.05: "0.05", 1: "1", 5: "5", 10: "10"}, "updatemode": "mouseup"}),
    Control("sweep", "int", 0, label="swept logit", help="the class whose logit sweeps in the right panel",
            minimum=0, maximum=MAX_K - 1, step=1, extra={"marks": {i: str(i) for i in range(MAX_K)}}),
    Control("c", "float", 1.0, label="shift c", help="the constant the button adds to every logit",
            minimum=-4.0, maximum=4.0, step=0.5, extra={"marks": {-4: "-4", 0: "0", 4: "4"}}),
)


def body(values, ctx):
    buttons = html.Div(
        [
            html.Button("add c to every logit", id="softmax-shift", n_clicks=0, className="button"),
            html.Button("2 classes = sigmoid", id="softmax-two", n_clicks=0, className="button"),
        ],
        className="buttons",
    )
    return html.Div(
        [
            dcc.Store(id="softmax-drawn"),
            dcc.Store(id="softmax-preview"),
            controls_panel(PAGE, values, extra=[buttons]),
            html.Div(
                [
                    message(KEY),
                    graph("softmax-graph"),
                    html.Div(graph("softmax-sigmoid"), id="softmax-sigmoid-box",
                             style={"display": "block" if values["k"] == 2 else "none"}),
                ],
                className="figures",
            ),
        ],
        className="columns",
    )


def logits_of(values) -> list[float]:
    """The first K logits."""
    return [values[f"z{i}"] for i in range(values["k"])]


def register(app, ctx):
    from softmaxlab import figures

    @app.callback(
        Output("softmax-graph", "figure"),
        Output("softmax-sigmoid", "figure"),
        Output("softmax-sigmoid-box", "style"),
        Output(f"{KEY}-message", "children"),
        Output("softmax-drawn", "data"),
        Input({"page": KEY, "name": ALL}, "value"),
    )
    def draw(_values):
        values, errors = read(PAGE, dash.ctx.inputs_list[0])
        if errors:
            return dash.no_update, dash.no_update, dash.no_update, format_errors(errors), dash.no_update
        if [t["prop_id"] for t in dash.ctx.triggered] == ['{"name":"c","page":"softmax"}.value']:
            raise dash.exceptions.PreventUpdate  # the shift amount only matters when the button is pressed
        k = values["k"]
        # the swept class follows K down rather than pointing at a class that no longer exists
        sweep = min(values["sweep"], k - 1)
        # the Dash app keeps the figure its browser preview was written for (fitted axes, sweep over +-6);
        # the web build's Softmax page has the fixed axes
        fig = figures.softmax_2d(logits_of(values), temperature=values["t"], sweep=sweep, axes="fit",
                                 sweep_range=(-6.0, 6.0))
        drawn = {"k": k, "sweep": sweep}  # what the browser's preview (softmaxPreview) may redraw by itself
        if k == 2:
            z0, z1 = logits_of(values)
            sigmoid = figures.sigmoid_section(temperature=values["t"], marker=(z0, z1))
            return fig, sigmoid, {"display": "block"}, [], drawn
        return fig, dash.no_update, {"display": "none"}, [], drawn

    # the dots and curves move in the browser at once, while a slider is dragged too; the server's complete
    # figure follows the values
    app.clientside_callback(
        dash.ClientsideFunction(namespace="softmaxlab", function_name="softmaxPreview"),
        Output("softmax-preview", "data"),
        Input({"page": KEY, "name": ALL}, "value"),
        Input({"page": KEY, "name": ALL}, "drag_value"),
        State({"page": KEY, "name": ALL}, "id"),
        State("softmax-drawn", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output({"page": KEY, "wrap": ALL}, "style"),
        Output(cid(KEY, "sweep"), "max"),
        Output(cid(KEY, "sweep"), "marks"),
        Input({"page": KEY, "name": "k"}, "value"),
    )
    def show_logits(k):
        # only K sliders are shown; a separate callback, so moving a logit re-renders no control
        k = k if isinstance(k, int) and not isinstance(k, bool) and 2 <= k <= MAX_K else MAX_K
        styles = [{"display": "none"} if w["id"]["wrap"][0] == "z" and int(w["id"]["wrap"][1:]) >= k else {}
                  for w in dash.ctx.outputs_list[0]]
        return styles, k - 1, {i: str(i) for i in range(k)}

    @app.callback(
        Output({"page": KEY, "name": ALL}, "value"),
        Output(f"{KEY}-message", "children", allow_duplicate=True),
        Input("softmax-shift", "n_clicks"),
        Input("softmax-two", "n_clicks"),
        State({"page": KEY, "name": ALL}, "value"),
        prevent_initial_call=True,
    )
    def buttons(_shift, _two, _values):
        values, errors = read(PAGE, dash.ctx.states_list[0])
        if errors:
            return [dash.no_update] * len(dash.ctx.outputs_list[0]), format_errors(errors)
        names = [s["id"]["name"] for s in dash.ctx.states_list[0]]
        new = dict(values)
        if dash.ctx.triggered_id == "softmax-shift":
            c = values["c"]
            shifted = [z + c for z in logits_of(values)]
            if max(abs(z) for z in shifted) > LOGIT_RANGE:
                return [dash.no_update] * len(names), format_errors(
                    [f"adding {c:g} would push a logit past ±{LOGIT_RANGE:g}; choose a smaller or negative c"])
            for i, z in enumerate(shifted):
                new[f"z{i}"] = round(z, 10)  # keep the slider values tidy (0.1 steps plus 0.5 shifts)
        elif dash.ctx.triggered_id == "softmax-two":
            new["k"] = 2
        return [new[n] if new[n] != values[n] else dash.no_update for n in names], []


PAGE = Page(key=KEY, path="/softmax", title="Softmax", help=HELP, controls=CONTROLS, body=body, register=register)
