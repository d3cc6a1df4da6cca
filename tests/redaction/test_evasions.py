"""Issue 9's evasions: each planted value must be gone from the redacted text, and labels must stay.

`redacted()` runs the engine as the gateway does (scan, then OPA-style transforms for the seed pack);
each case names the planted value(s) that must not survive, as a whole or as a digit/letter fragment.
"""

from __future__ import annotations

import re

import pytest

from packgate.runtime.redaction import Engine, RedactionSession, normalise


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def redacted(engine: Engine, text: str, safe_harbor: bool = False) -> str:
    findings = engine.scan(text)
    cats = sorted({f.category for f in findings if f.policy == "hipaa-phi-detector"})
    transforms = [{"policy": "hipaa-phi-detector", "action": "redact", "categories": cats,
                   "marker_format": "label", "safe_harbor": safe_harbor}]
    return engine.redact(text, findings, transforms, RedactionSession()).text


def _fold(s: str) -> str:
    folded, _ = normalise(s)
    return re.sub(r"[\W_]", "", folded.lower())


def assert_gone(out: str, *values: str) -> None:
    flat = _fold(out)
    for v in values:
        fv = _fold(v)
        assert fv not in flat, "a planted value survived redaction"
        assert v not in out, "a planted value survived redaction"


CASES = [
    # zero-width and format characters inside identifiers
    ("SSN 123\u200b-45-6789 on file.", ["123-45-6789", "6789"]),
    ("MRN: 66\u200c20\u200d194", ["6620194"]),
    ("SSN: 123\u00ad-45\u2060-6789", ["6789"]),
    ("SSN 123\ufeff45\u200b6789 noted", ["123456789"]),
    # Unicode dashes
    ("SSN 123\u201345\u20136789", ["6789"]),
    ("SSN 123\u201045\u20116789", ["6789"]),
    ("SSN 123\u221245\u22126789", ["6789"]),
    ("SSN 123\uff0d45\uff0d6789", ["6789"]),
    ("call 555\u2014123\u20144567 tonight", ["1234567", "4567"]),
    # spaced or dotted digits
    ("SSN 1 2 3 4 5 6 7 8 9 given", ["123456789"]),
    ("SSN 123.45.6789 given", ["6789"]),
    ("MRN 6 6 2 0 1 9 4", ["6620194"]),
    # fullwidth digits and labels, other scripts' digits
    ("\uff33\uff33\uff2e \uff11\uff12\uff13-\uff14\uff15-\uff16\uff17\uff18\uff19", ["6789"]),
    ("\uff2d\uff32\uff2e\uff1a \uff16\uff16\uff12\uff10\uff11\uff19\uff14", ["6620194"]),
    ("MRN \u0666\u0666\u0662\u0660\u0661\u0669\u0664 (Arabic-Indic)", ["6620194"]),
    # dates
    ("DOB 03-Mar-1951.", ["03mar1951", "1951"]),
    ("born 04MAR1951", ["04mar1951"]),
    ("Collected 19510304 per lab", ["19510304"]),
    ("Seen on 4.3.1951 in clinic", ["431951"]),
    ("DOB 04/03/1951", ["04031951"]),
    ("DOB 24/03/1951", ["24031951"]),
    ("hysterectomy 4/81, cholecystectomy 11/04", ["481", "1104"]),
    ("Has had chest pain since October.", ["october"]),
    ("admitted in early March for COPD", ["march"]),
    # names
    ("Patient Zo\u00eb \u00c5ngstr\u00f6m-N\u00fa\u00f1ez seen today.", ["zoe", "angstrom"]),
    ("Patient \u738b\u5c0f\u660e was admitted.", ["\u738b\u5c0f\u660e"]),
    ("Patient \u0645\u062d\u0645\u062f \u0627\u0644\u0639\u0644\u064a reports pain.", ["\u0645\u062d\u0645\u062f"]),
    ("Spoke with husband sean o'sullivan today.", ["sullivan"]),
    ("Grant, Hollis is a 64 yo man with CHF.", ["grant", "hollis"]),
    ("Electronically signed: HOLLIS GRANT, M.D.", ["hollis", "grant"]),
    ('Patient Robert "Bobby" Kowalczyk presented.', ["bobby", "kowalczyk", "robert"]),
    # identifiers with odd labels and shapes
    ("MR:\t6620194", ["6620194"]),
    ("Please call pager 47120 with results.", ["47120"]),
    ("RKT:morrow\nD: 03/04/2019", ["morrow"]),
    ("LMP/baker/hale", ["baker", "hale"]),
    ("CEDAR VALLEY EMERGENCY DEPT\nTriage note", ["cedarvalley"]),
    ("Claim ref 731-22-41-9 pending", ["73122419"]),
    ("Accession QK114/20391 received", ["qk11420391"]),
    ("Login came from 10.22.31.4.", ["1022314"]),
    ("exported chartMRN03391842 row", ["03391842"]),
    ("Voiceprint ID VP-210C on file.", ["vp210c"]),
    ("ID [M448812] attached", ["448812"]),
    ("My IBAN is GB90YNTU67299444055881", ["67299444055881", "ynt"]),
    ("IBAN DE89 3704 0044 0532 0130 00 for refunds", ["0532", "013000"]),
    # digit groups joined by a separator no identifier pattern read (join_digit_groups)
    ("SSN 123*45*6789 on file.", ["123456789", "6789"]),
    ("call 555|867|5309 tonight", ["5558675309", "5309"]),
    ("card 4111\u00b71111\u00b71111\u00b71111 on file", ["4111111111111111", "1111"]),
    ("MRN 00:48:39:21 attached", ["00483921"]),
]


