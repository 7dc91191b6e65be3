"""The figures' option help, read from Python docstrings, said in the words of the command line.

A docstring speaks Python (`(K,)` with 2 <= K <= 10, None, :func:`name`, `projection="classes"`); a
person at a terminal types flags, and leaves a flag out rather than typing None.
"""

import re

_RULES = [
    (re.compile(r"`\(K,\)`,? (?:with )?(\d+) <= K <= (\d+)\.?"), r"\1 to \2 numbers."),
    (re.compile(r"`\(K,\)` "), ""),
    (re.compile(r":func:`(?:[\w.]+\.)?(\w+)`"), r"\1"),
    (re.compile(r"`(\w+)=\"([\w-]+)\"`"), lambda m: f"--{m[1].replace('_', '-')} {m[2]}"),
    (re.compile(r"\(int >= 1\)"), "(1 or more)"),
    (re.compile(r",? or None for "), "; leave it out for "),
    (re.compile(r",? or None\b"), "; leave it out for none"),
    (re.compile(r"\bNone: "), "left out: "),
    (re.compile(r"`([^`]+)`"), r"\1"),
]


def plain_help(text: str) -> str:
    """`text` with Python's notation replaced by the command line's.

    >>> plain_help("`(K,)` with 2 <= K <= 10.")
    '2 to 10 numbers.'
    >>> plain_help("keep the k most probable (int >= 1), or None.")
    'keep the k most probable (1 or more); leave it out for none.'
    >>> plain_help("the step of the diamond (the last record at or before it); None: no mark.")
    'the step of the diamond (the last record at or before it); left out: no mark.'
    >>> plain_help("the three classes of `projection=\\"classes\\"`, computed by :func:`softmax_jacobian`.")
    'the three classes of --projection classes, computed by softmax_jacobian.'
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
