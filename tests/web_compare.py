"""Comparing a figure drawn by the browser's modules with the Python builder's, key by key."""

import math

import numpy as np


def figure_differences(actual, expected, *, tol=1e-9, where="figure", limit=20, extra_keys=False) -> list[str]:
    """Every place where `actual` differs from `expected` (plain JSON data): numbers beyond `tol` relative
    to max(1, |expected|), other values not equal, keys missing on either side. At most `limit` entries.

    `extra_keys`: keys only `actual` has are fine (plotly writes some defaults into a drawn figure's data).
    """
    out: list[str] = []
    _diff(actual, expected, tol, where, out, limit, extra_keys)
    return out


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _diff(a, e, tol, where, out, limit, extra=False):
    if len(out) >= limit:
        return
    if isinstance(e, dict):
        if not isinstance(a, dict):
            out.append(f"{where}: expected an object, got {type(a).__name__}")
            return
        for key in sorted(set(e) | set(a)):
            if key not in a:
                out.append(f"{where}.{key}: missing (expected {str(e[key])[:60]})")
            elif key not in e:
                if extra:
                    continue
                out.append(f"{where}.{key}: unexpected {str(a[key])[:60]}")
            else:
                _diff(a[key], e[key], tol, f"{where}.{key}", out, limit, extra)
    elif isinstance(e, list):
        if not isinstance(a, list) or len(a) != len(e):
            out.append(f"{where}: expected a list of {len(e)}, got {str(a)[:80]}")
            return
        if e and all(_is_number(v) or v is None for v in e) and all(_is_number(v) or v is None for v in a):
            ea = np.array([np.nan if v is None else v for v in e], dtype=float)
            aa = np.array([np.nan if v is None else v for v in a], dtype=float)
            bad = ~((np.abs(aa - ea) <= tol * np.maximum(1.0, np.abs(ea))) | (np.isnan(aa) & np.isnan(ea)))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                out.append(f"{where}[{i}]: got {a[i]}, expected {e[i]} ({int(bad.sum())} of {len(e)} differ)")
            return
        for i, (av, ev) in enumerate(zip(a, e)):
            _diff(av, ev, tol, f"{where}[{i}]", out, limit, extra)
    elif _is_number(e) and _is_number(a):
        if not (abs(a - e) <= tol * max(1.0, abs(e))):
            out.append(f"{where}: got {a}, expected {e}")
    elif e is None and isinstance(a, float) and math.isnan(a):
        return
    elif a != e:
        out.append(f"{where}: got {str(a)[:120]!r}, expected {str(e)[:120]!r}")
