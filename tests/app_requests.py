"""Pieces of hand-written Dash callback requests shared by the app's tests."""

# every output of the Runs page's draw callback, in its declared order
RUNS_OUTPUTS = [{"id": i, "property": p} for i, p in (
    ("runs-paths", "figure"), ("runs-readings", "figure"), ("runs-analysis", "figure"), ("runs-message", "children"),
    ("runs-status", "children"), ("runs-refresh", "disabled"))] + [
    {"id": {"name": "step", "page": "runs"}, "property": "max"}, {"id": "runs-list", "property": "children"},
    {"id": {"name": "step", "page": "runs"}, "property": "marks"},
    {"id": {"name": "step", "page": "runs"}, "property": "value"}]
