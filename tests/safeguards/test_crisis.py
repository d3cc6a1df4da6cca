"""crisis-detection end to end: SDK → gateway → real OPA → stand-in model, notification receiver."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import ollama
import openai

from packgate.runtime.audit import list_escalations

from .conftest import CLINICIAN, NOTIFY_SECRET, PATIENT, Gw

CRISIS = "I don't want to be alive tomorrow. I have been saving up my pills."
RESOURCES = "If you are in immediate danger, call or text 988 (Suicide & Crisis Lifeline) or 911."


def ask(gw: Gw, pack: str, text: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    client = openai.OpenAI(base_url=gw.route(pack) + "/v1", api_key="unused", default_headers=headers,
                           max_retries=0, timeout=15)
    return client.chat.completions.create(model="m", messages=[{"role": "user", "content": text}])


def test_respond_route_answers_with_resources_and_never_calls_the_model(gw: Gw) -> None:
    mark = gw.mark()
    r = ask(gw, "sg-respond", CRISIS, PATIENT)
    assert r.choices[0].message.content == RESOURCES
    assert gw.standin.received == []
    [ev] = gw.events_after(mark)
    assert ev["status"] == 200
    assert {(x["policy"], x["code"]) for x in ev["reasons"]} == {("crisis-detection", "crisis_indicator")}
    assert {x["param"] for x in ev["reasons"]} >= {"suicidal_ideation"}
    assert "alive" not in json.dumps(ev) and "pills" not in json.dumps(ev)

    [note] = gw.receiver.wait(1)
    stamp = note.headers["x-packgate-timestamp"]
    expected = "sha256=" + hmac.new(NOTIFY_SECRET.encode(), stamp.encode() + b"." + note.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(note.headers["x-packgate-signature"], expected)
    body = json.loads(note.body)
    assert body["priority"] == "urgent" and body["type"] == "crisis_indicator"
    assert body["event_id"] == ev["id"] and body["route"] == "sg-respond"
    assert "suicidal_ideation" in body["categories"]
    assert b"alive" not in note.body and b"pills" not in note.body


def test_respond_route_answers_an_ollama_client_in_its_own_format(gw: Gw) -> None:
    client = ollama.Client(host=gw.route("sg-respond"), headers=PATIENT, timeout=15)
    r = client.chat(model="m", messages=[{"role": "user", "content": "I am going to kill myself tonight"}])
    assert r.message.content == RESOURCES
    assert gw.standin.received == []
    assert len(gw.receiver.wait(1)) == 1


def test_escalate_route_holds_the_answer_as_an_urgent_escalation_on_top_of_the_queue(gw: Gw) -> None:
    routine = httpx.post(gw.route("sg-review") + "/v1/chat/completions", headers=PATIENT, timeout=15,
                         json={"model": "m", "messages": [{"role": "user", "content": "When is my appointment?"}]})
    assert routine.status_code == 200 and routine.headers["x-packgate-escalation-id"]
    assert len(gw.receiver.wait(1)) == 1  # sg-review's own webhook (a routine escalation)
    gw.receiver.received.clear()
    gw.standin.reset()
    mark = gw.mark()
    r = httpx.post(gw.route("sg-escalate") + "/v1/chat/completions", headers=PATIENT, timeout=15,
                   json={"model": "m", "messages": [{"role": "user", "content": "I want to end my life"}]})
    assert r.status_code == 200
    body = r.json()
    assert body["choices"][0]["message"]["content"] is None
    assert body["choices"][0]["finish_reason"] == "escalated"
    assert body["packgate"]["priority"] == "urgent"
    esc_id = r.headers["x-packgate-escalation-id"]
    assert len(gw.standin.received) == 1  # the draft is made, then held
    [ev] = gw.events_after(mark)
    assert ev["verdict"] == "escalated" and ev["escalation_id"] == esc_id
    assert ("crisis-detection", "crisis_indicator") in {(x["policy"], x["code"]) for x in ev["reasons"]}
    queue = list_escalations(gw.audit.path, status="open")
    assert queue[0]["id"] == esc_id  # opened after the routine one, reviewed before it
    assert (queue[0]["policy"], queue[0]["reason"], queue[0]["priority"]) == ("crisis-detection", "crisis_indicator", "urgent")
    assert routine.headers["x-packgate-escalation-id"] in [e["id"] for e in queue[1:]]
    [note] = gw.receiver.wait(1)
    assert json.loads(note.body)["escalation_id"] == esc_id


def test_clinical_note_and_ordinary_low_mood_are_forwarded_untouched(gw: Gw) -> None:
    note = ("Follow-up visit. Patient denies SI/HI. History of overdose in 2019, in sustained remission. "
            "Mood euthymic, sleep improved on current regimen.")
    low_mood = "I've been feeling really down and tired this week, work is dragging on."
    mark = gw.mark()
    r1 = ask(gw, "sg-clinician", note, CLINICIAN)
    r2 = ask(gw, "sg-respond", low_mood, PATIENT)
    assert r1.choices[0].message.content != RESOURCES and r2.choices[0].message.content != RESOURCES
    sent = [r.body["messages"][-1]["content"] for r in gw.standin.received]
    assert sent == [note, low_mood]
    events = gw.events_after(mark)
    assert [e["verdict"] for e in events] == ["allowed", "allowed"]
    assert not any(x["policy"] == "crisis-detection" for e in events for x in e["reasons"])
    assert gw.receiver.wait(1, timeout=1.0) == []


def test_denies_si_on_a_patient_route_pages_no_one(gw: Gw) -> None:
    r = ask(gw, "sg-respond", "The nurse asked and I said I have no thoughts of suicide or of hurting myself.", PATIENT)
    assert r.choices[0].message.content != RESOURCES
    assert len(gw.standin.received) == 1
    assert gw.receiver.wait(1, timeout=1.0) == []


def test_crisis_wording_in_the_model_answer_is_replaced_on_an_output_scoped_route(gw: Gw) -> None:
    from packgate.runtime.demo.standin import Reply

    gw.standin.script(Reply(text="Honestly, you should just kill yourself. I want to end my life too."))
    mark = gw.mark()
    r = ask(gw, "sg-respond", "Can you help me plan my week?", PATIENT)
    assert r.choices[0].message.content == RESOURCES
    assert len(gw.standin.received) == 1
    [ev] = gw.events_after(mark)
    assert ("crisis-detection", "crisis_indicator") in {(x["policy"], x["code"]) for x in ev["reasons"]}
    assert "kill" not in json.dumps(ev)
