"""Pack values as Rego literals, produced by JSON encoding and laid out the way `opa fmt` keeps them.

A value that fits on its line is written on one line; otherwise each element goes on its own
line with a trailing comma. Strings are always `json.dumps` output, so quotes, backslashes,
newlines or braces in a pack can only ever be string content, never Rego code.
"""

from __future__ import annotations

import json
import re
from typing import Any

WIDTH = 100  # regal's limit is 120; tabs count as 4 here
TAB = 4


def string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{string(str(k))}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(_inline(v) for v in sorted(value)) + "}" if value else "set()"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, str):
        return string(value)
    return json.dumps(value)


def literal(value: Any, depth: int = 0, prefix: int = 0) -> str:
    """Render `value` starting at nesting `depth` after `prefix` characters already on the line."""
    one_line = _inline(value)
    if depth == 0 and prefix == 0:
        prefix = 40  # room for the `name := ` in front of a top-level value
    if depth * TAB + prefix + len(one_line) + 1 <= WIDTH or not isinstance(value, (dict, list, tuple)) or not value:
        return one_line
    inner = "\t" * (depth + 1)
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{string(str(key))}: "
            lines.append(f"{inner}{head}{literal(item, depth + 1, len(head))},")
        return "{\n" + "\n".join(lines) + "\n" + "\t" * depth + "}"
    for item in value:
        lines.append(f"{inner}{literal(item, depth + 1)},")
    return "[\n" + "\n".join(lines) + "\n" + "\t" * depth + "]"


def member(expr: str, items: list[str]) -> str:
    """`expr` is one of `items` (a string set built here): `expr == "x"` for one item, as regal
    prefers. Wrapped in `not`, both forms are false for the same values (`expr` is always defined)."""
    names = sorted(set(items))
    if len(names) == 1:
        return f"{expr} == {string(names[0])}"
    return f"{expr} in {_inline(set(names))}"


def overlong_lines(text: str, limit: int = 120) -> list[int]:
    """Line numbers (0-based) longer than regal's limit: only unbreakable pack strings get there."""
    return [i for i, line in enumerate(text.split("\n")) if len(line.replace("\t", " " * TAB)) > limit]


def identifier(name: str) -> str:
    """A stable Rego identifier derived from a pack or policy name."""
    ident = re.sub(r"[^a-z0-9_]", "_", name.lower())
    return ident if ident[:1].isalpha() else f"p_{ident}"


def _in_metadata(lines: list[str], index: int) -> bool:
    """Whether line `index` is inside a `# METADATA` comment block (YAML that OPA parses)."""
    while index >= 0 and lines[index].lstrip("\t").startswith("#"):
        if lines[index].strip() == "# METADATA":
            return True
        index -= 1
    return False


def mark_overlong(text: str) -> str:
    """Put `# regal ignore:line-length` above lines only a long pack string makes overlong."""
    lines = text.split("\n")
    for index in reversed(overlong_lines(text)):
        if _in_metadata(lines, index):
            continue  # a METADATA `source:` with a long pack path: a directive inside breaks the block's YAML
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip("\t"))]
        lines.insert(index, f"{indent}# regal ignore:line-length")
        before = lines[index - 1].strip() if index else ""
        inside_literal = lines[index + 1].lstrip("\t").startswith('"')  # an element of an object or array
        if before and before[-1] not in "{[(" and not before.startswith("#") and not inside_literal:
            lines.insert(index, "")  # opa fmt sets a comment inside a body off with a blank line
    return "\n".join(lines)
