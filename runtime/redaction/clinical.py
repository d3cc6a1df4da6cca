"""Recall-first detectors for what real notes and exports hold that the tidy patterns miss.

Philter's lesson (recall first, then give back what a safe list says is clinical) applied to the
forms seen in notes written by others: any long digit run or digit-bearing token (an identifier
whatever its label), spaced or dotted digits, day-month-year with a month word (`03-Mar-1951`,
`04MAR1951`), compact `19510304`, month/year (`4/81`), a month named alone after a time cue
(`since October`), pager and extension numbers, transcriptionist sign-offs (`RKT:morrow`), names with
credentials (`HOLLIS GRANT, M.D.`), social handles, IBANs, and the city/state/ZIP lines that follow a
street. Every pattern is linear: bounded repetitions, anchored on a literal or a digit run.
"""

from __future__ import annotations

import re
from itertools import repeat
from typing import Iterator

from .markers import MARKER
from .names import FAMILY_ROLES
from .patterns import _STATE_ABBR, MONTHS, Hit, date_cue_before
from .wordlists import CLINICAL_ABBREVIATIONS

I = re.IGNORECASE

# After a digit run of 6+ (an identifier in a note, whatever its label: MRNs, accession numbers, phone
# numbers run together, `chartMRN03391842`) or of 5 (a ZIP, a pager), a unit means a quantity.
_UNIT_AFTER = re.compile(
    r"[ \t]?(?:%|(?:mg|mcg|ug|ml|mL|g|kg|units?|iu|IU|mmol|meq|mEq|cells|copies|/u?l|/mm3|/hpf|cfu|x|k)\b)", I
)  # ("%" then "\b" would need a letter after it: "SpO2 98% RA" was no unit)
# Tokens of digit groups joined by - / . (`731-22-41-9`, `QK114/20391`, `123.45.6789`) with 7+ digits.
_GROUPED = re.compile(r"(?<![\w.\-/])[A-Za-z]{0,4}+\d{1,12}+(?:[-/.][A-Za-z]{0,4}+\d{1,12}+[A-Za-z]{0,2}+){1,6}+(?![\w/]|[-.]\w)")
# Single digits spaced out: `1 2 3 4 5 6 7 8 9`, `6 6 2 0 1 9 4` (seven or more).
_SPACED = re.compile(r"(?<![\w.])\d(?:[ .\-]\d){6,}(?![\w])")
# Day month-word year, with or without separators: 03-Mar-1951, 04MAR1951, 4 March 51, 03/Mar/1951.
_DMY_WORD = re.compile(rf"(?<![\w])(?:0?[1-9]|[12]\d|3[01])[-/. ]?{MONTHS}\.?[-/. ]?(?:1[89]\d\d|20\d\d|\d\d)(?!\w)", I)
# Month-word year without a day: Mar-1951, MAR51 (the separated "March 1951" is in patterns.py).
_MY_WORD = re.compile(rf"(?<![\w]){MONTHS}[-/.]?(?:1[89]\d\d|20\d\d|'\d\d)(?!\w)", I)
# YYYYMMDD.
_COMPACT = re.compile(r"(?<!\d)(?:19\d\d|20\d\d)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)")
# Month/year: 4/81, 11/04, 04/2019. A /10 or /5 denominator is a score (pain 3/10, strength 4/5).
_MONTH_YEAR = re.compile(r"(?<![\w/.\-])(?:0?[1-9]|1[0-2])/(?:\d\d|1[89]\d\d|20\d\d)(?![\w/]|\.\d|-\d)")
_SCORE_DENOM = frozenset({"10", "5", "4"})
# A label marker glued to a month/year ("[NAME]1/40", "1/40[NAME]") stands for the word that was glued
# there, and a glued word makes it no date: without this, scanning "א¼0" (¼ folds to 1/4) after its
# redaction would find a date the first scan did not, and redaction would not be idempotent.
_MARKER_END = re.compile(f"(?:{MARKER.pattern})\\Z")


def _glued_to_marker(text: str, s: int, e: int) -> bool:
    return (s > 0 and text[s - 1] == "]" and _MARKER_END.search(text, max(0, s - 96), s) is not None) or (
        text.startswith("[", e) and MARKER.match(text, e) is not None)


