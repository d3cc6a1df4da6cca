"""Fold look-alike text to the plain form the detectors know, keeping a map back to the original.

Word processors and people trying to get past a filter write the same identifier many ways:
`123\u200b-45-6789` (zero-width space), `123\u201345\u20136789` (en dashes), `\uff11\uff12\uff13-...`
(fullwidth digits), `\u0661\u0662\u0663` (Arabic-Indic digits), `pres\u00adcribe` (soft hyphen). Detectors
run on the folded text; `Offsets` maps each folded span back to the original characters, so a marker
replaces every original character of the value (the zero-width ones inside it included).

Folding, per character cluster (a base character and the combining marks after it):
- format characters (Unicode category Cf: zero-width spaces and joiners, soft hyphen, word joiner,
  bidi controls, BOM) and variation selectors / the combining grapheme joiner are removed;
- NFKC (fullwidth letters and digits, ligatures, compatibility spaces, composed accents);
- every dash (category Pd, U+2212 minus, U+2043, U+02D7) becomes "-";
- every decimal digit of any script becomes 0-9;
- spaces become " ", line and paragraph separators "\n", curly quotes straight ones, fraction and
  division slashes "/", middle dots ".".

`join_digit_groups` (run by both detector engines on the folded text) then writes "-" between digit
groups joined by a separator no identifier pattern reads.
ASCII text is returned as it is with an identity map, so the common case costs one `isascii()`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate
from functools import lru_cache

_SPECIAL = {
    "\u2212": "-", "\u2043": "-", "\u02d7": "-", "\u2e3a": "-", "\u2e3b": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00b7": ".", "\u2219": ".", "\u22c5": ".", "\u2027": ".", "\u30fb": ".",  # middle dots: "123·45·6789"
    "\u2044": "/", "\u2215": "/", "\u29f8": "/", "\u2236": ":", "\u2028": "\n", "\u2029": "\n",
    "\u034f": "", "\u115f": "", "\u1160": "", "\u3164": "", "\uffa0": "",  # invisible fillers
}

FOLDED = frozenset(_SPECIAL)  # the characters folded by name above (the detectors never see them)


class Offsets:
    """Where each character of the folded text came from in the original.

    `start[i]`/`end[i]` bound the original characters that folded character i came from; `None` lists
    mean the identity (nothing was folded).
    """

    __slots__ = ("_start", "_end", "_length", "_pieces", "_folded_length")

    def __init__(self, start: list[int] | None, end: list[int] | None, length: int,
                 pieces: "_Pieces | None" = None) -> None:
        self._start = start
        self._end = end
        self._length = length
        self._pieces = pieces
        self._folded_length = len(start) if start is not None else (pieces.length if pieces is not None else length)

    @property
    def identity(self) -> bool:
        return self._start is None and self._pieces is None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span for folded span [start, end) (empty spans stay empty)."""
        if self._pieces is not None:
            if end <= start:
                pos = self._pieces.start(start) if start < self._folded_length else self._length
                return pos, pos
            return self._pieces.start(start), self._pieces.end(end - 1)
        if self._start is None or self._end is None:
            return start, end
        if end <= start:
            pos = self._start[start] if start < len(self._start) else self._length
            return pos, pos
        return self._start[start], self._end[end - 1]

    def __repr__(self) -> str:
        return f"Offsets(identity={self.identity})"


class _Pieces:
    """Offsets as pieces rather than one entry per character: `parts` alternate copied text and
    clusters (as `re.split` with a group returns them). A copied piece maps character for character,
    every character of a folded cluster maps to the whole cluster. A 1 MiB text of accented words is
    a few hundred thousand pieces built by C-level list operations, not a Python loop per cluster."""

    __slots__ = ("_folded", "_orig", "length")

    def __init__(self, folded_starts: list[int], orig_starts: list[int], length: int) -> None:
        self._folded = folded_starts  # folded start of each piece (even index: copied; odd: a cluster)
        self._orig = orig_starts      # original start of each piece, then the text's length
        self.length = length

    def start(self, i: int) -> int:
        k = bisect_right(self._folded, i) - 1
        return self._orig[k] + (i - self._folded[k]) if k % 2 == 0 else self._orig[k]

    def end(self, i: int) -> int:
        k = bisect_right(self._folded, i) - 1
        return self._orig[k] + (i - self._folded[k]) + 1 if k % 2 == 0 else self._orig[k + 1]


@lru_cache(maxsize=4096)
def fold_cluster(cluster: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKC", cluster):
        sub = _SPECIAL.get(ch)
        if sub is not None:
            out.append(sub)
            continue
        cat = unicodedata.category(ch)
        if cat == "Cf" or (cat == "Mn" and "\ufe00" <= ch <= "\ufe0f"):
            continue
        if cat == "Pd":
            out.append("-")
        elif cat == "Nd":
            out.append(str(unicodedata.decimal(ch)))
        elif cat == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)




