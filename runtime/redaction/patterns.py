"""Built-in detectors for the structured identifiers (everything but names and places).

Every pattern here is written to run in linear time on Python's `re`: no nested quantifiers over
overlapping classes, and a look-behind boundary before each leading `+` so a long run of word
characters is not rescanned from every offset. Pack-supplied patterns never come here; they run
on RE2 (see `custom.py`). Raw categories are pii-style (`NPI`, `DEA`, `CREDIT_CARD`, `CVV`); the
engine maps them onto each policy's canonical categories.
"""

from __future__ import annotations

import re
from itertools import accumulate, compress, islice
from typing import Callable, Iterable, Iterator

from .checksums import card_ok, dea_ok, npi_ok, ssn_ok, vin_ok

Hit = tuple[str, int, int, float, str]  # category, start, end, confidence, detector

I = re.IGNORECASE

MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Capitalised month names only in prose forms, so "may" the verb and "march" the verb stay text.
MONTHS_CAP = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
)
ORDINAL_WORDS = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"twenty[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth|thirty[- ]first)"
)
DAY = r"(?:0?[1-9]|[12]\d|3[01])"
DAY_TH = rf"(?:{DAY}(?:st|nd|rd|th)?|{ORDINAL_WORDS})"
YEAR4 = r"(?:1[89]\d\d|20\d\d)"
MON_NUM = r"(?:0?[1-9]|1[0-2])"
DATE_CONTEXT = r"(?:dob|d\.o\.b\.?|date of birth|birth ?date|born(?: on)?|admitted(?: on)?|admission(?: date)?|discharged(?: on)?|discharge(?: date)?|seen on|visit(?: date)?|dated|died(?: on)?|date of death|dod|doa|on|since|from|until|through|by)"

_DATE_RES: list[tuple[re.Pattern[str], float]] = [
    # 03/04/1951, 3-4-51, 2021-07-03, 03.04.1951
    (re.compile(rf"(?=\d)(?<![\d/.-]){MON_NUM}([/.-]){DAY}\1(?:{YEAR4}|\d\d)(?![\d/]|\.\d)"), 0.95),
    (re.compile(rf"(?<![\d/.-]){DAY}([/.-]){MON_NUM}\1{YEAR4}(?![\d/]|\.\d)"), 0.9),
    (re.compile(rf"(?<![\d/.-]){YEAR4}([/.-])(?:0?[1-9]|1[0-2])\1{DAY}(?![\d/]|\.\d)"), 0.95),
    # July 3, July 3rd, 2021, Jul. 3 2021
    (re.compile(rf"\b{MONTHS_CAP}\.?\s+{DAY_TH}\b(?:,?\s+{YEAR4}\b)?"), 0.9),
    (re.compile(rf"\b{MONTHS}\.?\s+(?:the\s+)?{DAY_TH}\b(?:,?\s+{YEAR4}\b)?", I), 0.6),
    # 3 July 2021, 3rd of July, the third of July
    (re.compile(rf"\b(?:the\s+)?{DAY_TH}\s+(?:day\s+)?(?:of\s+)?{MONTHS}\b\.?(?:,?\s+{YEAR4}\b)?", I), 0.9),
    # July 2021 (month and year: the month is a date element)
    (re.compile(rf"\b{MONTHS_CAP}\.?,?\s+(?:of\s+)?{YEAR4}\b"), 0.85),
]
# DOB 3/4 or on 3/4 (no year) and DOB 3 4 51 with spaces: only with a date word in front.
_DAY_MONTH = re.compile(rf"\d(?<!\w\d)\d?(?:st|nd|rd|th)?\s+(?:day\s+)?(?:of\s+)?{MONTHS}\b\.?(?:,?\s+{YEAR4}\b)?", I)
_DATE_CTX = re.compile(rf"\b{DATE_CONTEXT}\s*+[:\-]?\s*+({MON_NUM}/{DAY})(?![\d/])", I)
_DATE_WORDY_CTX = re.compile(
    rf"\b(?:dob|date of birth|born|birthday)\s*+(?:is|was|on|:)?\s*+({MON_NUM}[\s/.-]{DAY}[\s/.-](?:{YEAR4}|\d\d))(?!\d)", I
)

_AGE_RES: list[re.Pattern[str]] = [
    re.compile(r"(?=[19])(?<![\d.])(9\d|1[0-2]\d)(?!\+)\s*+(?:-|\s)?\s*+(?:years?|yrs?|yo|y/o|y\.o\.?)(?:[- ]old)?(?![\w+])", I),
    re.compile(r"\b(?:age[ds]?|aged|age:)\s*+:?\s*+(9\d|1[0-2]\d)(?![\d+.])", I),
    re.compile(r"\b(ninety[- ](?:one|two|three|four|five|six|seven|eight|nine)|ninety|one hundred(?: and \w+)?)[- ]years?[- ]old\b", I),
    re.compile(r"(?=[19])(?<![\d.])(9\d|1[0-2]\d)(?![\d+])\s*(?:M|F|yo[mf]|y/o [mf])\b"),
]

