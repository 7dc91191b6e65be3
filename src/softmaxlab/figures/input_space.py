"""Figure 4: the shape of the input space of softmax for 4 and 5 classes.

Softmax ignores a common shift, so K logits live in the (K-1)-dimensional sum-zero subspace. There
the K one-hot points are the vertices of a regular simplex, and class i wins on the cone of points
nearest to vertex i. For K = 4 the subspace is 3D: the tetrahedron and its four winning cones. For
K = 5 it is 4D: this figure shows the 3D slice at a chosen fourth coordinate.
"""

import numpy as np
import plotly.graph_objects as go

from ..core.geometry import simplex_vertices, sum_zero_basis, tie_face, winning_class
from . import _options
from .style import BOTTOM_LEGEND, base_layout, class_color, make_figure, note, scene, sub, subspace_axis_label

__all__ = ["input_space"]


# One colour per tie wall, told apart from each other (CIE Lab distance >= 20; tests/test_figures_readable.py):
# ColorBrewer Dark2 and two more. Blends of the two classes' colours looked alike, mostly beige and grey.
WALL_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a")

_HOVER_U = "u₁ = %{x:.3f}<br>u₂ = %{y:.3f}<br>u₃ = %{z:.3f}"  # a point of the slice


def input_space(
    classes: int = 4,
    *,
    fourth: float = 0.0,
    extent: float = 1.2,
    points: bool = True,
    resolution: int = 9,
) -> go.Figure:
    r"""The sum-zero space of K = 4 or 5 logits, its simplex, and the region where each class wins.

    Coordinates are u = B^T z with B = :func:`sum_zero_basis` (K, K-1) (axis titles spell them out).
    The one-hot points e_i map to the simplex vertices v_i = B^T e_i, all sqrt(2) apart; since
    z_i = u . v_i and every |v_i| is equal, class i wins (largest logit) exactly where u is nearest
    to v_i. The faces drawn are where two classes tie for the lead:

    .. math:: F_{ij} = \{u : z_i = z_j \ge z_k \ \forall k\}, \qquad z = B u

    For K = 4 they are six flat wedges meeting at 0 (the cones' walls), clipped to the box
    |u_d| <= extent. For K = 5 the figure is the 3D slice u_4 = `fourth` of the 4D space: there the
    walls are no longer cones through the origin, and which classes appear depends on `fourth`.

    Args:
        classes: K, 4 or 5.
        fourth: the slice's fourth coordinate u_4 (K = 5 only; ignored for K = 4).
        extent: half-width of the box drawn.
        points: add a grid of points coloured by the class that wins there.
        resolution: grid points per axis for `points` (resolution^3 points).

    Returns:
        A Figure; trace uids ``tie-{i}-{j}`` (Mesh3d faces), ``region-{i}`` (points where class i
        wins; `customdata` holds each point's full logits z (K,)), ``edges``, ``vertices``.

    Example:
        >>> fig = input_space(4)
        >>> sorted(t.uid for t in fig.data if t.uid.startswith("tie"))[:3]
        ['tie-0-1', 'tie-0-2', 'tie-0-3']
    """
    k = _options.integer(classes, name="classes", low=4, high=5)
    f = _options.number(fourth, name="fourth") if k == 5 else 0.0
    e = _options.positive(extent, name="extent")
    points = _options.flag(points, name="points")
    n = _options.integer(resolution, name="resolution", low=2, high=41)
    basis = sum_zero_basis(k)  # (K, K-1)
    rows = basis[:, :3]  # (K, 3): z = rows @ x + offset in the slice
    offset = basis[:, 3] * f if k == 5 else np.zeros(k)  # (K,)
    pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
    traces = _tie_walls(rows, offset, pairs, e)
    if points:
        traces += _regions(rows, offset, e, n)
    traces += _simplex(k, pairs)
    return make_figure(traces, _layout(k, f, e, [subspace_axis_label(basis[:, d], d + 1) for d in range(k - 1)]))


def _tie_walls(rows, offset, pairs, extent: float) -> list[dict]:
    """One Mesh3d per pair of classes that tie for the lead inside the box (`core.geometry.tie_face`)."""
    out = []
    for wall, (i, j) in enumerate(pairs):
        poly = tie_face(rows, offset, i, j, extent=extent)  # (m, 3)
        if len(poly) < 3:
            continue
        fan = np.arange(1, len(poly) - 1)  # triangles (0, t, t+1)
        out.append(
            dict(type="mesh3d", uid=f"tie-{i}-{j}", name=f"tie: z{sub(i)} = z{sub(j)}",
                 x=poly[:, 0], y=poly[:, 1], z=poly[:, 2], i=np.zeros_like(fan), j=fan, k=fan + 1,
                 color=WALL_COLORS[wall], opacity=0.45, flatshading=True, showlegend=True,
                 hovertemplate=f"{_HOVER_U}<extra>classes {i} and {j} tie: z{sub(i)} = z{sub(j)} ≥ the rest</extra>")
        )
    return out


