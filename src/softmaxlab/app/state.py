"""The Dash app's state: the one state spec of `softmaxlab.spec`, re-exported while the app retires."""

from softmaxlab.spec import KINDS, MAX_QUERY, MAX_TEXT, Control, defaults, from_search, to_search, validate

__all__ = ["KINDS", "MAX_QUERY", "MAX_TEXT", "Control", "defaults", "from_search", "to_search", "validate"]