_SSN_FMT = re.compile(r"(\d(?<![\d-]\d)\d\d)([- .])(\d{2})\2(\d{4})(?![\d-])")
_SSN_CTX = re.compile(
    r"\b(?:ssn|social security(?: number| no\.?| #)?|social|ss#|soc\.? sec\.?(?: no\.?| #)?)\s*+(?:is|was|of|:|#)?\s*+:?\s*+"
    r"(\d{3}[- .]?\d{2}[- .]?\d{4}|\d{3}[- .]\d{3}[- .]\d{3})(?![\d-])", I
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)(?:\s*(?:x|ext\.?)\s*\d{1,5})?"
)
_PHONE_CTX = re.compile(
    r"\b(phone|tel|telephone|cell|mobile|call(?:ed)?|pager|reach(?:ed)? at|contact|fax|fax(?:ed)? to|number|text)"
    r"\s*+(?:is|at|no\.?|number|#|:)?\s*+:?\s*+(\+?1?\d{10}|\d{3}-\d{4}|\d{3}\.\d{4})(?!\d)", I
)
_FAX_CUE = re.compile(r"fax", I)
_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b")
_URL = re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"')\]]+", I)
_BARE_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|io|us|info|health|care|me|co)\b(?:/[^\s<>\"')\]]*)?", I
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?=\d)(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\d|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}(?::[0-9a-f]{1,4}){1,6}|"
    r"(?:[0-9a-f]{1,4}:){1,7}:|::(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})(?![\w:])", I
)
_CARD = re.compile(r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])")
_CVV = re.compile(r"\b(?:cvv2?|cvc2?|cid|security code|card code)\s*+(?:is|:|#)?\s*+:?\s*+(\d{3,4})(?!\d)", I)
_NPI = re.compile(r"([12](?<![\w-][12])\d{9})(?![\w-])")
_DEA = re.compile(r"(?<![\w-])([ABCDEFGHJKLMPRSTUX][A-Z9]\d{7})(?![\w-])")
_VIN = re.compile(r"(?<![\w-])([A-HJ-NPR-Z0-9]{17})(?![\w-])")
_MBI = re.compile(
    r"(?<![\w-])([1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y]{2}\d\d)(?![\w-])"
)

# Identifiers known by the word in front of them: one pass, the label says the category.
_LABELS: dict[str, str] = {}
for _cat, _words in {
    "MRN": "mrn|mr|mr#|mr #|medical record|medical record number|med rec|medrec|chart|chart number|hospital number|"
    "patient id|pt id|patient number|unit number|ehr id|emr id|record number",
    "HEALTH_PLAN_ID": "member id|member|member number|insurance id|insurance|insurance number|policy|policy number|"
    "subscriber id|subscriber|medicaid|medicaid id|medicaid number|medicare|medicare id|medicare number|mbi|"
    "health plan id|health plan|plan id|beneficiary id|beneficiary|group number|group id|hicn|insurance member id",
    "ACCOUNT_NUMBER": "account|acct|account number|billing account|bank account|routing number|invoice|"
    "billing number|guarantor account|patient account",
    "LICENSE_NUMBER": "license|licence|driver's license|drivers license|driver license|dl|license number|"
    "certificate|certificate number|cert|certification|medical license|nursing license|state license|"
    "birth certificate|death certificate|passport|passport number",
    "VEHICLE_ID": "vin|license plate|licence plate|plate|plate number|tag number|vehicle id|registration",
    "DEVICE_ID": "serial|serial number|s/n|sn|device id|device serial|udi|imei|implant id|device number|"
    "pacemaker serial|pump serial|model number|lot number|lot",
    "OTHER_ID": "id|identifier|case|case number|claim|claim number|reference|reference number|ref|badge|"
    "employee id|employee number|study id|subject id|accession|accession number|specimen id|tracking number|"
    "voucher|ticket|confirmation number|order number|requisition",
    "BIOMETRIC_ID": "fingerprint|fingerprint id|biometric id|biometric|voiceprint|voice print|retinal scan|"
    "iris scan|palm print|face scan|facial scan|dna profile|biometric template",
    "PHOTO": "photo|photo id|photograph|image|picture|headshot|image file|wound photo|full-face photo|"
    "full face photo|facial photograph",
    "NPI": "npi|npi number|national provider identifier",
    "DEA": "dea|dea number|dea registration|dea #",
}.items():
    for _w in _words.split("|"):
        _LABELS[_w] = _cat
_LABEL_ALT = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_LABELS, key=len, reverse=True))
_LABELLED = re.compile(
    rf"(?<![\w-])({_LABEL_ALT})(?![\w])\s*+(?:(?:number|no|num|id)\b\.?\s*+|#\s*+)?(?:(?:is|was|of)\b|on file)?\s*+[:#=]?\s*+"
    r"((?=[A-Za-z0-9_-]{0,40}\d)[A-Za-z0-9][A-Za-z0-9_.-]{2,40})",
    I,
)
_GENERIC = {"id", "case", "claim", "reference", "ref", "policy", "group", "member", "insurance", "account",
            "plan", "lot", "image", "picture", "photo", "chart", "registration", "license", "licence",
            "certificate", "cert", "order number", "serial", "sn", "dl", "plate", "biometric", "ticket"}
_DOSE = re.compile(r"^\d+(?:\.\d+)?(?:mg|mcg|ml|g|kg|units?|mmhg|%|x|am|pm|h|hr|hrs|min|s|cm|mm|lb|lbs|yo|y)$", I)
_BIOMETRIC_PHRASE = re.compile(
    r"\b(?:finger ?prints?|voice ?prints?|retinal scans?|iris scans?|palm ?prints?|facial geometry|face ?prints?|"
    r"dna profiles?|biometric (?:templates?|identifiers?|data))\b(?:\s+(?:on file|record|template|enrolled|scan))?",
    I,
)
_PHOTO_PHRASE = re.compile(
    r"\b(?:full[- ]face (?:photo(?:graph)?s?|images?|pictures?)|(?:facial|face) photo(?:graph)?s?|"
    r"photo(?:graph)?s? of (?:the |his |her |their )?(?:patient'?s? )?face|headshots?|selfies?)\b",
    I,
)
_IMAGE_FILE = re.compile(r"(?<![\w.-])[\w-]{1,80}\.(?:jpe?g|png|heic|gif|bmp|tiff?|dcm|webp)\b", I)

