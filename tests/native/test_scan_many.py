"""A request's slots scanned and redacted without the Python around the Rust scan: `scan_slots` on an
engine whose Rust scanner covers the texts (`core.Scanner.scan_many`: the joined text and each part in
one call, clipped, merged and counted there) returns exactly what it returns on the Python oracle
(`Engine(native=False)`, whose `scan_many` builds `Finding`s); and `redact_slots`, which redacts from the
plain tuples (`Engine.redact_plain`), rewrites the same text, counts the same categories and issues the
same session tokens as the redaction did from `Finding` objects (`_redact_slots_before`, below).

Requests of 1 to 5 parts: generated notes, values split across parts (`123-45` | `-6789`, `Jane` | `Doe`),
empty parts, markers, text that is not ASCII (the fallback); every corpus text split at random points;
the adversarial inputs cut small and split."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.runtime.gateway.scanning import redact_slots, scan_slots
from packgate.runtime.redaction import Engine, Finding, RedactionSession
from packgate.runtime.redaction.categories import category_map
from packgate.runtime.redaction.findings import HIPAA, PII
from packgate.runtime.redaction.markers import render

from .test_scan import _pairs
from .texts import any_notes, ascii_notes, name_notes, structured_notes


def _redact_before(text: str, findings: list[Finding], transforms: list[dict[str, Any]],
                   session: RedactionSession) -> tuple[str, list[dict[str, Any]]]:
    """`Engine.redact` as it was before it took tuples (main at 5117a61): the oracle, (text, metadata)."""
    plan: list[tuple[int, int, int, Finding]] = []
    tlist = [t for t in transforms if t.get("action", "redact") == "redact"]
    wanted = {(t.get("policy"), c): i for i, t in reversed(list(enumerate(tlist))) for c in t.get("categories", [])}
    for f in findings:
        idx = wanted.get((f.policy, f.category))
        if idx is not None and 0 <= f.start < f.end <= len(text):
            plan.append((f.start, f.end, idx, f))
    if not plan:
        return text, []
    plan.sort(key=lambda p: (p[0], -p[1], p[2]))
    groups: list[list[tuple[int, int, int, Finding]]] = []
    for item in plan:
        if groups and item[0] < max(p[1] for p in groups[-1]):
            groups[-1].append(item)
        else:
            groups.append([item])
    pieces: list[str] = []
    meta: list[dict[str, Any]] = []
    pos = out_len = 0
    for g in groups:
        start, end = g[0][0], max(p[1] for p in g)
        lead = min(g, key=lambda p: (p[2], -(p[1] - p[0]), -p[3].confidence))
        f, t = lead[3], tlist[lead[2]]
        pieces.append(text[pos:start])
        out_len += start - pos
        marker = render(text[start:end], f.category, t, session)
        pieces.append(marker)
        if t.get("include_metadata"):
            meta.append({"category": f.category, "policy": f.policy, "detector": f.detector,
                         "start": out_len, "end": out_len + len(marker), "confidence": f.confidence})
        out_len += len(marker)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), meta


def _redact_slots_before(texts: list[str], per_slot: list[list[Finding]], transforms: list[dict[str, Any]],
                         session: RedactionSession) -> tuple[dict[int, str], list[str]]:
    named = {(t.get("policy"), c) for t in transforms for c in t.get("categories") or []}
    rewritten: dict[int, str] = {}
    categories: list[str] = []
    for i, found in enumerate(per_slot):
        if found:
            rewritten[i] = _redact_before(texts[i], found, transforms, session)[0]
            categories.extend(c for _, _, c in {(f.start, f.end, f.category) for f in found if (f.policy, f.category) in named})
    return rewritten, categories


def _transforms(rng: random.Random) -> list[dict[str, Any]]:
    """OPA-shaped redact transforms over a random subset of each policy's categories, in random order,
    with random marker options (and now and then one that is not a redaction)."""
    out: list[dict[str, Any]] = []
    for policy in (HIPAA, PII):
        cats = sorted(set(category_map(policy, True, rng.random() < 0.5).values()))
        out.append({"action": "redact", "policy": policy,
                    "categories": [c for c in cats if rng.random() < 0.8],
                    "marker_format": rng.choice(["label", "token", "asterisk", "partial"]),
                    "preserve_length": rng.random() < 0.3, "safe_harbor": rng.random() < 0.5,
                    "include_metadata": rng.random() < 0.5})
    if rng.random() < 0.2:
        out.append({"action": "block", "policy": HIPAA, "categories": ["NAME"]})
    rng.shuffle(out)
    return out


def _session_state(s: RedactionSession) -> tuple:
    return s._tokens, s._counters, s.originals()


def _check(texts: list[str], seed: int = 0) -> None:
    """Every engine pair: `scan_slots` equal to the oracle's, the Rust one-call path taken when every
    part is ASCII, and `redact_slots` equal to the redaction from the oracle's `Finding`s."""
    for label, nat, py in _pairs():
        got = scan_slots(nat, texts)
        want = scan_slots(py, texts)
        assert got == want, (label, [len(t) for t in texts])
        if all(t.isascii() for t in texts):  # the one-call path is taken
            assert nat._scanner.scan_many(texts) is not None
        rng = random.Random(seed)
        for _ in range(2):
            transforms = _transforms(rng)
            s_new, s_old = RedactionSession(), RedactionSession()
            rewritten, categories, _ = redact_slots(nat, texts, got[0], transforms, s_new)
            before = _redact_slots_before(texts, py.scan_many(texts), transforms, s_old)
            assert (rewritten, sorted(categories)) == (before[0], sorted(before[1])), label
            assert _session_state(s_new) == _session_state(s_old), label
            for text, plain, objs in zip(texts, got[0], py.scan_many(texts)):  # the metadata too
                result = nat.redact_plain(text, plain, transforms, RedactionSession())
                assert (result.text, result.metadata) == _redact_before(text, objs, transforms, RedactionSession())


