"""Names and places: context cues plus census and gazetteer lexicons, in one pass over the words.

Regexes alone cannot tell "Ana" from "and"; a lexicon alone cannot tell "Grant" the person from
"grant" the verb. So a word counts as a name when a cue says so (a title: "Dr. holmes"; a role:
"daughter Ana", "seen by"), or when it is a capitalised census first name not on the common-word
list, optionally followed by more capitalised words (the surname). Places are gazetteer cities
(longest match), "<Town>, <ST>" and "lives in <Town>". Structured places (streets, ZIP, county)
are in `patterns.py`.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Iterator

from .lexicons import TOKEN, Lexicons
from .patterns import Hit, _STATE_ABBR
from .wordlists import COMMON, PLACE_CUES, ROLE_BIGRAMS, ROLE_WORDS, STRONG_CUES, TITLES

_SPACE_GAP = re.compile(r"[ \t]{1,3}\Z")
_INITIAL_GAP = re.compile(r"\.?[ \t]{1,3}\Z")
_CUE_GAP = re.compile(r"[ \t]*(?:[,:][ \t]*)?\Z")
_TITLE_GAP = re.compile(r"\.?[ \t]{1,3}\Z")
_COMMA_GAP = re.compile(r",[ \t]{1,3}\Z")
_STATE_AFTER = re.compile(
    rf",?[ \t]+(?:{_STATE_ABBR}|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|"
    r"Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    r"Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|"
    r"North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|"
    r"Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming)\b"
)
STATES = frozenset(
    "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho "
    "illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota "
    "mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah "
    "vermont virginia washington wisconsin wyoming america usa canada mexico".split()
)
STRONG_PLACE_CUES = frozenset("lives resides moved relocated born hometown".split())
_NEVER = TITLES | ROLE_WORDS | STATES | frozenset(
    "a an the and or but of in on at to for from by with is was are were has had have he she they it his her "
    "their this that who which patient doctor nurse".split()
)
_FUNCTION = frozenset(
    "will may can should would could might must did does do said says also just still then now here there "
    "very well ill had has have is was were are be been being not no yes so as at by in on up out".split()
)
_CONNECT = frozenset("de del la las los of on upon el san santa st".split())
_SENTENCE_END = frozenset(".!?:;\n•*-#>|")
_SPLIT = re.compile(f"({TOKEN.pattern})")
_SPLIT_ASCII = re.compile(r"([A-Za-z][A-Za-z']*(?:-[A-Za-z][A-Za-z']*)*)")  # TOKEN on ASCII text, 5x faster
# Lower-case words that can start a name by cue (titles, roles, "named", the last word of a bigram).
_CUE_ANY = TITLES | ROLE_WORDS | STRONG_CUES | frozenset(b.split()[-1] for b in ROLE_BIGRAMS) | {"is"}


def scan_names(text: str, lex: Lexicons) -> Iterator[Hit]:
    """Yield NAME and LOCATION candidates (spans only)."""
    # One C-level split gives tokens and the gaps between them; offsets are running sums of lengths.
    parts = (_SPLIT_ASCII if text.isascii() else _SPLIT).split(text)
    words = parts[1::2]
    n = len(words)
    if not n:
        return
    cum = list(accumulate(map(len, parts)))
    starts = cum[0::2]
    ends = cum[1::2]
    lows = list(map(str.lower, words))
    first, last, common_last = lex.first, lex.last, lex.common_last
    cities, city_first = lex.cities, lex.city_first_tokens
    consumed_until = -1  # token index up to which a name or place was already emitted

    def gap(j: int) -> str:
        return parts[2 * j]

    def cap(j: int) -> bool:
        return words[j][0].isupper()

    def namey(j: int) -> bool:
        w = lows[j]
        return w not in COMMON and w not in TITLES and w not in ROLE_WORDS and w not in STATES

    def sentence_start(j: int) -> bool:
        k = starts[j] - 1
        while k >= 0 and text[k] in " \t\"'(":
            k -= 1
        return k < 0 or text[k] in _SENTENCE_END

    def extend(j: int, allow_lower: bool) -> int:
        """Index of the last token of a name starting at j (surname, middle names, initials)."""
        end = j
        k = j + 1
        while k < n and k - j < 3:
            g = gap(k)
            if not (_SPACE_GAP.match(g) or (len(words[k - 1]) == 1 and _INITIAL_GAP.match(g))):
                break
            if not namey(k) and not (cap(k) and lows[k] in lex.last_any and lows[k] not in _NEVER):
                break
            if cap(k) or (allow_lower and lows[k] in last):
                end = k
                k += 1
                continue
            break
        return end

    def span(j0: int, j1: int) -> tuple[int, int]:
        s, e = starts[j0], ends[j1]
        if text[e - 2 : e] in ("'s", "\u2019s"):
            e -= 2
        return s, e

    # Only capitalised tokens and cue words can start a name or place: the rest are skipped here.
    cue_any = _CUE_ANY
    for i in [j for j, w in enumerate(words) if w[0].isupper() or lows[j] in cue_any]:
        w = lows[i]
        if i <= consumed_until:
            continue
        # 1. titles: Mr. Smith, Dr. holmes, Mrs Ana Lopez-Garcia
        if w in TITLES and i + 1 < n and _TITLE_GAP.match(gap(i + 1)) and (
            namey(i + 1) or (cap(i + 1) and lows[i + 1] not in _NEVER)
        ) and (
            cap(i + 1) or w not in ("pa", "np", "rn", "sr", "miss")
        ):
            j1 = extend(i + 1, allow_lower=not cap(i + 1))
            s, e = span(i + 1, j1)
            yield ("NAME", s, e, 0.95, "name-title")
            consumed_until = j1
            continue
        # 2. roles and cues: daughter Ana, seen by Holmes, name: john smith
        strong = w in STRONG_CUES or (w == "is" and i > 0 and lows[i - 1] == "name")
        cue = strong or w in ROLE_WORDS or (i > 0 and f"{lows[i - 1]} {w}" in ROLE_BIGRAMS)
        if cue and i + 1 < n and _CUE_GAP.match(gap(i + 1)):
            k = i + 1
            if lows[k] in ("is", "was") and k + 1 < n and _SPACE_GAP.match(gap(k + 1)):
                k += 1
            lexical = lows[k] in first or (lows[k] in lex.first_any and lows[k] not in _FUNCTION)
            if (namey(k) or (lexical and lows[k] not in _NEVER)) and (
                cap(k) or lexical or (strong and len(lows[k]) > 1)
            ):
                if not (cap(k) and lows[k] not in first and lows[k] not in last and words[k].isupper()):
                    j1 = extend(k, allow_lower=not cap(k))
                    s, e = span(k, j1)
                    yield ("NAME", s, e, 0.9, "name-cue")
                    consumed_until = j1
                    continue
        if not cap(i):
            continue
        # 3. places from the gazetteer: longest match first
        if w in city_first:
            for size in range(min(lex.max_city_tokens, n - i), 0, -1):
                key = tuple(lows[i : i + size])
                if key in cities and all(
                    _INITIAL_GAP.match(gap(k)) and cap(k) for k in range(i + 1, i + size)
                ):
                    s, e = starts[i], ends[i + size - 1]
                    nxt = i + size
                    if nxt < n and _SPACE_GAP.match(gap(nxt)) and (cap(nxt) or lows[nxt] in _CONNECT) and lows[nxt] not in _NEVER and namey(nxt):
                        break
                    after = _STATE_AFTER.match(text, e)
                    before = lows[i - 1] if i > 0 else ""
                    ambiguous = size == 1 and (w in first or w in last)
                    if after:
                        conf = 0.95
                    elif before in PLACE_CUES:
                        conf = 0.85
                    elif ambiguous:
                        break
                    else:
                        conf = 0.8
                    yield ("LOCATION", s, e, conf, "place-gazetteer")
                    consumed_until = i + size - 1
                    break
            if consumed_until >= i:
                continue
        # 4. "<Town>, <ST>" and "lives in <Town>" for towns the gazetteer lacks
        if namey(i):
            j1 = i
            while j1 + 1 < n and j1 - i < 4 and _SPACE_GAP.match(gap(j1 + 1)) and (
                (cap(j1 + 1) and namey(j1 + 1)) or (lows[j1 + 1] in _CONNECT and j1 + 2 < n and cap(j1 + 2))
            ):
                j1 += 1
            after = _STATE_AFTER.match(text, ends[j1])
            before = lows[i - 1] if i > 0 else ""
            before2 = lows[i - 2] if i > 1 else ""
            if after or (before in ("in", "to", "near", "from") and (before2 in STRONG_PLACE_CUES or w in city_first)):
                yield ("LOCATION", starts[i], ends[j1], 0.85 if after else 0.75, "place-context")
                consumed_until = j1
                continue
        # 5. lexicon names: capitalised census first name, then surname words
        if w in first and namey(i) and not (words[i].isupper() and len(w) <= 3):
            j1 = extend(i, allow_lower=False)
            s, e = span(i, j1)
            if j1 > i:
                conf = 0.9
            else:
                conf = 0.7 if sentence_start(i) else 0.75
            yield ("NAME", s, e, conf, "name-lexicon")
            consumed_until = j1
            continue
        # 6. "Lopez, Maria" and a frequent surname standing alone mid-sentence
        if w in last and namey(i):
            if i + 1 < n and _COMMA_GAP.match(gap(i + 1)) and cap(i + 1) and lows[i + 1] in first:
                j1 = extend(i + 1, allow_lower=False)
                s, e = span(i, j1)
                yield ("NAME", s, e, 0.88, "name-lexicon")
                consumed_until = j1
                continue
            if w in common_last and len(w) > 2 and not words[i].isupper() and not sentence_start(i):
                s, e = span(i, i)
                yield ("NAME", s, e, 0.55, "surname-lexicon")
