"""Symbols no detector tells apart from an ASCII stand-in, so a note holding them still scans in one Rust call.

Notes pasted from word processors and EHR exports keep symbols that `normalise` leaves alone: `37.8°C`,
`•` bullets, `±`, `≥`, `→`, `✓`, `§`, `®`, `€`, emoji, C1 controls, private-use characters. The Rust
scanner takes ASCII text only (native.py), so one such symbol used to send the whole note to the Python
detectors (~7x slower). `ascii_stand_in` replaces each inert character by its stand-in, one character
for one (offsets unchanged): the Python detectors return the same findings on both texts, and on the
ASCII one the Rust scanner returns what they do (tests/native), so its findings are the note's.

The stand-in is `\\x1a` (ASCII SUB): a control character that Python counts as neither word, digit nor
space (`str.isspace()`, `re`'s `\\s`, unlike `\\x1c`-`\\x1f`), that no detector names and no word list
holds. `•` is named by one detector (`names._SENTENCE_END`, a bullet ends a sentence); its stand-in is
`|`, the only ASCII character that is named nowhere else in the detectors either.

Which characters are inert: the audit of what the detectors (every module `Engine._settled` reaches:
addresses, checksums, clinical, engine, findings, lexicons, markers, names, patterns, wordlists) can tell
apart, beyond `re`'s `\\w`/`\\s`/`\\d` and `str`'s case and class tests; tests/native/test_inert.py redoes
the mechanical parts of it on every run.
- Letters, marks, numbers, separators (categories L*, M*, N*, Z*) are read by `\\w`, `\\d`, `\\s`,
  `isalpha`, `isupper`, `isdigit`, `isspace` ...: not inert. Dashes (Pd) and format characters (Cf) never
  get here (normalise folds or drops them); surrogates and unassigned code points are left out.
- Any character whose case mappings are not itself, that `\\w`/`\\s`/`\\d` match, or that matches an
  ASCII character under `re.IGNORECASE` (Ⓐ, K-sign, ſ ...): not inert.
- Characters with a decomposition (`≠` is `=` + U+0338): `lexicons.fold` (NFKD, then ASCII only) would
  turn them into ASCII text; not inert.
- Named by a detector: non-ASCII literals in the detectors' strings and regexes (`∆` in an address
  token, the quotes `normalise` folds), and every character of their non-ASCII regex ranges:
  `[\\u00c0-\\u024f]` (a capital-like start of a street or name; it holds `×` and `÷`), `[\\u0370-\\u04ff]`,
  and the CJK/kana/Hangul ranges of `names._LOGOGRAPH` (`・`). Not inert, except `•` (above).
- What stays a difference, and why it does not reach a finding: `isascii()` and `lexicons.fold` (which
  drops a non-ASCII character and keeps the stand-in) are applied to word tokens (`TOKEN`, `_SPLIT`,
  `[^\\W\\d_]`-led regex groups), which cannot hold a symbol, or after an `isalpha()` test a symbol fails;
  on a whole text, `isascii()` picks `names._SPLIT_ASCII` over `_SPLIT` (the same tokens when every letter
  is ASCII, as it is in a text with a stand-in) or skips a test of caseless letters, which it has none of;
  where a name's words are split on spaces (`names.repeat_mentions`) a word holding a symbol fails
  `TOKEN.fullmatch` on both texts. `english_frequent` lists lone symbols (`°`, `✓`, `®`, emoji) but is
  only looked up with word tokens. `str.isprintable()` (false for `\\x1a`) is used by no detector.
Only the Basic Multilingual Plane and the emoji blocks (U+1F000-U+1FBFF) are tabled: other characters
keep the Python path, as before.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain

from .normalise import FOLDED

__all__ = ["STAND_IN", "STAND_INS", "ascii_stand_in", "inert"]

STAND_IN = "\x1a"
_NAMED_STAND_INS = {"\u2022": "|"}  # `•` is in `names._SENTENCE_END`, as `|` is (and `|` nowhere else)

# symbols, punctuation, private use and C1 controls; letters, marks, numbers, separators, dashes and
# format characters are not inert (or never reach the detectors)
_CATEGORIES = frozenset("Sc Sk Sm So Pc Ps Pe Pi Pf Po Co Cc".split())
# the non-ASCII ranges of the detectors' regexes (addresses, clinical, names._LOGOGRAPH)
_NAMED_RANGES = ((0x00C0, 0x024F), (0x0370, 0x04FF), (0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                 (0xAC00, 0xD7AF), (0xF900, 0xFAFF))
# the non-ASCII characters the detectors' strings and regexes name (the quotes, slashes, ratio, minus and
# middle dots `normalise` folds by name, `∆` in `addresses._TOKEN`), besides `•`
_NAMED = FOLDED | frozenset("\u2206")
_TABLED = (range(0x80, 0x10000), range(0x1F000, 0x1FC00))  # the BMP and the emoji blocks
_CLASSED = re.compile(r"[\w\s\d]")
_ASCII_FOLDED = re.compile(r"[\x00-\x7f]", re.I)


def inert(c: str) -> bool:
    """Can no detector tell `c` from `STAND_IN`, by its Unicode properties and the audit above?"""
    code = ord(c)
    return (
        unicodedata.category(c) in _CATEGORIES
        and c not in _NAMED
        and not any(lo <= code <= hi for lo, hi in _NAMED_RANGES)
        and not unicodedata.decomposition(c)
        and c.lower() == c and c.upper() == c and c.casefold() == c
        and not (c.isalnum() or c.isspace() or c.isupper() or c.islower())
        and _CLASSED.match(c) is None
        and _ASCII_FOLDED.match(c) is None
    )


def _stand_ins() -> dict[str, str]:
    table = {c: STAND_IN for c in map(chr, chain.from_iterable(_TABLED)) if inert(c)}
    table.update(_NAMED_STAND_INS)
    return table


STAND_INS: dict[str, str] = _stand_ins()  # 12,147 characters -> their stand-in, built once at import (~20 ms)
_INERT = frozenset(STAND_INS)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Up to this many distinct symbols a text is rewritten by one `str.replace` each (a C-level pass, ~1 us on
# 2 KB), beyond it by one `str.translate` (a dict look-up per character: ~90 us on 2 KB), so the cost stays
# linear in the text whatever an adversary writes.
_REPLACE_MAX = 16


def ascii_stand_in(text: str) -> str | None:
    """`text` with each inert character replaced by its stand-in (same length, same offsets), or None
    when a character that is neither ASCII nor inert is left (the text keeps the Python path)."""
    found = set(_NON_ASCII.findall(text))
    if not found.issubset(_INERT):
        return None
    if len(found) > _REPLACE_MAX:
        return text.translate({ord(c): STAND_INS[c] for c in found})
    for c in found:
        text = text.replace(c, STAND_INS[c])
    return text