def normalise(text: str) -> tuple[str, Offsets]:
    """(folded text, offsets back to `text`). Linear in len(text); ASCII in, the same string out.

    Each distinct character is folded once (a table over `set(text)`), and the text is rewritten
    with `str.translate`; only text with combining marks takes the per-cluster path.
    """
    if text.isascii():
        return text, Offsets(None, None, len(text))
    folds: dict[str, str] = {}
    combining = False
    for c in set(text):
        if c > "\x7f":
            if unicodedata.combining(c):
                combining = True
                break
            folds[c] = fold_cluster(c) if len(folds) < 65536 else fold_cluster.__wrapped__(c)
    if combining:
        return _normalise_clusters(text)
    changed = {c: v for c, v in folds.items() if v != c}
    if not changed:
        return text, Offsets(None, None, len(text))
    table = {ord(c): v for c, v in changed.items()}
    folded = text.translate(table)
    if all(len(v) == 1 for v in changed.values()):
        return folded, Offsets(None, None, len(text))  # one for one: offsets are the identity
    if all(len(v) <= 1 for v in changed.values()):  # deletions only (zero-width, soft hyphen)
        dropped = frozenset(c for c, v in changed.items() if not v)
        keep = [i for i, c in enumerate(text) if c not in dropped]
        return folded, Offsets(keep, [i + 1 for i in keep], len(text))
    lens = {c: len(v) for c, v in changed.items()}
    start = [i for i, c in enumerate(text) for _ in range(lens.get(c, 1))]
    return folded, Offsets(start, [i + 1 for i in start], len(text))


# A base character with the combining marks after it, or a lone non-ASCII character: the clusters the
# general path folds (every other character is copied). The class holds every combining character.
def _combining_class() -> str:
    """Every combining character (Unicode's canonical combining class > 0) as regex ranges."""
    codes = [c for c in range(0x300, 0x110000) if unicodedata.combining(chr(c))]
    ranges, lo = [], codes[0]
    for prev, c in zip(codes, codes[1:] + [-1]):
        if c != prev + 1:
            ranges.append(f"{re.escape(chr(lo))}-{re.escape(chr(prev))}" if prev > lo else re.escape(chr(lo)))
            lo = c
    return "".join(ranges)


_CLUSTER = re.compile(f"(.?[{_combining_class()}]+|[^\\x00-\\x7f])", re.S)


def _normalise_clusters(text: str) -> tuple[str, Offsets]:
    """The general path: base characters with their combining marks folded together (NFKC composes)."""
    parts = _CLUSTER.split(text)  # copied text, cluster, copied text, ... (odd indexes: clusters)
    clusters = parts[1::2]
    folded = parts[:]
    folded[1::2] = map(fold_cluster, clusters)
    if folded[1::2] == clusters:
        return text, Offsets(None, None, len(text))
    orig_starts = [0, *accumulate(map(len, parts))]
    folded_starts = [0, *accumulate(map(len, folded))]
    out = "".join(folded)
    return out, Offsets(None, None, len(text), _Pieces(folded_starts[:-1], orig_starts, len(out)))


# Digit groups joined by one separator that no identifier pattern reads, the same one throughout:
# "123*45*6789", "555|867|5309", "4111_1111_1111_1111", "123•45•6789", "123,45,6789", "00:48:39:21".
# A bullet counts as "|" (as `inert` stands it in for the Rust scanner): "12•34|56" is one run.
_SEPARATED = re.compile(r"(?<![0-9])[0-9]{1,12}([,:|*~_])[0-9]{1,12}(?:\1[0-9]{1,12})*(?![0-9])")
_JOIN_MIN_DIGITS = 6  # fewer is a range or a product ("5~10", "2*3"), not an identifier
_LIST_MIN_DIGITS = 7  # for "," and ":", which also write numbers and times


def join_digit_groups(text: str) -> str:
    """`text` with "-" for the separators of each run `_SEPARATED` finds, when the run holds an
    identifier's worth of digits, stands alone (no letter, digit or the same separator glued to either
    end: not inside an IPv6 address) and is not a number written with thousands separators
    ("1,234,567") or a time ("10:45:30"). One character for one, so offsets are unchanged. Both engines run it
    first (`Engine._settled`, `native/src/scan.rs`): "-" is the separator every identifier pattern reads.
    """
    if not any(c in text for c in ",:|*~_\u2022"):
        return text
    view = text.replace("\u2022", "|") if "\u2022" in text else text
    out: list[str] | None = None
    n = len(view)
    for m in _SEPARATED.finditer(view):
        sep = m.group(1)
        a, b = m.start(), m.end()
        if (a and (view[a - 1].isalnum() or view[a - 1] == sep)) or (b < n and (view[b].isalnum() or view[b] == sep)):
            continue  # part of a longer token: an IPv6 address ("b85c:4780:3000:e56d"), a hex dump
        groups = m.group().split(sep)
        digits = sum(map(len, groups))
        if digits < _JOIN_MIN_DIGITS:
            continue
        if sep in ",:":
            if digits < _LIST_MIN_DIGITS:
                continue
            if sep == "," and len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
                continue  # 1,234,567
            if sep == ":" and len(groups) <= 3 and all(len(g) <= 2 for g in groups):
                continue  # 10:45:30
        if out is None:
            out = list(text)
        for i in range(m.start(), m.end()):
            if view[i] == sep:
                out[i] = "-"
    return text if out is None else "".join(out)