# A month named alone: full capitalised names anywhere except the ones that are also words or names
# (May, March, August), which need a time cue in front ("since May", "in early March").
_MONTH_ALONE = re.compile(
    r"\b(?:January|February|April|June|July|September|October|November|December|Sept|Janurary)\b"
)
# Holidays a date can be told by.
_HOLIDAY = re.compile(r"\b(?:Christmas(?: Eve| Day)?|Thanksgiving|Easter|Halloween|New Year's(?: Eve| Day)?|Fourth of July|Memorial Day|Labor Day|Independence Day)\b")
# Pager, beeper, extension: short numbers that reach one person.
_PAGER = re.compile(r"\b(?:pager|beeper|pgr|page|bleep|ext|extension|x)\.?[ \t]*+(?:#|no\.?|number|:)?[ \t]*+:?[ \t]*+(\d{3,6})(?!\d)", I)
# Transcriptionist and author sign-offs: RKT:morrow, LMP/baker/hale, dictated/transcribed initials.
_SIGNOFF = re.compile(r"(?<![\w/])([A-Z]{2,4}(?:[:/][ \t]?[a-z][a-z'\-]{1,20}){1,3})(?![\w/])")
_SIGNOFF_SEP = re.compile(r"[:/]")


def _signoffs(text: str) -> Iterator[re.Match[str]]:
    """`_SIGNOFF.finditer(text)`, tried only where a match can start: a run of 2-4 capitals right
    before a ":" or "/" (the regex alone tried every character of the text: a tenth of this module's
    time on a 2 KB note)."""
    end = 0
    for c in _SIGNOFF_SEP.finditer(text):
        p = c.start()
        q = p
        while q > 0 and p - q < 5 and "A" <= text[q - 1] <= "Z":
            q -= 1
        if p - q < 2 or p - q > 4 or q < end:
            continue
        m = _SIGNOFF.match(text, q)
        if m is not None:
            end = m.end()
            yield m


_SIGNOFF_WORDS = frozenset(
    "po iv im sq sc pr prn od os ou ad as au np pa md rn bid tid qid qd hs ac pc mg ml kg hr min sec neg "
    "pos yes no na nd wnl and or with without left right bilat bilateral pending done ok none normal self full "
    "dnr dni".split()
) | FAMILY_ROLES  # "HCP: wife", "NOK: husband" name a relative, not a transcriptionist
# A finding's ending: "RUQ: cholelithiasis" is an ultrasound's result, not a transcriptionist's sign-off.
_MEDICAL_ENDING = re.compile(r"(?:itis|iasis|osis|emia|ectomy|otomy|ostomy|plasty|opathy|algia|uria)\Z")
# Names with a credential after them, any case: HOLLIS GRANT, M.D.; Ana Ruiz RN; J. Smith, MD, PhD.
_CREDENTIAL = re.compile(
    r",?[ \t]+(?:M\.D\.|MD|D\.O\.|DO|R\.N\.|RN|NP|N\.P\.|PA-C|P\.A\.|MBBS|Ph\.D\.|PhD|DDS|DMD|PharmD|FNP|ANP|"
    r"APRN|CRNA|CNM|LCSW|LPN|DPM|OD|FACP|FACS|FAAP|MPH|MSN|BSN|CNP|DNP)\b\.?"
)
_NAME_BEFORE = re.compile(
    r"(?:[A-Z][A-Za-z'\-]{1,30}|[A-Z]\.)(?:[ \t]+(?:[A-Z][A-Za-z'\-]{0,30}\.?|[A-Z]\.)){0,3}\Z"
)
# Social handles: @name not part of an e-mail address.
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z_][A-Za-z0-9_]{1,30}\b(?!\.\w|@)")
_MONTH_CUE_BEFORE = re.compile(
    r"\b(?:since|in|during|until|till|by|from|of|last|next|this|early|late|mid|through|before|after|around)"
    r"[ \t]+(?:early[ \t]+|late[ \t]+|mid-?)?\Z"
)
_MY_BEFORE = re.compile(rf"(?<![\w]){MONTHS}[-/.]?'?\Z", I)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# After a street: ", City, ST 12345" / "\nCity\n, ST\n Country 12345" / "City ST 12345-1234".
_TERRITORIES = "AS|FM|GU|MH|MP|PW|VI|AA|AE|AP"


