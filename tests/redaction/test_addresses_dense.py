"""Round 2: address blocks without a street-type word, digit-dense regions, the GC pause."""

from __future__ import annotations

import gc

import pytest

from packgate.runtime.redaction import Engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.default()


def _spans(engine: Engine, text: str) -> list[str]:
    return [text[f.start:f.end] for f in engine.scan(text) if f.policy == "hipaa-phi-detector"]


def _leaks(engine: Engine, text: str, values: list[str]) -> list[str]:
    covered = [False] * len(text)
    for f in engine.scan(text):
        for i in range(f.start, f.end):
            covered[i] = True
    out = []
    for v in values:
        i = text.index(v)
        if not all(covered[k] for k in range(i, i + len(v)) if text[k].isalnum()):
            out.append(v)
    return out


@pytest.mark.parametrize("text, values", [
    ("Send the letter to:\n4417 Korvenkatu 12\n Apt. 9\n Lahti\n Finland 15110\nThanks",
     ["4417 Korvenkatu 12", "Apt. 9", "Lahti", "Finland 15110"]),
    ("She lives at 88 Vörösmarty tér 7., Szeged", ["88 Vörösmarty tér 7", "Szeged"]),
    ("Mail goes to 12 Ελευθερίου Βενιζέλου 40, Πάτρα.", ["12 Ελευθερίου Βενιζέλου 40", "Πάτρα"]),
    ("Our clinic is located at Strandvejen 221, Hellerup.", ["Strandvejen 221"]),
])
def test_address_blocks_any_script(engine, text, values):
    assert _leaks(engine, text, values) == []


@pytest.mark.parametrize("text", [
    "Follow up in 3 Months. Wound measures 3.2 x 1.5 cm. MRN 18175 Ordered 0.9% saline.",
    "Take 2 Tablets by mouth 3 times daily. Grade 2 Pressure injury, Stage 3.",
    "DOB 17 July 1963. Admitted on 24 August 1977.",
])
def test_clinical_numbers_are_not_addresses(engine, text):
    assert not any(f.detector == "address-block" for f in engine.scan(text))


def test_digit_dense_region_is_one_finding_and_plain_numbers_are_not(engine):
    dense = "Values " + " ".join(str(100 + i) for i in range(80)) + " end."
    found = [f for f in engine.scan(dense) if f.detector == "digit-dense"]
    assert len(found) == 1  # OTHER_ID: a HIPAA category
    assert dense[found[0].start:found[0].end] == " ".join(str(100 + i) for i in range(80))
    vitals = "BP 120/80, HR 72, RR 16, T 98.6, SpO2 97%, weight 70 kg, glucose 110, A1c 7.2."
    assert not any(f.detector == "digit-dense" for f in engine.scan(vitals))


def test_scan_leaves_the_garbage_collector_as_it_found_it(engine):
    assert gc.isenabled()
    engine.scan("Patient Jane Doe, MRN 1234567, lives at 4417 Korvenkatu 12, Lahti.")
    assert gc.isenabled()
    gc.disable()
    try:
        engine.scan("Patient Jane Doe")
        assert not gc.isenabled()
    finally:
        gc.enable()
