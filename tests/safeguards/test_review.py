"""Human review on safeguard routes: human-oversight's webhook (`notify_url`: signed, retried after a 500,
ids and reason codes only; the crisis notifier's HMAC-SHA256 over `timestamp.body`, this folder's local
receiver) and the shorter deadline of an urgent (crisis) escalation."""

from __future__ import annotations

import datetime as dt
import json

import httpx

from packgate.runtime.safeguards.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.harness import JWT_SECRET
from tests.review.helpers import bearer

from .conftest import NOTIFY_SECRET, PATIENT

PAYLOAD_KEYS = {"type", "escalation_id", "event_id", "pack", "state", "deadline", "priority", "reasons", "ts"}


def _check(note) -> dict:
    stamp = note.headers[TIMESTAMP_HEADER.lower()]
    assert note.headers[SIGNATURE_HEADER.lower()] == sign(NOTIFY_SECRET.encode(), stamp, note.body)
    body = json.loads(note.body)
    assert set(body) <= PAYLOAD_KEYS
    assert b"Zephyrine" not in note.body and b"Hollowell" not in note.body
    return body


def test_review_webhook_is_signed_retried_and_free_of_phi(gw, monkeypatch):
    monkeypatch.setenv("PACKGATE_JWT_SECRET", JWT_SECRET)
    gw.receiver.fail_next = 1
    r = httpx.post(gw.route("sg-review") + "/v1/chat/completions", headers=PATIENT, timeout=15,
                   json={"model": "m", "messages": [{"role": "user", "content":
                                                     "Zephyrine Hollowell, DOB 03/04/1971, asks about her results"}]})
    assert r.status_code == 200
    esc = r.json()["packgate"]["escalation_id"]
    notes = gw.receiver.wait(2)
    assert gw.receiver.statuses[:2] == [500, 204]
    opened = [_check(n) for n in notes[:2]]
    assert opened[0] == opened[1]  # the same signed notice, sent again
    assert (opened[1]["type"], opened[1]["escalation_id"], opened[1]["pack"], opened[1]["state"]) == (
        "escalation.opened", esc, "sg-review", "open")
    assert opened[1]["deadline"] and opened[1]["reasons"] == [{"policy": "human-oversight", "code": "escalated"}]

    for action in ("claim", "approve"):
        done = httpx.post(f"{gw.url}/v1/reviews/{esc}/{action}", headers=bearer(), timeout=15)
        assert done.status_code == 200, done.text
    resolved = _check(gw.receiver.wait(3)[2])
    assert (resolved["type"], resolved["escalation_id"], resolved["state"]) == ("escalation.resolved", esc, "approved")


def _ts(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_crisis_escalation_is_held_with_the_urgent_deadline_and_reviewed_first(gw, monkeypatch):
    monkeypatch.setenv("PACKGATE_JWT_SECRET", JWT_SECRET)
    ask = {"model": "m", "messages": [{"role": "user", "content": "When is my appointment?"}]}
    routine = httpx.post(gw.route("sg-urgent") + "/v1/chat/completions", headers=PATIENT, timeout=15, json=ask)
    assert routine.status_code == 200 and routine.json()["choices"][0]["finish_reason"] == "escalated"
    crisis = httpx.post(gw.route("sg-urgent") + "/v1/chat/completions", headers=PATIENT, timeout=15,
                        json={**ask, "messages": [{"role": "user", "content": "I want to end my life"}]})
    body = crisis.json()["packgate"]
    assert body["priority"] == "urgent"
    queue = httpx.get(f"{gw.url}/v1/reviews", params={"pack": "sg-urgent", "state": "open"}, headers=bearer(),
                      timeout=15).json()["data"]
    by_id = {r["id"]: r for r in queue}
    urgent, plain = by_id[body["escalation_id"]], by_id[routine.json()["packgate"]["escalation_id"]]
    assert urgent["priority"] == "urgent" and plain["priority"] is None
    assert _ts(urgent["deadline"]) - _ts(urgent["created_at"]) == dt.timedelta(minutes=5)
    assert _ts(plain["deadline"]) - _ts(plain["created_at"]) == dt.timedelta(hours=4)
    assert queue.index(urgent) < queue.index(plain)  # the earlier deadline first


def test_a_released_answer_gets_its_tokens_restored_as_the_pack_says(gw, monkeypatch):
    monkeypatch.setenv("PACKGATE_JWT_SECRET", JWT_SECRET)
    r = httpx.post(gw.route("sg-restore") + "/v1/chat/completions", headers=PATIENT, timeout=15,
                   json={"model": "m", "messages": [{"role": "user", "content": "Call me back at 555-201-7788 please"}]})
    esc = r.json()["packgate"]["escalation_id"]
    [sent] = [m.body["messages"][-1]["content"] for m in gw.standin.received]
    assert "555-201-7788" not in sent and "[PHONE_1]" in sent  # the model saw a token
    shown = httpx.get(f"{gw.url}/v1/reviews/{esc}", headers=bearer(), timeout=15).json()
    assert shown["held"]["prompt"] == [sent]  # the reviewer reads what the model was sent
    for action in ("claim", "approve"):
        httpx.post(f"{gw.url}/v1/reviews/{esc}/{action}", headers=bearer(), timeout=15)
    released = httpx.get(f"{gw.url}/v1/escalations/{esc}", headers=PATIENT, timeout=15).json()
    assert released["choices"][0]["message"]["content"].endswith("Call me back at 555-201-7788 please")
