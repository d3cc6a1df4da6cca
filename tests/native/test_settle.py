"""The Rust ports of the settling of spans (`native/src/settle.rs`) return exactly what the Python
functions return: `findings.settle_spans` on a policy's mapped spans and the engine's
`_union_same_category` on its raw hits, for random span lists and for the spans the engine makes of
the corpus, of generated ASCII notes, of text in other scripts and of the adversarial inputs."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.runtime.redaction import Engine
from packgate.runtime.redaction.engine import _union_same_category
from packgate.runtime.redaction.findings import settle_spans
from packgate.runtime.redaction.native import core
from packgate.runtime.redaction.normalise import normalise

from .texts import any_notes, ascii_notes

_CATS = st.sampled_from(["NAME", "LOCATION", "DATE", "ID", "PHONE", "CUSTOM_é", "B", "A"])
_CONF = st.sampled_from([0.5, 0.55, 0.6, 0.6, 0.9, 0.95, 1.0, 1, -0.0, 0.0])


def _spans(max_start: int, max_len: int):
    return st.lists(st.tuples(_CATS, st.integers(0, max_start), st.integers(0, max_len), _CONF,
                              st.sampled_from(["a", "b", "name-list"])), max_size=40).map(
        lambda raw: [(c, s, s + n, conf, det) for c, s, n, conf, det in raw])


@settings(max_examples=1000, deadline=None)
@given(_spans(60, 20))
def test_random_spans_settle_the_same(spans) -> None:
    assert core.settle_spans(spans) == settle_spans(spans)


@settings(max_examples=300, deadline=None)
@given(_spans(8, 6))
def test_crowded_spans_settle_the_same(spans) -> None:
    """Many spans over a few characters: one big cluster, ties of every rank key, zero-length spans."""
    assert core.settle_spans(spans) == settle_spans(spans)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(0, 3), st.integers(1, 6), _CONF,
                          st.sampled_from(["a", "b"])), max_size=30), st.randoms())
def test_disjoint_spans_settle_the_same(raw, rnd) -> None:
    """Spans laid end to end (gap 0 included) in any order: Python's no-overlap path."""
    spans, pos = [], 0
    for c, gap, n, conf, det in raw:
        spans.append((c, pos + gap, pos + gap + n, conf, det))
        pos += gap + n
    rnd.shuffle(spans)
    assert core.settle_spans(spans) == settle_spans(spans)


@settings(max_examples=1000, deadline=None)
@given(_spans(60, 20))
def test_random_hits_unite_the_same(hits) -> None:
    assert core.union_same_category(hits) == _union_same_category(hits)


@settings(max_examples=300, deadline=None)
@given(_spans(8, 6))
def test_crowded_hits_unite_the_same(hits) -> None:
    assert core.union_same_category(hits) == _union_same_category(hits)


@functools.cache
def _oracle() -> Engine:
    return Engine.default(native=False)


def _differ(text: str) -> list[str]:
    """Where the ports differ on the spans the engine makes of `text` (its raw hits, then each policy's)."""
    eng = _oracle()
    folded = normalise(text)[0]
    hits = eng.raw_hits(folded)
    out = []
    united = _union_same_category(hits)
    if core.union_same_category(hits) != united:
        out.append("union")
    for pol in eng._policies:
        mapped = [(pol.mapping[c], s, e, conf, det) for c, s, e, conf, det in united if c in pol.mapping and e > s]
        if core.settle_spans(mapped) != settle_spans(mapped):
            out.append(pol.name)
    return out


def test_the_corpus_settles_the_same() -> None:
    texts = [e.text for e in build()]
    assert len(texts) > 500
    differ = [(i, d) for i, t in enumerate(texts) if (d := _differ(t))]
    assert differ == [], f"{len(differ)} corpus texts differ, first {differ[:5]}"


def test_the_adversarial_inputs_settle_the_same() -> None:
    for name, text in adversarial_inputs().items():
        assert _differ(text[: 32 * 1024]) == [], name


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ascii_notes())
def test_generated_notes_settle_the_same(text: str) -> None:
    assert _differ(text) == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_notes())
def test_text_with_other_scripts_settles_the_same(text: str) -> None:
    assert _differ(text) == []


def test_kept_spans_are_the_callers_own_tuples() -> None:
    """A span settling leaves as it is comes back as the same object (no copy per finding); a moved
    bound makes a new tuple of the same members."""
    a, b = ("NAME", 0, 4, 0.9, "x"), ("NAME", 2, 9, 0.5, "y")
    c = ("DATE", 20, 24, 0.9, "z")
    got = core.settle_spans([c, b, a])
    assert got == [("NAME", 0, 9, 0.9, "x"), c] and got[1] is c


def test_spans_that_are_not_five_tuples_are_refused() -> None:
    with pytest.raises(TypeError):
        core.settle_spans([["NAME", 0, 4, 0.9, "x"]])
    with pytest.raises((TypeError, IndexError)):
        core.union_same_category([("NAME", 0, 4), ("NAME", 1, 5)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_CATS, st.sampled_from([-(2**63), -5, 0, 3, 2**62, 2**63 - 40]), st.integers(0, 39), _CONF,
                          st.just("a")), max_size=12))
def test_extreme_offsets_settle_the_same(raw) -> None:
    """Offsets at the ends of a 64-bit integer: lengths are compared without overflow."""
    spans = [(c, s, s + n, conf, det) for c, s, n, conf, det in raw]
    assert core.settle_spans(spans) == settle_spans(spans)
    assert core.union_same_category(spans) == _union_same_category(spans)
