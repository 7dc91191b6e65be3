"""Figures 2 and 3: softmax as surfaces over the logit plane, for 2 and for 3 classes.

Two classes: p_0 and p_1 over the (z_0, z_1) plane, their derivatives, the Gaussians whose
posterior they are, and the line (1, 1) along which nothing changes (shift invariance); the
cross-section p_0 against z_0 - z_1 is the logistic sigmoid. Three classes: the same over the
2D plane of sum-zero logits, in the coordinates of :func:`softmaxlab.core.geometry.sum_zero_basis`.
One builder draws both; they differ only in the plane's coordinates (a `_Plane`).
"""

from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from ..core import gaussian_posterior, sigmoid, softmax, softmax_jacobian
from ..core.geometry import from_subspace, simplex_vertices, sum_zero_basis, to_subspace
from . import _options
from .style import (
    BOTTOM_LEGEND,
    NEUTRAL,
    base_layout,
    class_color,
    flat_colorscale,
    make_figure,
    note,
    panel_domains,
    scene,
    sub,
    subspace_axis_label,
)

__all__ = ["surfaces_2", "sigmoid_section", "surfaces_3"]

_ISO = dict(show=True, usecolormap=False, color="white", width=1, start=0.1, end=0.9, size=0.1)
STEM_TOP = 1.1  # marker stems and one-hot labels stand above p = 1, the highest any surface reaches
SURFACE_OPACITY = 0.7  # the probability surfaces: a marker or a point behind one still shows through
# derivative scenes side by side: the camera stands this much farther back, so each cube and its tick
# labels fit their half of the figure (tests/browser/test_site.py looks for pixels cut at a scene's edge)
_FAR = 1.4


def _eye(x, y, z, derivatives):
    far = _FAR if derivatives else 1.0
    return dict(eye=dict(x=x * far, y=y * far, z=z * far))


def _grid(extent, resolution):
    extent = _options.positive(extent, name="extent")
    n = _options.integer(resolution, name="resolution", low=3, high=401)
    return np.linspace(-extent, extent, n)  # (n,)


def _entries(entries, k):
    """Validated Jacobian entries: a non-empty sequence of distinct (i, j) pairs of classes."""
    try:
        pairs = [tuple(int(v) for v in e) for e in entries]
        ok = all(len(e) == 2 for e in entries) and len(pairs) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok or any(not (0 <= i < k and 0 <= j < k) for i, j in pairs) or len(set(pairs)) != len(pairs):
        raise ValueError(f"entries must be distinct (i, j) pairs with 0 <= i, j < {k}, got {entries!r}")
    return pairs


def _surface(uid, name, x, y, z, color, *, hover, scene_id="scene", opacity=0.9, iso=False):
    """One surface trace in a single class colour; `z[r, c]` is the height at `(x[c], y[r])`."""
    trace = dict(
        type="surface", uid=uid, name=name, x=x, y=y, z=z, scene=scene_id, opacity=opacity,
        colorscale=flat_colorscale(color), showscale=False, showlegend=True, legendgroup=uid,
        hovertemplate=hover + f"<extra>{name}</extra>",
    )
    if iso:  # white iso-probability lines every 0.1
        trace["contours"] = dict(z=_ISO)
    return trace


def _gaussian(uid, name, axis, dens, t, color, coords):
    """A Gaussian's density drawn divided by its peak 1/(2 pi T^2), so it rises to 1 like the probabilities
    beside it (at its true height, 0.16 / T^2, it lies flat under them); the hover reads the true density."""
    return dict(_surface(uid, name, axis, axis, dens * (2 * np.pi * t**2), color, opacity=0.5,
                         hover=f"{coords}<br>density = %{{customdata:.4f}} (drawn ÷ its peak)"), customdata=dens)


def _marker(uid, name, x, y, z, colors, *, scene_id, hover):
    return dict(
        type="scatter3d", uid=uid, name=name, x=x, y=y, z=z, mode="markers", scene=scene_id, showlegend=False,
        marker=dict(size=8, color=colors, line=dict(color="black", width=2)),
        hovertemplate=hover + f"<extra>{name}</extra>",
    )


