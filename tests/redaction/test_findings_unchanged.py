"""Speed work must not change what the engine finds.

Two oracles, so a restructured engine is checked against something it does not share code with:

- frozen expectations: per text of the seeded corpus and per adversarial input (bench/redaction/speed.py,
  first 128 KiB), a hash of its findings (policy, category, start, end, confidence, detector) as the
  engine at main 2bf1ccf found them, rewritten on branch `recall` for its new rules (`findings_expected.json`; hashes only, no text, no
  value). A detector change that is meant to change findings rewrites the file on purpose:
  `.venv/bin/python -m tests.redaction.test_findings_unchanged --write`;
- a reference settle stage: random texts (hypothesis) and random candidate sets scanned by the engine
  and by the engine's own candidates settled with `findings.resolve_overlaps` (the Finding-based
  reference that `settle_spans` replaced on the hot path);
- each detector fast path against the code it replaced (`_scan_digits`' shape key, the bound in
  `address_tails`, `_signoffs`, the address walker's per-token-text kinds), on hypothesis texts built
  from the pieces those paths look at.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings, strategies as st

from packgate.runtime.redaction import Engine, Finding, normalise
from packgate.runtime.redaction import addresses as A
from packgate.runtime.redaction import names as N
from packgate.runtime.redaction import engine as engine_mod
from packgate.runtime.redaction.findings import make_finding, resolve_overlaps, settle_spans

EXPECTED = Path(__file__).with_name("findings_expected.json")
_ADVERSARIAL_CUT = 128 * 1024


def _digest(findings: list[Finding]) -> str:
    rows = [(f.policy, f.category, f.start, f.end, f.confidence, f.detector) for f in findings]
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:20]


def _texts() -> dict[str, str]:
    from bench.redaction.corpus import build
    from bench.redaction.speed import adversarial_inputs

    texts = {f"corpus/{i}": e.text for i, e in enumerate(build())}
    texts.update({f"adversarial/{k}": v[:_ADVERSARIAL_CUT] for k, v in adversarial_inputs().items()})
    return texts


def _digests() -> dict[str, str]:
    engine = Engine.default()
    return {key: _digest(engine.scan(text)) for key, text in _texts().items()}


@pytest.fixture(scope="module")
def expected() -> dict[str, str]:
    return json.loads(EXPECTED.read_text())


def test_findings_match_the_frozen_expectations(expected):
    got = _digests()
    assert set(got) == set(expected), "corpus or adversarial inputs changed: rewrite the expectations"
    changed = sorted(k for k in got if got[k] != expected[k])
    assert not changed, f"{len(changed)} texts now scan differently, first: {changed[:10]}"


def _reference_scan(engine: Engine, text: str) -> list[Finding]:
    """`Engine.scan` as it was before settling moved to tuples: Finding objects and resolve_overlaps."""
    folded, offsets = normalise(text)
    hits = engine_mod._union_same_category(engine.raw_hits(folded))
    if "[" in folded:
        marks = [(m.start(), m.end()) for m in engine_mod.MARKER.finditer(folded)]
        if marks:
            starts = [s for s, _ in marks]
            hits = [h for h in hits if not engine_mod._in_marker(h[1], h[2], marks, starts)]
    out: list[Finding] = []
    for pol in engine._policies:
        mapped = [Finding(pol.name, pol.mapping[c], s, e, conf, det) for c, s, e, conf, det in hits
                  if c in pol.mapping and e > s]
        if pol.name == "pii-detector":
            for cat, rx in engine._custom:
                mapped.extend(Finding("pii-detector", cat, m.start(), m.end(), 1.0, "custom-re2")
                              for m in rx.finditer(folded) if m.end() > m.start())
        out.extend(resolve_overlaps(mapped))
    out.sort(key=lambda f: (f.start, f.end, f.policy, f.category))
    if offsets.identity:
        return out
    return [Finding(f.policy, f.category, *offsets.span(f.start, f.end), f.confidence, f.detector) for f in out]


_ENGINE = Engine(hipaa=True, pii=True, healthcare_mode=True, pci_mode=True,
                 custom_patterns=[("TICKET", r"TK-\d{4}"), ("WORD", r"[A-Z][a-z]+")])
_PIECES = st.sampled_from([
    "Patient ", "Jane Doe", "Dr. holmes", ", ", " ", "\n", "MRN ", "1234567", "123-45-6789", "(555) 123-4567",
    "12 Main St", ", Springfield, IL 62704", "DOB 03/04/1951", "since October", "4/81", "TK-1234", "[NAME]",
    "[NAME_1] ", "jane@example.org", "\u2013", "\u200b", "\uff11\uff12", "Jose\u0301", "\ufb01", "age 93", "1 2 3 4 5 6 7",
    "lives at 20789 Allika 46", "Grant, Hollis", "St. Mary's Hospital", "www.example.com", "AB1234563",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=24))
def test_scan_equals_the_reference_settle_stage(parts):
    text = "".join(parts)
    assert _ENGINE.scan(text) == _reference_scan(_ENGINE, text)


_CATS = st.sampled_from(["NAME", "LOCATION", "DATE", "PHONE", "OTHER_ID"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_CATS, st.integers(0, 60), st.integers(1, 20), st.sampled_from([0.5, 0.6, 0.9, 0.95]),
                          st.sampled_from(["a", "b"])), max_size=30))
def test_settle_spans_equals_resolve_overlaps(raw):
    spans = [(c, s, s + n, conf, det) for c, s, n, conf, det in raw]
    want = resolve_overlaps([Finding("p", c, s, e, conf, det) for c, s, e, conf, det in spans])
    got = [make_finding("p", c, s, e, conf, det) for c, s, e, conf, det in settle_spans(spans)]
    assert got == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_CATS, st.integers(0, 3), st.integers(1, 6), st.sampled_from([0.5, 0.9]),
                          st.sampled_from(["a", "b"])), max_size=30), st.randoms())
def test_settle_spans_fast_path_on_disjoint_spans(raw, rnd):
    """Spans laid end to end (gap 0 included) in any order: `settle_spans`' no-overlap path."""
    spans, pos = [], 0
    for c, gap, n, conf, det in raw:
        spans.append((c, pos + gap, pos + gap + n, conf, det))
        pos += gap + n
    rnd.shuffle(spans)
    want = resolve_overlaps([Finding("p", c, s, e, conf, det) for c, s, e, conf, det in spans])
    got = [make_finding("p", c, s, e, conf, det) for c, s, e, conf, det in settle_spans(spans)]
    assert got == want


