"""The one state spec: every setting a person can change has a name, a type, bounds, a default and help.

The pages of the web build and the URL query all read these `Control`s: the browser gets them
as data (`spec_json`) written into the build, and its `state.js` parses and writes the query by the same
rules as `from_search` / `to_search` here (tests/test_web_state.py proves the two agree).

One mapping turns control values into a query string and back (`to_search`, `from_search`), and the same
`Control.coerce` checks every value the server receives, whether it came from a slider, a URL typed by
hand, or a callback request written by a stranger: non-finite or out-of-range numbers, unknown names and
wrong types are refused with a message naming the control, before any work is done.

>>> controls = (Control("temperature", "float", 1.0, minimum=0.05, maximum=10.0),
...             Control("classes", "int", 3, minimum=2, maximum=10))
>>> values, errors = from_search(controls, "?temperature=2.5")
>>> values, errors
({'temperature': 2.5, 'classes': 3}, [])
>>> to_search(controls, values)
'?temperature=2.5&classes=3'
>>> from_search(controls, "?classes=99&colour=red")[1]
['classes: 99 is above the maximum 10', "unknown setting 'colour'"]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

KINDS = ("float", "int", "bool", "choice", "str")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
MAX_TEXT = 200  # no control holds a longer string; longer input is refused unread
MAX_QUERY = 8000  # characters of URL query the app reads at most


@dataclass(frozen=True)
class Control:
    """One control of a page: a name (its URL key), a kind, a default, and what values are allowed.

    Args:
        name: the key in the URL query and the id of the component.
        kind: one of "float", "int", "bool", "choice", "str".
        default: the value when the URL does not say.
        label: what the page shows beside the control (the name if empty).
        help: one sentence shown as the control's tooltip.
        minimum, maximum: bounds for numbers (inclusive).
        choices: the allowed values for "choice" (and, if given, for "str").
        step: the slider's step for numbers.
        nullable: whether "none" (Python None) is allowed, e.g. "no top-k filter".
        many: a list of values of `kind`, written comma-separated ("2,1,0.1"; a tuple in Python). The export
            CLI's list options; no page control is one yet (the browser's state.js reads single values).
        masked: a "float" that may also be -inf: a masked logit, whose probability is 0 (`softmaxlab softmax`).
    """

    name: str
    kind: str
    default: Any
    label: str = ""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    step: float | None = None
    nullable: bool = False
    scale: str = "linear"  # "log": a slider moves the logarithm (temperature, learning rate)
    many: bool = False
    masked: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"control {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.masked and self.kind != "float":
            raise ValueError(f"control {self.name!r}: only a float can be masked (-inf)")
        if self.scale not in ("linear", "log") or (self.scale == "log" and not (self.minimum or 0) > 0):
            raise ValueError(f"control {self.name!r}: scale must be 'linear', or 'log' with a minimum > 0")

    def to_json(self) -> dict:
        """The control as plain data for the browser (the build writes it; `state.js` reads it)."""
        out = {"name": self.name, "kind": self.kind, "default": self.default, "label": self.label or self.name,
               "help": self.help, "minimum": self.minimum, "maximum": self.maximum, "choices": list(self.choices),
               "step": self.step, "nullable": self.nullable, "scale": self.scale}
        widget = self.extra.get("widget")
        if widget:
            out["widget"] = widget
        if self.extra.get("hidden"):
            out["hidden"] = True  # state without a control of its own (a 3D camera, set by turning the scene)
        return out

    def coerce(self, value: Any) -> Any:
        """The value as this control's type, or a `ValueError` naming the control and the problem.

        Accepts what a component sends (numbers, booleans, lists from a checklist) and what a URL holds
        (strings). Never evaluates anything.

        >>> Control("t", "float", 1.0, minimum=0.0, maximum=5.0).coerce("2")
        2.0
        >>> Control("t", "float", 1.0, minimum=0.0, maximum=5.0).coerce("nan")
        Traceback (most recent call last):
        ...
        ValueError: t: 'nan' is not a finite number
        >>> Control("logits", "float", (), many=True, masked=True).coerce("2, 1,-inf")
        (2.0, 1.0, -inf)
        """
        if self.many:
            return self._coerce_many(value)
        name = self.name
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
            if self.nullable:
                return None
            if value is None or value == "":
                raise ValueError(f"{name}: a value is required")
        if self.kind == "bool":
            return _as_bool(name, value)
        if self.kind in ("float", "int"):
            number = _as_number(name, value, integer=self.kind == "int", masked=self.masked)
            if number == -math.inf:  # a masked logit: below every bound, and allowed
                return number
            if self.minimum is not None and number < self.minimum:
                raise ValueError(f"{name}: {_fmt(number)} is below the minimum {_fmt(self.minimum)}")
            if self.maximum is not None and number > self.maximum:
                raise ValueError(f"{name}: {_fmt(number)} is above the maximum {_fmt(self.maximum)}")
            return number
        # choice and str
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError(f"{name}: expected text, got {type(value).__name__}")
        text = str(value)
        if len(text) > MAX_TEXT:
            raise ValueError(f"{name}: the value is longer than {MAX_TEXT} characters")
        if self.choices:
            for choice in self.choices:
                if text == str(choice):
                    return choice
            raise ValueError(f"{name}: unknown choice {text!r} (choose from {', '.join(map(str, self.choices))})")
        return text

    def _coerce_many(self, value: Any) -> tuple:
        # comma-separated text (empty parts skipped, as a command line's "2,1," means 2,1) or a list
        if isinstance(value, str):
            if len(value) > MAX_TEXT * 10:
                raise ValueError(f"{self.name}: the list is longer than {MAX_TEXT * 10} characters")
            value = [part.strip() for part in value.split(",") if part.strip()]
        elif not isinstance(value, (list, tuple)):
            raise ValueError(f"{self.name}: expected {_LISTS[self.kind]}, got {type(value).__name__}")
        one = replace(self, many=False)
        try:
            return tuple(one.coerce(v) for v in value)
        except ValueError as e:
            raise ValueError(f"{e} (give {_LISTS[self.kind]})") from None

    def encode(self, value: Any) -> str:
        """The value as it is written in the URL (the inverse of `coerce` on strings)."""
        if self.many and isinstance(value, (list, tuple)):
            one = replace(self, many=False)
            return ",".join(one.encode(v) for v in value)
        if value is None:
            return "" if self.kind == "str" else "none"
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "float":
            text = repr(float(value))  # repr round-trips a float exactly, so a link reproduces the value
            return text[:-2] if text.endswith(".0") else text
        return str(value)


_LISTS = {"float": "numbers separated by commas, e.g. 2,1,0.1", "int": "integers separated by commas, e.g. 0,1,2",
          "str": "words separated by commas", "choice": "choices separated by commas",
          "bool": "on/off values separated by commas"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):  # a one-box dcc.Checklist sends [] or [name]
        if len(value) > 1:
            raise ValueError(f"{name}: expected on or off, got a list of {len(value)}")
        return len(value) == 1
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}: expected on or off, got {str(value)[:40]!r}")


def _as_number(name: str, value: Any, *, integer: bool, masked: bool = False) -> float | int:
    # booleans are ints in Python; a slider never sends one, so refuse it rather than read True as 1
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{name}: expected a number, got {type(value).__name__}")
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40:
            raise ValueError(f"{name}: {text[:20]!r}... is not a number")
        # one syntax of numbers for Python and the browser's state.js (Python's float() alone would also
        # take "1_000" and non-ASCII digits, which JavaScript reads differently)
        if masked and text.lower() in ("-inf", "-infinity"):
            return -math.inf
        if _NON_FINITE.fullmatch(text):
            raise ValueError(f"{name}: {text[:20]!r} is not a finite number")
        if not _NUMBER.fullmatch(text):
            raise ValueError(f"{name}: {text!r} is not a number")
        number = float(text)
    else:
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range (JSON allows any number of digits)
            number = math.inf
    if masked and number == -math.inf:
        return number
    if not math.isfinite(number):
        raise ValueError(f"{name}: {str(value)[:20]!r} is not a finite number")
    if integer:
        if number != int(number):
            raise ValueError(f"{name}: {_fmt(number)} is not a whole number")
        return int(number)
    return number


def defaults(controls: Iterable[Control]) -> dict[str, Any]:
    """Each control's default value, by name."""
    return {c.name: c.default for c in controls}


