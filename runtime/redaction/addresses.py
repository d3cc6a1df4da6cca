"""Address blocks as the world writes them, recall first: a house number, the street's words in any
script, a number after them (`20789 Allika 46`, `233 Erzsébet tér 19.`, `10252 Μεγάλη Άμμος 184`), and
the lines that follow (`Suite 501`, a town, `Estonia 62488`), or the same after a cue that says an
address follows ("lives at", "sent to", "address is").

The US forms with a street-type word (`12 Main St`) are in `patterns.py`; this module takes what has
no street word to anchor on. One token scan per candidate house number, forward only, bounded by a
token and line budget, so the cost is linear in the text.
"""

from __future__ import annotations

import re
from typing import Iterator

from .lexicons import TokenMemo, fold
from .patterns import Hit
from .wordlists import CLINICAL_ABBREVIATIONS

# A house number: a 1-6 digit token, then (optionally a second number, "935 69 Gordon Terrace") a word.
# (The digit comes first and the look-behind after it, so `re` can skip to digits with its fast
# character-set scan instead of trying the look-behind at every character.)
_HOUSE = re.compile(r"\d(?<![\w.,/\-:+$#]\d)\d{0,5}(?=[ \t]+(?:\d{1,5}[ \t]+)?[^\W\d_])")
# One token after a separator: spaces, a comma, up to two line breaks (block lines, quoted with ">",
# bulleted, or prefixed with the "???" a lost encoding leaves).
_TOKEN = re.compile(
    r"(?P<sep>[ \t]*+,?[ \t]*+(?:\n[ \t>?*\-]*+){0,2},?[ \t]*+)"
    r"(?P<tok>\([^()\n]{1,24}\)|\d{1,6}(?:-\d{1,4})?[A-Za-z]?(?!\.\d)\.?(?![\w/])|[^\W\d_][\w'\-\u2206]{0,40}\.?)"
)
_CUE = re.compile(
    r"\b(?:lives|live|living|located|resides|reside|residing|arrived|is|are|office is|offices are|meet you|"
    r"drops you off|deliver(?:ed)?|sent|send(?: it| them| a new one| this)?|mail(?:ed)?(?: it)?|ship(?:ped)?(?: it)?"
    r"|address(?: is)?|address:|address with|it's|it is)[ \t]+(?:at|to|in|on)?[ \t]*\Z|address(?: is)?:?[ \t]*\Z",
    re.I,
)
_CONNECTORS = frozenset(
    "de del della delle dei di da do dos das du des la le les van von der den ten ter al el bin ben da "
    "y e i u ul al str nad pod na v sur".split()  # "Ostrov nad Ohri", "Chomutice u Horic v Podkrkonosi"
)
_STOP = frozenset(
    "the a an and or but for with please i we he she it they you this that my our his her their if when "
    "who what which after before last next since until on at in to of by from is was are were".split()
)
_NOT_STREET = frozenset(
    "bed beds room rooms floor ward bay mg mcg units unit tablets tabs tablet caps capsules capsule times days day "
    "weeks week hours hour minutes minute years year months month puffs puff drops sprays patches am pm bp hr "
    "rr doses dose pills pill cm mm kg lbs ml mmhg grade stage type level levels episodes visits cycles "
    "january february march april may june july august september october november december jan feb mar apr "
    "jun jul aug sep sept oct nov dec".split()
)
_UNIT_AFTER = re.compile(r"[ \t]?(?:%|(?:mg|mcg|ug|ml|mL|g|kg|units?|iu|IU|mmol|meq|mEq|cm|mm|x|hrs?|min|days?|weeks?)\b)", re.I)
_MAX_TOKENS = 12
# A house number written with a full stop ("Rákóczi út 13.", Hungarian and Slovene style) ends no sentence
# when a flat or suite follows: "Rákóczi út 13. Suite 104", "utca 76. Apt. 289".
_UNIT_NEXT = re.compile(r"[ \t]+(?:apt|apartment|suite|ste|unit|flat|fl|floor|lgh|app|ap)\b\.?[ \t]*\d", re.I)
_AND_STREET = re.compile(r"[ \t]+and[ \t]+(?:\d{1,6}[ \t]+)?[A-Z\u00c0-\u024f][\w'\-]*(?:[ \t]+[A-Z\u00c0-\u024f][\w'\-]*\.?){0,3}")
_CUE_WORDS = ("lives at", "located at", "address is", "address:", "sent to", "it's in", "is at", "meet you at",
              "send it to", "resides at", "address with", "corner of", "return to", "sent to the", "located on")