def _stem(uid, name, x, y, *, top=STEM_TOP):
    """A vertical line at (x, y) from the floor to above every probability surface (p <= 1 < `top`): where a
    surface would hide a point, the stem still shows where it is."""
    return dict(type="scatter3d", uid=uid, name=name, x=[x, x], y=[y, y], z=[0.0, top], mode="lines", scene="scene",
                showlegend=False, hoverinfo="skip", line=dict(color="black", width=4))


def _jacobian_surfaces(jac, x, y, pairs, *, coords, scene_id):
    """Derivative surfaces dp_i/dz_j from the core's Jacobian `(n, n, K, K)`, coloured by the logit z_j."""
    out = []
    for i, j in pairs:
        label = f"∂p{sub(i)}/∂z{sub(j)}"
        hover = f"{coords}<br>{label} = %{{z:.4f}}"
        out.append(
            _surface(f"dp{i}-dz{j}", label, x, y, jac[..., i, j], class_color(j), hover=hover, scene_id=scene_id, opacity=0.85)
        )
    return out


def surfaces_2(
    *,
    temperature: float = 1.0,
    derivatives: bool = False,
    entries=((0, 0), (0, 1)),
    gaussians: bool = False,
    shift_line: bool = False,
    marker=None,
    extent: float = 6.0,
    resolution: int = 61,
) -> go.Figure:
    r"""Two classes in 3D: p_0 and p_1 as surfaces over the (z_0, z_1) plane.

    .. math:: p_i(z_0, z_1) = \frac{e^{z_i / T}}{e^{z_0 / T} + e^{z_1 / T}}, \qquad
              \frac{\partial p_i}{\partial z_j} = \frac{p_i (\delta_{ij} - p_j)}{T}

    Every contour of p runs along (1, 1): adding the same constant to both logits changes
    nothing, so the surfaces are ridges, and 2 logits really carry 1 number, z_0 - z_1.

    Args:
        temperature: T > 0.
        derivatives: add a second scene with the surfaces dp_i/dz_j of :func:`softmax_jacobian`.
        entries: which (i, j) of the Jacobian to draw (0-based). For 2 classes
            dp_1/dz_1 = dp_0/dz_0 and dp_1/dz_0 = dp_0/dz_1, so the default shows both shapes.
        gaussians: add the densities of two isotropic Gaussians, centred at T e_i with standard
            deviation T (unit Gaussians at the one-hot points when T = 1), and, as a wire grid,
            their posterior p(i | z) from :func:`gaussian_posterior`: it lies exactly on p_i.
        shift_line: add the line through the marker (or through 0) along (1, 1) on both surfaces.
        marker: a point `(z_0, z_1)` to mark on every surface.
        extent: the plane spans [-extent, extent] in both logits.
        resolution: grid points per axis.

    Returns:
        A Figure; trace uids: ``p0``, ``p1``, ``dp{i}-dz{j}`` (scene2), ``gauss0``, ``gauss1``,
        ``posterior0``, ``posterior1``, ``shift-line``, ``marker``, ``marker-stem``, ``marker-jacobian``.

    Example:
        >>> fig = surfaces_2(marker=(1.0, -1.0))
        >>> p0 = next(t for t in fig.data if t.uid == "p0")
        >>> float(p0.z[30, 30])  # at z = (0, 0) both classes are equally likely
        0.5
    """
    t = _options.positive(temperature, name="temperature")
    derivatives = _options.flag(derivatives, name="derivatives")
    gaussians = _options.flag(gaussians, name="gaussians")
    shift_line = _options.flag(shift_line, name="shift_line")
    axis = _grid(extent, resolution)  # (n,)
    pairs = _entries(entries, 2) if derivatives else []
    mark = None if marker is None else _options.pair(marker, name="marker")
    z = _grid_points(axis)  # (n, n, 2): the plane is the logits themselves
    # looking obliquely, not along (1, 1) or across it, so the ridge shape reads in 3D
    plane = _Plane("surfaces-2", axis, z, z, np.eye(2), ("z₀", "z₁"), "z₀ = %{x:.2f}<br>z₁ = %{y:.2f}", (1.9, -0.8, 0.9))
    layout = base_layout(
        figure="surfaces-2",
        main=f"Softmax of 2 logits as surfaces (T = {t:g})",
        hint="p₀ and p₁ are ridges along (1, 1): only z₀ − z₁ matters. They add up to 1 everywhere.",
        height=620,
        wrap_lines=True,
        legend=dict(BOTTOM_LEGEND),
    )
    return _plane_figure(plane, t=t, derivatives=derivatives, pairs=pairs, gaussians=gaussians, mark=mark,
                         mark_logits=None if mark is None else np.array(mark),
                         guides=[_shift_line(axis, mark, t, plane.coords)] if shift_line else [], layout=layout)