# Places with structure: street addresses, PO boxes, ZIP codes after a state or a "zip" label.
# USPS Publication 28, appendix C1: every primary street suffix and its standard abbreviation.
_SUFFIX_WORDS = (
    "Alley Aly Allee Anex Annex Anx Arcade Arc Avenue Ave Av Bayou Byu Beach Bch Bend Bnd Bluff Blf Bluffs Blfs "
    "Bottom Btm Boulevard Blvd Branch Br Bridge Brg Brook Brk Brooks Brks Burg Bg Burgs Bgs Bypass Byp Camp Cp "
    "Canyon Cyn Cape Cpe Causeway Cswy Center Ctr Centre Centers Ctrs Circle Cir Circles Cirs Cliff Clf Cliffs "
    "Clfs Club Clb Common Cmn Commons Cmns Corner Cor Corners Cors Course Crse Court Ct Courts Cts Cove Cv Coves "
    "Cvs Creek Crk Crescent Cres Crest Crst Crossing Xing Crossroad Xrd Crossroads Xrds Curve Curv Dale Dl Dam Dm "
    "Divide Dv Drive Dr Drives Drs Estate Est Estates Ests Expressway Expy Extension Ext Extensions Exts Fall "
    "Falls Fls Ferry Fry Field Fld Fields Flds Flat Flt Flats Flts Ford Frd Fords Frds Forest Frst Forge Frg "
    "Forges Frgs Fork Frk Forks Frks Fort Ft Freeway Fwy Garden Gdn Gardens Gdns Gateway Gtwy Glen Gln Glens "
    "Glns Green Grn Greens Grns Grove Grv Groves Grvs Harbor Hbr Harbour Harbors Hbrs Haven Hvn Heights Hts "
    "Highway Hwy Hill Hl Hills Hls Hollow Holw Inlet Inlt Island Is Islands Iss Isle Junction Jct Junctions "
    "Jcts Key Ky Keys Kys Knoll Knl Knolls Knls Lake Lk Lakes Lks Land Landing Lndg Lane Ln Light Lgt Lights "
    "Lgts Loaf Lf Lock Lck Locks Lcks Lodge Ldg Loop Mall Manor Mnr Manors Mnrs Meadow Mdw Meadows Mdws Mews "
    "Mill Ml Mills Mls Mission Msn Motorway Mtwy Mount Mt Mountain Mtn Mountains Mtns Neck Nck Orchard Orch "
    "Oval Overpass Opas Park Parks Parkway Pkwy Parkways Pass Passage Psge Path Pike Pine Pne Pines Pnes Place "
    "Pl Plain Pln Plains Plns Plaza Plz Point Pt Points Pts Port Prt Ports Prts Prairie Pr Radial Radl Ramp "
    "Ranch Rnch Rapid Rpd Rapids Rpds Rest Rst Ridge Rdg Ridges Rdgs River Riv Road Rd Roads Rds Route Rte Row "
    "Rue Run Shoal Shl Shoals Shls Shore Shr Shores Shrs Skyway Skwy Spring Spg Springs Spgs Spur Spurs Square "
    "Sq Squares Sqs Station Sta Stravenue Stra Stream Strm Street St Streets Sts Summit Smt Terrace Ter "
    "Throughway Trwy Trace Trce Track Trak Trafficway Trfy Trail Trl Trailer Trlr Tunnel Tunl Turnpike Tpke "
    "Underpass Upas Union Un Unions Uns Valley Vly Valleys Vlys Viaduct Via Vis View Vw Views Vws Village Vlg "
    "Villages Vlgs Ville Vl Vista Vst Walk Walks Wall Way Ways Well Wl Wells Wls Close Crossway Esplanade "
    "Promenade Quay Wharf"
).split()


def _trie(words: Iterable[str]) -> str:
    """An alternation of `words` (letters only) factored on common prefixes: `re` tries a flat alternation's
    branches one after another (330 suffixes at every place a street word may end), a factored one only
    the branch its next letter opens. Longer words come first at each level, as in the flat one; with a
    `\\b` right after it the two match the same (only the whole word can end at a boundary)."""
    heads: dict[str, list[str]] = {}
    for w in words:
        heads.setdefault(w[0], []).append(w[1:])
    alts = []
    for head, tails in heads.items():
        rest = [t for t in tails if t]
        if not rest:
            alts.append(head)
            continue
        inner = _trie(rest)
        alts.append(f"{head}{inner}?" if "" in tails else f"{head}{inner}")
    return "(?:" + "|".join(alts) + ")"


_SUFFIX = _trie(sorted(set(_SUFFIX_WORDS), key=len, reverse=True))
# A street line: number (or range), optional direction, 1-4 name words, a suffix, optional trailing
# direction and a unit ("Apt 4B", "Suite 229", "# 12", "Bldg C").
_STREET_NUM = r"\d{1,6}[A-Za-z]?(?:-\d{1,6}[A-Za-z]?)?"
_DIRECTION = r"(?:[NSEW]|N[EW]|S[EW]|North|South|East|West|Northeast|Northwest|Southeast|Southwest)"
_STREET_WORD = r"(?:[A-Z][A-Za-z'\u2019.-]*|\d{1,3}(?:st|nd|rd|th)|de|del|la|las|los|of|the|van|von)"
_UNIT = (r"(?:,?\s+(?i:Apt|Apartment|Suite|Ste|Unit|#|Rm|Room|Fl|Floor|Bldg|Building|Lot|Trlr|Spc|Space|Dept)"
         r"\.?\s*#?\s*[A-Za-z0-9-]{1,6}(?![\w-]))?")