# Street endings written joined to the name in Nordic, Dutch, German and Finnish addresses ("Östbygatan",
# "Beiteveien", "Kerkstraat", "Hauptstraße", "Mannerheimintie"): Faker's da/de/nl/no/sv/fi suffix lists.
_COMPOUND_STREET = ("gatan", "gata", "vägen", "veien", "vegen", "vej", "gade", "straat", "straße", "strasse",
                    "weg", "laan", "gasse", "platz", "allee", "katu", "tie", "polku", "kuja", "stigen", "torget",
                    "bakken", "vollen", "stræde")


def _street_word(low: str, street: frozenset[str], english: frozenset[str]) -> bool:
    """A street word of another country ("rue", "utca", "gate"), or a word ending like one ("tawastintie")."""
    if low in street or (not low.isascii() and fold(low) in street):  # "rúa"
        return True
    return len(low) >= 7 and low.endswith(_COMPOUND_STREET) and not _known(low, english)


# A postal code a line or two after an address block, across at most two short words (a region, or the
# "nan" a spreadsheet leaves for a missing one): US/DE/FR/ES/IT/FI `12345`, PL `53-320`, SE/CZ/SK/GR
# `340 12`, PT `1234-567`, BR `12345-678` (Faker's locale postcode formats, the ones made of digits).
_POSTCODE = re.compile(r"[ \t]*+,?[ \t]*+(?:\n[ \t>?*\-]*+)?,?[ \t]*+(\d{5}(?:-\d{3,4})?|\d{2}-\d{3}|\d{3} \d{2}|\d{4}-\d{3})(?![\w-]| ?\d)")
_POSTCODE_SHAPE = re.compile(r"\d(?:\d{4}|\d-\d{3}|\d\d \d\d|\d{3}-\d{3})")
_FILLER = re.compile(r"[ \t]*+,?[ \t]*+(?:\n[ \t>?*\-]*+)?,?[ \t]*+([^\W\d_][\w'\-]{0,15})\.?(?=[ \t,\n])")


def _postcode_after(text: str, end: int) -> int:
    """End of a postal code that follows the block ending at `end` (across up to two words), else `end`."""
    if _POSTCODE_SHAPE.search(text, end, end + 48) is None:
        return end  # no postal code's shape near: one search instead of up to six matches
    pos = end
    for _ in range(3):
        m = _POSTCODE.match(text, pos)
        if m is not None:
            if _UNIT_AFTER.match(text, m.end()) or text.count("\n", end, m.start(1)) > 2:
                return end
            return m.end()
        f = _FILLER.match(text, pos)
        if f is None or f.group(1).lower() in _STOP or f.group(1).lower() in _NOT_STREET:
            return end
        pos = f.end()
    return end


# A street named with no house number, after "on"/"off"/"along": "lives on Tarsicio Isle Street", "off
# Birchwood Avenue". Only street words that are nothing else ("Park", "Hill", "Union" are not here).
_NAMED_STREET_WORDS = ("Street", "Avenue", "Road", "Boulevard", "Lane", "Drive", "Terrace", "Parkway", "Highway")
_ON_STREET = re.compile(r"(?<![\w'\-])(?:on|off|along|onto)[ \t]+((?:[A-Z][^\W\d_][\w'\-]*[ \t]+){1,3})\Z")


