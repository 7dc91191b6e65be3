"""A tiny bundler: the site's ES modules as one classic script, so pages work from file:// and any host.

Browsers refuse to load ES modules from file:// (and a Web Worker's modules likewise), so the build joins
the modules under `static/js/` into one script: each module becomes a function whose result is its
exports, called once in dependency order. It understands only the forms the modules are written in:

    import { a, b as c } from "./x.js";     import * as ns from "./x.js";     export * from "./x.js";
    export function f(...)   export async function f(...)   export const x = ...   export class C
    export { a, b as c };

Anything else that mentions `import` or `export` at the start of a line is an error naming the file.

>>> src = 'import { b } from "./b.js";\\nexport const a = b + 1;\\n'
>>> print(_rewrite(src, "a.js", lambda spec: "m_b")[0])
const { b } = m_b;
const a = b + 1;
<BLANKLINE>
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

__all__ = ["bundle", "BundleError"]

_IMPORT_NAMED = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"([^"]+)";?[ \t]*$', re.M)
_IMPORT_ALL = re.compile(r'^import\s*\*\s*as\s+(\w+)\s+from\s*"([^"]+)";?[ \t]*$', re.M)
_EXPORT_ALL = re.compile(r'^export\s*\*\s*from\s*"([^"]+)";?[ \t]*$', re.M)
_EXPORT_DECL = re.compile(r"^export\s+(async\s+function\*?|function\*?|const|let|class)\s+(\w+)", re.M)
_EXPORT_LIST = re.compile(r"^export\s*\{([^}]*)\};?[ \t]*$", re.M)
_LEFTOVER = re.compile(r"^\s*(import|export)\b", re.M)


class BundleError(ValueError):
    """A module uses a form the bundler does not understand, or an import it cannot find."""


def _ident(path: str) -> str:
    return "m_" + re.sub(r"\W", "_", path.removesuffix(".js"))


def _rewrite(source: str, path: str, resolve) -> tuple[str, list[str], list[str]]:
    """The module's body with imports and exports rewritten; its exported names; modules it re-exports."""
    exported: list[str] = []
    star: list[str] = []

    def named(m):
        parts = [p.strip() for p in m.group(1).split(",") if p.strip()]
        bound = [f"{a.strip()}: {b.strip()}" if " as " in p else p for p in parts for a, _, b in [p.partition(" as ")]]
        return f"const {{ {', '.join(bound)} }} = {resolve(m.group(2))};"

    source = _IMPORT_NAMED.sub(named, source)
    source = _IMPORT_ALL.sub(lambda m: f"const {m.group(1)} = {resolve(m.group(2))};", source)

    def export_all(m):
        star.append(resolve(m.group(1)))
        return ""

    source = _EXPORT_ALL.sub(export_all, source)

    def declaration(m):
        exported.append(m.group(2))
        return f"{m.group(1)} {m.group(2)}"

    source = _EXPORT_DECL.sub(declaration, source)

    def export_list(m):
        for part in (p.strip() for p in m.group(1).split(",") if p.strip()):
            local, _, public = part.partition(" as ")
            exported.append(f"{public.strip()}: {local.strip()}" if public else local.strip())
        return ""

    source = _EXPORT_LIST.sub(export_list, source)
    leftover = _LEFTOVER.search(source)
    if leftover:
        line = source[: leftover.start()].count("\n") + 1
        raise BundleError(f"{path}:{line}: the bundler does not understand this {leftover.group(1)} (see web/bundle.py)")
    return source, exported, star


def bundle(root: Path, entry: str, *, expose: str | None = None) -> str:
    """The module `entry` (a path relative to `root`) and everything it imports, as one classic script.

    `expose`: a global name (e.g. "softmaxlab") that receives the entry module's exports.
    """
    root = Path(root)
    order: list[str] = []
    bodies: dict[str, tuple[str, list[str], list[str]]] = {}
    visiting: set[str] = set()

    def visit(path: str):
        if path in bodies:
            return
        if path in visiting:
            raise BundleError(f"{path}: imports form a cycle")
        visiting.add(path)
        file = root / path
        if not file.is_file():
            raise BundleError(f"{path}: no such module under {root}")
        deps = []

        def resolve(spec: str) -> str:
            if not spec.startswith("."):
                raise BundleError(f"{path}: only relative imports are bundled, got {spec!r}")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), spec))
            deps.append(target)
            return _ident(target)

        bodies[path] = _rewrite(file.read_text(encoding="utf-8"), path, resolve)
        for dep in deps:
            visit(dep)
        visiting.discard(path)
        order.append(path)

    visit(entry)
    parts = ['"use strict";']
    for path in order:
        body, exported, star = bodies[path]
        spread = "".join(f"...{s}, " for s in star)
        names = ", ".join(exported)
        parts.append(f"// ---- {path}\nconst {_ident(path)} = (() => {{\n{body}\nreturn Object.freeze({{ {spread}{names} }});\n}})();")
    if expose:
        parts.append(f"globalThis.{expose} = {_ident(entry)};")
    return "(() => {\n" + "\n".join(parts) + "\n})();\n"
