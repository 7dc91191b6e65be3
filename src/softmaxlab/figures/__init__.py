"""Plotly figure builders: data and keyword-only options in, a `plotly.graph_objects.Figure` out.

Every picture of the softmax explainer is a function here, so it works the same in a notebook,
in the app and in an export. Colours, titles and layout defaults are shared through
:mod:`softmaxlab.figures.style`; docs/figures.md says what each figure shows and what to look at.

Example:
    >>> fig = softmax_2d([2.0, 1.0, 0.1], temperature=0.5)
    >>> fig.layout.uirevision
    'softmax-2d'
"""

from .input_space import input_space
from .losses import loss_curves, loss_landscape, squashing_functions
from .sampling import sampling
from .softmax2d import softmax_2d
from .surfaces import sigmoid_section, surfaces_2, surfaces_3
from .paths import logit_paths
from .readings import readings
from .dynamics import data_map, forgetting_figure, neural_collapse_figure, reliability_diagram, reliability_figure
from .export import export
from .animation import export_animation
from .registry import FIGURES, FigureSpec

__all__ = [
    "softmax_2d",
    "surfaces_2",
    "sigmoid_section",
    "surfaces_3",
    "input_space",
    "loss_landscape",
    "loss_curves",
    "squashing_functions",
    "sampling",
    "logit_paths",
    "readings",
    "data_map",
    "reliability_diagram",
    "reliability_figure",
    "neural_collapse_figure",
    "forgetting_figure",
    "export",
    "export_animation",
    "FIGURES",
    "FigureSpec",
]