def _named_streets(text: str) -> Iterator[Hit]:
    n = len(text)
    for word in _NAMED_STREET_WORDS:
        pos = text.find(" " + word)
        while pos >= 0:
            end = pos + 1 + len(word)
            if end == n or not (text[end].isalnum() or text[end] in "-'"):
                m = _ON_STREET.search(text, max(0, pos - 60), pos + 1)
                if m is not None and not any(w in _STOP or w in _NOT_STREET for w in m.group(1).lower().split()):
                    yield ("LOCATION", m.start(1), end, 0.55, "address-block")
            pos = text.find(" " + word, end)


# An intersection: "the corner of Csabai kapu 39. and Mathias Pass", "corner of Main & 5th Street". The two
# streets and the "and" between them are one place; each street up to five words or numbers (the first
# may hold lower-case street words, "kapu", "út"; the second is capitalised words and numbers).
_CORNER = re.compile(
    r"[Cc]orner[ \t]+of[ \t]+((?:[^\W_][\w'\-\u2206]{0,40}\.?[ \t]+){1,5}?)(?:and|&)[ \t]+"
    r"((?:\d{1,6}(?:st|nd|rd|th)?[ \t]+)?(?:[A-Z\u00c0-\u00de\u0100-\u024f\u0370-\u04ff][\w'\-]{0,40}|\d{1,6}(?:st|nd|rd|th)?)"
    r"(?:[ \t]+(?:[A-Z\u00c0-\u00de\u0100-\u024f\u0370-\u04ff][\w'\-]{0,40}|\d{1,6})\.?){0,3})"
)


def _corners(text: str, low: str) -> Iterator[Hit]:
    """LOCATION for both streets of "corner of <street> and <street>" (one literal search when absent)."""
    pos = low.find("corner")
    while pos >= 0:
        m = _CORNER.match(text, pos) if pos == 0 or not text[pos - 1].isalnum() else None
        if m is not None:
            first = m.group(1).split()
            second = m.group(2)
            # the first street names something (a capital or a number in it, no sentence words), the second
            # starts with a capital or a number ("the corner of the room and the door" is no place)
            if (any(t[0].isupper() or t[0].isdigit() for t in first)
                    and not any(t.rstrip(".").lower() in _STOP for t in first)
                    and (second[0].isupper() or second[0].isdigit())
                    and second.split()[0].lower() not in _STOP):
                end = m.end(2)
                while text[end - 1] == ".":
                    end -= 1
                yield ("LOCATION", m.start(1), end, 0.65, "address-block")
        pos = low.find("corner", pos + 6)


# A form's place field at a line's start: "Where: UPTON SCUDAMORE Country Club.", "Venue: Erwetegem Hall".
# The value is the rest of the line (a form says what the field holds; no gazetteer need know it) when
# a word of it is no dictionary word ("Where: left knee" is no place).
_FORM_PLACE = re.compile(r"[ \t]*(?:where|venue)[ \t]*:[ \t]*([^\W_][^\n]{1,78}?)[ \t.]*(?:\n|\Z)", re.I)


def _form_places(text: str, low: str, english: frozenset[str]) -> Iterator[Hit]:
    for field in ("where", "venue"):
        pos = low.find(field)
        while pos >= 0:
            if pos == 0 or text[pos - 1] == "\n":
                m = _FORM_PLACE.match(text, pos)
                if m is not None and any(
                        not _known(w, english) for w in re.findall(r"[^\W\d_]+", m.group(1).lower())):
                    yield ("LOCATION", m.start(1), m.end(1), 0.65, "address-block")
            pos = low.find(field, pos + len(field))


def _known(low: str, english: frozenset[str]) -> bool:
    """A dictionary word, or its plural / past / -ing form."""
    if low in english:
        return True
    for suf in ("s", "es", "ed", "d", "ing"):
        if low.endswith(suf) and low[: -len(suf)] in english:
            return True
    return False


def _number_follows(text: str, pos: int, english: frozenset[str]) -> bool:
    """Is the next token (or the one after a second lower-case word) a number on the same line?"""
    for _ in range(2):
        m = _TOKEN.match(text, pos)
        if m is None or "\n" in m.group("sep"):
            return False
        tok = m.group("tok")
        if tok[0].isdigit():
            return not _UNIT_AFTER.match(text, m.end())
        if not tok[0].isalpha() or tok.rstrip(".").lower() in _STOP or _known(tok.rstrip(".").lower(), english):
            return False
        pos = m.end()
    return False