_STREET_BODY = (
    rf"(?<![\w-]){_STREET_NUM}\s+(?:{_DIRECTION}\.?\s+)?(?:{_STREET_WORD}\s+){{1,4}}{_SUFFIX}\b\.?"
    rf"(?:\s+{_DIRECTION}\b\.?)?{_UNIT}"
)
_STREET_LOWER_BODY = rf"(?<![\w-])\d{{1,6}}\s+(?:[a-z][a-z'-]*\s+){{1,3}}{_SUFFIX.lower()}\b\.?{_UNIT}"
_STREET = re.compile(rf"(?=\d){_STREET_BODY}")
_STREET_LOWER = re.compile(rf"(?=\d){_STREET_LOWER_BODY}")
# The same in capitals, as exports and envelopes write it: 1199 BRADLEY RUE APT. 284.
_STREET_UPPER_BODY = rf"(?<![\w-])\d{{1,6}}\s+(?:[A-Z][A-Z'-]*\s+){{1,3}}{_SUFFIX.upper()}\b\.?{_UNIT}"
_POBOX = re.compile(r"\b(?:P\.?\s?O\.?\s*Box|Post\s+Office\s+Box|POB)\s*+#?\s*+\d{1,6}\b", I)
# After an address label, a line that starts with a number is an address even when its street
# word is not a USPS suffix ("Address: 12 Calle Sol, ..."): up to the first comma, semicolon or line end.
_ADDRESS_LABEL = re.compile(
    r"(?:(?:home|mailing|street|current|billing|permanent)\s+)?(?:address|addr)\.?(?:\s+is)?\s*+[:#-]?\s*+"
    r"(\d{1,6}[A-Za-z]?\s+[^\n,;]{2,60}?)(?=\s*(?:[,;\n]|\.\s|\.?\Z))",
    I,
)
_STATE_ABBR = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|"
    "OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_ZIP_AFTER_STATE = re.compile(rf"\b(?:{_STATE_ABBR}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)\.?,?\s+(\d{{5}}(?:-\d{{4}})?)(?![\d-])")
_ZIP_LABEL = re.compile(r"\b(?:zip|zip code|zipcode|postal code|zip\+4)\s*+(?:is|of|:|#)?\s*+:?\s*+(\d{5}(?:-\d{4})?)(?![\d-])", I)
# "Macon County", "St. Charles Parish", "Prince George's County", "Miami-Dade County", "Doña Ana County".
_COUNTY = re.compile(
    r"(?:(?:St|Ste|Ft|Mt)\.?\s+)?[A-Z][\w'\u2019.-]*(?:[ -](?:[A-Z][\w'\u2019.-]*|the|of|qui|du|de|la|y)){0,3}"
    r"\s+(?:County|Parish|Borough|Township|Census Area|Municipality)\b"
)


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isdigit())


_WORD = re.compile(r"[A-Za-z]+")
_ANY_DIGIT = re.compile(r"\d")
_TLD = re.compile(r"\.(?:com|org|net|edu|gov|io|us|info|health|care|me|co)\b", I)
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|heic|gif|bmp|tiff?|dcm|webp)\b", I)


def _first_word(phrase: str) -> str:
    return re.match(r"[a-z]+", phrase).group(0)  # type: ignore[union-attr]


# Word-triggered patterns run only where their first word occurs (rx.match at that offset), so the
# cost is a dictionary lookup per word instead of a regex attempt at every character.
_TRIGGERS: dict[str, list[tuple[re.Pattern[str], str, float, str, int]]] = {}


def _on(words: Iterable[str], rx: re.Pattern[str], cat: str, conf: float, det: str, group: int = 0) -> None:
    for w in words:
        _TRIGGERS.setdefault(w, []).append((rx, cat, conf, det, group))


_MONTH_WORDS = ("jan january feb february mar march apr april may jun june jul july aug august sep sept "
                "september oct october nov november dec december").split()
_ORDINALS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
             "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth twenty thirtieth "
             "thirty").split()
_on(_MONTH_WORDS, _DATE_RES[3][0], "DATE", _DATE_RES[3][1], "date")
_on(_MONTH_WORDS, _DATE_RES[4][0], "DATE", _DATE_RES[4][1], "date")
_on(_ORDINALS, _DATE_RES[5][0], "DATE", _DATE_RES[5][1], "date")  # "the third of July": see scan_structured
_on(_MONTH_WORDS, _DATE_RES[6][0], "DATE", _DATE_RES[6][1], "date")
# "on 3/4", "DOB 3/4": anchored on the digits (branch `monthday`), the date word checked behind them.
_on(["dob", "date", "born", "birthday", "birthdate"], _DATE_WORDY_CTX, "DATE", 0.8, "date-context", 1)
_on(["age", "ages", "aged"], _AGE_RES[1], "AGE_OVER_89", 0.9, "age", 1)
_on(["ninety", "one"], _AGE_RES[2], "AGE_OVER_89", 0.9, "age", 1)
_on(["ssn", "social", "ss", "soc"], _SSN_CTX, "SSN", 0.99, "ssn-context", 1)
_on(["phone", "tel", "telephone", "cell", "mobile", "call", "called", "pager", "reach", "reached", "contact",
     "fax", "faxed", "number", "text"], _PHONE_CTX, "PHONE", 0.92, "phone-context", 2)
_on(["cvv", "cvc", "cid", "security", "card"], _CVV, "CVV", 0.95, "cvv-context", 1)
_on(["zip", "zipcode", "postal"], _ZIP_LABEL, "LOCATION", 0.95, "zip", 1)
for _fw in sorted({_first_word(w) for w in _LABELS}):
    # one pattern per first word, holding only the labels that begin with it: a short alternation
    _alt = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_LABELS, key=len, reverse=True)
                    if _first_word(w) == _fw)
    _on([_fw], re.compile(_LABELLED.pattern.replace(_LABEL_ALT, _alt), I), "*", 0.93, "labelled-id", 2)
_on("finger fingerprint fingerprints voice voiceprint voiceprints retinal iris palm palmprint facial face "
    "faceprint dna biometric".split(), _BIOMETRIC_PHRASE, "BIOMETRIC_ID", 0.6, "biometric-phrase")
_on("full facial face photo photograph photographs photos headshot headshots selfie selfies".split(),
    _PHOTO_PHRASE, "PHOTO", 0.6, "photo-phrase")
