"""One review queue for the fleet: an answer held on replica A is claimed through B, approved through C
and fetched by the requester through A again (`GET /v1/escalations/{id}`), each state change one event
in the one chain, the held draft sealed in PostgreSQL."""
# (the draft is held synchronously in PostgreSQL before A answers, so B sees it at once)

from __future__ import annotations

import time

import psycopg

from packgate.runtime.audit import query_events, verify

from tests.harness import CLINICIAN
from tests.review.helpers import bearer, escalate


def test_an_escalation_held_on_one_replica_is_reviewed_and_fetched_through_the_others(fleet) -> None:
    a, b, c = (r.client() for r in fleet.replicas)
    with a, b, c:
        esc = escalate(a, prompt="req held-1 Summarize the session notes.")
        pending = b.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
        assert pending.status_code == 202 and pending.json()["state"] == "open"
        assert b.post(f"/v1/reviews/{esc}/claim", headers=bearer("rev-ana")).json()["state"] == "claimed"
        second = c.post(f"/v1/reviews/{esc}/claim", headers=bearer("rev-ben"))
        assert second.status_code == 409 and second.json()["error"]["code"] == "already_claimed"
        assert c.post(f"/v1/reviews/{esc}/approve", headers=bearer("rev-ana")).json()["state"] == "approved"
        released = a.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
        assert released.status_code == 200, released.text
        assert released.json()["choices"][0]["message"]["content"].endswith("req held-1 Summarize the session notes.")
        assert b.get(f"/v1/escalations/{esc}", headers=CLINICIAN).json() == released.json()  # the same answer
    with psycopg.connect(fleet.db) as conn:
        held, delivered = conn.execute("SELECT held, delivered FROM reviews WHERE id = %s", (esc,)).fetchone()
    assert held is None and b"session notes" not in bytes(delivered)  # sealed at rest, the draft purged
    deadline = time.monotonic() + 30  # replica A writes the request's own event in its next batch
    while len(trail := [e["verdict"] for e in query_events(fleet.db) if e.get("escalation_id") == esc]) < 4:
        assert time.monotonic() < deadline, trail
        time.sleep(0.1)
    # the state changes in order; the request's own event comes with replica A's next batch, so across
    # replicas it may follow the claim in chain order (on one gateway a transition flushes it first)
    assert [v for v in trail if v != "escalated"] == ["review_claimed", "review_approved", "review_delivered"]
    assert sorted(trail) == sorted(["escalated", "review_claimed", "review_approved", "review_delivered"])
    assert verify(fleet.db).ok