# What `_extend` does with a token, decided by the token's text alone (so once per distinct token of a
# scan, not once per occurrence): a street word, a number, a bracket, a stop in capitals, a capitalised
# word, a connector, a word in another script, a lower-case word, in `_extend`'s order of tests.
_STREETWORD, _NUMBER, _BRACKET, _CAP_STOP, _CAPITAL, _CONNECTOR, _OTHER_SCRIPT, _LOWER = range(8)


def _token_kind(tok: str, english: frozenset[str], street: frozenset[str]) -> tuple[int, bool, bool]:
    """(kind, flag, sentence_end): flag is "odd" for a capitalised word and "may be a street word"
    for a lower-case one; sentence_end: a full stop that may end the block (see `_extend`)."""
    c = tok[0]
    bare = tok.rstrip(".")
    low = bare.lower()
    flag = False
    if low in street or (street and (len(low) >= 7 or not low.isascii()) and c.isalpha()
                         and _street_word(low, street, english)):
        kind = _STREETWORD
    elif c.isdigit():
        kind = _NUMBER
    elif tok.startswith("("):
        kind = _BRACKET
    elif c.isupper() or (c.isalpha() and not c.islower() and not c.isascii()):
        if ((low in _STOP or low in _NOT_STREET) and not (bare.isupper() and len(bare) <= 3)) \
                or low in CLINICAL_ABBREVIATIONS:  # "25 BID", "5000 U SC TID": a dose, not a street
            kind = _CAP_STOP  # "ON", "IN" in capitals are a province or state
        else:
            kind = _CAPITAL
            flag = not _known(low, english) and not (bare.isupper() and len(bare) <= 5)
    elif low in _CONNECTORS or (tok.endswith(".") and len(bare) <= 3 and c.isalpha()):
        kind = _CONNECTOR
    elif not c.isascii() and c.isalpha():
        kind = _OTHER_SCRIPT
    else:
        kind = _LOWER
        flag = low not in _STOP and low not in _NOT_STREET and low not in CLINICAL_ABBREVIATIONS \
            and not _known(low, english)
    return kind, flag, tok.endswith(".") and (len(bare) > 3 or bare[-1].isdigit())


def _extend(text: str, pos: int, need_number: bool, english: frozenset[str],
            street: frozenset[str] = frozenset(),
            kinds: dict[str, tuple[int, bool, bool]] | None = None) -> tuple[int, int, int, int, int, bool] | None:
    """From `pos`, take address tokens; (end, words, numbers, lines, odd, streetword) or None when nothing fits.

    `kinds`: `_token_kind` per token text, shared by the calls of one scan (same `english` and `street`).
    """
    if kinds is None:
        kinds = {}
    end = pos
    words = nums = lines = odd = 0  # odd: street words no dictionary lists (or in another script)
    streetword = False  # a street word of another country was seen ("rue", "utca", "gate", "-veien")
    match, unit_after = _TOKEN.match, _UNIT_AFTER.match  # locals: this loop runs once per token
    for _ in range(_MAX_TOKENS):
        m = match(text, end)
        if m is None:
            break
        sep, tok = m.groups()
        nl = sep.count("\n") if "\n" in sep else 0
        if nl and (lines + nl > 5 or not (words or nums)):
            break
        got = kinds.get(tok)
        if got is None:
            got = kinds[tok] = _token_kind(tok, english, street)
        kind, flag, full_stop = got
        if kind == _CAPITAL:
            words += 1
            odd += flag
        elif kind == _NUMBER:
            if unit_after(text, m.end()):
                break
            nums += 1
        elif kind == _STREETWORD:
            words += 1
            odd += 1
            streetword = True
        elif kind == _BRACKET:
            if not words:
                break
        elif kind == _CONNECTOR:
            pass
        elif kind == _OTHER_SCRIPT:
            odd += 1
        elif kind == _LOWER and (words or nums) and flag and (streetword or _number_follows(text, m.end(), english)):
            odd += 1
            pass  # a lower-case street word before its number: "tér 19.", "gate 232", "midtvollen 130"
        else:  # _CAP_STOP, or a lower-case word that is no street word
            break
        lines += nl
        end = m.end()
        if full_stop:
            bare = tok.rstrip(".")
            nxt = text[end:end + 3]
            if not (bare[-1].isdigit() and (nxt[:1] == "," or (nxt[:1] == "\n" and nxt[1:2] not in ("\n", ""))
                                            or _UNIT_NEXT.match(text, end))):
                end -= 1  # a full stop, not an abbreviation: the sentence ends here
                break
    if not words:
        return None
    if need_number and not nums:
        return None
    while end > pos and text[end - 1] in ",.":
        end -= 1
    return end, words, nums, lines, odd, streetword