def test_make_finding_is_a_finding():
    f = make_finding("p", "NAME", 1, 4, 0.9, "d")
    assert f == Finding("p", "NAME", 1, 4, 0.9, "d") and hash(f) == hash(Finding("p", "NAME", 1, 4, 0.9, "d"))
    with pytest.raises(AttributeError):
        f.start = 0  # type: ignore[misc]


def _reference_scan_digits(text: str) -> list:
    """`patterns._scan_digits` before the card and age facts joined a run's shape (main at 2bf1ccf):
    every branch `_relevant` to the run's length and next character is tried."""
    from packgate.runtime.redaction import patterns as P

    out, done, n = [], 0, len(text)
    for r in P._RUN.finditer(text):
        s, e = r.span()
        if s < done:
            continue
        k = s
        while k > 0 and text[k - 1] in P._TOKEN_CHARS and s - k < 17:
            k -= 1
        starts: tuple[int, ...] = (s,) if k == s else (k, s)
        if s > 0 and text[s - 1] in "(+":
            starts = (s - 1,) + starts
            if s > 1 and text[s - 2] == "+":
                starts = (s - 2,) + starts
        for st_ in starts:
            if st_ < done:
                continue
            key = (min(e - s, 20), P._next_class(text[e]) if e < n else "?", True, True) if st_ == s else None
            if key is not None:
                names = P._SHAPE_NAMES[key]
                if not names:
                    continue
                rx = P.re.compile("|".join(f"(?P<{nm}>{body})" for nm, body in P._DIGIT_BRANCHES if nm in names))
            else:
                rx = P._DIGITS
            m = rx.match(text, st_)
            if m is None:
                continue
            hit = P._digit_hit(text, m.lastgroup, m) or P._retry(text, m.lastgroup, st_, key)
            if hit is not None:
                out.append(hit)
                done = max(done, m.end(), hit[2])
                break
    return out


_DIGITISH = st.lists(st.sampled_from(
    ["1", "9", "12", "95", "102", "123", "1234", "4111", " ", "-", ".", "/", "(", "+", "A", "M", "Main St", " years",
     " yo", "F", " March", "4111 1111 1111 1111", "\n", "x", "DEA", "ab"]), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_DIGITISH)
