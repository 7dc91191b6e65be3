"""Fixtures of the pages' plans (app/pages/*.js): softmaxlab.web.pages says which figures, with which options."""

import numpy as np

from softmaxlab.spec import from_search, to_search
from softmaxlab.web.pages import PAGES
from tests.web_helpers import random_values


def cases():
    rng = np.random.default_rng(11)
    out = []
    for page in PAGES:
        states = [random_values(page.controls, rng) for _ in range(40)] + [dict(from_search(page.controls, "")[0])]
        if page.key == "sampling":
            states += [{**states[0], "logits": text} for text in ("1", "1,x", " 2 , 1,", "1e5,0", "nan,1", "3,2,1,0,-1")]
        if any(c.name == "camera" for c in page.controls):
            states += [{**states[0], "camera": text} for text in ("1.5,-1.5,0.8", "0,0,0", "1,2", "a,b,c", "1e3,0,0", " 1 , 2 ,3")]
        for values in states:
            values = from_search(page.controls, to_search(page.controls, values))[0]
            plan, errors = page.plan(values)
            out.append({"page": page.key, "values": values, "plan": [list(p) for p in plan], "errors": errors})
    return {"pages": out, "surfaces_pick": _pick_cases(rng)}


def _pick_cases(rng):
    """Points of the 3-class surfaces' grid (u1, u2) with a marker before, and their sum-zero logits B u."""
    from softmaxlab.core.geometry import from_subspace

    axis = np.linspace(-4.0, 4.0, 41)  # surfaces_3's grid at the page's resolution
    out = []
    for _ in range(30):
        u = rng.choice(axis, size=2)
        before = np.round(rng.uniform(-6, 6, size=3), 2)
        out.append({"x": float(u[0]), "y": float(u[1]), "values": {"classes": 3, **{f"m{i}": float(v) for i, v in enumerate(before)}},
                    "logits": from_subspace(u).tolist()})
    out.append({"x": 4.0, "y": 4.0, "values": {"classes": 3, "m0": 6.0, "m1": 6.0, "m2": 6.0},  # the bounds push the shift
                "logits": from_subspace(np.array([4.0, 4.0])).tolist()})
    return out
