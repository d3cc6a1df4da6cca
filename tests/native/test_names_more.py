"""The Rust ports of names.py's last four detectors (`native/src/names_more.rs`) return exactly what the
Python functions return: `list_neighbours`, `repeat_mentions`, `joined_names`, `numbered_places`, given
the spans `scan_names` found (as the engine passes them) and spans drawn at random."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.runtime.redaction import lexicons
from packgate.runtime.redaction import names as N
from packgate.runtime.redaction import wordlists as W
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.native import lexicons as native_lexicons
from packgate.runtime.redaction.normalise import normalise

from .texts import ascii_notes, name_lists


@functools.cache
def _lex():
    lex = lexicons.load()
    return lex, native_lexicons(lex)


def _differ(text: str, names=None, places=None) -> list[str]:
    """The detectors whose port differs from Python on `text` (empty: all equal)."""
    lex, nat = _lex()
    if names is None:
        found = list(N.scan_names(text, lex))
        names = [(h[1], h[2]) for h in found if h[0] == "NAME"]
        places = [(h[1], h[2]) for h in found]
    out = []
    if core.list_neighbours(text, names, nat) != list(N.list_neighbours(text, names, lex)):
        out.append("list_neighbours")
    if core.repeat_mentions(text, names, nat) != list(N.repeat_mentions(text, names, lex)):
        out.append("repeat_mentions")
    if core.joined_names(text, nat) != list(N.joined_names(text, lex)):
        out.append("joined_names")
    if core.numbered_places(text, places, nat) != list(N.numbered_places(text, places, lex)):
        out.append("numbered_places")
    return out


def test_the_copied_word_sets_are_names_pys() -> None:
    got = core.names_more_words()
    for name, want in [("COMMON", W.COMMON), ("_NEVER", N._NEVER), ("STATES", N.STATES), ("_FUNCTION", N._FUNCTION),
                       ("TITLES", W.TITLES), ("_EPONYM_HEADS", N._EPONYM_HEADS), ("_EPONYMS", N._EPONYMS)]:
        assert sorted(got[name]) == sorted(want), name
    assert "(?:" + "|".join(got["_DRUG_STEM"]) + r")\Z" == N._DRUG_STEM.pattern


def test_the_corpus_finds_the_same() -> None:
    texts = [e.text for e in build() if e.text.isascii()]
    assert len(texts) > 500
    differ = [(i, d) for i, t in enumerate(texts) if (d := _differ(t))]
    assert differ == [], f"{len(differ)} corpus texts differ, first {differ[:5]}"


def test_the_adversarial_inputs_find_the_same() -> None:
    checked = 0
    for name, text in adversarial_inputs().items():
        text = text[: 32 * 1024]
        if not text.isascii():
            text = normalise(text)[0]  # the engine scans the folded text
        if text.isascii():
            assert _differ(text) == [], name
            checked += 1
    assert checked >= 15


def test_the_joined_streets_input_finds_the_same_whole() -> None:
    """The 1 MiB input `joined_names` was slowest on, whole (83,886 hits)."""
    lex, nat = _lex()
    text = adversarial_inputs()["joined streets"]
    got = core.joined_names(text, nat)
    assert len(got) > 80_000 and got == list(N.joined_names(text, lex))


_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]


def _ascii(text: str) -> str:
    """`ascii_notes()` text as ASCII: its `from_regex` digits may be other scripts' ("\u0660"), which the
    engine never hands to a port."""
    return "".join(c if c.isascii() else "7" for c in text)


@settings(max_examples=300, deadline=None, suppress_health_check=_HEALTH)
@given(ascii_notes().map(_ascii))
def test_generated_notes_find_the_same(text: str) -> None:
    assert _differ(text) == []


@settings(max_examples=300, deadline=None, suppress_health_check=_HEALTH)
@given(name_lists().map(_ascii))
def test_generated_name_lists_find_the_same(text: str) -> None:
    assert _differ(text) == []


@settings(max_examples=300, deadline=None, suppress_health_check=_HEALTH)
@given(st.one_of(name_lists(), ascii_notes(max_pieces=20)).map(_ascii), st.data())
def test_spans_anywhere_find_the_same(text: str, data: st.DataObject) -> None:
    """Spans no detector found, anywhere in the text (and just past its end): every branch, not only
    the ones `scan_names`' spans reach."""
    n = len(text)
    spans = data.draw(st.lists(st.tuples(st.integers(0, n + 2), st.integers(0, 24)).map(lambda p: (p[0], p[0] + p[1])),
                               max_size=12))
    assert _differ(text, spans, spans) == []


def test_text_that_is_not_ascii_is_refused_without_the_text() -> None:
    _, nat = _lex()
    text = "seen by José Ribeiro and Ana Lopez 66"
    for call in (lambda: core.list_neighbours(text, [(8, 12)], nat), lambda: core.repeat_mentions(text, [(8, 12)], nat),
                 lambda: core.joined_names(text, nat), lambda: core.numbered_places(text, [(8, 12)], nat)):
        with pytest.raises(ValueError) as err:
            call()
        assert "Jos" not in str(err.value) and "Lopez" not in str(err.value)
