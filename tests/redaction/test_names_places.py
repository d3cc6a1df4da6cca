"""Names and places by shape and cue, on sentences written here (not the corpus templates)."""

from __future__ import annotations

import pytest

from packgate.runtime.redaction import Engine

ENGINE = Engine(hipaa=True)


def found(text: str, category: str) -> list[str]:
    return [text[f.start:f.end] for f in ENGINE.scan(text) if f.category == category]


@pytest.mark.parametrize("text,value", [
    ("Address: 75253 Smith Coves Suite 229, Fountain, CO", "75253 Smith Coves Suite 229"),
    ("Mail to 1382 Nicole Fall today.", "1382 Nicole Fall"),
    ("Lives at 123-125 N Main St NW Apt 4B now.", "123-125 N Main St NW Apt 4B"),
    ("Address: 12 Calle Sol, Tucson", "12 Calle Sol"),
    ("Send to PO Box 123.", "PO Box 123"),
    ("Send to Post Office Box 55.", "Post Office Box 55"),
    ("Resides in St. Charles Parish.", "St. Charles Parish"),
    ("From Prince George's County originally.", "Prince George's County"),
    ("Address: 348 Kenneth Vista, Old City, PA 15173.", "Old City"),
    ("Moved from Viera East, FL last year.", "Viera East"),
    ("Lives in Center Line with her husband.", "Center Line"),
    ("Lives at 12 Oak St in Wood Dale.", "Wood Dale"),
    ("Transferred from St. Mary's Hospital yesterday.", "St. Mary's Hospital"),
    ("Address: 1538 Pearson Mills, Cameron Park, CA 09364.", "Cameron Park"),
])
def test_places(text, value):
    # inside a LOCATION finding: a street's city/state/ZIP tail is one finding with it
    assert any(value in f for f in found(text, "LOCATION"))


@pytest.mark.parametrize("text,value", [
    ("Accompanied by her husband jose ruiz.", "jose ruiz"),
    ("Her children Ana, Luis and Sofia visited.", "Luis"),
    ("Maria's son called.", "Maria"),
    ("Note co-signed; J. Smith to follow.", "J. Smith"),
    ("Aarav Iyer was admitted overnight.", "Aarav Iyer"),
    ("José Ramírez presented with cough.", "José Ramírez"),
    ("Seen by Dr. holmes.", "holmes"),
    ("Mrs. Lopez-Garcia declined.", "Lopez-Garcia"),
])
def test_names(text, value):
    assert value in found(text, "NAME")


@pytest.mark.parametrize("text", [
    "Card on file 4111.",
    "daughter ana updated on plan",
    "Dr. Smith, MD reviewed the chart.",
])
def test_not_overreaching(text):
    names = found(text, "NAME")
    assert "Card" not in names and "ana updated" not in names and not found(text, "LOCATION")


@pytest.mark.parametrize("text,value", [
    ("Fingerprint ID AB1234567 enrolled.", "AB1234567"),
    ("Full-face photograph IMG_0042.jpg attached.", "IMG_0042.jpg"),
    ("Retinal scan ID12345678 on file.", "ID12345678"),
])
def test_label_is_not_the_identifier(text, value):
    # The value is the finding; "Fingerprint ID" in front of it is a label, like "MRN:".
    spans = [text[f.start:f.end] for f in ENGINE.scan(text)]
    assert spans == [value]


def test_lone_mention_still_reported():
    assert [f.category for f in ENGINE.scan("Fingerprint on file.")] == ["BIOMETRIC_ID"]
    assert [f.category for f in ENGINE.scan("Full-face photographs attached to chart.")] == ["PHOTO"]


def test_label_beats_a_chance_checksum():
    # AB1000001 passes the DEA check digit by chance; "serial number" says it is a device serial.
    engine = Engine(hipaa=True, pii=True, healthcare_mode=True)
    serial = [(f.category, f.detector) for f in engine.scan("Pacemaker serial number AB1000001.")]
    assert serial == [("DEVICE_ID", "labelled-id")]
    assert ("DEA", "dea-checksum") in [(f.category, f.detector) for f in engine.scan("Prescriber AB1000001.")]
