"""The page shell: navigation, a column of controls with the page's help text, and the figures.

Every control is a component whose id is `{"page": <page key>, "name": <control name>}`, so one
pattern-matching callback can write all of a page's values to the URL, and each page's callbacks read
its own values by name. `Page` describes one page; the pages live in `page_*.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from dash import dcc, html

from .state import Control, validate


@dataclass(frozen=True)
class Page:
    """One page of the app.

    Args:
        key: short name, used in component ids ("softmax").
        path: the URL path ("/softmax").
        title: the navigation label.
        help: two or three sentences on what to look at.
        controls: the page's controls (their values are the page's URL query).
        body: `body(values, ctx) -> component` with the figures (drawn later by the page's callbacks).
        register: `register(app, ctx)` adds the page's callbacks.
    """

    key: str
    path: str
    title: str
    help: str
    controls: tuple
    body: Callable[[dict, Any], Any]
    register: Callable[[Any, Any], None]


def cid(page: str, name: str) -> dict:
    """The id of control `name` on `page`."""
    return {"page": page, "name": name}


def control(page: str, c: Control, value: Any):
    """The component for one control, showing `value`, with its label and help as a tooltip."""
    ident = cid(page, c.name)
    widget = c.extra.get("widget")
    if c.kind == "bool":
        comp = dcc.Checklist(id=ident, options=[{"label": c.label or c.name, "value": "on"}],
                             value=["on"] if value else [], className="check")
        return html.Div(comp, className="control", title=c.help, id=wrap_id(page, c.name))
    if c.kind == "choice" and widget == "radio":
        comp = dcc.RadioItems(id=ident, options=[{"label": str(x), "value": x} for x in c.choices], value=value,
                              inline=True, className="radio")
    elif c.kind == "choice":
        comp = dcc.Dropdown(id=ident, options=[{"label": str(x), "value": x} for x in c.choices], value=value,
                            clearable=False, searchable=False, className="dropdown")
    elif c.kind in ("float", "int") and widget != "input" and c.minimum is not None and c.maximum is not None:
        step = c.step if c.step is not None else (1 if c.kind == "int" else (c.maximum - c.minimum) / 100)
        marks = c.extra.get("marks") or {c.minimum: f"{c.minimum:g}", c.maximum: f"{c.maximum:g}"}
        comp = dcc.Slider(id=ident, min=c.minimum, max=c.maximum, step=step, value=value, marks=marks,
                          updatemode=c.extra.get("updatemode", "drag"),
                          tooltip={"placement": "bottom", "always_visible": False}, className="slider")
    else:  # free text or a number without a slider: sent when the user presses Enter or leaves the box
        comp = dcc.Input(id=ident, type="text", value="" if value is None else c.encode(value), debounce=True,
                         className="text-input", spellCheck=False)
    return html.Div([html.Label(c.label or c.name, className="control-label"), comp], className="control",
                    title=c.help, id=wrap_id(page, c.name))


def step_slider(page: str, value: int, last: int, *, help: str):
    """The step slider of a page of runs: real step numbers 0..`last`, the step shown in its tooltip.

    `value` is the resolved step (never the URL's -1 for "the last": callers pass `resolve_step(...)`).
    """
    return html.Div(
        dcc.Slider(id=cid(page, "step"), min=0, max=max(last, 1), step=1, value=value, marks=step_marks(last),
                   updatemode="drag", tooltip={"placement": "bottom", "always_visible": False}),
        className="step-slider", title=help,
    )


def step_marks(last: int) -> dict:
    """Marks at the first and the last step."""
    return {0: "0", int(last): str(int(last))} if last > 0 else {0: "0"}


def resolve_step(step: int, last: int) -> int:
    """The step to mark: `last` for the URL's -1 ("the last step") or anything past the end.

    >>> resolve_step(-1, 1000), resolve_step(300, 1000), resolve_step(5000, 1000)
    (1000, 300, 1000)
    """
    return last if step < 0 else min(step, last)


def wrap_id(page: str, name: str) -> dict:
    """The id of the box around control `name` (to show or hide it); no clash with `cid` patterns."""
    return {"page": page, "wrap": name}


def controls_panel(page: Page, values: dict, *, extra=()):
    """The left column: the page's help text, its controls, and anything page-specific (buttons)."""
    return html.Div(
        [
            html.H2(page.title),
            dcc.Markdown(page.help, className="help"),
            *[control(page.key, c, values.get(c.name, c.default)) for c in page.controls if not c.extra.get("hidden")],
            *extra,
        ],
        className="panel",
    )


def message(page: str, errors=(), *, kind: str = "error", ident: str = "message"):
    """A box for the page's messages: bad values, a busy server, a run that cannot be read."""
    return html.Div(format_errors(errors), id=f"{page}-{ident}", className=f"message {kind}", role="alert")


def format_errors(errors) -> list:
    """Messages as a list of lines for a message box (empty if none)."""
    return [html.Div(e) for e in errors]


def url_notice(errors) -> Any:
    """The notice shown when the URL itself held settings the app cannot use."""
    if not errors:
        return html.Div(id="url-notice")
    return html.Div(
        [html.Strong("This link holds settings the app cannot use, so the defaults are shown instead: "),
         *[html.Div(e) for e in errors]],
        id="url-notice", className="message error", role="alert",
    )


def one_graph_body(page: Page, values: dict, ident: str, *, three_d: bool = False, stores=()):
    """A page's usual body: its controls on the left; its message and one graph `ident` on the right."""
    return html.Div(
        [*stores, controls_panel(page, values),
         html.Div([message(page.key), graph(ident, three_d=three_d)], className="figures")],
        className="columns",
    )


def graph(ident: str, *, three_d: bool = False):
    """A graph component, as tall as its figure says (every softmaxlab figure sets its height)."""
    return dcc.Graph(id=ident, figure={"data": [], "layout": {"template": "plotly_white", "height": 120}},
                     config={"displaylogo": False},
                     className="graph graph-3d" if three_d else "graph")


def shell(pages, content):
    """The whole page: header with navigation, the URL, and the current page's content."""
    nav = [dcc.Link(p.title, href=p.path, className="nav-link", id=f"nav-{p.key}") for p in pages]
    return html.Div(
        [
            # read on load and on navigation; control changes write the query with history.replaceState
            # (writeQuery in assets/softmaxlab.js), so they add no history entries and Back stays useful
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="url-query"),
            dcc.Store(id="url-written"),
            html.Header([html.Span("softmaxlab", className="brand"), html.Nav(nav, className="nav")],
                        className="header"),
            html.Main(content, id="page"),
        ],
        className="app",
    )


def collect(page_key: str, inputs: list) -> tuple[dict, list[str]]:
    """`{name: value}` from a pattern-matching input list, with messages for ids that are not well formed.

    The list comes from the request, so it is checked: each entry must carry an id
    `{"page": page_key, "name": <text>}` and no name may come twice.

    >>> collect("softmax", [{"id": {"page": "softmax", "name": "t"}, "property": "value", "value": 2}])
    ({'t': 2}, [])
    """
    raw, problems = {}, []
    if not isinstance(inputs, list):
        return raw, ["the request is not a list of inputs"]
    for entry in inputs[:200]:
        ident = entry.get("id") if isinstance(entry, dict) else None
        if not (isinstance(ident, dict) and isinstance(ident.get("name"), str) and ident.get("page") == page_key):
            problems.append("the request holds an input that is not a control of this page")
            continue
        name = ident["name"][:40]
        if name in raw:
            problems.append(f"{name}: given more than once")
        raw[name] = entry.get("value")
    if len(inputs) > 200:
        problems.append("the request holds too many inputs")
    return raw, problems


def read(page: Page, inputs: list) -> tuple[dict, list[str]]:
    """The page's control values from a callback's pattern-matching input list, checked.

    Returns `(values, errors)`; callers draw nothing when `errors` is not empty.
    """
    raw, problems = collect(page.key, inputs)
    values, errors = validate(page.controls, raw)
    return values, problems + errors
