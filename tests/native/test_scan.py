"""The whole scan of an ASCII text in one Rust call (`native/src/scan.rs`, `core.Scanner`) returns exactly
what the Python engine's `_settled` returns (`Engine(native=False)`): for the default engine and an engine
of each repo pack, on generated notes, the corpus, the adversarial inputs cut to 32 KiB, and the dense
digit inputs whole (the dense-region glue is part of the port)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from bench.redaction.corpus import build
from bench.redaction.speed import adversarial_inputs
from packgate.compiler.loader import load_pack
from packgate.runtime.redaction import Engine
from packgate.runtime.redaction.normalise import normalise

from .place_texts import place_notes
from .texts import ascii_notes, name_notes, structured_notes

_PACKS = sorted((Path(__file__).resolve().parents[2] / "packs").glob("*.yaml"))


def _config(engine: Engine) -> tuple:
    return tuple((p.name, tuple(sorted(p.mapping.items()))) for p in engine._policies)


@functools.cache
def _pairs() -> list[tuple[str, Engine, Engine]]:
    """(label, Rust-scanning engine, Python oracle) per distinct policy set: the default engine and each
    pack's (a pack with custom patterns stays on Python; its policies are tested without them)."""
    out: dict[tuple, tuple[str, Engine, Engine]] = {}
    cands = [("default", Engine.default(), Engine.default(native=False))]
    for path in _PACKS:
        pack = load_pack(path).pack
        eng = Engine.from_pack(pack)
        if eng._custom:
            assert eng._scanner is None  # custom RE2 patterns keep the Python path
            pii = pack.policy.pii_detector
            kw = dict(hipaa=pack.policy.hipaa_phi_detector is not None, pii=pii is not None,
                      healthcare_mode=bool(pii and pii.healthcare_mode), pci_mode=bool(pii and pii.pci_mode))
            cands.append((path.stem, Engine(**kw), Engine(**kw, native=False)))
        else:
            cands.append((path.stem, eng, Engine.from_pack(pack, native=False)))
    for label, nat, py in cands:
        assert nat._scanner is not None and py._scanner is None, label
        out.setdefault(_config(nat), (label, nat, py))
    assert len(out) >= 4  # hipaa + pii, hipaa + pii (pci), hipaa only, pii only
    return list(out.values())


def _differ(text: str) -> list[str]:
    """The engines whose Rust scan differs from the Python `_settled` on `text` (empty: all equal)."""
    assert text.isascii()
    return [label for label, nat, py in _pairs() if nat._scanner.scan(text) != py._settled(text)]


def test_the_engine_uses_the_scanner_on_ascii_only() -> None:
    eng = Engine.default()
    text = "Pt Jane Doe, MRN 00483921, seen 3/4/2021 at 12 Main St, Springfield."
    assert eng._settled(text) == eng._scanner.scan(text) != []
    with pytest.raises(ValueError):
        eng._scanner.scan("Jos\u00e9 Doe, MRN 00483921")
    assert Engine.default(ner=lambda t: [])._scanner is None


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(ascii_notes())
def test_generated_notes_scan_the_same(text: str) -> None:
    assert not _differ(text)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(structured_notes())
def test_structured_notes_scan_the_same(text: str) -> None:
    if text.isascii():
        assert not _differ(text)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(name_notes())
def test_name_notes_scan_the_same(text: str) -> None:
    if text.isascii():
        assert not _differ(text)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(place_notes())
def test_place_notes_scan_the_same(text: str) -> None:
    assert not _differ(text)


def test_the_corpus_scans_the_same() -> None:
    texts = [e.text for e in build() if e.text.isascii()]
    assert len(texts) > 500
    bad = [i for i, t in enumerate(texts) if _differ(t)]
    assert not bad, bad[:10]


def _cut(name: str) -> str:
    return normalise(adversarial_inputs()[name][: 32 * 1024])[0]  # as `Engine.scan` hands it to `_settled`


# the inputs that are ASCII once normalised (the others, "combining marks", take the Python path)
@pytest.mark.parametrize("name", [n for n in sorted(adversarial_inputs()) if _cut(n).isascii()])
def test_adversarial_inputs_cut_scan_the_same(name: str) -> None:
    assert not _differ(_cut(name))


@pytest.mark.parametrize("name", ["spaced digits", "digit groups", "mixed ids"])
def test_dense_digits_whole_scan_the_same(name: str) -> None:
    text = adversarial_inputs()[name]
    label, nat, py = _pairs()[0]
    got = nat._scanner.scan(text)
    assert any(f[5] == "digit-dense" for f in got)  # the dense path ran
    assert got == py._settled(text)


def test_glue_edges() -> None:
    """Chains of digit runs at the edges of `_DENSE`: 63 gaps and 62, a line break or 4 characters in a
    gap, a text just under `_DENSE_MIN`, a chain past `_RUNS_FIRST` characters; values against markers."""
    texts = [
        " ".join(["1"] * 64), " ".join(["1"] * 63), "x" + " ".join(["12"] * 64) + "\n" + " ".join(["3"] * 70),
        " ".join(["1"] * 40) + "    " + " ".join(["1"] * 40), " ".join(["1"] * 40) + "\n" + " ".join(["1"] * 40),
        "a" + "1 " * 63 + "1", "1 " * 64, "ab12-34/56 " * 30 + "MRN 00483921 Jane Doe",
        "Jane Doe " + "12 " * 6000 + " 555-123-4567 on 3/4/2021",
        "[NAME]John Smith called [PHONE]555-123-4567 on [DATE]3/4/2021", "[NAME_1]Jane Doe, SSN [SSN]123-45-6789",
        "[MRN 1234567] [CUSTOM_X_2]00483921 [NAME____]Maria Lopez", "MRN[MRN]00483921[DATE]",
        ((("1 " * 64) + "   x ") * 500)[: 64 * 1024],  # hundreds of regions (one pass over runs and regions)
    ]
    for text in texts:
        assert not _differ(text), text[:40]