def _address_tail(cap: str, states: str) -> re.Pattern[str]:
    word = rf"{cap}[\w'\-.]*"
    return re.compile(
        rf"(?:[ \t]*+[,\n][ \t\n]*+|[ \t]++)"
        rf"(?:(?i:Apt|Apartment|Suite|Ste|Unit|Rm|Room|Bldg|Floor|Fl)\.?[ \t]*+#?[ \t]*+[A-Za-z0-9-]{{1,6}}(?:[ \t]*+[,\n][ \t\n]*+|[ \t]++))?"
        rf"(?:{word}(?:[ \t]++{word}){{0,3}}[ \t]*+[,\n]?[ \t\n]*+,?[ \t]*+)?"
        rf"(?:(?:{states})\.?(?:[ \t]*+[,\n][ \t\n]*+|[ \t]++))?"
        rf"(?:{word}(?:[ \t]++{word}){{0,2}}[ \t]++)?"
        r"\d{3,5}(?:-\d{3,4})?(?![\w-])"
    )


# After a street: ", City, ST 12345" / "\nCity\n, ST\n Country 12345" / "City ST 12345-1234"; the lower-case
# form only after a lower-case street ("845 zachary orchard\nsouth michaelview ma 07926").
_ADDRESS_TAIL = _address_tail("[A-Z]", f"{_STATE_ABBR}|{_TERRITORIES}")
_ADDRESS_TAIL_LOWER = _address_tail("[a-z]", f"{_STATE_ABBR}|{_TERRITORIES}".lower())
_CITY_ZIP = re.compile(
    rf"(?<![\w])([A-Z][a-z][\w'\-.]*(?:[ \t]+[A-Z][\w'\-.]*){{0,3}}),?[ \t]+(?:{_STATE_ABBR}|{_TERRITORIES})\.?,?[ \t]+\d{{5}}(?:-\d{{4}})?(?![\w-])"
)