def _shift_line(axis, mark, t: float, coords: str) -> dict:
    """The line through the marker (or 0) along (1, 1), on both surfaces: p is constant along it."""
    a, b = mark if mark is not None else (0.0, 0.0)
    # the part of {(a, b) + s (1, 1)} inside the square
    s = np.linspace(max(-axis[-1] - a, -axis[-1] - b), min(axis[-1] - a, axis[-1] - b), 50)  # (50,)
    line = np.stack([a + s, b + s], axis=-1)  # (50, 2)
    pl = softmax(line, temperature=t)  # (50, 2): constant along the line
    gap = [np.nan]  # a NaN breaks the line: one trace draws it on both surfaces
    return dict(
        type="scatter3d", uid="shift-line", name="shift (1, 1): p constant", mode="lines", scene="scene",
        x=np.r_[line[:, 0], gap, line[:, 0]], y=np.r_[line[:, 1], gap, line[:, 1]], z=np.r_[pl[:, 0], gap, pl[:, 1]],
        line=dict(color="black", width=6, dash="dash"),
        hovertemplate=f"{coords}<br>p = %{{z:.4f}} all along the line<extra>z + c(1, 1)</extra>",
    )


def _vertex_stems(verts):
    """A stem up from each one-hot point on the floor, labelled eᵢ at its top, above every surface: the
    surfaces cover the floor, so the points themselves are hidden from most views."""
    k = len(verts)
    gap = [np.nan]
    # (3 k,) per vertex: the floor, the top, a NaN that breaks the line
    x = np.concatenate([[v[0], v[0], np.nan] for v in verts])
    y = np.concatenate([[v[1], v[1], np.nan] for v in verts])
    z = np.tile(np.r_[0.0, STEM_TOP, gap], k)
    text = sum(([" ", f"e{sub(i)}", " "] for i in range(k)), [])
    return dict(type="scatter3d", uid="vertex-stems", name="one-hot points", x=x, y=y, z=z, mode="lines+text", text=text,
                textposition="top center", textfont=dict(size=15, color="#222222"), scene="scene", showlegend=False,
                legendgroup="vertices", hoverinfo="skip", line=dict(color="#555555", width=3))


def _wire(uid, name, axis, height, color, coords):
    """A surface drawn only as grid lines (hidden skin), so it shows where it lies on another surface."""
    lines = dict(show=True, color=color, width=2, highlight=False)
    return dict(
        type="surface", uid=uid, name=name, x=axis, y=axis, z=height, scene="scene", hidesurface=True, showscale=False,
        showlegend=True, legendgroup=uid, colorscale=flat_colorscale(color),
        contours=dict(x=dict(lines, start=axis[0], end=axis[-1], size=(axis[-1] - axis[0]) / 12),
                      y=dict(lines, start=axis[0], end=axis[-1], size=(axis[-1] - axis[0]) / 12)),
        hovertemplate=f"{coords}<br>posterior = %{{z:.4f}}<extra>{name}</extra>",
    )


