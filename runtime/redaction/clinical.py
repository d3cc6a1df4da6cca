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
from typing import Iterator

from .patterns import _STATE_ABBR, DATE_CONTEXT, MONTHS, Hit

I = re.IGNORECASE

# Digit runs of 6+ (an identifier in a note, whatever its label: MRNs, accession numbers, phone
# numbers run together, `chartMRN03391842`); a unit after it means a quantity ("250000 units").
_LONG_RUN = re.compile(r"\d{6,}")
_UNIT_AFTER = re.compile(
    r"[ \t]?(?:mg|mcg|ug|ml|mL|g|kg|units?|iu|IU|mmol|meq|mEq|cells|copies|/u?l|/mm3|/hpf|cfu|%|x|k)\b", I
)
# Tokens of digit groups joined by - / . (`731-22-41-9`, `QK114/20391`, `123.45.6789`) with 7+ digits.
_GROUPED = re.compile(r"(?<![\w.\-/])[A-Za-z]{0,4}\d{1,12}(?:[-/.][A-Za-z]{0,4}\d{1,12}[A-Za-z]{0,2}){1,6}(?![\w/]|[-.]\w)")
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
_DATE_CUE_BEFORE = re.compile(rf"\b{DATE_CONTEXT}\s*[:\-]?\s*\Z", I)
# A month named alone: full capitalised names anywhere except the ones that are also words or names
# (May, March, August), which need a time cue in front ("since May", "in early March").
_MONTH_ALONE = re.compile(
    r"\b(?:January|February|April|June|July|September|October|November|December|Sept|Janurary)\b"
)
_MONTH_CUED = re.compile(
    r"\b(?:since|in|during|until|till|by|from|of|last|next|this|early|late|mid|through|before|after|around)"
    r"[ \t]+(?:early[ \t]+|late[ \t]+|mid-?)?(May|March|August|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b\.?"
)
# Holidays a date can be told by.
_HOLIDAY = re.compile(r"\b(?:Christmas(?: Eve| Day)?|Thanksgiving|Easter|Halloween|New Year's(?: Eve| Day)?|Fourth of July|Memorial Day|Labor Day|Independence Day)\b")
# Pager, beeper, extension: short numbers that reach one person.
_PAGER = re.compile(r"\b(?:pager|beeper|pgr|page|bleep|ext|extension|x)\.?[ \t]*(?:#|no\.?|number|:)?[ \t]*:?[ \t]*(\d{3,6})(?!\d)", I)
# Transcriptionist and author sign-offs: RKT:morrow, LMP/baker/hale, dictated/transcribed initials.
_SIGNOFF = re.compile(r"(?<![\w/])([A-Z]{2,4}(?:[:/][ \t]?[a-z][a-z'\-]{1,20}){1,3})(?![\w/])")
_SIGNOFF_WORDS = frozenset(
    "po iv im sq sc pr prn od os ou ad as au np pa md rn bid tid qid qd hs ac pc mg ml kg hr min sec neg "
    "pos yes no na nd wnl and or with without left right bilat bilateral pending done ok none normal".split()
)
_INITIALS_LINE = re.compile(r"(?m)^[ \t]*(?:dd|dt|d|t|tr|cc|jj)[ \t]*:[ \t]*(.{1,40}?)[ \t]*$", I)
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
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# After a street: ", City, ST 12345" / "\nCity\n, ST\n Country 12345" / "City ST 12345-1234".
_TERRITORIES = "AS|FM|GU|MH|MP|PW|VI|AA|AE|AP"
_ADDRESS_TAIL = re.compile(
    rf"(?:[ \t]*[,\n][ \t\n]*|[ \t]+)"
    rf"(?:(?:Apt|Apartment|Suite|Ste|Unit|Rm|Room|Bldg|Floor|Fl)\.?[ \t]*#?[ \t]*[A-Za-z0-9-]{{1,6}}(?:[ \t]*[,\n][ \t\n]*|[ \t]+))?"
    rf"(?:[A-Z][\w'\-.]*(?:[ \t]+[A-Z][\w'\-.]*){{0,3}}[ \t]*[,\n]?[ \t\n]*,?[ \t]*)?"
    rf"(?:(?:{_STATE_ABBR}|{_TERRITORIES})\.?(?:[ \t]*[,\n][ \t\n]*|[ \t]+))?"
    rf"(?:[A-Z][\w'\-.]*(?:[ \t]+[A-Z][\w'\-.]*){{0,2}}[ \t]+)?"
    r"\d{3,5}(?:-\d{3,4})?(?![\w-])"
)
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
    r"\b(?:zip|zip code|zipcode|postal code|postcode|post code|postleitzahl|cap|plz)\b[ \t]*(?:is|:|#)?[ \t]*:?[ \t]*"
    r"((?=[A-Z0-9 \-]{0,10}\d)[A-Z0-9]{2,6}(?:[ \-][A-Z0-9]{2,4})?)(?![\w\-*])", I
)
_POSTAL_CA_UK = re.compile(r"(?<![\w])(?:[A-CEGHJ-NPR-TVXY]\d[A-CEGHJ-NPR-TV-Z][ ]?\d[A-CEGHJ-NPR-TV-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ ]\d[ABD-HJLNP-UW-Z]{2})(?![\w])")
# Military and diplomatic mail: Unit 4719 Box 7394 DPO AP 70942; USNS Saibara FPO AP 12428; PSC 1234, Box 5678.
_MILITARY = re.compile(
    r"(?<![\w])(?:(?:Unit|PSC|CMR)[ \t]+\d{1,5},?[ \t]+Box[ \t]+\d{1,5}|(?:USNS|USNV|USS|USCGC)[ \t]+[A-Z][\w'\-]*(?:[ \t]+[A-Z][\w'\-]*)?)"
    r"(?:[ \t]*[,\n][ \t\n]*|[ \t]+)(?:APO|FPO|DPO)[ \t]+(?:AA|AE|AP)[ \t]+\d{5}(?:-\d{4})?(?!\d)"
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
# A bare five-digit number: in a note, most likely a ZIP code (or a pager, an account); a unit after
# it or a decimal point makes it a quantity.
_FIVE = re.compile(r"(?<![\w.,\-/$#])\d{5}(?![\w]|[.,]\d|[\-/]\d)")


def scan_clinical(text: str) -> Iterator[Hit]:
    """Candidates from the recall-first detectors (spans only)."""
    has_digit = any(c in text for c in "0123456789")
    if has_digit:
        for m in _LONG_RUN.finditer(text):
            if _UNIT_AFTER.match(text, m.end()):
                continue
            yield ("OTHER_ID", m.start(), m.end(), 0.5, "digit-run")
        for m in _GROUPED.finditer(text):
            v = m.group()
            if sum(c.isdigit() for c in v) >= 7 and not _UNIT_AFTER.match(text, m.end()):
                yield ("OTHER_ID", m.start(), m.end(), 0.45, "grouped-id")
        for m in _SPACED.finditer(text):
            yield ("OTHER_ID", m.start(), m.end(), 0.55, "spaced-digits")
        for m in _DMY_WORD.finditer(text):
            yield ("DATE", m.start(), m.end(), 0.92, "date-word")
        for m in _MY_WORD.finditer(text):
            yield ("DATE", m.start(), m.end(), 0.88, "date-word")
        for m in _COMPACT.finditer(text):
            yield ("DATE", m.start(), m.end(), 0.85, "date-compact")
        for m in _MONTH_YEAR.finditer(text):
            denom = m.group().split("/", 1)[1]
            if denom in _SCORE_DENOM and not _DATE_CUE_BEFORE.search(text, max(0, m.start() - 48), m.start()):
                continue
            yield ("DATE", m.start(), m.end(), 0.7, "date-month-year")
        for m in _PAGER.finditer(text):
            yield ("PHONE", m.start(1), m.end(1), 0.8, "pager")
        for m in _IBAN.finditer(text):
            if sum(c.isdigit() for c in m.group()) >= 8:
                yield ("ACCOUNT_NUMBER", m.start(), m.end(), 0.9, "iban")
        for m in _CITY_ZIP.finditer(text):
            yield ("LOCATION", m.start(), m.end(), 0.85, "city-state-zip")
        for m in _DATE_TIME.finditer(text):
            yield ("DATE", m.start(), m.end(), 0.96, "date-time")
        for rx in (_PHONE_INTL, _PHONE_PLUS):
            for m in rx.finditer(text):
                nd = sum(c.isdigit() for c in m.group())
                if 8 <= nd <= 15 and not _UNIT_AFTER.match(text, m.end()):
                    yield ("PHONE", m.start(), m.end(), 0.55, "phone-intl")
        for m in _POSTAL_LABEL.finditer(text):
            yield ("LOCATION", m.start(1), m.end(1), 0.9, "postal-label")
        for m in _POSTAL_CA_UK.finditer(text):
            yield ("LOCATION", m.start(), m.end(), 0.8, "postal-code")
        for m in _MILITARY.finditer(text):
            yield ("LOCATION", m.start(), m.end(), 0.9, "military-address")
        for m in _STREET_INTL.finditer(text):
            yield ("LOCATION", m.start(), m.end(), 0.7, "street-address")
        for m in _FIVE.finditer(text):
            if not _UNIT_AFTER.match(text, m.end()):
                yield ("LOCATION", m.start(), m.end(), 0.4, "five-digits")
    for m in _MONTH_ALONE.finditer(text):
        yield ("DATE", m.start(), m.end(), 0.6, "month")
    for m in _MONTH_CUED.finditer(text):
        yield ("DATE", m.start(1), m.end(), 0.6, "month")
    for m in _HOLIDAY.finditer(text):
        yield ("DATE", m.start(), m.end(), 0.6, "holiday")
    if "@" in text:
        for m in _HANDLE.finditer(text):
            yield ("OTHER_ID", m.start(), m.end(), 0.8, "handle")
    if ":" in text or "/" in text:
        for m in _SIGNOFF.finditer(text):
            words = re.split(r"[:/][ \t]?", m.group(1))[1:]
            if any(w in _SIGNOFF_WORDS for w in words):
                continue
            yield ("NAME", m.start(1), m.end(1), 0.75, "signoff")
    for m in _CREDENTIAL.finditer(text):
        k = m.start()
        nm = _NAME_BEFORE.search(text, max(0, k - 80), k)
        if nm is not None and nm.end() == k:
            yield ("NAME", nm.start(), nm.end(), 0.8, "name-credential")


def address_tails(text: str, hits: list[Hit]) -> list[Hit]:
    """The unit, city, state, country and ZIP lines after each street hit, as one LOCATION hit of
    their own at low confidence: a sharper place hit inside it (a gazetteer city) wins the overlap
    without taking the street down with it."""
    out = []
    for h in hits:
        if h[4] == "street-address":
            m = _ADDRESS_TAIL.match(text, h[2])
            if m is not None:
                s = h[2]
                while s < m.end() and not text[s].isalnum():
                    s += 1
                out.append(("LOCATION", s, m.end(), 0.6, "address-tail"))
    return out