# A time written right after a date is part of the date element: 1970-09-24 09:34:31, 3/4/2019 14:05.
_DATE_TIME = re.compile(
    r"(?<![\d/.\-])(?:(?:19|20)\d\d-\d\d-\d\d|\d{1,2}/\d{1,2}/(?:\d{4}|\d\d))(?:T|[ \t]{1,2}|[ \t]*@[ \t]*)"
    r"\d{1,2}:\d\d(?::\d\d(?:\.\d{1,6})?)?(?:[ \t]?[AaPp]\.?[Mm]\.?)?(?:Z|[+-]\d\d:?\d\d)?(?![\d:])"
)
# Phone numbers as the world writes them: +41 (0)62 585 51 90, 0494 92 82 32, 516 466 638, 001-518-640-0854.
_PHONE_INTL = re.compile(
    r"(?<![\w+.\-/])(?:\+|00)?\d{1,5}(?:[ \t.\-]?\(\d{1,4}\))?(?:[ .\-]\d{2,5}){2,5}(?:[ \t]?(?:x|ext\.?)[ \t]?\d{1,5})?"
    r"(?![\w]|[.\-/:]\d)"
)
_PHONE_PLUS = re.compile(r"(?<![\w+])\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{2,5}(?:[ .\-]?\d{2,5}){1,4}(?![\w]|[.\-/]\d)")
# Postal codes with a label, and the national shapes that cannot be anything else.
_POSTAL_LABEL = re.compile(
    r"\b(?:zip code|zipcode|zip|postal code|postcode|post code|postleitzahl|plz)\b[ \t]*+(?:is|:|#)?[ \t]*+:?[ \t]*+"
    r"((?=[A-Z0-9 \-]{0,10}\d)[A-Z0-9]{2,6}(?:[ \-][A-Z0-9]{2,4})?)(?![\w\-*])", I
)
_POSTAL_CA_UK = re.compile(r"(?<![\w])(?:[A-CEGHJ-NPR-TVXY]\d[A-CEGHJ-NPR-TV-Z][ ]?\d[A-CEGHJ-NPR-TV-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ ]\d[ABD-HJLNP-UW-Z]{2})(?![\w])")
# Military and diplomatic mail: Unit 4719 Box 7394 DPO AP 70942; USNS Saibara FPO AP 12428; PSC 1234, Box 5678.
_MILITARY = re.compile(
    r"(?<![\w])(?:(?:Unit|PSC|CMR)[ \t]+\d{1,5}(?:,?[ \t]+|[ \t]*\n[ \t]*)Box[ \t]+\d{1,5}|(?:USNS|USNV|USS|USCGC)[ \t]+[A-Z][\w'\-]*(?:[ \t]+[A-Z][\w'\-]*)?)"
    r"(?:[ \t]*[,\n][ \t\n]*|[ \t]+)(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}(?:-\d{4})?(?!\d)",
    I,
)
# Streets as other countries write them: a street word with a house number after it (Friedhofstrasse 33,
# Via delle Coste 41, ul. Grochowa 80, Rue de Kairouan 12), with an optional number in front.
_STREET_INTL = re.compile(
    r"(?<![\w])(?:\d{1,6}[ \t]+)?(?:"
    r"(?:Via|Viale|Piazza|Corso|Rue|Avenue|Av\.|Avda\.?|Calle|Carrer|Rua|Travessa|Ul\.|ul\.|Aleja|al\.|Plac|"
    r"Chemin|Boulevard|Bd|Place|Allee|Strada|Calea|Ulica|Camino|Paseo|Praça|Largo)"
    r"(?:[ \t]+(?:de|del|della|delle|dei|di|da|do|dos|das|du|des|la|le|les|van|von|der|den)){0,2}"
    r"(?:[ \t]+[A-Z\u00c0-\u024f][\w'\-.]*){1,3}"
    r"|[A-Z\u00c0-\u024f][\w'\-]*(?:strasse|stra\u00dfe|str\.|weg|gasse|platz|allee|ring|damm|vej|gade|gata|gatan|vegen|veien|"
    r"v\u00e4gen|v\u00e4g|katu|tie|polku|kuja|laan|straat|gracht|plein|kade|dreef|steeg|utca|\u00fat|ulice|n\u00e1m\u011bst\u00ed|"
    r"t\u00e9r|korut|vei|stien|tee|iela|gatve)"
    r"(?:[ \t]+[A-Z][\w'\-]*)?)"
    r"[ \t]+\d{1,5}[A-Za-z]?(?![\w])"
)


_RUN = re.compile(r"\d+")
_LOW_WORD = re.compile(r"[a-z]+")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_CODE_BEFORE = re.compile(r"(?:cpt|code|codes|icd|icd-?\d{1,2}|hcpcs|loinc|snomed|ndc|drg|rxnorm|lot|#)[\s:#]*\Z", I)
_PAGER_WORDS = frozenset("pager beeper pgr page bleep ext extension".split())
_POSTAL_WORDS = frozenset("zip zipcode postal postcode post postleitzahl plz".split())
# A phone number after a word that says so, in any grouping: "Phone: 72 128 827", "call me on 9472 7916".
_PHONE_WORDS = frozenset("phone telephone tel mobile cell desk office fax call answering reach registered contact".split())
_PHONE_CUE = re.compile(
    r"\b(?:phone|telephone|tel|mobile|cell|desk|office|fax|call(?:ed)?(?: me)?(?: on| at)?|answering at|reach(?: me)? at|"
    r"registered|contact)\b[^\d]{0,12}?([+(]?\d[\d ()\-.]{4,18}\d)(?![\d])", I
)
# A line that is only an apartment or suite: part of an address block.
_UNIT_LINE = re.compile(r"(?im)^[ \t>?]*((?:apt|apartment|suite|ste|unit)\.?[ \t]*+#?[ \t]*+\d{1,5}[a-z]?)[ \t]*$")
# House number first, then a street name, then a number (as generators and many countries write it):
# "692 Kuuse 53", "077 Příční 1429", "353 Buerlia 227".
_NUM_NAME_NUM = re.compile(
    r"\d{2,6}[ \t]+([A-Z\u00c0-\u024f][\w'\-]+(?:[ \t]+[A-Z\u00c0-\u024f][\w'\-]+){0,2})[ \t]+\d{1,5}[A-Za-z]?(?![\w]|[.,]\d)"
)
_NOT_STREET = frozenset("bed beds room rooms floor ward bay mg mcg units tablets tabs caps capsules times days weeks hours "
                        "minutes years months puffs drops sprays patches am pm bp hr rr".split())
