"""The whole engine with its Rust ports finds exactly what the Python engine (the oracle) finds.

Per-port tests (`test_<port>.py`) hold each port equal to the function it replaces; this one holds
the engine's findings equal end to end, on the in-repo corpus, on generated ASCII text and on text
that is not ASCII (which the engine keeps on the Python detectors).
"""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.redaction.corpus import build
from packgate.runtime.redaction import Engine

from .texts import ascii_notes, any_notes


@functools.cache
def _engines() -> tuple[Engine, Engine]:
    return Engine.default(), Engine.default(native=False)


def test_the_corpus_finds_the_same() -> None:
    fast, oracle = _engines()
    texts = [e.text for e in build()]
    assert len(texts) > 500
    differ = [i for i, t in enumerate(texts) if fast.scan(t) != oracle.scan(t)]
    assert differ == [], f"{len(differ)} corpus texts differ, first at index {differ[:5]}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ascii_notes())
def test_generated_ascii_text_finds_the_same(text: str) -> None:
    fast, oracle = _engines()
    assert fast.scan(text) == oracle.scan(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_notes())
def test_text_with_other_scripts_finds_the_same(text: str) -> None:
    fast, oracle = _engines()
    assert fast.scan(text) == oracle.scan(text)


# Digit groups joined by separators (`normalise.join_digit_groups` and its Rust twin in scan.rs): runs of
# every length around the 6- and 7-digit thresholds, groups around the 12-digit limit, thousands and
# time shapes, mixed separators, bullets (which reach Rust as "|") and text around them.
_GROUP = st.text(alphabet="0123456789", min_size=1, max_size=14)
_SEP = st.sampled_from([",", ":", "|", "*", "~", "_", "-", ".", " ", "\u2022", "/"])


@st.composite
def _separated(draw: st.DrawFn) -> str:
    pieces = [draw(_GROUP)]
    same = draw(st.booleans())
    sep = draw(_SEP)
    for _ in range(draw(st.integers(1, 5))):
        pieces += [sep if same else draw(_SEP), draw(_GROUP)]
    lead = draw(st.sampled_from(["", "SSN ", "call ", "MRN: ", "x", "7", "Pain ", "\u2022 "]))
    tail = draw(st.sampled_from(["", ".", " on file", "a", "5", "\u00b0C"]))
    return lead + "".join(pieces) + tail


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_separated(), min_size=1, max_size=3).map(" ".join))
def test_digit_groups_joined_by_separators_find_the_same(text: str) -> None:
    fast, oracle = _engines()
    assert fast.scan(text) == oracle.scan(text)
