"""normalise(): what folds, what stays, and that offsets lead back to the original characters."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from packgate.runtime.redaction import Engine, RedactionSession, normalise
from packgate.runtime.redaction.normalise import fold_cluster


def test_ascii_is_returned_as_is():
    text = "Patient Jane Doe, MRN 1234567."
    folded, offsets = normalise(text)
    assert folded is text and offsets.identity and offsets.span(3, 7) == (3, 7)


def test_folds():
    cases = {
        "123\u200b-45-6789": "123-45-6789",
        "pres\u00adcribe": "prescribe",
        "123\u201345\u20146789": "123-45-6789",
        "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d": "-" * 9,
        "\uff11\uff12\uff13": "123",
        "\u0661\u0662\u0663": "123",
        "\u0967\u0968\u0969": "123",
        "\uff2d\uff32\uff2e\uff1a": "MRN:",
        "O\u2019Sullivan": "O'Sullivan",
        "a\u00a0b\u2009c": "a b c",
        "Jose\u0301": "Jos\u00e9",
        "\ufeffword\u2060": "word",
    }
    for raw, want in cases.items():
        assert normalise(raw)[0] == want


def test_offsets_map_back_to_original_characters():
    raw = "SSN \uff11\uff12\uff13\u200b-\u200b45-6789 ok"
    folded, offsets = normalise(raw)
    s = folded.index("123")
    e = folded.index(" ok")
    a, b = offsets.span(s, e)
    assert raw[a:b].startswith("\uff11") and raw[a:b].endswith("9") and raw[b:] == " ok"


def test_offsets_with_expansions_and_combining_marks():
    raw = "x\ufb01 Jose\u0301 \u00bd y"  # ligature, combining accent, vulgar fraction
    folded, offsets = normalise(raw)
    assert folded == "xfi Jos\u00e9 1/2 y"
    j = folded.index("Jos\u00e9")
    assert raw[slice(*offsets.span(j, j + 4))] == "Jose\u0301"
    h = folded.index("1/2")
    assert raw[slice(*offsets.span(h, h + 3))] == "\u00bd"


def _redact_all(engine: Engine, text: str) -> str:
    findings = engine.scan(text)
    cats = sorted({f.category for f in findings if f.policy == "hipaa-phi-detector"})
    tr = [{"policy": "hipaa-phi-detector", "action": "redact", "categories": cats, "marker_format": "label"}]
    return engine.redact(text, findings, tr, RedactionSession()).text


def test_large_adversarial_inputs_are_redacted_correctly():
    """Behaviour on 1 MiB inputs (their timing is bench/redaction/speed.py --adversarial's job)."""
    engine = Engine.default()
    mib = 1 << 20
    spaced = ("1 2 3 4 5 6 7 8 9 0 " * (mib // 20 + 1))[:mib]
    assert not any(c.isdigit() for c in _redact_all(engine, spaced))
    run = "7" * mib
    assert not any(c.isdigit() for c in _redact_all(engine, run))
    wide = ("\uff11\uff12\uff13\u200b-45-6789 " * (mib // 16 + 1))[:mib]
    assert "6789" not in _redact_all(engine, wide)
    dashes = "-" * mib
    assert _redact_all(engine, dashes) == dashes


# --- the cluster path against the straightforward one (a character at a time) -----------------------


def _straightforward(text: str) -> tuple[str, list[int], list[int]]:
    """Each character with the combining marks after it is one cluster, folded as one; every folded
    character maps to its whole cluster (ASCII characters with no mark after them map to themselves)."""
    out, start, end = [], [], []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        folded = fold_cluster(text[i:j])
        out.append(folded)
        start.extend([i] * len(folded))
        end.extend([j] * len(folded))
        i = j
    return "".join(out), start, end


_MARKED = st.text(alphabet=st.sampled_from(
    list("ab 1-\n") + ["\u0301", "\u0308", "\u0327", "\u20dd", "\u00e9", "\u00f1", "\u200b", "\uff11", "\ufb01",
                       "\u2013", "\u0661", "\u3000", "\u1100", "\u1161"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_MARKED)
def test_cluster_path_matches_the_straightforward_one(text):
    if not any(unicodedata.combining(c) for c in text):
        text += "e\u0301"  # the cluster path is taken only when a combining mark is present
    folded, offsets = normalise(text)
    want, start, end = _straightforward(text)
    assert folded == want
    if offsets.identity:
        assert want == text
        return
    for s in range(len(folded)):
        for e in range(s + 1, min(len(folded), s + 6) + 1):
            assert offsets.span(s, e) == (start[s], end[e - 1])
    assert offsets.span(len(folded), len(folded)) == (len(text), len(text))