_UNIT_WORDS = frozenset("apt apartment suite ste unit".split())
_MILITARY_WORDS = frozenset("unit psc cmr usns usnv uss uscgc".split())
_MONTH_ALONE_WORDS = frozenset("january february april june july september october november december sept janurary".split())
_MONTH_CUED_WORDS = frozenset("may march august jan feb mar apr jun jul aug sep oct nov dec".split())
_HOLIDAY_WORDS = frozenset("christmas thanksgiving easter halloween new fourth memorial labor independence".split())
_CREDENTIAL_WORDS = frozenset(
    "md do rn np pa mbbs phd dds dmd pharmd fnp anp aprn crna cnm lcsw lpn dpm od facp facs faap mph msn bsn cnp dnp".split()
)
_STREET_KEYWORDS = frozenset(
    "via viale piazza corso rue avenue avda calle carrer rua travessa ul aleja plac chemin boulevard "
    "allee strada calea ulica camino paseo pra largo".split()
)
_STREET_SUFFIXES = (
    "strasse", "stra\u00dfe", "weg", "gasse", "platz", "allee", "damm", "vej", "gade", "gata", "gatan", "vegen",
    "veien", "katu", "polku", "kuja", "laan", "straat", "gracht", "plein", "kade", "dreef", "steeg", "utca",
    "ulice", "korut", "stien", "iela", "gatve",
)


def native_orders(words: set[str]) -> tuple[list[str], list[str]]:
    """The phone cue words and the cued month words of `words`, in the order `scan_clinical` iterates
    them (a set's order): the Rust port (`packgate_native.scan_clinical`) yields their hits in it."""
    return list(_PHONE_WORDS.intersection(words)), list(_MONTH_CUED_WORDS.intersection(words))


