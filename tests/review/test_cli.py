"""`packgate escalations list|show|claim|resolve` on the store the gateway holds drafts in."""

from __future__ import annotations

import base64
import json

from packgate.runtime import audit
from packgate.runtime.demo.standin import Reply
from tests.harness import CLINICIAN, run_cli

from .helpers import PACK, bearer, escalate


def test_cli_reviews_the_same_store_as_the_api(inproc):
    inproc.standin.script(Reply(text="Consider a sleep diary."))
    esc = escalate(inproc.client)
    inproc.audit.flush(5)
    db = str(inproc.audit.path)

    listed = run_cli("escalations", "list", "--status", "open", "--pack", PACK, "--json", "--audit-db", db)
    row = next(r for r in json.loads(listed.stdout) if r["id"] == esc)
    assert row["status"] == "open" and row["deadline"] > row["ts"]

    shown = run_cli("escalations", "show", esc, "--audit-db", db)
    assert shown.returncode == 0, shown.stderr
    assert "Consider a sleep diary." in shown.stdout
    assert "This output is for licensed clinical review only" in shown.stdout

    assert run_cli("escalations", "claim", esc, "--by", "rev-cli", "--audit-db", db).returncode == 0
    taken = inproc.client.post(f"/v1/reviews/{esc}/claim", headers=bearer("rev-ana"))
    assert taken.status_code == 409
    again = run_cli("escalations", "claim", esc, "--by", "rev-other", "--audit-db", db)
    assert again.returncode == 1 and "claimed by another reviewer" in again.stderr

    not_yours = run_cli("escalations", "resolve", esc, "--outcome", "approve", "--reason", "ok", "--by", "rev-other",
                        "--audit-db", db)
    assert not_yours.returncode == 1 and not_yours.stderr.startswith("packgate: ")
    done = run_cli("escalations", "resolve", esc, "--outcome", "approve", "--reason", "ok", "--by", "rev-cli",
                   "--audit-db", db)
    assert done.returncode == 0 and "approved by rev-cli" in done.stdout

    released = inproc.client.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert released.status_code == 200
    assert released.json()["choices"][0]["message"]["content"].endswith("Consider a sleep diary.")
    after = run_cli("escalations", "show", esc, "--json", "--audit-db", db)
    body = json.loads(after.stdout)
    assert body["status"] == "delivered" and body["held"] is None
    verified = run_cli("events", "verify", "--audit-db", db)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    trail = [e["verdict"] for e in audit.query_events(db) if e.get("escalation_id") == esc]
    assert trail == ["escalated", "review_claimed", "review_approved", "review_delivered"]


def test_show_without_the_key_says_the_draft_is_sealed(inproc, monkeypatch):
    esc = escalate(inproc.client)
    inproc.audit.flush(5)
    monkeypatch.delenv("PACKGATE_REVIEW_KEY")
    shown = run_cli("escalations", "show", esc, "--audit-db", str(inproc.audit.path))
    assert shown.returncode == 0 and "sealed (set PACKGATE_REVIEW_KEY to read it)" in shown.stdout


def test_keygen_prints_a_usable_key():
    out = run_cli("escalations", "keygen")
    assert len(base64.b64decode(out.stdout.strip())) == 32