def test_scan_digits_equals_its_reference(text):
    from packgate.runtime.redaction import patterns as P

    runs = [r.span() for r in P._RUN.finditer(text)]
    assert list(P._scan_digits(text, runs)) == _reference_scan_digits(text)


_STREETS = st.lists(st.sampled_from(
    ["12 Main St", "845 zachary orchard", " ", ", ", "\n", "Springfield", "IL", "ma", "62704", "627", "12", "-1234",
     "Apt 4", "Suite 501", "PA", "x", "1", "99"]), max_size=16).map("".join)


@settings(max_examples=300, deadline=None)
@given(_STREETS)
def test_address_tails_equal_the_unfiltered_tails(text):
    """The last-three-digits bound in `address_tails` only skips streets no tail can follow."""
    from packgate.runtime.redaction import clinical as C

    hits = [h for h in _ENGINE.raw_hits(text) if h[4] == "street-address"]
    hits += [("LOCATION", m.start(), m.end(), 0.9, "street-address") for m in re.finditer(r"[A-Za-z]+", text)]
    want = []
    for h in hits:
        m = C._ADDRESS_TAIL.match(text, h[2])
        if m is None and text[h[1]:h[2]].islower():
            m = C._ADDRESS_TAIL_LOWER.match(text, h[2])
        if m is not None:
            s = h[2]
            while s < m.end() and not text[s].isalnum():
                s += 1
            want.append(("LOCATION", s, m.end(), 0.6, "address-tail"))
    assert C.address_tails(text, hits) == want