def scan_clinical(text: str, words: set[str] | None = None, runs: list[tuple[int, int]] | None = None) -> Iterator[Hit]:
    """Candidates from the recall-first detectors (spans only).

    Digit-led patterns are tried only at the digit runs whose shape fits them, word-led ones only
    when their trigger word is in the text (`words`: the set of lower-case ASCII words, if the
    caller has it), so a 2 KB note costs a few hundred cheap checks, not a pass per pattern.
    `runs`: the spans of the digit runs in `text`, if the caller has them (the engine finds them once for
    every digit-led detector).
    """
    n = len(text)
    if words is None:
        words = set(_LOW_WORD.findall(text.lower()))
    if any(c in text for c in "0123456789"):
        yield from _digit_led(text, n, runs if runs is not None else [r.span() for r in _RUN.finditer(text)])
        if not _PAGER_WORDS.isdisjoint(words):
            for m in _PAGER.finditer(text):
                yield ("PHONE", m.start(1), m.end(1), 0.8, "pager")
        if not _POSTAL_WORDS.isdisjoint(words):
            for m in _POSTAL_LABEL.finditer(text):
                yield ("LOCATION", m.start(1), m.end(1), 0.9, "postal-label")
        cues = _PHONE_WORDS.intersection(words)
        if cues:
            low = text.lower()
            if len(low) != n:  # a character that lower-cases to two: keep offsets, search case-sensitively
                low = text
            seen: set[int] = set()
            for cue in cues:  # the regex is tried only where a cue word starts, not at every character
                pos = low.find(cue)
                while pos >= 0:
                    if pos not in seen and (pos == 0 or not low[pos - 1].isalnum()):
                        seen.add(pos)
                        m = _PHONE_CUE.match(text, pos)
                        if m is not None and sum(map(str.isdigit, m.group(1))) >= 6:
                            yield ("PHONE", m.start(1), m.end(1), 0.7, "phone-cue")
                    pos = low.find(cue, pos + 1)
        if not _UNIT_WORDS.isdisjoint(words):
            for m in _UNIT_LINE.finditer(text):
                yield ("LOCATION", m.start(1), m.end(1), 0.7, "unit-line")
        if not _MILITARY_WORDS.isdisjoint(words):
            for m in _MILITARY.finditer(text):
                yield ("LOCATION", m.start(), m.end(), 0.9, "military-address")
        if not _STREET_KEYWORDS.isdisjoint(words) or _street_suffix_word(text, words):
            for m in _STREET_INTL.finditer(text):
                yield ("LOCATION", m.start(), m.end(), 0.7, "street-address")
    if not _MONTH_ALONE_WORDS.isdisjoint(words):
        for m in _MONTH_ALONE.finditer(text):
            yield ("DATE", m.start(), m.end(), 0.6, "month")
    for w in _MONTH_CUED_WORDS.intersection(words):
        cw = w.capitalize()
        pos = text.find(cw)
        while pos >= 0:
            end = pos + len(cw)
            if (end == len(text) or not text[end].isalnum()) and (pos == 0 or not text[pos - 1].isalnum()) and \
                    _MONTH_CUE_BEFORE.search(text, max(0, pos - 24), pos):
                if end < len(text) and text[end] == "." and len(cw) == 3:  # "Mar.", not the full stop
                    end += 1
                yield ("DATE", pos, end, 0.6, "month")
            pos = text.find(cw, end)
    if not _HOLIDAY_WORDS.isdisjoint(words):
        for m in _HOLIDAY.finditer(text):
            yield ("DATE", m.start(), m.end(), 0.6, "holiday")
    pos = text.find("@")
    while pos >= 0:
        m = _HANDLE.match(text, pos)
        if m is not None:
            yield ("OTHER_ID", m.start(), m.end(), 0.8, "handle")
        pos = text.find("@", pos + 1)
    if ":" in text or "/" in text:
        for m in _signoffs(text):
            parts = re.split(r"[:/][ \t]?", m.group(1))[1:]
            if any(w in _SIGNOFF_WORDS or _MEDICAL_ENDING.search(w) for w in parts):
                continue
            yield ("NAME", m.start(1), m.end(1), 0.75, "signoff")
    if not _CREDENTIAL_WORDS.isdisjoint(words):
        for m in _CREDENTIAL.finditer(text):
            k = m.start()
            nm = _NAME_BEFORE.search(text, max(0, k - 80), k)
            if nm is not None and nm.end() == k:
                yield ("NAME", nm.start(), nm.end(), 0.8, "name-credential")


_DOTTED = re.compile(r"[\d.]{1,9}")
_MONTH_INITIALS = frozenset("JFMASONDjfmasond")


def _street_suffix_word(text: str, words: set[str]) -> bool:
    """Does a word end in a street suffix that is written in `text` as it is listed ("Hauptstrasse")?
    The words are tried against every suffix first, in one C-level pass: a note with no word ending
    in one (nearly every note) skips the 29 substring searches of `text` (30 us on a 2 KB note)."""
    if not any(map(str.endswith, words, repeat(_STREET_SUFFIXES))):
        return False
    suffixes = tuple(suf for suf in _STREET_SUFFIXES if suf in text)  # substring tests run in C
    return bool(suffixes) and any(w.endswith(suffixes) for w in words)


