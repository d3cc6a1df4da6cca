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
  division slashes "/".
ASCII text is returned as it is with an identity map, so the common case costs one `isascii()`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SPECIAL = {
    "\u2212": "-", "\u2043": "-", "\u02d7": "-", "\u2e3a": "-", "\u2e3b": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2044": "/", "\u2215": "/", "\u29f8": "/", "\u2236": ":", "\u2028": "\n", "\u2029": "\n",
    "\u034f": "", "\u115f": "", "\u1160": "", "\u3164": "", "\uffa0": "",  # invisible fillers
}


class Offsets:
    """Where each character of the folded text came from in the original.

    `start[i]`/`end[i]` bound the original characters that folded character i came from; `None` lists
    mean the identity (nothing was folded).
    """

    __slots__ = ("_start", "_end", "_length")

    def __init__(self, start: list[int] | None, end: list[int] | None, length: int) -> None:
        self._start = start
        self._end = end
        self._length = length

    @property
    def identity(self) -> bool:
        return self._start is None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span for folded span [start, end) (empty spans stay empty)."""
        if self._start is None or self._end is None:
            return start, end
        if end <= start:
            pos = self._start[start] if start < len(self._start) else self._length
            return pos, pos
        return self._start[start], self._end[end - 1]

    def __repr__(self) -> str:
        return f"Offsets(identity={self.identity})"


@lru_cache(maxsize=4096)
def _fold_cluster(cluster: str) -> str:
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


def _fold_run(run: str) -> list[tuple[int, int, str]]:
    """(start, end, folded) per cluster of a non-ASCII run; start/end relative to the run."""
    out = []
    i, n = 0, len(run)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(run[j]):
            j += 1
        out.append((i, j, _fold_cluster(run[i:j])))
        i = j
    return out


_COMBINING_CACHE: dict[str, bool] = {}


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
            folds[c] = _fold_cluster(c) if len(folds) < 65536 else _fold_cluster.__wrapped__(c)
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


def _normalise_clusters(text: str) -> tuple[str, Offsets]:
    """The general path: base characters with their combining marks folded together (NFKC composes)."""
    pieces: list[str] = []
    start: list[int] = []
    end: list[int] = []
    pos = 0
    changed = False
    for m in _NON_ASCII.finditer(text):
        a, b = m.span()
        if a > pos:  # ASCII chunk, copied with its identity offsets
            pieces.append(text[pos:a])
            start.extend(range(pos, a))
            end.extend(range(pos + 1, a + 1))
        run = m.group()
        # a combining mark right after the ASCII chunk belongs to its last character: move it back
        if a > 0 and unicodedata.combining(run[0]) and pieces and pieces[-1]:
            k = 0
            while k < len(run) and unicodedata.combining(run[k]):
                k += 1
            base = pieces[-1][-1]
            folded = _fold_cluster(base + run[:k])
            pieces[-1] = pieces[-1][:-1]
            del start[-1]
            del end[-1]
            pieces.append(folded)
            start.extend([a - 1] * len(folded))
            end.extend([a + k] * len(folded))
            changed = True
            run_offset, run = a + k, run[k:]
        else:
            run_offset = a
        for s, e, folded in _fold_run(run):
            if folded != run[s:e]:
                changed = True
            pieces.append(folded)
            start.extend([run_offset + s] * len(folded))
            end.extend([run_offset + e] * len(folded))
        pos = b
    if pos < len(text):
        pieces.append(text[pos:])
        start.extend(range(pos, len(text)))
        end.extend(range(pos + 1, len(text) + 1))
    if not changed:
        return text, Offsets(None, None, len(text))
    return "".join(pieces), Offsets(start, end, len(text))