_kinds = TokenMemo(1 << 16)  # `_token_kind` per token text (at most 42 characters), per word lists


def scan_addresses(text: str, english: frozenset[str] = frozenset(), low: str | None = None,
                   street: frozenset[str] = frozenset()) -> Iterator[Hit]:
    """LOCATION candidates: house-number blocks and cue-led street lines (spans only)."""
    done = -1
    kinds = _kinds.table(english, street)  # `_token_kind` per distinct token, for every `_extend`
    scanned = -1  # end of the last extension that was not an address: a start inside it is a suffix of
    # the same tokens (no more words, numbers or lines), so it cannot be one either
    # Each next house number is searched for from past the last block or walk, not iterated over: a
    # match is a whole digit run, so none starts inside one and the search finds what iterating and
    # skipping the starts before `done` and `scanned` did (1 MiB of "12 Main St, ": four in five).
    house = _HOUSE.search
    at = 0
    while True:
        h = house(text, at)
        if h is None:
            break
        s, pos = h.span()
        at = pos
        first = _TOKEN.match(text, pos)
        if first is None:
            continue
        tok = first.group("tok")
        if tok[0].isdigit():
            second = _TOKEN.match(text, first.end())
            tok = second.group("tok") if second is not None else ""
        if not tok or tok.rstrip(".").lower() in _NOT_STREET or tok.rstrip(".").lower() in CLINICAL_ABBREVIATIONS:
            continue
        got = _extend(text, pos, need_number=False, english=english, street=street, kinds=kinds)
        if got is None:
            continue
        end, words, nums, lines, odd, streetword = got
        # a number after the street words (`Allika 46`), or a next line (cue-led streets: below), or a
        # street word of another country and one more word (`31 rue Tachkent`, `26 rue des Lilas`)
        if not ((nums and odd) or (lines and (odd or nums)) or (streetword and odd >= 2)):
            scanned = max(scanned, end)
            at = max(at, scanned)
            continue
        end = _postcode_after(text, end)
        yield ("LOCATION", s, end, 0.55, "address-block")
        done = end
        at = max(at, done)
    yield from _named_streets(text)
    if low is None or len(low) != len(text):
        low = text.lower() if len(text.lower()) == len(text) else text
    yield from _corners(text, low)
    yield from _form_places(text, low, english)
    # Cue-led with no house number in front: "It's in Λεωφόρος Συγγρού 119 Nino Point".
    n = len(text)
    for cue in _CUE_WORDS:
        pos = low.find(cue)
        while pos >= 0:
            start = pos + len(cue)
            while start < n and text[start] in " \t:":
                start += 1
            if start > done and start < n and (pos == 0 or not low[pos - 1].isalnum()) and (
                    text[start].isupper() or (text[start].isalpha() and not text[start].isascii())):
                got = _extend(text, start, need_number=True, english=english, street=street, kinds=kinds)
                if got is not None:
                    end = got[0]
                    if cue == "corner of":  # "the corner of Dalbraut 99 and Frederikke Coves"
                        m = _AND_STREET.match(text, end)
                        if m is not None:
                            end = m.end()
                    end = _postcode_after(text, end)
                    yield ("LOCATION", start, end, 0.5, "address-block")
                    done = end
            pos = low.find(cue, pos + 1)