def _digit_led(text: str, n: int, runs: list[tuple[int, int]]) -> Iterator[Hit]:
    """Every digit-led pattern, tried at the start of each digit run (`runs`) that its shape allows."""
    wc = _WORD_CHARS
    done = -1  # end of the last spaced-digits match: runs inside it are not tried again
    for s, e in runs:
        if s < done:
            continue
        ln = e - s
        nxt = text[e] if e < n else " "
        prev = text[s - 1] if s else " "
        if ln == 2 and s >= 2 and prev.isupper() and text[s - 2].isupper() and (s == 2 or not text[s - 3].isalnum()):
            m = _IBAN.match(text, s - 2)
            if m is not None and sum(map(str.isdigit, m.group())) >= 8:
                yield ("ACCOUNT_NUMBER", m.start(), m.end(), 0.9, "iban")
                done = m.end()
                continue
        if ln <= 4 and nxt in " \n\t,;)" and prev not in "+(":
            # the common case (a dose, a count, a year): only "1 2 3 ..." spaced digits start here
            if ln == 1 and nxt == " " and e + 1 < n and text[e + 1].isdigit():
                m = _SPACED.match(text, s)
                if m is not None:
                    yield ("OTHER_ID", m.start(), m.end(), 0.55, "spaced-digits")
                    done = m.end()
                    continue
            if ln <= 2 and nxt == " " and e + 1 < n and text[e + 1] in _MONTH_START:
                m = _DMY_WORD.match(text, s)
                if m is not None:
                    yield ("DATE", m.start(), m.end(), 0.92, "date-word")
            if (ln == 3 or ln == 4) and _intl_may_follow(text, e, n):
                yield from _phone_at(text, s, prev)
            if ln >= 2 and nxt == " " and e + 1 < n and text[e + 1].isupper() and prev not in wc:
                m = _NUM_NAME_NUM.match(text, s)
                if m is not None and not _UNIT_AFTER.match(text, m.end()) and not any(
                        w.lower() in _NOT_STREET or w.lower() in CLINICAL_ABBREVIATIONS for w in m.group(1).split()):
                    yield ("LOCATION", m.start(), m.end(), 0.6, "street-address")
            continue
        nxt2 = text[e + 1] if e + 1 < n else ""
        if ln <= 2 and prev.isupper():
            for k in (s - 2, s - 1):
                m = _POSTAL_CA_UK.match(text, k) if k >= 0 else None
                if m is not None:
                    yield ("LOCATION", m.start(), m.end(), 0.8, "postal-code")
                    break
        if (ln == 2 or ln == 4) and (prev.isalpha() or prev in "-/.'") and nxt not in wc:
            m = _MY_BEFORE.search(text, max(0, s - 11), s)
            if m is not None and _MY_WORD.match(text, m.start()):
                yield ("DATE", m.start(), e, 0.88, "date-word")
        if ln <= 4 and nxt == "." and nxt2.isdigit():
            tok = _DOTTED.match(text, s).group()  # type: ignore[union-attr]
            if tok.count(".") < 2 and len(tok) < 8:
                continue  # a decimal: 3.2, 98.6, F32.1
        elif ln <= 4 and nxt.isalpha() and nxt not in _MONTH_INITIALS:
            continue  # 3x, 45yo, 5mg
        elif ln <= 3 and nxt in "%'\"":
            continue
        if ln >= 6:
            if not _UNIT_AFTER.match(text, e):
                yield ("OTHER_ID", s, e, 0.5, "digit-run")
            if ln == 8 and _COMPACT.match(text, s):
                yield ("DATE", s, e, 0.85, "date-compact")
        elif ln == 5 and prev not in wc and prev not in ".,-/$#" and nxt not in wc and not (
            nxt in ".,-/" and nxt2.isdigit()
        ) and not _UNIT_AFTER.match(text, e) and not _CODE_BEFORE.search(text, max(0, s - 16), s):
            yield ("LOCATION", s, e, 0.4, "five-digits")
            if prev in " \t,\n":
                m = _CITY_ZIP.search(text, max(0, s - 80), min(n, e + 5))
                if m is not None and m.end() >= e:
                    yield ("LOCATION", m.start(), m.end(), 0.85, "city-state-zip")
        if nxt in "-/." and nxt2.isalnum():
            k = s
            while k > 0 and s - k < 4 and text[k - 1].isascii() and text[k - 1].isalpha():
                k -= 1
            m = _GROUPED.match(text, k)
            if m is not None and sum(map(str.isdigit, m.group())) >= 7 and not _UNIT_AFTER.match(text, m.end()):
                yield ("OTHER_ID", m.start(), m.end(), 0.45, "grouped-id")
            if (ln == 4 and nxt == "-") or (ln <= 2 and nxt == "/"):
                m = _DATE_TIME.match(text, s)
                if m is not None:
                    yield ("DATE", m.start(), m.end(), 0.96, "date-time")
            if ln <= 2 and nxt == "/":
                m = _MONTH_YEAR.match(text, s)
                if m is not None and not _glued_to_marker(text, s, m.end()):
                    denom = m.group().split("/", 1)[1]
                    if denom not in _SCORE_DENOM or date_cue_before(text, s):
                        yield ("DATE", m.start(), m.end(), 0.7, "date-month-year")
        if ln == 1 and nxt in " .-" and nxt2.isdigit():
            m = _SPACED.match(text, s)
            if m is not None:
                yield ("OTHER_ID", m.start(), m.end(), 0.55, "spaced-digits")
                done = m.end()
                continue
        if ln <= 2 and (nxt in _MONTH_START or nxt in "-/. " and e + 1 < n and text[e + 1] in _MONTH_START):
            m = _DMY_WORD.match(text, s)
            if m is not None:
                yield ("DATE", m.start(), m.end(), 0.92, "date-word")
        if prev == "+" or (nxt in " .-(" or prev == "(") and _intl_may_follow(text, e, n):
            yield from _phone_at(text, s, prev)