def sigmoid_section(*, temperature: float = 1.0, extent: float = 8.0, resolution: int = 241, marker=None) -> go.Figure:
    r"""The cross-section of the 2-class surfaces: p_0 against the difference d = z_0 - z_1.

    .. math:: \operatorname{softmax}(z_0, z_1)_0 = \frac{1}{1 + e^{-(z_0 - z_1)/T}} = \sigma\!\left(\frac{z_0 - z_1}{T}\right)

    The softmax curve (computed from logits (d/2, -d/2)) and the logistic sigmoid of d/T are
    drawn on top of each other: they coincide.

    Args:
        temperature: T > 0.
        extent: d spans [-extent, extent].
        resolution: points along d.
        marker: a pair of logits `(z_0, z_1)`, marked at d = z_0 - z_1.

    Returns:
        A Figure; trace uids ``p0``, ``p1`` (softmax), ``sigmoid`` (:func:`softmaxlab.core.sigmoid`), ``marker``.

    Example:
        >>> fig = sigmoid_section()
        >>> sig = next(t for t in fig.data if t.uid == "sigmoid")
        >>> float(sig.y[120])  # d = 0
        0.5
    """
    t = _options.positive(temperature, name="temperature")
    e = _options.positive(extent, name="extent")
    d = np.linspace(-e, e, _options.integer(resolution, name="resolution", low=3, high=100_001))  # (n,) z0 - z1
    mark = None if marker is None else _options.pair(marker, name="marker")
    p = softmax(np.stack([d / 2, -d / 2], axis=-1), temperature=t)  # (n, 2)
    hover = "z₀ − z₁ = %{x:.3f}<br>%{y:.4f}"
    traces = [
        dict(type="scatter", uid=f"p{i}", name=f"p{sub(i)} = softmax(z/T){sub(i)}", x=d, y=p[:, i], mode="lines",
             line=dict(color=class_color(i), width=5), hovertemplate=hover + f"<extra>p{sub(i)}</extra>")
        for i in range(2)
    ]
    traces.append(
        dict(type="scatter", uid="sigmoid", name="σ((z₀ − z₁)/T)", x=d, y=sigmoid(d / t), mode="lines",
             line=dict(color="black", width=2, dash="dash"), hovertemplate=hover + "<extra>logistic sigmoid</extra>")
    )
    if mark is not None:
        pm = softmax(np.array(mark), temperature=t)  # (2,)
        dm = mark[0] - mark[1]
        traces.append(
            dict(type="scatter", uid="marker", name="marker", x=[dm, dm], y=pm, mode="markers", showlegend=False,
                 marker=dict(size=11, color=[class_color(0), class_color(1)], line=dict(color="black", width=1)),
                 hovertemplate=f"z = ({mark[0]:g}, {mark[1]:g})<br>{hover}<extra>marker</extra>")
        )
    layout = base_layout(
        figure="sigmoid-section",
        main=f"2 classes: softmax is the sigmoid (T = {t:g})",
        hint="p₀ depends only on z₀ − z₁, and equals σ((z₀ − z₁)/T): the dashed curve lies on the blue one.",
        height=460,
        wrap_lines=True,
        legend=dict(orientation="h", x=0.0, y=-0.2, yanchor="top"),  # below: beside the curves it takes a phone's width
        xaxis=dict(title=dict(text="z₀ − z₁"), zeroline=True),
        yaxis=dict(title=dict(text="probability"), range=[-0.02, 1.02]),
    )
    return make_figure(traces, layout)


