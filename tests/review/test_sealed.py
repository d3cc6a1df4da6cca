"""Held content at rest: sealed in the database (and its WAL), purged after delivery and on expiry,
never in the audit chain; the gateway refuses to hold answers without a key."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from packgate.runtime import audit, review
from packgate.runtime.demo.standin import Reply
from packgate.runtime.gateway import GatewayConfig, Route, create_app
from tests.harness import CLINICIAN

from .helpers import bearer, escalate

MARKER = "Zephyrine-7731 held draft"


def _files(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())


def _blobs(db: Path, esc: str) -> tuple:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT held, decision, delivered FROM reviews WHERE id=?", (esc,)).fetchone()


def test_held_output_and_prompt_are_not_readable_in_the_database_or_its_wal(inproc):
    inproc.standin.script(Reply(text=f"{MARKER}: output"))
    esc = escalate(inproc.client, prompt=f"{MARKER}: prompt")
    c = inproc.client
    c.post(f"/v1/reviews/{esc}/claim", headers=bearer())
    c.post(f"/v1/reviews/{esc}/edit", headers=bearer(), json={"text": f"{MARKER}: edit"})
    inproc.audit.flush(5)
    db = Path(inproc.audit.path)
    assert (db.parent / (db.name + "-wal")).exists()
    raw = _files(db)
    assert b"Zephyrine" not in raw and "Zephyrine".encode("utf-16-le") not in raw
    held, decision, _ = _blobs(db, esc)
    assert held is not None and decision is not None
    shown = c.get(f"/v1/reviews/{esc}", headers=bearer()).json()  # readable with the key, by a reviewer
    assert shown["held"]["output"] == f"{MARKER}: output" and shown["decision"]["text"] == f"{MARKER}: edit"


def test_delivery_purges_the_draft_and_later_the_delivered_copy(inproc):
    esc = escalate(inproc.client)
    c = inproc.client
    c.post(f"/v1/reviews/{esc}/claim", headers=bearer())
    c.post(f"/v1/reviews/{esc}/approve", headers=bearer())
    first = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert first.status_code == 200
    held, decision, delivered = _blobs(Path(inproc.audit.path), esc)
    assert held is None and decision is None and delivered is not None
    assert c.get(f"/v1/escalations/{esc}", headers=CLINICIAN).json() == first.json()

    review.sweep(inproc.audit.path, now=review.ts_after(review.DELIVERED_RETENTION_S + 60))
    assert _blobs(Path(inproc.audit.path), esc) == (None, None, None)
    gone = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "escalation_purged"


def test_expiry_purges_the_draft_and_is_one_event_by_system(inproc):
    esc = escalate(inproc.client)
    c = inproc.client
    c.post(f"/v1/reviews/{esc}/claim", headers=bearer())
    mark = inproc.audit_mark()
    review.sweep(inproc.audit.path, now=review.ts_after(4 * 3600 + 60))  # the seed pack's default deadline: 4h
    assert _blobs(Path(inproc.audit.path), esc) == (None, None, None)
    expired = [e for e in inproc.events_after(mark) if e.get("escalation_id") == esc]
    assert [(e["verdict"], e["user_id"]) for e in expired] == [("review_expired", "system")]
    r = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert r.status_code == 410 and r.json()["error"]["code"] == "escalation_expired"
    assert c.post(f"/v1/reviews/{esc}/approve", headers=bearer()).status_code == 409
    assert audit.verify(inproc.audit.path).ok


def test_no_held_text_in_audit_events(inproc):
    inproc.standin.script(Reply(text=f"{MARKER}: output"))
    mark = inproc.audit_mark()
    esc = escalate(inproc.client, prompt=f"{MARKER}: prompt")
    c = inproc.client
    c.post(f"/v1/reviews/{esc}/claim", headers=bearer())
    c.post(f"/v1/reviews/{esc}/reject", headers=bearer(), json={"reason": f"{MARKER}: reason"})
    c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    events = inproc.events_after(mark)
    assert {e["verdict"] for e in events} >= {"escalated", "review_claimed", "review_rejected", "review_delivered"}
    assert not any("Zephyrine" in audit.canonical_json(e) for e in events)


def test_gateway_refuses_to_start_a_holding_pack_without_a_key(bundle, monkeypatch, tmp_path):
    monkeypatch.delenv(review.KEY_ENV, raising=False)
    monkeypatch.delenv(review.KEY_FILE_ENV, raising=False)
    log = audit.AuditLog.open(tmp_path / "a.db")
    try:
        config = GatewayConfig(routes=[Route.from_built(p) for p in bundle.packs], opa_url="http://127.0.0.1:9",
                               audit=log)
        with pytest.raises(review.ReviewKeyError, match="behavioral-health-review-route has human-oversight: "
                                                        "escalate.*PACKGATE_REVIEW_KEY"):
            create_app(config)
        monkeypatch.setenv(review.KEY_ENV, "bm90IGEga2V5")
        with pytest.raises(review.ReviewKeyError, match="must decode to 32 bytes") as err:
            create_app(config)
        assert "bm90IGEga2V5" not in str(err.value)
        key_file = tmp_path / "review.key"
        key_file.write_text(review.new_key())
        monkeypatch.delenv(review.KEY_ENV)
        monkeypatch.setenv(review.KEY_FILE_ENV, str(key_file))
        assert create_app(config).state.gateway.desk is not None
    finally:
        log.close()


def test_a_sealed_value_does_not_open_under_another_key_or_in_another_row():
    a, b = review.Sealer(bytes(32)), review.Sealer(bytes(range(32)))
    blob = a.seal("esc_1", "held", {"output": "x"})
    assert a.open("esc_1", "held", blob) == {"output": "x"}
    for sealer, esc, column in ((b, "esc_1", "held"), (a, "esc_2", "held"), (a, "esc_1", "decision")):
        with pytest.raises(review.SealError):
            sealer.open(esc, column, blob)
