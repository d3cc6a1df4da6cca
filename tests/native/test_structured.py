"""`packgate_native.scan_structured` returns what `patterns.scan_structured` returns, on ASCII text.

The one liberty: Python walks the trigger words in `set` order, which follows the string hash (it
changes with PYTHONHASHSEED), so the hits of the word-triggered rules are compared as a multiset; every
section after them (the digit family, e-mail, URLs, domains, image files, IPv6, counties) must come in
Python's order, and the whole list must hold the same tuples, floats and strings included.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import packgate_native
import pytest
from hypothesis import HealthCheck, given, settings

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.runtime.redaction import patterns
from packgate.runtime.redaction.normalise import normalise

from .texts import ascii_notes, structured_notes

ROOT = Path(__file__).resolve().parents[2]


def _python(text: str) -> tuple[list[patterns.Hit], list[patterns.Hit]]:
    """The Python function as the engine calls it, and its hits after the word-triggered ones."""
    runs = [m.span() for m in patterns._RUN.finditer(text)]
    low, words, at = patterns.word_index(text)
    full = list(patterns.scan_structured(text, low, words, runs, at))
    tail = list(patterns.scan_structured(text, low, set(), runs, {}))  # no trigger word present
    return full, tail


def _assert_same(text: str) -> None:
    assert text.isascii()
    runs = [m.span() for m in patterns._RUN.finditer(text)]
    port = packgate_native.scan_structured(text, runs)
    full, tail = _python(text)
    assert Counter(port) == Counter(full)
    assert len(port) == len(full)
    assert port[len(port) - len(tail):] == tail
    assert packgate_native.scan_structured(text) == port  # runs found on the Rust side are the same


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ascii_notes())
def test_generated_notes_give_the_same_hits(text: str) -> None:
    _assert_same(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_notes())
def test_generated_identifiers_give_the_same_hits(text: str) -> None:
    _assert_same(text)


def test_every_corpus_text_gives_the_same_hits() -> None:
    texts = [e.text for e in build()]
    ascii_texts = [t for t in texts if t.isascii()]
    assert len(ascii_texts) > 500
    found = 0
    for text in ascii_texts:
        _assert_same(text)
        found += len(packgate_native.scan_structured(text))
    assert found > 1000  # the corpus exercises the port, it does not just agree on nothing
    for text in texts:
        folded = normalise(text)[0]
        if folded.isascii() and not text.isascii():
            _assert_same(folded)


def test_adversarial_inputs_give_the_same_hits() -> None:
    compared = 0
    for text in adversarial_inputs().values():
        for cut in {text[:32768], normalise(text[:32768])[0][:32768]}:
            if cut.isascii():
                _assert_same(cut)
                compared += 1
    assert compared >= 12
    # runs of hex digits and colons, which the port tries once per run where Python tries every colon
    for text in ("1:" * 1500, "a:" * 700 + "1::2 x", ("fe80::1:" * 3 + " 10:20:30 ") * 120, "::" * 400 + "1:2:3:4:5:6:7:8"):
        _assert_same(text)


def test_text_that_is_not_ascii_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError) as err:
        packgate_native.scan_structured("DOB 03/04/1951 Jos\u00e9 secret-value")
    assert "secret" not in str(err.value) and "1951" not in str(err.value)


def test_the_pattern_tables_are_generated_from_the_python_module() -> None:
    fresh = subprocess.run([sys.executable, str(ROOT / "native" / "gen_structured.py")], capture_output=True,
                           text=True, check=True, cwd=ROOT).stdout
    assert fresh == (ROOT / "native" / "src" / "structured_tables.rs").read_text()


def test_matches_deeper_than_the_jit_stack_give_the_same_hits() -> None:
    # a domain of 200,000 labels outgrows PCRE2's JIT stack: the port runs such a match again on the
    # interpreter (heap frames), as Python's re has no such limit
    for text in ("a." * 200000 + "com", "x@" + "a." * 200000 + "com", "see " + "a-b." * 100000 + "org/x"):
        _assert_same(text)