def surfaces_3(
    *,
    temperature: float = 1.0,
    derivatives: bool = False,
    entries=((0, 0), (0, 1), (0, 2)),
    gaussians: bool = False,
    marker=None,
    extent: float = 4.0,
    resolution: int = 61,
) -> go.Figure:
    r"""Three classes in 3D: p_0, p_1, p_2 over the plane of sum-zero logits.

    Shift invariance leaves 2 of the 3 logits' numbers: a point (u_1, u_2) of the plane is the
    logits z = B u with B = :func:`sum_zero_basis` (3, 2); the note beside the axes u_1, u_2 says what they are.
    The simplex vertices (one-hot points projected) are marked on the floor in class colours.

    .. math:: p_i(u) = \operatorname{softmax}(B u / T)_i, \qquad
              \frac{\partial p_i}{\partial z_j} = \frac{p_i (\delta_{ij} - p_j)}{T}

    Args:
        temperature: T > 0.
        derivatives: add a second scene with the Jacobian surfaces listed in `entries`.
        entries: (i, j) pairs, 0-based; default row 0, how p_0 responds to each logit.
        gaussians: add, for each class, the isotropic Gaussian in the plane centred at T v_i
            (v_i its simplex vertex) with standard deviation T, and their posterior as wire grids:
            since z_i = u · v_i it equals softmax(z / T), computed by :func:`gaussian_posterior`.
        marker: logits `(z_0, z_1, z_2)`, projected to the plane (any shift gives the same point).
        extent: u_1 and u_2 span [-extent, extent].
        resolution: grid points per axis.

    Returns:
        A Figure; trace uids ``p0``..``p2``, ``vertices``, ``vertex-stems``, ``dp{i}-dz{j}`` (scene2),
        ``gauss0``.. (`customdata`: the true density), ``posterior0``.., ``marker``, ``marker-stem``,
        ``marker-jacobian``.

    Example:
        >>> fig = surfaces_3()
        >>> p = [next(t for t in fig.data if t.uid == f"p{i}") for i in range(3)]
        >>> round(float(sum(s.z[7, 50] for s in p)), 12)
        1.0
    """
    t = _options.positive(temperature, name="temperature")
    derivatives = _options.flag(derivatives, name="derivatives")
    gaussians = _options.flag(gaussians, name="gaussians")
    axis = _grid(extent, resolution)  # (n,)
    pairs = _entries(entries, 3) if derivatives else []
    mark = None if marker is None else to_subspace(_options.vector(marker, name="marker", low=3, high=3))  # (2,)
    u = _grid_points(axis)  # (n, n, 2)
    basis = sum_zero_basis(3)  # (3, 2)
    labels = [subspace_axis_label(basis[:, j], j + 1) for j in range(2)]
    verts = simplex_vertices(3)  # (3, 2)
    # the axes say u₁, u₂ and the note what they are: spelled out in the scene, the titles reached past a
    # phone's edge (tests/browser/test_site_phone.py)
    plane = _Plane("surfaces-3", axis, u, from_subspace(u), verts, ("u₁", "u₂"), "u₁ = %{x:.2f}<br>u₂ = %{y:.2f}",
                   (1.6, -1.6, 1.0))
    vertices = dict(type="scatter3d", uid="vertices", name="one-hot points", x=verts[:, 0], y=verts[:, 1], z=np.zeros(3),
                    mode="markers", scene="scene", legendgroup="vertices",
                    marker=dict(size=6, color=[class_color(i) for i in range(3)], symbol="diamond",
                                line=dict(color="black", width=1)),
                    hovertemplate=plane.coords + "<extra>one-hot point, projected</extra>")
    layout = base_layout(
        figure="surfaces-3",
        main=f"Softmax over the sum-zero plane (T = {t:g})",
        hint="Each pᵢ is a ramp rising toward its vertex; where two ramps cross at equal height, those two classes tie.",
        height=640,
        wrap_lines=True,
        legend=dict(BOTTOM_LEGEND),
        annotations=[note(f"{labels[0]}<br>{labels[1]}<br>(z = B u: the plane of logits that sum to 0)", x=1.0, y=0.0,
                          xanchor="right", yanchor="bottom")],
    )
    return _plane_figure(plane, t=t, derivatives=derivatives, pairs=pairs, gaussians=gaussians, mark=mark,
                         mark_logits=None if mark is None else from_subspace(mark),
                         landmarks=[vertices, _vertex_stems(verts)], layout=layout)


class _Plane(NamedTuple):
    """What tells the 2-class and the 3-class surfaces apart: the coordinates of the plane they are drawn over."""

    figure: str  # "surfaces-2" or "surfaces-3"
    axis: np.ndarray  # (n,) both coordinates' grid
    points: np.ndarray  # (n, n, 2) the plane's coordinates: [r, c] = (axis[c], axis[r])
    logits: np.ndarray  # (n, n, K) the logits at each point
    centres: np.ndarray  # (K, 2) the one-hot points in the plane's coordinates: the unit Gaussians' centres
    titles: tuple  # the two axes' titles
    coords: str  # a point in the hover text
    eye: tuple  # the camera, looking obliquely so the shapes read in 3D


