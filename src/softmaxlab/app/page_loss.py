"""Loss page: a loss over the logits as a surface, with its gradient field, for a chosen true class.

Cross-entropy, focal, squared error on probabilities and hinge (the registry `core.LOSSES`) can be
compared on the same logits.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output

from .layout import Page, format_errors, one_graph_body, read
from .state import Control

KEY = "loss"

HELP = (
    "Cross-entropy is -log p_y, and its gradient with respect to the logits is p - onehot(y). The arrows "
    "do not point at one target point: they pull toward the true class's corner *and* push away from the "
    "others, and they fade as p_y nears 1. Compare how the other losses flatten far from the answer."
)


def _losses() -> tuple[str, ...]:
    from softmaxlab.core import LOSSES

    return tuple(LOSSES)


CONTROLS = (
    Control("loss", "choice", "cross-entropy", label="loss", help="the loss drawn over the logits",
            choices=_losses()),
    Control("classes", "choice", 2, label="classes", help="2 or 3 classes", choices=(2, 3), extra={"widget": "radio"}),
    Control("label", "choice", 0, label="true class y", help="the class the loss rewards", choices=(0, 1, 2),
            extra={"widget": "radio"}),
    Control("smoothing", "float", 0.0, label="label smoothing ε (cross-entropy)", help="the target puts 1-ε on y "
            "and spreads ε over all classes", minimum=0.0, maximum=0.9, step=0.05,
            extra={"marks": {0: "0", 0.9: "0.9"}, "updatemode": "mouseup"}),
    Control("gamma", "float", 2.0, label="focusing γ (focal)", help="the focal loss is -(1-p_y)^γ log p_y",
            minimum=0.0, maximum=5.0, step=0.25, extra={"marks": {0: "0", 5: "5"}, "updatemode": "mouseup"}),
    Control("margin", "float", 1.0, label="margin (hinge)", help="the hinge loss wants z_y above every other "
            "logit by this margin", minimum=0.0, maximum=3.0, step=0.25,
            extra={"marks": {0: "0", 3: "3"}, "updatemode": "mouseup"}),
)


def body(values, ctx):
    return one_graph_body(PAGE, values, "loss-graph", three_d=True)


def register(app, ctx):
    from softmaxlab import figures

    @app.callback(
        Output("loss-graph", "figure"),
        Output(f"{KEY}-message", "children"),
        Input({"page": KEY, "name": ALL}, "value"),
    )
    def draw(_values):
        values, errors = read(PAGE, dash.ctx.inputs_list[0])
        if not errors and values["label"] >= values["classes"]:
            errors = [f"label: class {values['label']} does not exist with {values['classes']} classes"]
        if errors:
            return dash.no_update, format_errors(errors)
        fig = figures.loss_landscape(values["loss"], classes=values["classes"], label=values["label"],
                                     label_smoothing=values["smoothing"], gamma=values["gamma"],
                                     margin=values["margin"])
        fig.update_layout(uirevision=f"loss-{values['classes']}")
        return fig, []


PAGE = Page(key=KEY, path="/loss", title="Loss", help=HELP, controls=CONTROLS, body=body, register=register)