_SIGNOFF_TEXT = st.lists(st.sampled_from(
    ["RKT", "AB", "ABCD", "ABCDE", "LMP", "WXYZ:lee", "x", "Q", ":", "/", ": ", "morrow", "baker", "hale", " ", "\n", "1", "-", "'",
     "po", "é", "Ü"]), max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(_SIGNOFF_TEXT)
def test_signoffs_equal_the_regex_over_every_character(text):
    from packgate.runtime.redaction import clinical as C

    assert [m.span(1) for m in C._signoffs(text)] == [m.span(1) for m in C._SIGNOFF.finditer(text)]


# ---- the address-block walker: `_extend` as it was before it classified each token text once per scan
# (c4761e2), against the per-token-kind `_extend`, sharing one kinds table across calls as a scan does.
def _reference_extend(text: str, pos: int, need_number: bool, english: frozenset[str],
            street: frozenset[str] = frozenset()) -> tuple[int, int, int, int, int, bool] | None:
    """From `pos`, take address tokens; (end, words, numbers, lines, odd, streetword) or None when nothing fits."""
    end = pos
    words = nums = lines = odd = 0  # odd: street words no dictionary lists (or in another script)
    streetword = False  # a street word of another country was seen ("rue", "utca", "gate", "-veien")
    for _ in range(A._MAX_TOKENS):
        m = A._TOKEN.match(text, end)
        if m is None:
            break
        sep, tok = m.group("sep"), m.group("tok")
        nl = sep.count("\n")
        if nl and (lines + nl > 5 or not (words or nums)):
            break
        c = tok[0]
        bare = tok.rstrip(".")
        low = bare.lower()
        if low in street or (street and (len(low) >= 7 or not low.isascii()) and c.isalpha()
                             and A._street_word(low, street, english)):
            words += 1
            odd += 1
            streetword = True
        elif c.isdigit():
            if A._UNIT_AFTER.match(text, m.end()):
                break
            nums += 1
        elif tok.startswith("("):
            if not words:
                break
        elif c.isupper() or (c.isalpha() and not c.islower() and not c.isascii()):
            if (low in A._STOP or low in A._NOT_STREET) and not (bare.isupper() and len(bare) <= 3):
                break  # "ON", "IN" in capitals are a province or state
            words += 1
            odd += not A._known(low, english) and not (bare.isupper() and len(bare) <= 5)
        elif low in A._CONNECTORS or (tok.endswith(".") and len(bare) <= 3 and c.isalpha()):
            pass
        elif not c.isascii() and c.isalpha():
            odd += 1
        elif (words or nums) and low not in A._STOP and low not in A._NOT_STREET and not A._known(low, english) and (
                streetword or A._number_follows(text, m.end(), english)):
            odd += 1
            pass  # a lower-case street word before its number: "tér 19.", "gate 232", "midtvollen 130"
        else:
            break
        lines += nl
        end = m.end()
        if tok.endswith(".") and (len(bare) > 3 or bare[-1].isdigit()):
            nxt = text[end:end + 3]
            if not (bare[-1].isdigit() and (nxt[:1] == "," or (nxt[:1] == "\n" and nxt[1:2] not in ("\n", ""))
                                            or A._UNIT_NEXT.match(text, end))):  # recall2: "13. Suite 104"
                end -= 1  # a full stop, not an abbreviation: the sentence ends here
                break
    if not words:
        return None
    if need_number and not nums:
        return None
    while end > pos and text[end - 1] in ",.":
        end -= 1
    return end, words, nums, lines, odd, streetword



_ADDRESS_TEXT = st.lists(st.sampled_from(
    ["12", "20789", "935 69", "Allika", "46", "233", "Erzsébet", "tér", "19.", "rue", "des", "Lilas", "Main", "St", "St.",
     "gate", "232", "midtvollen", "130", "Kerkstraat", "Mannerheimintie", "ON", "IN", "the", "de", "van", "(rear)", "mg",
     "Suite", "501", "Estonia", "62488", "lives at ", "address: ", "corner of ", " and ", " ", ", ", "\n", "\n> ", ".", "x",
     "Μεγάλη", "Άμμος", "184", "tabs", "dr.", "Dept.", "hospital", "5-7", "12B", "walked", "CEDEX", "NW", "Xqzt", "PARIS"]),
    max_size=24).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(_ADDRESS_TEXT, st.booleans())
def test_extend_equals_the_per_occurrence_walk(text, need_number):
    lex = _ENGINE._lex
    english, street = lex.english, lex.street_words
    kinds: dict = {}
    for pos in range(len(text) + 1):
        got = A._extend(text, pos, need_number, english, street, kinds=kinds)
        assert got == _reference_extend(text, pos, need_number, english, street), (text, pos)
    assert list(A.scan_addresses(text, english, None, street)) == list(_reference_scan_addresses(text, english, street))


def _reference_scan_addresses(text, english, street):
    """`scan_addresses` with the reference walker (its other code is unchanged since c4761e2)."""
    saved = A._extend
    A._extend = lambda t, p, need_number, english, street=frozenset(), kinds=None: _reference_extend(
        t, p, need_number, english, street)
    try:
        return list(A.scan_addresses(text, english, None, street))
    finally:
        A._extend = saved


def _reference_house_numbers(text, english, low, street):
    """`scan_addresses` as it was at b3d58f5: every house number iterated, those inside a block or a
    failed walk skipped (the engine now searches for the next one past them)."""
    done = -1
    kinds: dict[str, tuple[int, bool, bool]] = {}
    scanned = -1  # end of the last extension that was not an address: a start inside it is a suffix of
    # the same tokens (no more words, numbers or lines), so it cannot be one either
    for h in A._HOUSE.finditer(text):
        s = h.start()
        if s < done or s < scanned:
            continue
        first = A._TOKEN.match(text, h.end())
        if first is None:
            continue
        tok = first.group("tok")
        if tok[0].isdigit():
            second = A._TOKEN.match(text, first.end())
            tok = second.group("tok") if second is not None else ""
        if not tok or tok.rstrip(".").lower() in A._NOT_STREET:
            continue
        got = A._extend(text, h.end(), need_number=False, english=english, street=street, kinds=kinds)
        if got is None:
            continue
        end, words, nums, lines, odd, streetword = got
        # a number after the street words (`Allika 46`), or a next line (cue-led streets: below), or a
        # street word of another country and one more word (`31 rue Tachkent`, `26 rue des Lilas`)
        if not ((nums and odd) or (lines and (odd or nums)) or (streetword and odd >= 2)):
            scanned = max(scanned, end)
            continue
        end = A._postcode_after(text, end)
        yield ("LOCATION", s, end, 0.55, "address-block")
        done = end
    yield from A._named_streets(text)
    if low is None or len(low) != len(text):
        low = text.lower() if len(text.lower()) == len(text) else text
    yield from A._corners(text, low)  # recall2: intersections and a form's Where:/Venue: line
    yield from A._form_places(text, low, english)
    # Cue-led with no house number in front: "It's in Λεωφόρος Συγγρού 119 Nino Point".
    n = len(text)
    for cue in A._CUE_WORDS:
        pos = low.find(cue)
        while pos >= 0:
            start = pos + len(cue)
            while start < n and text[start] in " \t:":
                start += 1
            if start > done and start < n and (pos == 0 or not low[pos - 1].isalnum()) and (
                    text[start].isupper() or (text[start].isalpha() and not text[start].isascii())):
                got = A._extend(text, start, need_number=True, english=english, street=street, kinds=kinds)
                if got is not None:
                    end = got[0]
                    if cue == "corner of":  # "the corner of Dalbraut 99 and Frederikke Coves"
                        m = A._AND_STREET.match(text, end)
                        if m is not None:
                            end = m.end()
                    end = A._postcode_after(text, end)
                    yield ("LOCATION", start, end, 0.5, "address-block")
                    done = end
            pos = low.find(cue, pos + 1)


@settings(max_examples=400, deadline=None)
@given(_ADDRESS_TEXT)
def test_scan_addresses_equals_iterating_every_house_number(text):
    lex = _ENGINE._lex
    english, street = lex.english, lex.street_words
    assert list(A.scan_addresses(text, english, None, street)) == list(_reference_house_numbers(text, english, None, street))


# Texts around a dense region's 64 digit runs, packed or spread by words and line breaks.
_RUNNY = st.tuples(
    st.sampled_from(["", "Main St 12\n", "ab ", "call 555-123-4567 "]),
    st.lists(st.tuples(st.sampled_from(["1", "12", "123", "4", "٣"]), st.sampled_from([" ", "-", "/", ". ", "ab", " - ", "abc"])),
             min_size=58, max_size=72),
    st.sampled_from(["", "\n12 Main St", " x", "\n"]),
).map(lambda t: t[0] + "".join(d + g for d, g in t[1]) + t[2])


@settings(max_examples=300, deadline=None)
@given(_RUNNY)
def test_raw_hits_equal_searching_for_dense_regions_first(text):
    """`raw_hits` counts a short text's digit runs before searching it for a dense region; searching first
    (`_RUNS_FIRST` = 0, as before) finds the same."""
    got = _ENGINE.raw_hits(text)
    saved = engine_mod._RUNS_FIRST
    engine_mod._RUNS_FIRST = 0
    try:
        assert got == _ENGINE.raw_hits(text), text
    finally:
        engine_mod._RUNS_FIRST = saved


_SUFFIX_TEXT = st.lists(st.sampled_from(
    ["Haupt", "strasse", "STRASSE", "Strasse", "straße", "weg", "Weg", "gade", "utca", "katu", "Allee", "allee", "Ring",
     "ave", "road", "x", "12", "kade", "dreef", "no"]), max_size=10).map(lambda ws: " ".join(
    "".join(ws[i:i + 2]) for i in range(0, len(ws), 2)))


@settings(max_examples=500, deadline=None)
@given(_SUFFIX_TEXT)
def test_street_suffix_word_equals_searching_every_suffix(text):
    from packgate.runtime.redaction import clinical as C
    from packgate.runtime.redaction.patterns import lower_and_words

    words = lower_and_words(text)[1]
    suffixes = tuple(suf for suf in C._STREET_SUFFIXES if suf in text)
    assert C._street_suffix_word(text, words) == bool(suffixes and any(w.endswith(suffixes) for w in words)), text


def _every_rule(word, low, lex):
    """A token class that runs every rule on each token the loop took before the class table (capitalised,
    a cue word, another script, a lower-case given name; since recall3 also a verb of a journey and a
    lower-case middle initial, whose rules fire on them): `scan_names` as it was before the gate."""
    if (word[0].isupper() or low in N._CUE_ANY or not word.isascii() or low in lex.lower_first
            or low in N._MOVE_VERBS or (len(word) == 1 and word.islower())):
        return N._CANDIDATE | N._ANY_RULE
    return 0


_NAME_WORDS = st.sampled_from(
    ["Maria", "Ana", "John", "Mark", "Grant", "Hollis", "Lopez", "Smith", "Main", "Reed", "Graves", "Brown", "Lee",
     "Boston", "New", "York", "San", "Francisco", "St", "St.", "Louis", "Paris", "Viera", "East", "Old", "City", "FL",
     "PA", "MD", "Ohio", "15173", "Hospital", "Clinic", "Medical", "Center", "Mary's", "Maria's", "in", "from", "to",
     "near", "at", "lives", "daughter", "husband", "Dr.", "Mr", "name:", "seen", "by", "is", "was", "admitted",
     "denies", "Aarav", "Iyer", "Kadiev", "SUWALKI", "McAdoo", "Plavix", "disease", "olga", "krylova", "and", "José",
     "王", "Patient", "Follow", "Ave", "12", "J.", "van", "de", "Noort", "Den", "Haag", "Espoo", "Card", "lives", "said",
     "Clarke", "Fulton", "Toronto", "Bay", "Street", "Avenue", "Center", "Lake", "Heart", "Blood", "Mount", "Vernon",
     "Acme", "Battle", "Creek", "Cedar", "DeLeon", "DeJesus",
     # phrases where one rule fires on a token only because of its neighbour (each kind the gate lets through)
     "Grant, Hollis", "Smith, Maria", "Main, John", "Bay Street, Acme", "lives in Acme", "Mark Lopez", "Clarke said",
     "Main Street Clinic", "Heart Hospital", "Viera East, FL", "Old City, PA 15173", "St. Louis", "Battle Creek",
     "in Den Haag", "from Blood Lake", "Main Cedar was admitted", "Acme, Ohio", "moved to Main", "we met DeLeon today",
     # recall2's rules (merged after the gate): the words each fires on, alone and with the neighbour it needs.
     # Given names that are also words ("Amber", "Bill", "Angel"), names only a locale list holds ("Adoma",
     # "Aas"), words no list knows that rule 8 does not take ("Metoprolol", "Xo"), and the cues around them
     "Amber", "Angel", "Bill", "Adoma", "Aas", "Aloisia", "Metoprolol", "Xo", "Amber's", "Adoma's", "Xo's", "Asya's",
     "roberto's", "kid", "widow", "family", "daughter", "mika", "Amber:", '"who', '"', "\u201cwho", "can", "please",
     "you", "thanks", "home", "native", "city", "town", "hometown", "village", "of", "Council", "Hall", "del", "Cid",
     "Voorburg", "Villafranca", "call", "me", "višeslav", "ten", "Pas", "Čurin", "Darijo", "Bulgakov", "Ruoho",
     "Xarelto", "on", "500", "mg", "eric", "g.", "samoylova", "Mrs", "individual", "brother", "forward", "ג", "Info:",
     "Amber's kid", "Adoma's daughter", "Metoprolol's family", "Xo's baby", "\nAdoma: \"who", "\nBill: \u201cyes",
     "Metoprolol: \"no", "Amber, can", "Adoma, please", "Bill, thanks", "Angel, you", "home city Voorburg",
     "the town of Angel", "hometown Amber", "native town Bill", "city of Metoprolol", "capital city Xo",
     "the village of Villafranca del Cid", "call me višeslav", "calls me Adoma", "Willemine ten Pas",
     "than early Bulgakov?", "the Ruoho novel", "on Xarelto", "Xarelto 500 mg", "Darijo Čurin", "olga krylova",
     "eric g. samoylova", "Mrs individual", "brother forward", "daughter maria", "Mr smith",
     # recall3's rules: (a) a state's name as a surname, (b) a name with a drug's ending beside a person's cue
     "Washington", "Christine", "Christine Washington", "Okase", "Belvir", "Lisinopril", "says", "spent", "K.",
     "says Okase.", "Belvir spent", "Belvir K. Tomšič", "Lisinopril K. Smith", "told Belvir,",
     # (c) a lower-case place after a journey
     "flew", "returned", "moved", "Moved", "kiel", "stepdown", "skardsvikurholt", "flew to kiel", "Moved to kiel",
     "returned to stepdown", "flew to skardsvikurholt", "mr. hollis flew to", "went to Kiel",
     # (e) a lower-case middle initial
     "m", "m.", "p", "x", "bertram", "jørgensen", "emidio", "lombardo", "vitamin", "bertram m. jørgensen",
     "emidio p lombardo", "\nemidio p lombardo\n", "eric g. samoylova", "vitamin d. deficiency", "s/p",
     # (g) a dialogue's speakers
     "Destiny", "Ella", "Hope", "Remember", "Destiny: Remember", "\nDestiny: Remember", "\nElla: What",
     "Ella: What a wife.\nDestiny: Remember me", "\nHope: Improve",
     # (i) a sentence that is only a name
     "Sue", "Young", "Sue Young.", ". Sue Young. ", "Angel Brown!", ". Mark Down the",
     # (h) given something of their own
     "given", "handed", "his", "her", "Hope", "given Angel his", "handed Hope her", "gave Mom her", "gave Amber their"])
_NAME_TEXT = st.lists(st.tuples(_NAME_WORDS, st.sampled_from([" ", " ", " ", ", ", ". ", "\n", ": ", "-", "", "'s ", ': "'])),
                      max_size=16).map(lambda ps: "".join(w + g for w, g in ps))


@settings(max_examples=1500, deadline=None)
@given(_NAME_TEXT)
def test_scan_names_equals_every_rule_on_every_token(text):
    lex = _ENGINE._lex
    saved = N._classes, N._token_class
    N._classes, N._token_class = SimpleNamespace(table=lambda *lists: {}), _every_rule
    try:
        reference = list(N.scan_names(text, lex))
    finally:
        N._classes, N._token_class = saved
    assert list(N.scan_names(text, lex)) == reference, text


if __name__ == "__main__" and "--write" in sys.argv:
    EXPECTED.write_text(json.dumps(_digests(), indent=0, sort_keys=True) + "\n")
    print(f"wrote {EXPECTED}")


class _Everything:
    """A set that holds every character: `_digit_led` with it in place of `_MONTH_START` tries `_DMY_WORD`
    wherever it did before the month-start test."""

    def __contains__(self, item: object) -> bool:
        return True


_DIGIT_LED_TEXT = st.lists(st.sampled_from(
    ["1", "3", "12", "31", "123", "2021", "0049", "12345", "1234567", " ", "  ", "\t", "\n", "-", ".", "/", "(", ")",
     "+", "+44", "00", "Mar", "march", "SEP", "\u017fep", "Jan", "x", "mg", ",", "AB", "(0)", "20 7946 0958",
     "030 1234 5678", "12 Mar 2021", "3-jan-51", "(0) 20 7946 0958", "\t(30) 12 34"]), max_size=24).map("".join)


@settings(max_examples=800, deadline=None)
@given(_DIGIT_LED_TEXT)
@example("Tel 44(0) 20 7946 0958")
@example("call 030\t(0) 12 3456 78, or 49 (30) 1234 5678")
@example("seen 3 \u017fep 2021 and 4.\u017fep.21")
def test_digit_led_equals_trying_every_run(text):
    """`clinical._digit_led` tries `_DMY_WORD` only when a month can start after the run, and the phone
    patterns only when `_intl_may_follow`: with both tests answering yes everywhere (the code before them),
    the same hits come out."""
    from packgate.runtime.redaction import clinical as C

    runs = [r.span() for r in C._RUN.finditer(text)]
    got = list(C._digit_led(text, len(text), runs))
    saved = C._MONTH_START, C._intl_may_follow
    C._MONTH_START, C._intl_may_follow = _Everything(), lambda text, e, n: True
    try:
        assert got == list(C._digit_led(text, len(text), runs)), text
    finally:
        C._MONTH_START, C._intl_may_follow = saved


def test_month_start_is_every_character_a_month_can_start_with():
    """`_MONTH_START` against the regex itself, over every code point (IGNORECASE folds a few non-ASCII ones)."""
    from packgate.runtime.redaction import clinical as C

    months = re.compile(rf"{C.MONTHS}\Z", re.I)
    rests = ["an", "eb", "ar", "pr", "ay", "un", "ul", "ug", "ep", "ct", "ov", "ec"]
    initials = "".join(sorted({w[0] for w in "jan feb mar apr may jun jul aug sep oct nov dec".split()}))
    assert all(months.match(w) for w in "jan feb mar apr may jun jul aug sep oct nov dec".split())
    cls = re.compile(f"[{initials}]", re.I)
    assert C._MONTH_START == {chr(c) for c in range(0x110000) if cls.match(chr(c))}
    assert all(any(months.match(c + r) for r in rests) for c in C._MONTH_START)


_TRIGGER_TEXT = st.lists(st.sampled_from(
    ["MRN", "mrn", "Mrn:", "DOB", "born", "May", "may", "3rd", "the", "third", "of", "July", "ssn", "phone", "in", "IN",
     "Indiana", "s/n", "patient's", "zip", "62704", "123-45-6789", "555-0148", "12", "2021", "ID", "Member ID", " ",
     "  ",
     "\n", ",", ".", ":", "-", "#", "\u0130", "\u212a", "caf\u00e9", "\u00df", "x", "age", "ninety", "one", "photo"]),
    max_size=30).map("".join)


@settings(max_examples=600, deadline=None)
@given(_TRIGGER_TEXT)
def test_word_index_equals_searching_each_trigger_word(text):
    """`patterns.word_index` gives what `lower_and_words` gave and each trigger word's offsets as the
    per-word search (`_WORD_AT`) finds them; `scan_structured` with them finds what it finds without."""
    from packgate.runtime.redaction import patterns as P

    low, words, at = P.word_index(text)
    assert (low, words) == P.lower_and_words(text) and at is not None
    assert at == {w: [m.start() for m in P._WORD_AT[w].finditer(low)] for w in P._TRIGGER_SET.intersection(words)}
    runs = [r.span() for r in P._RUN.finditer(text)]
    assert list(P.scan_structured(text, low, words, runs, at)) == list(P.scan_structured(text, low, words, runs)), text


def test_word_index_leaves_long_texts_to_the_per_word_search():
    from packgate.runtime.redaction import patterns as P

    text = "MRN 12345678 seen in May. " * (P._INDEX_MAX // 26 + 1)
    assert P.word_index(text) == (*P.lower_and_words(text), None)
    assert P.word_index(text[:P._INDEX_MAX])[2]["mrn"][:2] == [0, 26]


def _flat_suffix() -> str:
    """The street suffix alternation as it was before `patterns._trie`: every word, longest first."""
    from packgate.runtime.redaction import patterns as P

    return "(?:" + "|".join(sorted(set(P._SUFFIX_WORDS), key=len, reverse=True)) + ")"


_SUFFIX_PIECES = sorted({w for w in __import__("packgate.runtime.redaction.patterns", fromlist=["x"])._SUFFIX_WORDS
                         if w[0] in "PSTCB"})
_STREET_TEXT = st.lists(st.one_of(
    st.sampled_from(_SUFFIX_PIECES),
    st.sampled_from(_SUFFIX_PIECES).map(str.lower),
    st.sampled_from(_SUFFIX_PIECES).map(str.upper),
    st.sampled_from(_SUFFIX_PIECES).map(lambda w: w[:-1]),
    st.sampled_from(_SUFFIX_PIECES).map(lambda w: w + "s"),
    st.sampled_from(["12", "4127", "9B", "7-9", " ", " ", "  ", ", ", ".", "\n", "Main", "OAK", "elm", "N", "Apt 5",
                     "of",
                     "St.", "Ste 2", "West", "3rd"]),
), max_size=16).map(lambda ws: "".join(w if i % 2 else w + " " for i, w in enumerate(ws)))


@settings(max_examples=600, deadline=None)
@given(_STREET_TEXT)
def test_street_branches_equal_the_flat_suffix_alternation(text):
    """The street branches with the suffixes factored on common prefixes (`_trie`) match where and as far
    as with the flat alternation they replaced, at every offset."""
    from packgate.runtime.redaction import patterns as P

    flat = _flat_suffix()
    for body in (P._STREET_BODY, P._STREET_LOWER_BODY, P._STREET_UPPER_BODY):
        new = re.compile(body)
        old = re.compile(body.replace(P._SUFFIX, flat).replace(P._SUFFIX.lower(), flat.lower())
                         .replace(P._SUFFIX.upper(), flat.upper()))
        assert old.pattern != new.pattern
        for i in range(len(text)):
            a, b = old.match(text, i), new.match(text, i)
            assert (a and a.span()) == (b and b.span()), (text, i)


def test_suffix_trie_is_the_same_set_of_words():
    from packgate.runtime.redaction import patterns as P

    flat, trie = re.compile(_flat_suffix() + r"\Z"), re.compile(P._SUFFIX + r"\Z")
    words = set(P._SUFFIX_WORDS)
    for w in words | {w[:-1] for w in words} | {w + "s" for w in words} | {w[1:] for w in words}:
        for v in (w, w.lower(), w.upper()):
            assert bool(flat.match(v)) == bool(trie.match(v)), v
