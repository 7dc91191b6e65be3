"""Input space page: where each class wins, for 4 and 5 classes, in the (K-1)-dimensional sum-zero space.

For K = 4 the space is 3D and the one-hot points are the vertices of a regular tetrahedron; for
K = 5 it is 4D, so the page shows a 3D slice and a slider moves the fourth coordinate.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output

from .layout import Page, format_errors, one_graph_body, read
from .state import Control

KEY = "input-space"

HELP = (
    "Shift invariance leaves K-1 numbers, so 4 logits live in 3D: the one-hot points become the corners of a "
    "regular tetrahedron, and class i wins wherever its corner is the nearest. Five classes need 4D: move "
    "the **fourth coordinate** to slide a 3D cut through it."
)

CONTROLS = (
    Control("classes", "choice", 4, label="classes", help="4 (a 3D space) or 5 (a 4D space, shown in slices)",
            choices=(4, 5), extra={"widget": "radio"}),
    Control("fourth", "float", 0.0, label="fourth coordinate (5 classes)", help="where the 3D slice cuts the "
            "fourth axis of the 5-class space", minimum=-1.2, maximum=1.2, step=0.05,
            extra={"marks": {-1.2: "-1.2", 0: "0", 1.2: "1.2"}}),
)


def body(values, ctx):
    return one_graph_body(PAGE, values, "input-space-graph", three_d=True)


def register(app, ctx):
    from softmaxlab import figures

    @app.callback(
        Output("input-space-graph", "figure"),
        Output(f"{KEY}-message", "children"),
        Output({"page": KEY, "wrap": "fourth"}, "style"),
        Input({"page": KEY, "name": ALL}, "value"),
    )
    def draw(_values):
        values, errors = read(PAGE, dash.ctx.inputs_list[0])
        if errors:
            return dash.no_update, format_errors(errors), dash.no_update
        k = values["classes"]
        fig = figures.input_space(k, fourth=values["fourth"] if k == 5 else 0.0)
        fig.update_layout(uirevision=f"input-space-{k}")
        return fig, [], {} if k == 5 else {"display": "none"}


PAGE = Page(key=KEY, path="/input-space", title="Input space", help=HELP, controls=CONTROLS, body=body,
            register=register)