def _regions(rows, offset, extent: float, n: int) -> list[dict]:
    """A grid of n^3 points in the box, one trace per class of the points where it wins."""
    axis = np.linspace(-extent, extent, n)  # (n,)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)  # (n^3, 3)
    z = grid @ rows.T + offset  # (n^3, K) logits of each point
    win = winning_class(z)  # (n^3,)
    out = []
    for c in range(len(rows)):
        pts = grid[win == c]
        out.append(
            dict(type="scatter3d", uid=f"region-{c}", name=f"class {c} wins", x=pts[:, 0], y=pts[:, 1], z=pts[:, 2],
                 customdata=z[win == c], mode="markers", legendgroup=f"class-{c}", opacity=0.55,
                 marker=dict(size=2.5, color=class_color(c)),
                 hovertemplate=f"{_HOVER_U}<extra>class {c} wins</extra>")
        )
    return out


def _simplex(k: int, pairs) -> list[dict]:
    """The simplex's edges and its vertices, the one-hot points (for K = 5 projected to the slice's 3D)."""
    verts = simplex_vertices(k)  # (K, K-1)
    gap = np.full(3, np.nan)
    # (3 * pairs, 3): each edge's two ends, then a NaN row that breaks the line
    edge_xyz = np.concatenate([np.stack([verts[a, :3], verts[b, :3], gap]) for a, b in pairs])
    edges = dict(type="scatter3d", uid="edges", name="simplex edges" if k == 4 else "simplex edges (projected)",
                 x=edge_xyz[:, 0], y=edge_xyz[:, 1], z=edge_xyz[:, 2], mode="lines", hoverinfo="skip",
                 line=dict(color="#333333", width=3, dash="solid" if k == 4 else "dot"))
    # short labels: for 5 classes a vertex's u₄ is in its hover (long labels overlapped at the centre)
    fourth_hover = "" if k == 4 else ", u₄ = %{customdata[1]:.2f}"
    vertices = dict(
        type="scatter3d", uid="vertices", name="one-hot points (vertices)", x=verts[:, 0], y=verts[:, 1], z=verts[:, 2],
        mode="markers+text", text=[f"e{sub(c)}" for c in range(k)], textposition="top center",
        textfont=dict(size=15, color="#222222"),
        customdata=np.stack([np.arange(k), verts[:, 3] if k == 5 else np.zeros(k)], axis=1),  # (K, 2) class, u₄
        marker=dict(size=7, color=[class_color(c) for c in range(k)], symbol="diamond" if k == 4 else "diamond-open",
                    line=dict(color="black", width=1)),
        hovertemplate=f"{_HOVER_U}<extra>one-hot point of class %{{customdata[0]}}{fourth_hover}</extra>")
    return [edges, vertices]


def _layout(k: int, f: float, extent: float, labels) -> dict:
    """Titles for K = 4 or the slice u_4 = f of K = 5, the box's fixed ranges, what u_d are in a note."""
    if k == 4:
        main = "4 classes: logits that sum to 0, in 3D"
        hint = "A tetrahedron of one-hot points; class i wins in the cone nearest vertex eᵢ. Walls: two classes tie."
        what = "<br>".join(labels)
    else:
        main = f"5 classes: the 3D slice u₄ = {f:g} of 4D"
        hint = "Move u₄ to sweep the slice through 4D; vertices are projected (hover one for its u₄)."
        what = "<br>".join(labels[:3]) + f"<br>slice: {labels[3]} = {f:g}"
    box = scene(x="u₁", y="u₂", z="u₃", figure=f"input-space-{k}")
    for name in ("xaxis", "yaxis", "zaxis"):
        box[name]["range"] = [-extent, extent]  # fixed, so the view does not jump as the slice moves
    return base_layout(
        figure="input-space",
        main=main,
        hint=hint,
        height=680,
        wrap_lines=True,
        legend=dict(BOTTOM_LEGEND),
        scene=box,
        annotations=[note(what, x=0.0, y=0.0, xanchor="left", yanchor="bottom")],
    )