_on(["p", "po", "post", "pob"], _POBOX, "LOCATION", 0.9, "po-box")
_on(["address", "addr", "home", "mailing", "street", "current", "billing", "permanent"], _ADDRESS_LABEL, "LOCATION", 0.8, "address-label", 1)
_on([w.lower() for w in _STATE_ABBR.split("|")] + "alabama alaska arizona arkansas california colorado "
    "connecticut delaware florida georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine "
    "maryland massachusetts michigan minnesota mississippi missouri montana nebraska nevada new north ohio "
    "oklahoma oregon pennsylvania rhode south tennessee texas utah vermont virginia washington west "
    "wisconsin wyoming".split(), _ZIP_AFTER_STATE, "LOCATION", 0.85, "zip", 1)
_PLATE = re.compile(
    r"(?:(?:license|licence)\s+)?(?:plate|tag|registration)(?:\s+(?:number|no\.?|#))?\s*+[:#]?\s*+"
    r"((?=[A-Z0-9 -]{0,9}\d)[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5})(?![\w-])", I
)
_on(["license", "licence", "plate", "tag", "registration"], _PLATE, "VEHICLE_ID", 0.94, "plate", 1)
_COUNTY_LEAD = frozenset("from in to near at of lives resides moved relocated born raised and or patient pt the".split())
_COUNTY_WORDS = ("County", "Parish", "Borough", "Township", "Census Area", "Municipality")
_ORDINAL_SET = frozenset(_ORDINALS)
_TRIGGER_SET = frozenset(_TRIGGERS)
# Where a trigger word occurs in the lower-cased text: the same boundary as `_WORD` (ASCII letters).
# The literal comes first so `re` searches for it with its fast literal scan.
_WORD_AT = {w: re.compile(rf"{re.escape(w)}(?<![a-z]{re.escape(w)})(?![a-z])") for w in _TRIGGERS}
_LOW_WORD = re.compile(r"[a-z]+")
_ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


# --- the digit family: one combined pass -----------------------------------------------------------
# Every pattern whose match starts at a digit (or "(" / "+" of a phone number, or the capital of a
# DEA / VIN / MBI) is one branch of a single alternation with named groups, so the text is walked
# once and `lastgroup` says which detector matched. Branch order decides between patterns that can
# start at the same character; a checksum that fails retries the other branches at that offset.
_DIGIT_BRANCHES: list[tuple[str, str]] = [
    ("card", r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])"),
    ("ssn", r"(?P<ssn_a>\d(?<![\d-]\d)\d\d)(?P<ssn_sep>[- .])(?P<ssn_g>\d{2})(?P=ssn_sep)(?P<ssn_s>\d{4})(?![\d-])"),
    ("phone", r"(?<![\w+])(?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\d)(?:\s*(?:x|ext\.?)\s*\d{1,5})?"),
    ("ipv4", rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?!\d|\.\d)"),
    ("date0", rf"(?<![\d/.-]){MON_NUM}(?P<d0>[/.-]){DAY}(?P=d0)(?:{YEAR4}|\d\d)(?![\d/]|\.\d)"),
    ("date1", rf"(?<![\d/.-]){DAY}(?P<d1>[/.-]){MON_NUM}(?P=d1){YEAR4}(?![\d/]|\.\d)"),
    ("date2", rf"(?<![\d/.-]){YEAR4}(?P<d2>[/.-])(?:0?[1-9]|1[0-2])(?P=d2){DAY}(?![\d/]|\.\d)"),
    ("npi", r"[12](?<![\w-][12])\d{9}(?![\w-])"),
    ("mbi", r"(?<![\w-])[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y]{2}\d\d(?![\w-])"),
    ("vin", r"(?<![\w-])[A-HJ-NPR-Z0-9]{17}(?![\w-])"),
    ("dea", r"(?<![\w-])[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}(?![\w-])"),
    ("daymonth", rf"\d(?<!\w\d)\d?(?i:(?:st|nd|rd|th)?\s+(?:day\s+)?(?:of\s+)?{MONTHS}\b\.?(?:,?\s+{YEAR4}\b)?)"),
    ("age0", r"(?<![\d.])(?P<agev0>9\d|1[0-2]\d)(?!\+)(?i:\s*+(?:-|\s)?\s*+(?:years?|yrs?|yo|y/o|y\.o\.?)(?:[- ]old)?)(?![\w+])"),
    ("age3", r"(?<![\d.])(?P<agev3>9\d|1[0-2]\d)(?![\d+])\s*(?:M|F|yo[mf]|y/o [mf])\b"),
    ("street", _STREET_BODY),
    ("streetlow", _STREET_LOWER_BODY),
    ("streetup", _STREET_UPPER_BODY),
    ("monthday", rf"(?<![\d/.-])(?P<md>{MON_NUM}/{DAY})(?![\d/])"),
]
_DIGIT_RX = {name: re.compile(body) for name, body in _DIGIT_BRANCHES}
_DIGITS = re.compile("|".join(f"(?P<{name}>{body})" for name, body in _DIGIT_BRANCHES))
_DATE_CTX_BEFORE = re.compile(rf"\b{DATE_CONTEXT}\s*+[:\-]?\s*+\Z", I)
# The last words DATE_CONTEXT can end on: a cheap ends-with test before the regex confirms the boundary.
_DATE_CUE_ENDS = tuple(
    "dob d.o.b d.o.b. birth birthdate date born on admitted admission discharged discharge visit dated died "
    "death dod doa since from until through by".split()
)


def date_cue_before(text: str, s: int) -> bool:
    """Is there a date cue word ("DOB", "admitted on", "since") right before position s?"""
    tail = text[max(0, s - 48):s].rstrip(" \t\n:-").lower()
    if not tail.endswith(_DATE_CUE_ENDS):
        return False
    return _DATE_CTX_BEFORE.search(text, max(0, s - 48), s) is not None
_THE_BEFORE = re.compile(r"\bthe\s+\Z", I)
_DIGIT_OR_CAP = re.compile(r"[0-9A-Z(+]")


