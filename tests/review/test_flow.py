"""The reviewer API and the requester's endpoint on the seed pack (in-process, real OPA, stand-in model)."""

from __future__ import annotations

from packgate.runtime import audit
from packgate.runtime.demo.standin import Reply
from tests.harness import CLINICIAN

from .helpers import ROUTE, bearer, escalate


def test_held_answer_is_released_once_approved_with_disclaimers(inproc):
    inproc.standin.script(Reply(text="Risk factors: sleep loss, isolation."))
    c = inproc.client
    esc = escalate(c)
    pending = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert pending.status_code == 202 and pending.json()["state"] == "open"

    shown = c.get(f"/v1/reviews/{esc}", headers=bearer())
    assert shown.status_code == 200, shown.text
    assert shown.json()["held"]["output"] == "Risk factors: sleep loss, isolation."
    assert c.post(f"/v1/reviews/{esc}/claim", headers=bearer()).json()["state"] == "claimed"
    assert c.post(f"/v1/reviews/{esc}/approve", headers=bearer()).json()["state"] == "approved"

    first = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["object"] == "chat.completion" and body["id"] == esc
    text = body["choices"][0]["message"]["content"]
    assert text.startswith("This output is for licensed clinical review only and is not medical advice.")
    assert text.endswith("Risk factors: sleep loss, isolation.")
    again = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert again.json() == body
    inproc.audit.flush(5)
    verdicts = [e["verdict"] for e in audit.query_events(inproc.audit.path) if e.get("escalation_id") == esc]
    assert verdicts == ["escalated", "review_claimed", "review_approved", "review_delivered"]
    assert audit.verify(inproc.audit.path).ok


def test_second_claim_is_refused_and_only_the_claimant_decides(inproc):
    esc = escalate(inproc.client)
    c = inproc.client
    assert c.post(f"/v1/reviews/{esc}/claim", headers=bearer("rev-ana")).status_code == 200
    second = c.post(f"/v1/reviews/{esc}/claim", headers=bearer("rev-ben"))
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_claimed"
    assert c.post(f"/v1/reviews/{esc}/approve", headers=bearer("rev-ben")).status_code == 409


def test_an_edit_with_blocked_language_is_refused_with_the_reasons(inproc):
    esc = escalate(inproc.client)
    c = inproc.client
    c.post(f"/v1/reviews/{esc}/claim", headers=bearer())
    refused = c.post(f"/v1/reviews/{esc}/edit", headers=bearer(), json={"text": "I will prescribe 20 mg."})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "output_blocked"
    assert "healthcare-compliance: output matches blocked_patterns[0]" in refused.json()["error"]["message"]
    ok = c.post(f"/v1/reviews/{esc}/edit", headers=bearer(), json={"text": "Discuss sleep hygiene at the visit."})
    assert ok.status_code == 200 and ok.json()["state"] == "edited"
    text = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN).json()["choices"][0]["message"]["content"]
    assert text.endswith("Discuss sleep hygiene at the visit.")


def test_rejection_reaches_the_requester_with_the_reason(inproc):
    esc = escalate(inproc.client)
    c = inproc.client
    c.post(f"/v1/reviews/{esc}/claim", headers=bearer())
    c.post(f"/v1/reviews/{esc}/reject", headers=bearer(), json={"reason": "needs the care team first"})
    r = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "escalation_rejected"
    assert "needs the care team first" in r.json()["error"]["message"]


def test_reviewers_are_decided_by_opa(inproc):
    esc = escalate(inproc.client, headers={"X-User-ID": "rev-ana", "X-User-Role": "clinician"})
    c = inproc.client
    assert c.post(f"/v1/reviews/{esc}/claim").status_code == 401
    assert c.post(f"/v1/reviews/{esc}/claim", headers=bearer("dr-b", "clinician")).json()["error"]["code"] \
        == "not_a_reviewer"
    own = c.post(f"/v1/reviews/{esc}/claim", headers=bearer("rev-ana"))
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_request"
    assert c.get(f"/v1/reviews/{esc}", headers=bearer("rev-ana")).status_code == 403
    assert c.get(f"/v1/reviews/{esc}", headers=bearer("rev-ben")).json()["state"] == "open"


def test_only_the_requester_or_a_reviewer_reads_the_escalation(inproc):
    esc = escalate(inproc.client)
    other = inproc.client.get(f"/v1/escalations/{esc}", headers={"X-User-ID": "u-99", "X-User-Role": "clinician"})
    assert other.status_code == 404
    assert inproc.client.get(f"/v1/escalations/{esc}", headers=bearer()).status_code == 202
    assert inproc.client.get(f"{ROUTE}/v1/escalations/{esc}", headers=CLINICIAN).status_code == 202


def test_an_ollama_client_reads_the_released_answer_in_ollama_form(inproc):
    inproc.standin.script(Reply(text="Gentle reminder: sleep diary."))
    c = inproc.client
    held = c.post(f"{ROUTE}/api/chat", headers=CLINICIAN, json={
        "model": "llama3.1:70b", "stream": False, "messages": [{"role": "user", "content": "Summarize."}]})
    assert held.status_code == 200
    assert (held.json()["done_reason"], held.json()["message"]["content"]) == ("escalated", "")
    esc = held.headers["x-packgate-escalation-id"]
    assert c.get(f"/api/escalations/{esc}", headers=CLINICIAN).status_code == 202
    c.post(f"/v1/reviews/{esc}/claim", headers=bearer())
    c.post(f"/v1/reviews/{esc}/approve", headers=bearer())
    body = c.get(f"{ROUTE}/api/escalations/{esc}", headers=CLINICIAN).json()
    assert body["done"] is True and body["done_reason"] == "stop"
    assert body["message"]["content"].endswith("Gentle reminder: sleep diary.")
    assert body["packgate"]["escalation_id"] == esc


def test_unknown_escalation_is_an_error_envelope_in_the_paths_format(inproc):
    openai_style = inproc.client.get("/v1/escalations/esc_nope", headers=CLINICIAN)
    assert openai_style.status_code == 404 and openai_style.json()["error"]["code"] == "escalation_not_found"
    ollama_style = inproc.client.get("/api/escalations/esc_nope", headers=CLINICIAN)
    assert ollama_style.status_code == 404 and isinstance(ollama_style.json()["error"], str)


def test_release_scans_the_held_answer_once_and_redacts_what_it_scanned(inproc, monkeypatch):
    """The re-check's findings redact the released text: one scan of it, not a second one to redact."""
    from packgate.runtime.redaction import Engine

    held = "Follow-up with Jane Doe, MRN 4829103, next week."
    inproc.standin.script(Reply(text=held))
    c = inproc.client
    esc = escalate(c)
    assert c.post(f"/v1/reviews/{esc}/claim", headers=bearer()).json()["state"] == "claimed"
    assert c.post(f"/v1/reviews/{esc}/approve", headers=bearer()).json()["state"] == "approved"

    scanned: list[int] = []
    real_scan = Engine.scan

    def counting(self, text):
        if text == held:
            scanned.append(1)
        return real_scan(self, text)

    monkeypatch.setattr(Engine, "scan", counting)
    released = c.get(f"/v1/escalations/{esc}", headers=CLINICIAN)
    assert released.status_code == 200, released.text
    text = released.json()["choices"][0]["message"]["content"]
    assert "4829103" not in text and "Jane Doe" not in text
    assert len(scanned) == 1