def validate(controls: Iterable[Control], raw: Mapping[str, Any], *, partial: bool = False) -> tuple[dict, list[str]]:
    """Check raw values (from components or a URL) against the controls.

    Returns `(values, errors)`: `values` has every control (the default where a raw value is missing or
    bad, unless `partial`), `errors` one message per problem, unknown names included. Callers do no work
    when `errors` is not empty.
    """
    controls = tuple(controls)
    by_name = {c.name: c for c in controls}
    values: dict[str, Any] = {} if partial else defaults(controls)
    errors: list[str] = []
    for key, value in raw.items():
        control = by_name.get(key) if isinstance(key, str) else None
        if control is None:
            errors.append(f"unknown setting {str(key)[:40]!r}")
            continue
        try:
            values[key] = control.coerce(value)
        except ValueError as e:
            errors.append(str(e))
    return values, errors


def from_search(controls: Iterable[Control], search: str | None) -> tuple[dict, list[str]]:
    """Control values from a URL query string ("?a=1&b=2"); missing keys take their defaults."""
    search = search or ""
    if not isinstance(search, str):
        return defaults(controls), ["the URL query is not text"]
    if len(search) > MAX_QUERY:
        return defaults(controls), [f"the URL query is longer than {MAX_QUERY} characters"]
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True)
    raw: dict[str, Any] = {}
    errors = []
    for key, value in pairs:
        if key in raw:
            errors.append(f"{key[:40]}: given more than once")
        raw[key] = value
    values, more = validate(controls, raw)
    return values, errors + more


def to_search(controls: Iterable[Control], values: Mapping[str, Any], *, changed_only: bool = False) -> str:
    """The URL query string for these values, in the controls' order (the inverse of `from_search`).

    With `changed_only`, only values that differ from their defaults are written: the short links of the web
    build (its `state.js` writes them so), which `from_search` reads back to the same values.
    """
    pairs = [(c.name, c.encode(values.get(c.name, c.default))) for c in controls
             if not changed_only or values.get(c.name, c.default) != c.default]
    return "?" + urlencode(pairs) if pairs else ""


def spec_json(controls: Iterable[Control]) -> list[dict]:
    """The controls as the browser reads them, in order."""
    return [c.to_json() for c in controls]