def _digit_hit(text: str, name: str, m: re.Match[str]) -> Hit | None:
    """The hit for one branch's match, or None when its checksum or context says no."""
    s, e = m.span(name) if m.lastgroup == name else m.span()
    if name == "card":
        return ("CREDIT_CARD", s, e, 0.97, "card-luhn") if card_ok(_digits(text[s:e])) else None
    if name == "ssn":
        v = text[s:e]
        if not ssn_ok(v[0:3], v[4:6], v[7:11]):
            return None
        return ("SSN", s, e, 0.95 if v[3] == "-" else 0.85, "ssn")
    if name == "phone":
        cat = "FAX" if _FAX_CUE.search(text, max(0, s - 24), s) else "PHONE"
        return (cat, s, e, 0.9, "phone")
    if name == "ipv4":
        return ("IP_ADDRESS", s, e, 0.95, "ipv4")
    if name == "date0" or name == "date2":
        return ("DATE", s, e, 0.95, "date")
    if name == "date1":
        return ("DATE", s, e, 0.9, "date")
    if name == "npi":
        return ("NPI", s, e, 0.75, "npi-luhn") if npi_ok(text[s:e]) else None
    if name == "mbi":
        return ("HEALTH_PLAN_ID", s, e, 0.85, "mbi")
    if name == "vin":
        return ("VEHICLE_ID", s, e, 0.9, "vin-check") if vin_ok(text[s:e]) else None
    if name == "dea":
        return ("DEA", s, e, 0.85, "dea-checksum") if dea_ok(text[s:e]) else None
    if name == "daymonth":
        return ("DATE", s, e, 0.9, "date")
    if name == "age0" or name == "age3":
        a, b = m.span("agev" + name[3])
        return ("AGE_OVER_89", a, b, 0.9, "age")
    if name == "street" or name == "streetlow" or name == "streetup":
        return ("LOCATION", s, e, 0.9, "street-address")
    if name == "monthday":
        if date_cue_before(text, s):
            return ("DATE", s, e, 0.8, "date-context")
        return None
    return None


def _fixed_hit(cat: str, conf: float, det: str) -> Callable[[str, str, re.Match[str]], Hit]:
    """`_digit_hit` for a branch with no checksum or context test, when `name` is `m.lastgroup`."""

    def hit(text: str, name: str, m: re.Match[str]) -> Hit:
        s, e = m.span(name)
        return (cat, s, e, conf, det)

    return hit


# What `_scan_digits` calls per match, by branch (there `name` is always `m.lastgroup`): one lookup
# instead of `_digit_hit`'s chain of name tests (16 of them before a street, on every house number).
_HIT_OF: dict[str, Callable[[str, str, re.Match[str]], Hit | None]] = {name: _digit_hit for name, _ in _DIGIT_BRANCHES}
_HIT_OF.update({
    "ipv4": _fixed_hit("IP_ADDRESS", 0.95, "ipv4"),
    "date0": _fixed_hit("DATE", 0.95, "date"),
    "date2": _fixed_hit("DATE", 0.95, "date"),
    "date1": _fixed_hit("DATE", 0.9, "date"),
    "mbi": _fixed_hit("HEALTH_PLAN_ID", 0.85, "mbi"),
    "daymonth": _fixed_hit("DATE", 0.9, "date"),
    "street": _fixed_hit("LOCATION", 0.9, "street-address"),
    "streetlow": _fixed_hit("LOCATION", 0.9, "street-address"),
    "streetup": _fixed_hit("LOCATION", 0.9, "street-address"),
})


def _relevant(name: str, run: int, nxt: str) -> bool:
    """Can branch `name` match at the start of a digit run of length `run` followed by class `nxt`?

    A cheap necessary condition, so each anchor tries only the few branches that fit its shape.
    """
    sep = nxt in "-./"
    if name == "card":
        return run >= 13 or nxt in " -"
    if name == "ssn":
        return run == 3 and nxt in " -."
    if name == "phone":
        return (run == 3 and nxt in " -.") or (run == 1 and nxt in " -.(")
    if name == "ipv4":
        return run <= 3 and nxt == "."
    if name in ("date0", "date1"):
        return run <= 2 and sep
    if name == "date2":
        return run == 4 and sep
    if name == "npi":
        return run == 10
    if name in ("mbi", "vin"):
        return nxt == "a" and run <= 16
    if name == "dea":
        return False  # starts with two letters: tried from the token's start
    if name == "daymonth":
        return run <= 2 and nxt in " a"
    if name in ("age0", "age3"):
        return 2 <= run <= 3 and nxt in " a-"
    if name in ("street", "streetlow", "streetup"):
        return run <= 6 and nxt in " a-"
    if name == "monthday":
        return run <= 2 and nxt == "/"
    return True


def _next_class(ch: str) -> str:
    if ch.isspace():
        return " "
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return "a"
    return ch if ch in "-./(" else "?"


# `_next_class` of every ASCII character, looked up instead of called (once per digit run).
_NEXT_CLASS = {chr(c): _next_class(chr(c)) for c in range(128)}


# A run's shape: its length (20 = 20 or more), the class of the character after it, and two facts
# that rule out a branch: can a card number go on after it (a space or dash, then a digit: below 13
# digits a card must), and can it be an age over 89 (`9d` or `1[0-2]d`, the only ages the age
# branches take). A house number ("12 Main St") so skips the card and age branches it cannot match.
_ShapeKey = tuple[int, str, bool, bool]
_SHAPE_NAMES: dict[_ShapeKey, frozenset[str]] = {}
for _run in range(1, 21):
    for _nxt in " a-./(?":
        for _card in (False, True):
            for _age in (False, True):
                _SHAPE_NAMES[(_run, _nxt, _card, _age)] = frozenset(
                    nm for nm, _ in _DIGIT_BRANCHES if _relevant(nm, _run, _nxt)
                    and (nm != "card" or _card or _run >= 13) and (nm not in ("age0", "age3") or _age)
                )