# values that run across a part boundary, empty parts, markers, letters meeting digits at a boundary
_EDGES = [
    ["123-45", "-6789"], ["SSN 123-45", "-6789"], ["Jane", "Doe"], ["Pt Jane", "Doe was seen"], ["", "x"],
    [""], [], ["", "", ""], ["Jane Smith SSN 123-45-6789", "", "x"], ["MRN 00483921", "type 2 diabetes"],
    ["call (217) 555-", "0148 today"], ["[NAME] called", "[PHONE_1] on 3/4/", "2021"], ["Dr. Alan", "", "Whitaker"],
    ["You are a careful clinical assistant.", "Patient: Maria Elena Gonzalez, DOB 03/14/1987"],
    ["12 Main", "St, Springfield, IL 62704"], ["maria.gonzalez87@", "example.com"], ["a", "b", "c", "d", "e"],
    ["Jos\u00e9 Doe", "MRN 00483921"], ["Jane", "Do\u00eb 123-45-6789"],
    ["Jane Doe", "x\ud800y 123-45-6789"],  # a lone surrogate: does not encode, so stays on the Python path
]


@pytest.mark.parametrize("texts", _EDGES, ids=lambda t: str(len(t)))
def test_edges_scan_and_redact_the_same(texts: list[str]) -> None:
    _check(texts)


def test_the_bench_request_takes_the_one_call_path() -> None:
    from bench.gateway.prompt import PROMPT

    label, nat, py = _pairs()[0]
    texts = ["You are a careful clinical assistant.", PROMPT]
    per_text, tally = nat._scanner.scan_many(texts)
    assert len(per_text[1]) > 30 and sum(n for _, _, n in tally) == len(per_text[1])
    _check(texts)


_PART = st.one_of(ascii_notes(max_pieces=12), structured_notes(max_pieces=8), name_notes(max_pieces=8),
                  st.sampled_from(["", " ", "[NAME]", "[SSN_2]", "Jane", "Doe", "123-45", "-6789", "-", "MRN"]))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_PART, min_size=1, max_size=5), st.integers(0, 2**16))
def test_generated_requests_scan_and_redact_the_same(texts: list[str], seed: int) -> None:
    _check(texts, seed)


@st.composite
def _split_notes(draw: st.DrawFn) -> list[str]:
    """One note cut into 1 to 5 parts at random points (a value may be cut anywhere)."""
    text = draw(st.one_of(ascii_notes(max_pieces=30), structured_notes(max_pieces=20), any_notes()))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=4)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(_split_notes(), st.integers(0, 2**16))
def test_split_notes_scan_and_redact_the_same(texts: list[str], seed: int) -> None:
    _check(texts, seed)


def _split(text: str, rng: random.Random) -> list[str]:
    cuts = sorted(rng.randrange(len(text) + 1) for _ in range(rng.randint(0, 4)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def test_the_corpus_split_scans_and_redacts_the_same() -> None:
    rng = random.Random(18)
    texts = [e.text for e in build()]
    assert len(texts) > 500
    for i, text in enumerate(texts):
        _check(_split(text, rng), i)


@pytest.mark.parametrize("name", sorted(adversarial_inputs()))
def test_adversarial_inputs_cut_split_scan_and_redact_the_same(name: str) -> None:
    rng = random.Random(name)
    _check(_split(adversarial_inputs()[name][: 8 * 1024], rng))


_SPANS = st.lists(st.tuples(st.sampled_from([HIPAA, PII, "other"]), st.sampled_from(["NAME", "DATE", "SSN", "LOCATION"]),
                            st.integers(-2, 40), st.integers(0, 44), st.sampled_from([0.5, 0.9, 0.99]),
                            st.sampled_from(["a", "b"])), max_size=12)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(_SPANS, st.integers(0, 2**16))
def test_redact_plain_plans_as_redact_did(spans: list[tuple], seed: int) -> None:
    """Any spans, overlapping or not, in any order (chained groups, ties of chain order, length and
    confidence, spans out of the text): the same text, metadata and tokens as the `Finding` redaction."""
    text = "Jane Doe 123-45-6789 seen 3/4/2021 at 12 Main St"  # 48 characters: some spans run past it
    transforms = _transforms(random.Random(seed))
    s_new, s_old = RedactionSession(), RedactionSession()
    result = Engine.redact_plain(text, spans, transforms, s_new)
    assert (result.text, result.metadata) == _redact_before(text, [Finding(*f) for f in spans], transforms, s_old)
    assert _session_state(s_new) == _session_state(s_old)
