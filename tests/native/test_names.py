"""The Rust `scan_names` returns exactly what `names.scan_names` (the oracle) yields on ASCII text."""

from __future__ import annotations

import functools

import packgate_native
import pytest
from hypothesis import HealthCheck, given, settings

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.runtime.redaction import lexicons, names, native, patterns, wordlists

from .texts import ascii_notes, name_notes


@functools.cache
def _lex() -> tuple[lexicons.Lexicons, object]:
    lex = lexicons.load()
    return lex, native.lexicons(lex)


def _same(text: str) -> None:
    lex, handed = _lex()
    want = list(names.scan_names(text, lex))
    got = packgate_native.scan_names(text, handed)
    assert got == want


def test_every_corpus_text_finds_the_same() -> None:
    lex, handed = _lex()
    texts = [e.text for e in build()]
    assert len(texts) > 500
    checked = [t for t in texts if t.isascii()]
    assert len(checked) > 400
    differ = [i for i, t in enumerate(checked)
              if packgate_native.scan_names(t, handed) != list(names.scan_names(t, lex))]
    assert differ == [], f"{len(differ)} corpus texts differ, first at {differ[:5]}"
    # the comparison sees hits, not two empty lists
    assert sum(len(packgate_native.scan_names(t, handed)) for t in checked[:50]) > 20


@pytest.mark.parametrize("name", sorted(adversarial_inputs()))
def test_adversarial_inputs_cut_to_32_kib_find_the_same(name: str) -> None:
    text = adversarial_inputs()[name][: 32 * 1024]
    if not text.isascii():
        text = text.encode("ascii", "ignore").decode()
    _same(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ascii_notes())
def test_generated_notes_find_the_same(text: str) -> None:
    assert text.isascii()
    _same(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name_notes())
def test_generated_name_shapes_find_the_same(text: str) -> None:
    _same(text)


def test_text_that_is_not_ascii_is_refused_without_echoing_it() -> None:
    _, handed = _lex()
    with pytest.raises(ValueError) as err:
        packgate_native.scan_names("Patient José Smith", handed)
    assert "Jos" not in str(err.value) and "Smith" not in str(err.value)


def test_the_ports_word_lists_are_the_pythons() -> None:
    """The Rust side spells the hand-kept lists out; each must equal its Python twin."""
    rust = packgate_native.names_wordlists()
    mods = (names, wordlists)
    for key, value in rust.items():
        if key in ("_DRUG_STEM", "_ENGLISH_SUFFIX", "_VERBISH", "_TOWN_ENDING"):
            pattern = getattr(names, key).pattern
            assert pattern.startswith("(?:") and pattern.endswith(")\\Z"), key
            assert sorted(set(pattern[3:-3].split("|"))) == sorted(set(value)), key
            continue
        if key == "_STATE_AFTER":
            assert value.replace("^(?-u:", "").rstrip(")") == names._STATE_AFTER.pattern, key
            continue
        if key == "ROLE_BIGRAMS":
            assert sorted(value) == sorted(wordlists.ROLE_BIGRAMS)
            continue
        src = next(getattr(m, key) for m in mods if hasattr(m, key))
        assert sorted(value) == sorted(src), key
    assert set(rust) >= {"COMMON", "_NEVER", "_CUE_ANY", "_FACILITY_CAP", "_STREET_TYPES", "_STATE_TOKENS"}
    assert patterns._STATE_ABBR in rust["_STATE_AFTER"]
