"""The Rust `scan_clinical` and `address_tails` (native/src/clinical.rs) return exactly what the
Python functions in `runtime/redaction/clinical.py` return: same hits, same order, on generated
note text, on place-shaped text, on every corpus text and on the adversarial inputs."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.runtime.redaction import clinical, lexicons
from packgate.runtime.redaction.addresses import scan_addresses
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.patterns import scan_structured, word_index

from .place_texts import as_ascii, place_notes
from .texts import ascii_notes


_adversarial = functools.cache(adversarial_inputs)


@functools.cache
def _lex() -> lexicons.Lexicons:
    return lexicons.load()


def _same(text: str) -> int:
    """Assert the port equals Python on `text`; the number of hits compared."""
    low, words, at = word_index(text)
    py = list(clinical.scan_clinical(text, words))
    rs = core.scan_clinical(text, *clinical.native_orders(words))
    assert rs == py
    # address_tails sees the hits it sees in the engine: every detector's, street addresses among them
    lex = _lex()
    hits = list(scan_structured(text, low, words, None, at)) + py
    hits += list(scan_addresses(text, lex.english, low, lex.street_words))
    streets = [(h[1], h[2]) for h in hits if h[4] == "street-address"]
    py_tails = clinical.address_tails(text, hits)
    assert core.address_tails(text, streets) == py_tails
    return len(py) + len(py_tails)


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
    assert sum(map(_same, texts)) > 1000  # the corpus exercises the detectors, not only empty results


@pytest.mark.parametrize("name", sorted(_adversarial()))
def test_adversarial_inputs(name: str) -> None:
    # the ones that are not ASCII stay on the Python detectors in the engine; their ASCII form is tried
    _same(as_ascii(_adversarial()[name][: 32 * 1024]))


def test_text_that_is_not_ascii_is_refused_without_its_text() -> None:
    with pytest.raises(ValueError) as err:
        core.scan_clinical("Seen by José 12/04", [], [])
    assert "José" not in str(err.value)
    with pytest.raises(ValueError):
        core.address_tails("12 Main St, Zoë 12345", [(0, 10)])