# The combined pattern per shape, compiled on the shape's first use (most shapes never occur, and
# compiling all of them would add a fifth to the engine's import time).
_SHAPE_RX: dict[_ShapeKey, re.Pattern[str] | None] = {}
_COMPILED: dict[frozenset[str], re.Pattern[str]] = {}


def _shape_rx(key: _ShapeKey) -> re.Pattern[str] | None:
    names = _SHAPE_NAMES[key]
    rx = _COMPILED.get(names)
    if rx is None and names:
        rx = _COMPILED[names] = re.compile(
            "|".join(f"(?P<{nm}>{body})" for nm, body in _DIGIT_BRANCHES if nm in names))
    _SHAPE_RX[key] = rx
    return rx


def _scan_digits(text: str, runs: list[tuple[int, int]]) -> Iterator[Hit]:
    """Try the digit patterns only where a match can start: every branch's look-behind forbids a
    start inside a run of digits, so the candidates are the start of each digit run (with only the
    branches that fit the run's length and the character after it), the "(" or "+" just before it,
    and the start of an upper-case token that it ends (DEA, VIN)."""
    done = 0  # end of the last hit: anchors inside it are not tried again
    n = len(text)
    shape = _SHAPE_RX
    next_class = _NEXT_CLASS
    for s, e in runs:
        if s < done:
            continue
        k = s
        while k > 0 and text[k - 1] in _TOKEN_CHARS and s - k < 17:
            k -= 1
        starts: tuple[int, ...] = (s,) if k == s else (k, s)
        if s > 0 and text[s - 1] in "(+":
            starts = (s - 1,) + starts
            if s > 1 and text[s - 2] == "+":
                starts = (s - 2,) + starts
        for st in starts:
            if st < done:
                continue
            if st == s:
                nxt = text[e] if e < n else "?"
                ln = e - s
                shape_key = (
                    min(ln, 20), next_class.get(nxt) or _next_class(nxt),
                    (nxt == " " or nxt == "-") and text[e + 1:e + 2].isdigit(),
                    (ln == 2 and text[s] == "9") or (ln == 3 and text[s] == "1" and text[s + 1] in "012"),
                )
                rx = shape[shape_key] if shape_key in shape else _shape_rx(shape_key)
                if rx is None:
                    continue
            else:
                rx = _DIGITS
                shape_key = None
            m = rx.match(text, st)
            if m is None:
                continue
            name = m.lastgroup
            hit = _HIT_OF[name](text, name, m)  # type: ignore[index]
            if hit is None:
                hit = _retry(text, name, st, shape_key)  # type: ignore[arg-type]
            if hit is not None:
                yield hit
                done = max(done, m.end(), hit[2])
                break


def _retry(text: str, name: str, st: int, shape_key: _ShapeKey | None = None) -> Hit | None:
    """The first branch was refused (checksum, context): every later branch that fits the run's
    shape gets its chance (all of them when the anchor is not a digit run's start)."""
    later = False
    for other, _ in _DIGIT_BRANCHES:
        if other == name:
            later = True
            continue
        if later and (shape_key is None or other in _SHAPE_NAMES[shape_key]):
            m2 = _DIGIT_RX[other].match(text, st)
            if m2 is not None:
                hit = _digit_hit(text, other, m2)
                if hit is not None:
                    return hit
    return None


