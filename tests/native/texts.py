"""Hypothesis strategies for note-like text that exercises every detector: the oracle tests' inputs.

Pieces are drawn from what the detectors look for (names from the census lists, cue words, titles,
street words, months, states, digit shapes, labels) and from slices of the in-repo corpus, joined by
the separators notes use, with odd ASCII thrown in (control characters `re` counts as space, quotes,
brackets). `any_notes` adds text that is not ASCII, which the engine keeps on the Python detectors.
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st

from bench.redaction.corpus import _luhn_digit, build
from packgate.runtime.redaction import lexicons

_WORDS = (
    "patient Patient pt seen by Dr. Dr Mr. Mrs Ms. Miss Prof. nurse NP RN MD M.D. PhD her his their brother "
    "sister mother father son daughter wife husband kid baby widow lives lived resides moved born raised in "
    "from to at near outside toward the The and And of on upon said says told asked wrote flew drove went "
    "returned travelled relocated is was has had will gave given handed sent his her me hi dear Hi Dear "
    "MRN MR# DOB D.O.B. SSN Social Security member ID id Acct account Policy NPI DEA license plate VIN serial "
    "phone tel cell pager fax email Email call reach at contact number Phone: Fax: E-mail "
    "St Street Ave Avenue Rd Road Blvd Lane Ln Dr Drive Ct Court Way Apt Suite Unit Box PO P.O. County Parish "
    "Hospital Clinic Medical Center University Memorial General Emergency Dept EMERGENCY DEPT "
    "January Jan February March Mar April May June July Aug September Oct Nov December Monday "
    "CA NY TX MA WA OR IN ME MD PA California Texas Washington Georgia Virginia New York "
    "Tylenol aspirin metformin lisinopril mg mcg BID TID PRN CHF COPD HTN DM2 "
    "years old yo y/o year-old aged age male female M F "
    "Summary Assessment Plan HPI History Impression Signed regards thanks Thanks, Regards, "
    "Boston Springfield Chicago Houston Portland Kiel Leon Eyrarodda Hoge Wei Joaquin Suarez "
    "Sue Young Brown White Green King Mark Max Amber Christine Washington Lopez Maria Hollis Grant "
    "o'sullivan O'Brien McDonald van der Berg de la Cruz bertram m. jorgensen Iwase Alvir"
).split()
_SEPS = [" ", " ", " ", "  ", ", ", ". ", ".\n", "\n", "\n\n", ": ", ":", "\t", " - ", "-", "/", " (", ") ",
         "'s ", '"', "'", " [", "] ", "; ", "? ", "! ", " & ", " #", "@", ".", ",", "\x0b", "\x0c", "\x1c", "\x1f"]
_NUMBERS = st.one_of(  # [0-9], not \d: from_regex draws \d from every script
    st.integers(0, 99999).map(str),
    st.from_regex(r"\A[0-9]{1,2}/[0-9]{1,2}/([0-9][0-9]|19[0-9][0-9]|20[0-9][0-9])\Z"),
    st.from_regex(r"\A[0-9]{3}-[0-9]{2}-[0-9]{4}\Z"),
    st.from_regex(r"\A\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}\Z"),
    st.from_regex(r"\A[0-9]{5}(-[0-9]{4})?\Z"),
    st.from_regex(r"\A[A-Z]{1,3}[0-9]{5,10}\Z"),
    st.from_regex(r"\A[0-9]{1,5} [A-Z][a-z]{2,9} (St|Ave|Rd|Lane|Drive)\.?\Z"),
    st.from_regex(r"\A[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\Z"),
    st.from_regex(r"\A[a-z]{2,8}[._]?[a-z0-9]{0,6}@[a-z]{2,8}\.(com|org|net)\Z"),
    st.from_regex(r"\A(19|20)[0-9][0-9]-[01][0-9]-[0-3][0-9]\Z"),
    st.from_regex(r"\A[0-9]{1,2}-?(Jan|Mar|JUL|oct)-?(19|20)?[0-9][0-9]\Z"),
)


@functools.cache
def _vocabulary() -> tuple[list[str], list[str]]:
    lex = lexicons.load()
    names = sorted(lex.first_common)[:300] + sorted(lex.common_last)[:300]
    names = [n.capitalize() for n in names] + [n.upper() for n in names[:40]] + names[:40]
    towns = sorted(" ".join(t).title() for t in lex.cities)[:200]
    return names + towns, [e.text for e in build()]


@st.composite
def _piece(draw: st.DrawFn, corpus_slices: bool = True) -> str:
    names, corpus = _vocabulary()
    kind = draw(st.integers(0, 9))
    if kind <= 2:
        return draw(st.sampled_from(_WORDS))
    if kind <= 4:
        return draw(st.sampled_from(names))
    if kind <= 6:
        return draw(_NUMBERS)
    if kind == 7 and corpus_slices:
        text = draw(st.sampled_from(corpus))
        a = draw(st.integers(0, max(0, len(text) - 1)))
        return text[a : a + draw(st.integers(1, 160))]
    if kind == 8:
        word = draw(st.sampled_from(_WORDS + names))
        return draw(st.sampled_from([word.lower(), word.upper(), word.title(), word[:1]]))
    return draw(st.text(st.characters(min_codepoint=1, max_codepoint=127), max_size=6))


@st.composite
def ascii_notes(draw: st.DrawFn, max_pieces: int = 60) -> str:
    """ASCII note-like text (the texts the engine hands to the Rust ports)."""
    n = draw(st.integers(1, max_pieces))
    out: list[str] = []
    for _ in range(n):  # corpus slices and place names may hold a letter that is not ASCII: dropped
        out.append(draw(_piece()).encode("ascii", "ignore").decode("ascii"))
        out.append(draw(st.sampled_from(_SEPS)))
    return "".join(out)


_OTHER = ["é", "José", "Zoë", "Łódź", "北京", "山田太郎", "محمد", "ﬁ", "１２３", "\u200b", "\u2013", "—", "’", "Å", "ß"]


@st.composite
def any_notes(draw: st.DrawFn) -> str:
    """Note-like text with some characters that are not ASCII."""
    text = draw(ascii_notes(max_pieces=30))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(_OTHER)) + text[at:]
    return text


# Shapes `names.scan_names` reads (tests/native/test_names.py): lower-case names and initials, particles,
# possessives, speakers' lines, "call me", kinds of place, facility heads, drug-like names, journeys.
_NAME_WORDS = (
    "olga krylova aksel kristensen eric g. samoylova emidio p lombardo bertram m. jorgensen van von de der la "
    "del da ten Pas Noort Maika Willemine husband daughter son wife children kids named name name: is was "
    "call me called Mika: Ella: Destiny: Remember Angel Hope Sue Young Mark Jack Grant Hollis Lopez Brown "
    "King Christine Washington Kiel kiel espoo returned flew to moved travelled went Voorburg hometown "
    "home city town of village the native capital Villafranca Cid Ostrov nad Ohri Den Haag in from near "
    "outside visiting St. St Mary's Mary Hospital HOSPITAL Clinic Medical Center Nursing Home Lakeside "
    "Mayo Children's Iwase Alvir D. Pusaver says said spent lives asked Aarav Iyer admitted presented "
    "Mashuu Samurakami Bulgakov Ruoho Spiriva Symbicort Xarelto Keppra 500 mg on started Niitabury Deanville "
    "Aloisia , can please thanks given handed his her their 's kid Asya's roberto's Smith, MD PA MA FL NY "
    "Viera East Old City Springfield Boston Bay Street Avenue Road J. A. M. Smith Lopez, Maria Mrs Mr. Dr "
    "dr. professor miss pa np Prof. who are you? \"who What a wife. Plan: Rest. Note: none responsibility "
    "market amrita alessio spence brother forward daughter else individual Hashimoto thyroiditis Graves disease "
    "spoke seen by next primary care social worker per O'Brien o'sullivan McAdoo MacLeod NaCl SpO2 SUWALKI "
    "Kadiev Darijo Monjeau Reed Metallica Tylenol Info"
).split()
_NAME_SEPS = [" ", " ", " ", " ", ", ", ". ", ".\n", "\n", ": ", ":", "  ", "\t", '"', " (", ") ", "'s ", "-",
              "? ", "! ", ",", "\x1c", " \n", ": \"", "", "3", "12 ", " 40 mg"]


@st.composite
def name_notes(draw: st.DrawFn, max_pieces: int = 40) -> str:
    """ASCII text dense in the shapes the names detector reads (names, cues, places, gaps between them)."""
    names, _ = _vocabulary()
    n = draw(st.integers(1, max_pieces))
    out: list[str] = []
    for _ in range(n):
        kind = draw(st.integers(0, 5))
        if kind <= 2:
            word = draw(st.sampled_from(_NAME_WORDS))
        elif kind <= 4:
            word = draw(st.sampled_from(names))
        else:
            word = draw(st.sampled_from(_WORDS))
        if draw(st.integers(0, 6)) == 0:
            word = draw(st.sampled_from([word.lower(), word.upper(), word.capitalize()]))
        out.append(word)
        out.append(draw(st.sampled_from(_NAME_SEPS)))
    return "".join(out)


# Lists of capitalised words and house numbers (names.py's list_neighbours, repeat_mentions, joined_names,
# numbered_places): "to Leon and Eyrarodda 66", "Monjeau, Graves and Reed", "on Hoge Wei 32 St.", the same
# few names again later in the text.
_LIST_CONJ = [" and ", " & ", ", ", ", and ", ",  and ", "  and  ", " and\t", ",", " And ", "\tand ", " &  "]
_LIST_CUES = ["to", "on", "of", "at", "is", "To", "ON", "Is", "in", "from", "lives on", "with", "by", "", "to  "]
_LIST_AFTER = [" 66", " 12B.", " 2019.", " 1899,", " 3 times", " 40 mg", " 7 St.", " 9,", " 12/3", " 5%", " 66\n",
               "", " disease", " were seen", "'s", " 2906.", " 99", "  123456", " 32 Street", " 4 pm", " 8x"]


@st.composite
def name_lists(draw: st.DrawFn) -> str:
    """ASCII text of cue words, lists of capitalised words joined by "and", "&" and commas, and house
    numbers, drawing each text's members from a few words so they are mentioned again."""
    names, _ = _vocabulary()
    capitals = [w for w in _WORDS if w[:1].isupper()]
    pool = draw(st.lists(st.sampled_from(names + capitals), min_size=1, max_size=5))
    out: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5))
        piece = draw(st.sampled_from(_LIST_CUES)) + " " + members[0]
        for m in members[1:]:
            piece += draw(st.sampled_from(_LIST_CONJ)) + m
        out.append(piece + draw(st.sampled_from(_LIST_AFTER)))
        out.append(draw(st.sampled_from(_SEPS)))
        if draw(st.booleans()):
            out.append(draw(ascii_notes(max_pieces=8)))
    return "".join(out)