@pytest.mark.parametrize("text,values", CASES, ids=[str(i) for i in range(len(CASES))])
def test_planted_value_is_gone(engine, text, values):
    assert_gone(redacted(engine, text), *values)


def test_labels_stay_values_go(engine):
    assert redacted(engine, "Patient Jane Doe, DOB 02/14/1958.") == "Patient [NAME], DOB [DATE]."
    assert redacted(engine, "Patient Jane Doe, DOB 02/14/1958.", safe_harbor=True) == "Patient [NAME], DOB 1958."
    out = redacted(engine, "MRN: 48812345. SSN: 123-45-6789. Dr. Hollis Grant saw the patient.")
    for label in ("MRN:", "SSN:", "Dr.", "the patient"):
        assert label in out
    assert_gone(out, "48812345", "6789", "hollis")


def test_clinical_words_stay(engine):
    text = ("HISTORY OF PRESENT ILLNESS: 64 yo with CHF on lisinopril 10 mg daily and metoprolol.\n"
            "ASSESSMENT AND PLAN: Continue furosemide 40 mg PO BID. Pain 3/10. Strength 4/5. BP 120/80.")
    assert redacted(engine, text) == text
    # brand names and eponyms are capitalised words no dictionary lists, like foreign names: they stay
    meds = ("MEDICATIONS: Eliquis 5 mg BID, Jardiance 10 mg daily, Entresto 24/26 mg BID, Spiriva, Symbicort, "
            "Xarelto, Plavix, Norvasc, Synthroid 75 mcg. Switched to Xarelto. Raynaud phenomenon, Hashimoto "
            "thyroiditis, Takotsubo pattern on echo; Type 2 Diabetes Mellitus on Lantus. SpO2 97%, NaCl 0.9%.")
    assert redacted(engine, meds) == meds


def test_unknown_names_in_context(engine):
    out = redacted(engine, "Producer Mashuu Samurakami flew in from Pelhrimov; Kadiev and Adams agreed.")
    assert_gone(out, "Mashuu", "Samurakami", "Pelhrimov", "Kadiev")
    out = redacted(engine, "Phone: 72 128 827. Jouko lives nearby. Ms. Austin flew to RYSSBY on Sunday.\nApt. 030")
    assert_gone(out, "72128827", "Jouko", "RYSSBY", "030")
    keep = "Plavix is a blood thinner. Switched to Xarelto. Lasix was held."
    assert redacted(engine, keep) == keep


def test_engine_markers_are_skipped_but_lookalikes_are_not(engine):
    once = redacted(engine, "Patient Jane Doe, MRN 48812345.")
    assert redacted(engine, once) == once
    assert_gone(redacted(engine, "see [MRN 48812345] and [X448812]"), "48812345", "448812")


def test_markers_replace_original_characters(engine):
    text = "SSN \uff11\uff12\uff13\u200b-45-6789 ok"
    out = redacted(engine, text)
    assert out.startswith("SSN [SSN]") and out.endswith(" ok")


def test_split_across_parts(engine):
    parts = ["My SSN is 123-45", "-6789 thanks", "Patient Jane", " Doe arrived"]
    per_part = engine.scan_many(parts)
    assert len(per_part) == len(parts)
    cats = sorted({f.category for fs in per_part for f in fs})
    transforms = [{"policy": "hipaa-phi-detector", "action": "redact", "categories": cats, "marker_format": "label"}]
    session = RedactionSession()
    out = [engine.redact(p, fs, transforms, session).text for p, fs in zip(parts, per_part)]
    assert "123" not in out[0] and "45" not in out[0]
    assert "6789" not in out[1] and out[1].endswith(" thanks")
    assert "Jane" not in out[2] and "Doe" not in out[3]


def test_scan_many_single_part_matches_scan(engine):
    text = "Patient Jane Doe, DOB 02/14/1958."
    assert engine.scan_many([text]) == [engine.scan(text)]


# Digit groups joined by a separator no identifier pattern read: every such value got through, on both
# engines, until `normalise.join_digit_groups` (and its Rust twin in native/src/scan.rs) ran first.
_SEPARATORS = ["*", "|", "~", "_", ",", ":", "\u2022", "\u00b7", "\u2219", "\u22c5", "\u2027", "\u30fb",
               "\uff65", "\u0387"]
_SHAPES = [("SSN {}", ["123", "45", "6789"]), ("call {}", ["555", "867", "5309"]),
           ("card {}", ["4111", "1111", "1111", "1111"]), ("MRN {}", ["00", "48", "39", "21"])]


@pytest.mark.parametrize("native", [True, False], ids=["rust", "python"])
@pytest.mark.parametrize("sep", _SEPARATORS)
def test_digit_groups_with_any_separator_are_found(sep, native):
    engine = Engine.default(native=native)
    for shape, groups in _SHAPES:
        text = "Patient record: " + shape.format(sep.join(groups)) + " on file."
        covered = {i for f in engine.scan(text) if f.policy == "hipaa-phi-detector" for i in range(f.start, f.end)}
        leaked = "".join(c for i, c in enumerate(text) if c.isdigit() and i not in covered)
        assert leaked == "", f"{shape} joined by U+{ord(sep):04X}: digits left"


@pytest.mark.parametrize("native", [True, False], ids=["rust", "python"])
def test_numbers_times_and_ranges_are_not_identifiers(native):
    engine = Engine.default(native=native)
    for text in ("Population 1,234,567 in the county.", "Seen at 10:45:30 today.", "Dilute 1:1000 before use.",
                 "Pain 5~10 over the day.", "Grid 2*3 cells.", "Scores 3|4|5 recorded."):
        assert [f for f in engine.scan(text) if f.policy == "hipaa-phi-detector"] == [], text
