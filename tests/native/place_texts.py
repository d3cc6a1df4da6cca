"""Hypothesis strategies for the shapes the clinical and address detectors look for, which
`texts.ascii_notes` draws seldom or never: IBANs, spaced and grouped digits, month words glued to
numbers, pager and postal labels, sign-offs, credentials, handles, holidays, foreign streets, house
numbers with words and lines after them, "corner of", "Where:" fields, cue-led streets and the
city/state/ZIP tails after a street. Mixed with `ascii_notes` pieces, so the shapes meet note text.
"""

from __future__ import annotations

import unicodedata

from hypothesis import strategies as st

from .texts import ascii_notes

_WORDS = (
    "lives at|located at|address is|address:|sent to|it's in|is at|meet you at|send it to|resides at|"
    "address with|corner of|Corner of|return to|sent to the|located on|on|off|along|onto|and|&|Where:|where:|"
    "Venue:|VENUE :|pager|Pager #|beeper|pgr|page|bleep|ext.|extension|x|zip code|Zip|postal code|postcode|"
    "PLZ|phone|Phone:|tel|telephone|mobile|cell|desk|office|fax|call me on|called at|answering at|reach me at|"
    "registered|contact|Apt|Apt.|apartment|Suite|Ste|Unit|unit|Rm|Room|Bldg|Floor|Fl|PSC|CMR|USNS|USS|Box|APO|"
    "FPO|DPO|AE|AP|AA|Via|Viale|Rue|rue|Avenue|Av.|Calle|Rua|Ul.|ul.|al.|Plac|Chemin|Boulevard|Place|Strada|"
    "Largo|de|del|della|la|van|von|der|Hauptstrasse|Kirkegata|Beiteveien|Kerkstraat|Mannerheimintie|Tawastintie|"
    "utca|tee|gate|vei|Street|Avenue|Road|Boulevard|Lane|Drive|Terrace|Parkway|Highway|Isle|Coves|Pass|"
    "January|February|April|June|July|September|October|November|December|Sept|Janurary|May|March|August|"
    "Jan|Feb|Mar|Mar.|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec|MAR|since|in|during|until|by|from|last|next|early|late|"
    "mid-|in early|Christmas|Christmas Eve|Thanksgiving|Easter|New Year's Day|Fourth of July|Labor Day|"
    "M.D.|MD|, MD|, M.D.|RN|NP|PA-C|PhD|, PhD|DDS|FACP|HOLLIS GRANT|Ana Ruiz|J. Smith|RKT:morrow|LMP/baker/hale|"
    "AB:po|DR: smith|@jdoe|@j_doe99|a@b.com|DOB|DOB:|admitted on|seen on|pain|score|cpt|code|ICD-10|lot|#|"
    "CA|NY|TX|MA|Ma|ma|WA|PR|GU|Springfield|South Michaelview|New York|Nino Point|Mathias Pass|Csabai kapu|"
    "Allika|Kuuse|Buerlia|the|The|room|bed|mg|units|Estonia|nan|tablets|days|ON|IN"
).split("|")
_NUMBERS = st.one_of(
    st.from_regex(r"\A[A-Z]{2}\d{2}( ?[A-Z0-9]{4}){2,5}( ?[A-Z0-9]{1,4})?\Z"),
    st.from_regex(r"\A\d([ .\-]\d){4,9}\Z"),
    st.from_regex(r"\A[A-Z]{0,3}\d{1,6}([-/.][A-Z]{0,2}\d{1,6}){1,3}\Z"),
    st.from_regex(r"\A(0?[1-9]|[12]\d|3[01])[-/. ]?(Mar|MAR|march|Sept|jun)\.?[-/. ]?(19\d\d|20\d\d|\d\d)\Z"),
    st.from_regex(r"\A(Mar|Oct|JAN|sept)[-/.]?(19\d\d|20\d\d|'\d\d)\Z"),
    st.from_regex(r"\A(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\Z"),
    st.from_regex(r"\A(0?[1-9]|1[0-2])/(\d\d|19\d\d|20\d\d|10|5|4)\Z"),
    st.from_regex(r"\A\d{1,2}/\d{1,2}/(\d\d|20\d\d)( |T|@)\d{1,2}:\d\d(:\d\d)?( ?[ap]m)?\Z"),
    st.from_regex(r"\A(\+|00)?\d{1,3}( \(0\))?([ .\-]\d{2,4}){2,4}\Z"),
    st.from_regex(r"\A\d{1,6}( \d{1,5})?\Z"),
    st.from_regex(r"\A\d{5}(-\d{3,4})?\Z"),
    st.from_regex(r"\A(\d{2}-\d{3}|\d{3} \d{2}|\d{4}-\d{3})\Z"),
    st.from_regex(r"\A[A-Z]\d[A-Z] ?\d[A-Z]\d\Z"),
    st.from_regex(r"\A[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\Z"),
    st.from_regex(r"\A\d{1,3}(\.\d{1,4})?\Z"),
    st.from_regex(r"\A\d{1,5}[A-Za-z]?\.?\Z"),
    st.sampled_from(["[NAME]", "[DATE_2]", "[LOCATION]", "[PHONE_1]", "]", "["]),
)
# Whole shapes, as the detectors' docstrings write them, with their parts varied.
_CAP = r"[A-Z][a-z]{2,8}"
_PHRASES = st.one_of(
    st.from_regex(rf"\A(Pager|pgr|ext\.|Extension|beeper|x) ?(#|no\.|:)? ?[0-9]{{3,7}}\Z"),
    st.from_regex(r"\A\n? ?(Apt|Suite|STE|unit)\.? ?#? ?[0-9]{1,5}[a-c]?[ \t]?\n\Z"),
    st.from_regex(r"\A(Unit|PSC|CMR) [0-9]{1,5},? (\n)?Box [0-9]{1,5}(,|\n| ) ?(APO|FPO|DPO) (AA|AE|AP) [0-9]{5}\Z"),
    st.from_regex(r"\A(USNS|USS) [A-Z][a-z]{2,7}( [A-Z][a-z]{2,6})?(, | |\n)(APO|FPO) (AE|AP) [0-9]{5}(-[0-9]{4})?\Z"),
    st.from_regex(rf"\A[0-9]{{1,5}} {_CAP}( {_CAP})? (St|Ave|Street|Road|Rd|Lane)\.?(, | |\n)((Apt|Suite) [0-9]{{1,4}}(, | |\n))?"
                  rf"({_CAP}( {_CAP})?(, | |\n))?(MA|CA|NY|Tx|ma|GU)?\.?(, | |\n)?[0-9]{{5}}(-[0-9]{{4}})?\Z"),
    st.from_regex(r"\A[0-9]{1,5} [a-z]{3,8} (street|st|avenue|road|lane|orchard)(\n| |, )[a-z]{3,9}( [a-z]{3,8})? (ma|ca|ny|gu) [0-9]{5}\Z"),
    st.from_regex(rf"\A[0-9]{{1,6}}( [0-9]{{1,5}})? {_CAP}( ([a-z]{{2,5}}|{_CAP}))?( [0-9]{{1,5}}[a-z]?\.?)?(, |\n| )"
                  rf"({_CAP}|[a-z]{{3,7}}|nan)?(,|\n| )*([0-9]{{5}}|[0-9]{{2}}-[0-9]{{3}}|[0-9]{{3}} [0-9]{{2}}|[0-9]{{4}}-[0-9]{{3}})?\Z"),
    # an address block over many lines (the block takes at most five line breaks)
    st.from_regex(rf"\A[0-9]{{1,5}} {_CAP}( [0-9]{{1,4}})?(,?\n\n?( ?> ?|\* )?({_CAP}|[0-9]{{1,5}}|[a-z]{{3,6}}|\(?[A-Z]{{2}}\)?)( {_CAP})?\.?){{1,7}}\Z"),
    st.from_regex(rf"\A(lives|resides|moved|said|he lives) (on|off|along|onto) {_CAP}( {_CAP}){{0,2}} (Street|Avenue|Road|Drive|Highway)\Z"),
    st.from_regex(rf"\A(the )?[Cc]orner of ({_CAP}|[0-9]{{1,3}}(st|nd|th)?|the|[a-z]{{3,6}})( ({_CAP}|[0-9]{{1,4}}\.?|kapu|room)){{0,3}} "
                  rf"(and|&) ([0-9]{{1,3}}(st|nd)? )?({_CAP}|[0-9]{{1,3}}|the|The|It|In|On|THE)( ({_CAP}|[0-9]{{1,3}})\.?){{0,2}}\Z"),
    st.from_regex(rf"\A\n?(Where|WHERE|Venue|venue) ?: ?({_CAP}|[a-z]{{3,7}})( ({_CAP}|[a-z]{{3,7}}|[A-Z]{{3,8}})){{0,3}}\.?\n\Z"),
    st.from_regex(rf"\A(lives at|located at|address is|address:|sent to|it's in|is at|send it to|return to|located on|corner of) "
                  rf"{_CAP}( ({_CAP}|[a-z]{{3,6}}|de|la|rue|utca|gate|vei))?( [0-9]{{1,4}}\.?)?( and {_CAP}( {_CAP})?)?(, [0-9]{{5}})?\Z"),
    st.from_regex(rf"\A({_CAP}|[A-Z]{{3,8}}) ({_CAP}|[A-Z]\.|[A-Z]{{3,8}})( {_CAP})?,? (M\.D\.|MD|RN|PhD|PA-C|DO|FACP)(, (MD|PhD))?\Z"),
    st.from_regex(r"\A[A-Z]{2,4}(:|/) ?[a-z]{2,8}((:|/)[a-z]{2,6})?\Z"),
    st.from_regex(rf"\A{_CAP}( {_CAP})?,? (MA|CA|NY|PR|GU)\.?,? [0-9]{{5}}(-[0-9]{{4}})?\Z"),
    # a month/year that may be a score (pain 3/10) after a date cue, with the separators a cue takes
    st.from_regex(r"\A(DOB|dob|D\.O\.B\.|admitted on|seen on|since|by|Date of birth|pain)(:|-| :|: -|\t)? ?(0?[1-9]|1[0-2])/(10|5|4|[0-9][0-9])\Z"),
    st.from_regex(r"\A(since|in|by|last|early|until) (early |late |mid-)?(May|March|August|Jan|Mar|Sep|Oct|Dec)\.?\Z"),
    st.from_regex(r"\A(Via|Rue|Calle|Rua|ul\.|Avenue|Boulevard|Plac) (de |del |la )?[A-Z][a-z]{2,8}( [A-Z][a-z]{2,6})? [0-9]{1,4}[a-z]?\Z"),
    st.from_regex(r"\A[A-Z][a-z]{2,7}(strasse|str\.|weg|gata|gatan|veien|vej|katu|tie|straat|laan|utca) [0-9]{1,4}\Z"),
    st.from_regex(r"\A(call me on|Phone:|tel|cell|fax|reach me at|contact) \+?\(?[0-9]{2,4}\)?([ .-][0-9]{2,4}){1,4}\Z"),
    st.from_regex(r"\A(zip code|Zip|postal code|Postcode|PLZ)( is|:|#)? ?[A-Z0-9]{2,6}([ -][A-Z0-9]{2,4})?\Z"),
)
_SEPS = [" ", " ", " ", ", ", ",", "\n", "\n ", "\n\n", "\n> ", ". ", ".", ": ", ":", "/", "\t", " - ", "-", "'",
         "(", ")", "\x1c", "\x0b", "#", "@", ";", "  "]


@st.composite
def place_notes(draw: st.DrawFn, max_pieces: int = 40) -> str:
    """Text of place, date and number shapes, with pieces of note text between them."""
    out: list[str] = []
    for _ in range(draw(st.integers(1, max_pieces))):
        kind = draw(st.integers(0, 12))
        if kind <= 4:
            out.append(draw(st.sampled_from(_WORDS)))
        elif kind >= 10:
            out.append(draw(_PHRASES))
        elif kind <= 8:
            out.append(draw(_NUMBERS))
        else:
            out.append(as_ascii(draw(ascii_notes(max_pieces=3))))
        out.append(draw(st.sampled_from(_SEPS)))
    return as_ascii("".join(out))



def as_ascii(text: str) -> str:
    """`text` with each character that is not ASCII made ASCII (a digit of another script becomes its
    ASCII digit, anything else "?"): `from_regex` draws `\\d` from every script."""
    if text.isascii():
        return text
    return "".join(c if c.isascii() else str(unicodedata.digit(c, "?")) for c in text)
