"""Normalisation of model output before it is checked or delivered (DESIGN.md: "text is normalised
(NFKC, format characters removed) before detection and before output checks").

`clean` is what the gateway delivers, scans for PHI and redacts: NFKC (fullwidth letters and digits,
ligatures, compatibility spaces become their plain forms) with every format character (Unicode
category Cf: zero-width space and joiners, soft hyphen, bidi controls, word joiner, BOM) removed, so
`pres\\u200bcribe` and `123\\u200b-45-6789` read as the words they are.

`fold` is what OPA's blocked-pattern check sees: `clean`, then look-alike letters folded to the Latin
letter they imitate (Cyrillic and Greek homoglyphs, dotless ı) and combining marks (accents) dropped,
so `prеscribe` with a Cyrillic е, or `pre\u0301scribe`, matches the pattern `prescribe`. Folding is for the policy check only: it would garble legitimate
Cyrillic or Greek text, so it is never delivered.

`clean_arguments` is `clean` for tool-call arguments (JSON text): each string inside is cleaned and
the JSON written back without `\\u` escapes, so `"pres\\u0063ribe"` is checked as the `prescribe` a
client's JSON parser will read, and NFKC can never turn a fullwidth quote into JSON syntax.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import orjson

__all__ = ["clean", "clean_arguments", "fold"]

MAX_DEPTH = 64

# Look-alikes of Latin letters (after NFKC), from Unicode's confusables data for the scripts a
# clinical English deployment meets; lower and upper case.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j", "к": "k", "ӏ": "l",
    "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y", "ү": "y",
    "ԝ": "w", "х": "x", "ԁ": "d", "ɡ": "g",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "Һ": "H", "І": "I", "Ї": "I", "Ј": "J", "К": "K", "Ӏ": "I",
    "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Ԛ": "Q", "Ѕ": "S", "Т": "T", "У": "Y", "Ү": "Y",
    "Ԝ": "W", "Х": "X",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ϲ": "c", "ϳ": "j", "ς": "s",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # Latin look-alikes and Armenian
    "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i", "ʏ": "y", "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n",
}
_FOLD = str.maketrans(_CONFUSABLES)


def _strip_format(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean(text: str) -> str:
    """NFKC with format characters (category Cf) removed; ASCII comes back unchanged."""
    if text.isascii():
        return text
    return _strip_format(unicodedata.normalize("NFKC", _strip_format(text)))


def fold(text: str) -> str:
    """`clean`, then homoglyphs folded to Latin and combining marks dropped (`pre\u0301scribe`,
    `prescríbe` → `prescribe`): the text OPA's blocked-pattern check reads."""
    text = clean(text)
    if text.isascii():
        return text
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text.translate(_FOLD)) if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", bare)


def _clean_json(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError("tool-call arguments nested too deeply to check")
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_json(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean(k): _clean_json(v, depth + 1) for k, v in value.items()}
    return value


def clean_arguments(text: str) -> str:
    """Tool-call arguments with every string cleaned; JSON is re-encoded (no escapes), other text cleaned."""
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return clean(text)
    return orjson.dumps(_clean_json(obj)).decode()