# The characters `_DMY_WORD`'s month can start with under IGNORECASE (the long s folds to "s"): after a
# day of 1-2 digits and at most one separator, any other character means no match, so it is not tried.
_MONTH_START = frozenset("JFMASONDjfmasond\u017f")
_PHONE_SEP = frozenset(" \t.-")


def _intl_may_follow(text: str, e: int, n: int) -> bool:
    """Can `_PHONE_INTL` match from the digit run that ends at `e`? Its digits must all be taken (a
    digit cannot follow them), so the run is followed by "(", or by a separator and then "(" or a
    digit (a tab only before "("). Checked before the regex: most runs (doses, years, counts) fail it."""
    if e >= n:
        return False
    c = text[e]
    if c == "(":
        return True
    if c not in _PHONE_SEP or e + 1 >= n:
        return False
    d = text[e + 1]
    return d == "(" or (c != "\t" and d.isdigit())


def _phone_at(text: str, s: int, prev: str) -> Iterator[Hit]:
    for rx, at in ((_PHONE_PLUS, s - 1), (_PHONE_INTL, s - 2 if text[max(0, s - 2):s] == "00" else s)):
        if at < 0 or (rx is _PHONE_PLUS and prev != "+"):
            continue
        m = rx.match(text, at)
        if m is not None:
            nd = sum(map(str.isdigit, m.group()))
            if 8 <= nd <= 15 and not _UNIT_AFTER.match(text, m.end()):
                yield ("PHONE", m.start(), m.end(), 0.55, "phone-intl")
                return


_LAST_3_DIGITS = re.compile(r"\d{3}")  # searched in the reversed text: the last three digits in a row


def address_tails(text: str, hits: list[Hit]) -> list[Hit]:
    """The unit, city, state, country and ZIP lines after each street hit, as one LOCATION hit of
    their own at low confidence: a sharper place hit inside it (a gazetteer city) wins the overlap
    without taking the street down with it."""
    out = []
    # Every tail ends in a 3-5 digit ZIP: after the last three digits in a row in the text, no street
    # has one (1 MiB of "12 Main St, " tried and failed the tail 87,000 times, 80 ms).
    last = _LAST_3_DIGITS.search(text[::-1])
    last3 = len(text) - last.end() if last is not None else -1
    for h in hits:
        if h[4] == "street-address" and h[2] <= last3:
            m = _ADDRESS_TAIL.match(text, h[2])
            if m is None and text[h[1]:h[2]].islower():
                m = _ADDRESS_TAIL_LOWER.match(text, h[2])
            if m is not None:
                s = h[2]
                while s < m.end() and not text[s].isalnum():
                    s += 1
                out.append(("LOCATION", s, m.end(), 0.6, "address-tail"))
    return out
