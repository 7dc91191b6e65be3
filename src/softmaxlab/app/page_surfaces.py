"""Surfaces page: softmax of 2 or 3 logits as 3D surfaces, with derivative and Gaussian toggles.

The marker sliders move a point across the surfaces. Moving it redraws nothing on the server: a
clientside callback (assets/softmaxlab.js, `moveMarker`) computes softmax and its Jacobian at the
marker and redraws the marker traces, so the point follows the slider without a round trip; while a marker
slider is dragged nothing is sent at all (its value, and with it the URL, follows where the drag ends).
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, dcc

from .layout import Page, format_errors, one_graph_body, read
from .state import Control

KEY = "surfaces"
MARKERS = ("m0", "m1", "m2")
RESOLUTION = 41

HELP = (
    "With 2 classes, p₀ and p₁ are ridges along (1, 1): adding the same constant to both logits changes "
    "nothing, so only z₀ - z₁ matters (turn on **shift line**). Softmax is exactly the posterior of unit "
    "Gaussians centred at the one-hot points (turn on **Gaussians**), and its derivative "
    "∂pᵢ/∂zⱼ = pᵢ(δᵢⱼ - pⱼ)/T is largest where the classes tie."
)

CONTROLS = (
    Control("classes", "choice", 2, label="classes", help="2 classes over the logit plane, or 3 over the "
            "sum-zero plane", choices=(2, 3), extra={"widget": "radio"}),
    Control("t", "float", 1.0, label="temperature T", help="p = softmax(z / T)", minimum=0.1, maximum=5.0, step=0.05,
            extra={"marks": {0.1: "0.1", 1: "1", 2: "2", 5: "5"}, "updatemode": "mouseup"}),
    Control("derivatives", "bool", False, label="derivative surfaces", help="add the surfaces ∂pᵢ/∂zⱼ"),
    Control("gaussians", "bool", False, label="Gaussians", help="add the class Gaussians and their posterior"),
    Control("shift", "bool", False, label="shift line (2 classes)", help="the line z + c(1, 1), along which p is "
            "constant"),
    # a dragged marker moves in the browser (its drag_value); the value and the URL follow where the drag ends
    *(Control(m, "float", v, label=f"marker z{m[1]}", help=f"logit z{m[1]} of the marked point", minimum=-4.0,
              maximum=4.0, step=0.1, extra={"updatemode": "mouseup"}) for m, v in zip(MARKERS, (1.0, -0.5, 0.0))),
)


def body(values, ctx):
    return one_graph_body(PAGE, values, "surfaces-graph", three_d=True,
                          stores=[dcc.Store(id="surfaces-meta"), dcc.Store(id="surfaces-moved")])


def marker_of(values) -> list[float]:
    return [values[m] for m in MARKERS[: values["classes"]]]


def register(app, ctx):
    from softmaxlab import figures
    from softmaxlab.core.geometry import sum_zero_basis

    @app.callback(
        Output("surfaces-graph", "figure"),
        Output("surfaces-meta", "data"),
        Output(f"{KEY}-message", "children"),
        Output({"page": KEY, "wrap": "m2"}, "style"),
        Input({"page": KEY, "name": ALL}, "value"),
    )
    def draw(_values):
        values, errors = read(PAGE, dash.ctx.inputs_list[0])
        if errors:
            return dash.no_update, dash.no_update, format_errors(errors), dash.no_update
        triggered = {t["prop_id"].split(".")[0] for t in dash.ctx.triggered if t.get("prop_id")}
        moved_only = triggered and all('"name":"m' in t for t in triggered)
        k = values["classes"]
        if moved_only and not (values["shift"] and k == 2):
            raise dash.exceptions.PreventUpdate  # the browser moves the marker itself (moveMarker)
        # 41 x 41 grid points: smooth enough on screen, and half the vertices of the figure's default to redraw
        options = dict(temperature=values["t"], derivatives=values["derivatives"], gaussians=values["gaussians"],
                       marker=marker_of(values), resolution=RESOLUTION)
        if k == 2:
            fig = figures.surfaces_2(shift_line=values["shift"], **options)
            entries = [[0, 0], [0, 1]]
        else:
            fig = figures.surfaces_3(**options)
            entries = [[0, 0], [0, 1], [0, 2]]
        fig.update_layout(uirevision=f"surfaces-{k}-{values['derivatives']}")  # keep the camera on redraws
        meta = {"classes": k, "t": values["t"], "entries": entries if values["derivatives"] else [],
                "basis": sum_zero_basis(3).tolist() if k == 3 else None}
        return fig, meta, [], {} if k == 3 else {"display": "none"}

    app.clientside_callback(
        dash.ClientsideFunction(namespace="softmaxlab", function_name="moveMarker"),
        Output("surfaces-moved", "data"),
        Input({"page": KEY, "name": "m0"}, "value"),
        Input({"page": KEY, "name": "m1"}, "value"),
        Input({"page": KEY, "name": "m2"}, "value"),
        Input({"page": KEY, "name": "m0"}, "drag_value"),
        Input({"page": KEY, "name": "m1"}, "drag_value"),
        Input({"page": KEY, "name": "m2"}, "drag_value"),
        State("surfaces-meta", "data"),
        prevent_initial_call=True,
    )


PAGE = Page(key=KEY, path="/surfaces", title="Surfaces", help=HELP, controls=CONTROLS, body=body, register=register)
