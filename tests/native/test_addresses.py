"""The Rust `scan_addresses` (native/src/addresses.rs) returns exactly what the Python function in
`runtime/redaction/addresses.py` returns: same hits, same order, on generated note text, on
place-shaped text, on every corpus text and on the adversarial inputs."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.runtime.redaction import lexicons
from packgate.runtime.redaction.addresses import scan_addresses
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.native import lexicons as native_lexicons
from packgate.runtime.redaction.patterns import word_index

from .place_texts import as_ascii, place_notes
from .texts import ascii_notes

_adversarial = functools.cache(adversarial_inputs)


@functools.cache
def _lex() -> tuple[lexicons.Lexicons, object]:
    lex = lexicons.load()
    return lex, native_lexicons(lex)


def _same(text: str) -> int:
    """Assert the port equals Python on `text`; the number of hits compared."""
    lex, native = _lex()
    low, _, _ = word_index(text)
    py = list(scan_addresses(text, lex.english, low, lex.street_words))
    assert core.scan_addresses(text, native) == py
    return len(py)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ascii_notes())
def test_generated_notes(text: str) -> None:
    _same(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place_notes())
def test_generated_place_shapes(text: str) -> None:
    _same(text)


def test_the_corpus() -> None:
    texts = [e.text for e in build() if e.text.isascii()]
    assert len(texts) > 500
    assert sum(map(_same, texts)) > 20  # the corpus exercises the detector, not only empty results


@pytest.mark.parametrize("name", sorted(_adversarial()))
def test_adversarial_inputs(name: str) -> None:
    # the ones that are not ASCII stay on the Python detectors in the engine; their ASCII form is tried
    _same(as_ascii(_adversarial()[name][: 32 * 1024]))


def test_text_that_is_not_ascii_is_refused_without_its_text() -> None:
    _, native = _lex()
    with pytest.raises(ValueError) as err:
        core.scan_addresses("lives at 12 Rue Zoë 75001", native)
    assert "Zoë" not in str(err.value)
