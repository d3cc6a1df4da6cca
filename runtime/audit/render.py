"""Audit events shown to people: strings that came from clients cannot drive the terminal or a
spreadsheet.

- `safe_text`: control characters (C0, DEL, C1: ESC sequences, CR, LF, backspace), format characters
  (bidi overrides, zero-width) and line/paragraph separators become visible escapes (`\\x1b`,
  `\\r`, `\\u202e`), so a value cannot forge, overwrite or hide a line in `events tail --follow`.
- `safe_json`: one JSON line with those characters escaped too (`json.dumps` leaves DEL, C1 and
  bidi controls raw when `ensure_ascii=False`); it parses to the same values.
- `csv_cell`: OWASP CSV-injection guidance: a cell starting with `=`, `+`, `-`, `@`, tab, CR or LF
  gets a leading `'`, so a spreadsheet shows it as text instead of evaluating a formula.

Rich markup (`[bold red]`, `[link=…]`) is the CLI's concern: it passes cells as `rich.text.Text`,
which Rich never parses for markup.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["csv_cell", "safe_json", "safe_text"]

# C0 and DEL, C1, soft hyphen, Arabic letter mark, zero-width/bidi marks, line/paragraph separators,
# bidi embeddings/overrides, word joiner .. invisible operators and isolates, BOM, interlinear anchors
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _SHORT.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def _escape_json(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def safe_text(value: Any) -> str:
    """`str(value)` with every character that could steer a terminal shown as an escape."""
    text = "" if value is None else str(value)
    return _UNSAFE.sub(_escape, text)


def safe_json(obj: Any) -> str:
    """Sorted-key JSON on one line; characters that could steer a terminal are \\u-escaped."""
    return _UNSAFE.sub(_escape_json, json.dumps(obj, sort_keys=True, ensure_ascii=False))


def csv_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text (a leading `'` before a formula trigger)."""
    return "'" + value if value.startswith(_FORMULA_START) else value