_RUN = re.compile(r"\d+")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_FILE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_HEX_COLON = frozenset("0123456789abcdefABCDEF:")
_URL_AT = re.compile(r"(?:https?://|www\.)(?<![\w@]https://)(?<![\w@]http://)(?<![\w@]www\.)")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _lower(text: str) -> str:
    """`text` lower-cased with offsets kept (a few characters lower-case to two: then ASCII only)."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def lower_and_words(text: str) -> tuple[str, set[str]]:
    """`text` lower-cased with offsets kept, and the set of its lower-case ASCII words."""
    low = _lower(text)
    return low, set(_LOW_WORD.findall(low))


_LOW_SPLIT = re.compile(r"([a-z]+)")  # `_LOW_WORD` kept by the split: words at the odd indices
_INDEX_MAX = 1 << 14  # prompt-sized texts: see `word_index`


def word_index(text: str) -> tuple[str, set[str], dict[str, list[int]] | None]:
    """`lower_and_words(text)`, and where each trigger word occurs in it (offsets, in order).

    One split of the lower-cased text in C gives the words and, from the running sum of the pieces'
    lengths, their offsets, so `scan_structured` does not search the text once per trigger word present
    (34 searches on a 2 KB note: 0.117 -> 0.076 ms with the word set). The split costs per word, the
    searches per trigger word present: past `_INDEX_MAX` characters (1 MiB of `a@b `: 30 -> 77 ms) the
    offsets are None and `scan_structured` searches, as before."""
    if len(text) > _INDEX_MAX:
        low, words = lower_and_words(text)
        return low, words, None
    low = _lower(text)
    parts = _LOW_SPLIT.split(low)
    found = parts[1::2]
    starts = accumulate(map(len, parts), initial=0)  # offset of parts[i] at index i
    at: dict[str, list[int]] = {}
    for word, p in compress(zip(found, islice(starts, 1, None, 2)), map(_TRIGGER_SET.__contains__, found)):
        if word in at:
            at[word].append(p)
        else:
            at[word] = [p]
    return low, set(found), at


def scan_structured(text: str, low: str | None = None, words: set[str] | None = None,
                    runs: list[tuple[int, int]] | None = None, at: dict[str, list[int]] | None = None,
                    ) -> Iterator[Hit]:
    """Every structured candidate in `text`; overlaps are settled later by the engine.

    `low` and `words` are `lower_and_words(text)`, `runs` the spans of the digit runs in `text`, `at` the
    trigger words' offsets (`word_index(text)`), when the caller has them.
    """
    if low is None or len(low) != len(text) or words is None:
        low, words = lower_and_words(text)
        at = None
    present = _TRIGGER_SET.intersection(words)
    for word in present:
        rules = _TRIGGERS[word]
        for p in at[word] if at is not None else [wm.start() for wm in _WORD_AT[word].finditer(low)]:
            for rx, cat, conf, det, group in rules:
                hit = rx.match(text, p)
                if hit is not None:
                    yield from _emit(text, hit, cat, conf, det, group)
            if word in _ORDINAL_SET:
                tm = _THE_BEFORE.search(low, max(0, p - 12), p)
                if tm is not None:
                    hit = _DATE_RES[5][0].match(text, tm.start())
                    if hit is not None:
                        yield ("DATE", hit.start(), hit.end(), _DATE_RES[5][1], "date")
    if _DIGIT_OR_CAP.search(text):
        yield from _scan_digits(text, runs if runs is not None else [r.span() for r in _RUN.finditer(text)])
    # the rest are anchored on a rare character or suffix, then matched from the token's start
    if "@" in text:
        pos = text.find("@")
        while pos >= 0:
            k = pos
            while k > 0 and text[k - 1] in _EMAIL_LOCAL:
                k -= 1
            m = _EMAIL.match(text, k) if k < pos else None
            if m is not None:
                yield ("EMAIL", m.start(), m.end(), 0.99, "email")
            pos = text.find("@", pos + 1)
    if "http" in low or "www." in low:
        for m in _URL_AT.finditer(low):
            u = _URL.match(text, m.start())
            if u is not None:
                end = u.end()
                while end > u.start() and text[end - 1] in ".,;:!?":
                    end -= 1
                yield ("URL", u.start(), end, 0.95, "url")
    if "." in text:
        for t in _TLD.finditer(text):
            k = t.start()
            while k > 0 and text[k - 1] in _DOMAIN_CHARS:
                k -= 1
            m = _BARE_DOMAIN.match(text, k)
            if m is not None:
                end = m.end()
                while end > m.start() and text[end - 1] in ".,;:!?":
                    end -= 1
                yield ("URL", m.start(), end, 0.7, "url")
        for t in _IMAGE_EXT.finditer(text):
            k = t.start()
            while k > 0 and text[k - 1] in _FILE_CHARS and t.start() - k < 80:
                k -= 1
            m = _IMAGE_FILE.match(text, k)
            if m is not None:
                yield ("PHOTO", m.start(), m.end(), 0.8, "image-file")
    if ":" in text:
        pos = text.find(":")
        done = -1
        while pos >= 0:
            if pos > done and pos + 1 < len(text) and text[pos + 1] in _HEX_COLON:
                k = pos
                while k > 0 and text[k - 1] in _HEX_COLON:
                    k -= 1
                m = _IPV6.match(text, k)
                if m is not None:
                    done = m.end()
                    if m.group(0).count(":") >= 2 and any(c.isdigit() for c in m.group(0)):
                        yield ("IP_ADDRESS", m.start(), m.end(), 0.9, "ipv6")
            pos = text.find(":", pos + 1)
    for word in _COUNTY_WORDS:
        pos = text.find(word)
        while pos >= 0:
            for m in _COUNTY.finditer(text, max(0, pos - 60), pos + len(word)):
                if m.end() == pos + len(word):
                    st = m.start()
                    while True:  # "From Orange County": a capitalised cue word is not part of the name
                        sp = text.find(" ", st, m.end())
                        if sp < 0 or text[st:sp].lower() not in _COUNTY_LEAD:
                            break
                        st = sp + 1
                    if st < pos:
                        yield ("LOCATION", st, m.end(), 0.93, "county")
            pos = text.find(word, pos + 1)


def _emit(text: str, m: re.Match[str], cat: str, conf: float, det: str, group: int) -> Iterator[Hit]:
    if det == "labelled-id":
        label = " ".join(m.group(1).lower().split())
        value = m.group(2).rstrip(".-")
        real = _LABELS.get(label)
        if real is None or len(value) < 3 or _DOSE.match(value):
            return
        if label in _GENERIC and (len(value) < 4 or (value.isdigit() and len(value) == 4 and value[:2] in ("19", "20"))):
            return
        yield (real, m.start(2), m.start(2) + len(value), 0.8 if label in _GENERIC else 0.93, det)
        return
    if det == "phone-context" and "fax" in m.group(1).lower():
        cat = "FAX"
    yield (cat, m.start(group), m.end(group), conf, det)


def _ids(text: str) -> Iterator[Hit]:
    for m in _SSN_FMT.finditer(text):
        if ssn_ok(m.group(1), m.group(3), m.group(4)):
            yield ("SSN", m.start(), m.end(), 0.95 if m.group(2) == "-" else 0.85, "ssn")
    for m in _PHONE.finditer(text):
        cat = "FAX" if _FAX_CUE.search(text, max(0, m.start() - 24), m.start()) else "PHONE"
        yield (cat, m.start(), m.end(), 0.9, "phone")
    for m in _IPV4.finditer(text):
        yield ("IP_ADDRESS", m.start(), m.end(), 0.95, "ipv4")
    for m in _CARD.finditer(text):
        if card_ok(_digits(m.group(0))):
            yield ("CREDIT_CARD", m.start(), m.end(), 0.97, "card-luhn")
    for m in _NPI.finditer(text):
        if npi_ok(m.group(1)):
            yield ("NPI", m.start(1), m.end(1), 0.75, "npi-luhn")
    for m in _DEA.finditer(text):
        if dea_ok(m.group(1)):
            yield ("DEA", m.start(1), m.end(1), 0.85, "dea-checksum")
    for m in _VIN.finditer(text):
        if vin_ok(m.group(1)):
            yield ("VEHICLE_ID", m.start(1), m.end(1), 0.9, "vin-check")
    for m in _MBI.finditer(text):
        yield ("HEALTH_PLAN_ID", m.start(1), m.end(1), 0.85, "mbi")


Scanner = Callable[[str], Iterator[Hit]]