def _plane_figure(plane: _Plane, *, t: float, derivatives: bool, pairs, gaussians: bool, mark, mark_logits,
                  landmarks=(), guides=(), layout: dict) -> go.Figure:
    """The surfaces p_i over `plane`, then `landmarks`, the Gaussians and their posterior, `guides`, the
    marker (`mark` in the plane's coordinates, its logits `mark_logits`) and the derivative scene."""
    p = softmax(plane.logits, temperature=t)  # (n, n, K)
    traces = [
        _surface(f"p{i}", f"p{sub(i)}", plane.axis, plane.axis, p[..., i], class_color(i), iso=True,
                 opacity=SURFACE_OPACITY, hover=f"{plane.coords}<br>p{sub(i)} = %{{z:.4f}}")
        for i in range(p.shape[-1])
    ]
    traces += landmarks
    if gaussians:
        traces += _gaussians_and_posterior(plane, t)
    traces += guides
    if mark is not None:
        traces += _mark_traces(mark, softmax(mark_logits, temperature=t), plane.coords)
    left = [0.0, 1.0]
    if derivatives:
        left, right = panel_domains([1, 1], gap=0.02)
        traces += _derivative_traces(plane, t, pairs, mark, mark_logits)
        layout["scene2"] = scene(x=plane.titles[0], y=plane.titles[1], z="∂pᵢ/∂zⱼ", figure=plane.figure,
                                 domain=dict(x=right, y=[0, 1]), camera=_eye(*plane.eye, derivatives))
    layout["scene"] = scene(x=plane.titles[0], y=plane.titles[1], z="p", figure=plane.figure,
                            domain=dict(x=left, y=[0, 1]), camera=_eye(*plane.eye, derivatives))
    return make_figure(traces, layout)


def _gaussians_and_posterior(plane: _Plane, t: float) -> list[dict]:
    """For each class the isotropic Gaussian N(T c_i, T^2 I) of the plane (c_i its one-hot point there), then,
    as wire grids, their posterior: that of unit Gaussians at the one-hot points evaluated at z / T, i.e.
    softmax(z / T)."""
    post = gaussian_posterior(plane.logits / t)  # (n, n, K)
    k = len(plane.centres)
    out = []
    for i in range(k):
        dens = np.exp(-(((plane.points / t - plane.centres[i]) ** 2).sum(axis=-1)) / 2) / (2 * np.pi * t**2)  # (n, n)
        name = (f"Gaussian {i}: N({t:g}·e{sub(i)}, {t:g}²I), peak at 1" if k == 2 else
                f"Gaussian {i} at {t:g}·v{sub(i)}, peak at 1")
        out.append(_gaussian(f"gauss{i}", name, plane.axis, dens, t, class_color(i), plane.coords))
    for i in range(k):
        out.append(_wire(f"posterior{i}", f"posterior p(class {i} | z)", plane.axis, post[..., i], class_color(i),
                         plane.coords))
    return out


def _mark_traces(mark, pm, coords: str) -> list[dict]:
    """The marker at `mark` (the plane's coordinates) on every surface, its probabilities `pm`, and its stem."""
    k = len(pm)
    return [_marker("marker", "marker", [mark[0]] * k, [mark[1]] * k, pm, [class_color(i) for i in range(k)],
                    scene_id="scene", hover=f"{coords}<br>p = %{{z:.4f}}"),
            _stem("marker-stem", "marker", mark[0], mark[1])]


def _derivative_traces(plane: _Plane, t: float, pairs, mark, mark_logits) -> list[dict]:
    """The second scene: the Jacobian entries `pairs` as surfaces and, with a marker, its values on them."""
    jac = softmax_jacobian(plane.logits, temperature=t)  # (n, n, K, K)
    out = _jacobian_surfaces(jac, plane.axis, plane.axis, pairs, coords=plane.coords, scene_id="scene2")
    if mark is not None:
        jm = softmax_jacobian(mark_logits, temperature=t)  # (K, K)
        out.append(_marker("marker-jacobian", "marker", [mark[0]] * len(pairs), [mark[1]] * len(pairs),
                           [jm[i, j] for i, j in pairs], [class_color(j) for _, j in pairs], scene_id="scene2",
                           hover=f"{plane.coords}<br>∂p/∂z = %{{z:.4f}}"))
    return out


def _grid_points(axis: np.ndarray) -> np.ndarray:
    """`(n, n, 2)` the plane's points: [r, c] = (axis[c], axis[r]), so a surface's z[r, c] sits at (x[c], y[r])."""
    return np.stack(np.broadcast_arrays(axis[None, :], axis[:, None]), axis=-1)