# --- the structured identifiers (tests/native/test_structured.py) ----------------------------------
def _luhn_completed(body: str) -> str:
    """`body` with the Luhn check digit appended (valid card numbers; NPIs after their 80840 prefix)."""
    return body + _luhn_digit(body)


def _dea(letters: str, six: str) -> str:
    d = [int(c) for c in six]
    return letters + six + str((d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10)


_STRUCTURED_WORDS = (
    "DOB dob born on since admitted discharged on: date of birth birthday age aged ages yo y/o years old "
    "year-old ninety ninety-two one hundred the first second third twenty-first thirtieth of day "
    "SSN ssn social security soc. sec. no. ss# phone tel cell fax faxed to call reached at number text "
    "cvv cvc security code card zip zip code postal code MRN mr# medical record chart member id policy number "
    "account acct invoice license dl passport vin plate tag registration serial s/n lot udi npi dea # no. id "
    "fingerprint voice print retinal scan iris scans palm print dna profile biometric template face photo "
    "full-face photograph photo of the patient's face headshot selfies image picture P.O. Box PO box POB "
    "address: home address Mailing street CA NY Texas North Carolina New County Parish Census Area "
    "Orange Miami-Dade St. Charles Prince George's From In Lives http https www. .com .org .health .jpg .png "
    "x ext. M F yom y/o f"
).split()


@st.composite
def _structured_piece(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 12))
    digits = st.text("0123456789", min_size=1, max_size=22)
    if kind == 0:
        return draw(st.sampled_from(_STRUCTURED_WORDS))
    if kind == 1:  # a card with a valid check digit, grouped or not
        body = draw(st.sampled_from(["4", "5", "37", "6011", "22", "27", "9"])) + draw(
            st.text("0123456789", min_size=10, max_size=16))
        card = _luhn_completed(body)
        sep = draw(st.sampled_from(["", " ", "-"]))
        return sep.join(card[i:i + 4] for i in range(0, len(card), 4))
    if kind == 2:  # NPI (checked over 80840 + the number) and DEA
        npi = _luhn_completed("80840" + draw(st.sampled_from("12")) + draw(st.text("0123456789", min_size=8, max_size=8)))[5:]
        dea = _dea(draw(st.sampled_from(["AB", "BF", "MX", "F9", "XZ"])), draw(st.text("0123456789", min_size=6, max_size=6)))
        return draw(st.sampled_from([npi, dea, dea.lower()]))
    if kind == 3:  # VIN, MBI
        vin = draw(st.sampled_from(["1HGCM82633A004352", "1M8GDM9AXKP042788", "JH4KA7561PC008269",
                                    "11111111111111111", "1HGCM82633A00435"]))
        mbi = draw(st.from_regex(r"\A[1-9][AC-HJKMNP-RT-Y][A-Z0-9][0-9]-?[AC-HJKMNP-RT-Y][A-Z0-9][0-9]-?[A-Z]{2}[0-9][0-9]\Z"))
        return draw(st.sampled_from([vin, mbi]))
    if kind == 4:  # dates in every layout the patterns take, and near misses
        return draw(st.from_regex(
            r"\A([0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}|[0-9]{4}[/.-][0-9]{1,2}[/.-][0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}|"
            r"[0-9]{1,2}(st|nd|rd|th)? (of )?(July|jan|MAR|Sept\.)(,? (19|20)[0-9][0-9])?|"
            r"(May|Jun|DEC|october)\.? (the )?[0-9]{1,2}(st|th)?(,? 20[0-9][0-9])?)\Z"))
    if kind == 5:  # ages over 89, and the shapes around them
        return draw(st.from_regex(r"\A(9[0-9]|1[0-2][0-9]|8[0-9]|13[0-9])(\+)? ?(-| )?(years?|yrs?|yo|y/o|y\.o\.?|M|F|yom|y/o f)([- ]old)?\Z"))
    if kind == 6:  # phones with extensions, international prefixes, SSN shapes
        return draw(st.from_regex(
            r"\A((\+?1[ .-]?)?(\([0-9]{3}\)[ .-]?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}( ?(x|ext\.?) ?[0-9]{1,5})?|[0-9]{3}[- .][0-9]{2}[- .][0-9]{4}|"
            r"[0-9]{3}[- .][0-9]{3}[- .][0-9]{3}|\+?1?[0-9]{10})\Z"))
    if kind == 7:  # e-mail, URLs, bare domains, image files
        return draw(st.from_regex(
            r"\A([a-z0-9._%+-]{1,8}@([a-z0-9-]{1,6}\.){1,2}[a-z]{2,4}|(https?://|www\.)[a-z0-9./?=&-]{1,20}[.,;)]?|"
            r"[a-z0-9-]{1,8}\.(com|org|health|care|co)(/[a-z0-9]{0,6})?|[A-Za-z0-9_-]{1,12}\.(jpe?g|png|heic|dcm|TIFF?))\Z"))
    if kind == 8:  # IPv4, IPv6
        return draw(st.from_regex(
            r"\A([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(\.[0-9])?|([0-9a-f]{1,4}:){1,7}[0-9a-f]{0,4}|::[0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,3}|"
            r"fe80::[0-9a-f]{1,4}:[0-9a-f]{1,4})\Z"))
    if kind == 9:  # a label, then an identifier-like value
        label = draw(st.sampled_from(["MRN", "MR #", "Medical  Record Number", "member ID", "Policy no.", "acct #",
                                      "License", "DL", "Passport number", "Serial No", "lot", "Case", "ID", "NPI",
                                      "DEA #", "Plate", "license plate", "tag number", "Fingerprint ID", "photo"]))
        sep = draw(st.sampled_from([" ", ": ", " is ", " # ", "=", ":", " on file "]))
        value = draw(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{1,14}\Z"))
        return label + sep + value
    if kind == 10:
        return draw(digits)
    if kind == 11:  # digits glued to capitals and brackets (the token and "(" / "+" anchors)
        return draw(st.from_regex(r"\A[(+]{0,2}[A-Z0-9]{1,18}[-/. ]?[0-9]{0,6}\Z"))
    return draw(_piece(corpus_slices=False))


@st.composite
def structured_notes(draw: st.DrawFn, max_pieces: int = 40) -> str:
    """ASCII text dense in structured identifiers (valid checksums, dates, ages, labels, addresses of
    the web and the network) and their near misses, joined by note separators."""
    n = draw(st.integers(1, max_pieces))
    out: list[str] = []
    for _ in range(n):  # a name or town may hold a letter that is not ASCII: dropped, as in ascii_notes
        out.append(draw(_structured_piece()).encode("ascii", "ignore").decode("ascii"))
        out.append(draw(st.sampled_from(_SEPS)))
    return "".join(out)
