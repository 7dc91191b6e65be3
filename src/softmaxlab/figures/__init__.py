"""Plotly figure builders: data and keyword-only options in, a `plotly.graph_objects.Figure` out.

Every picture of the softmax explainer is a function here, so it works the same in a notebook,
in the app and in an export. Colours, titles and layout defaults are shared through
:mod:`softmaxlab.figures.style`.
"""

from .softmax2d import softmax_2d

__all__ = [
    "softmax_2d",
]
