"""The `ollama` Python client (`chat`, `generate`, `list`, `show`, `ps`, streaming) against the gateway
in front of the real Ollama and the stand-in: the gateway speaks Ollama's API on Ollama routes, with
Ollama-shaped errors that still carry the code and decision id."""

from __future__ import annotations

import httpx
import ollama
import pytest

from .conftest import ASK, BLOCKED_ASK, CLINICIAN, Backend

MSGS = [{"role": "user", "content": ASK}]


def client(backend: Backend, pack: str, **headers: str) -> ollama.Client:
    return ollama.Client(host=backend.route(pack), headers={**CLINICIAN, **headers}, timeout=60)


def test_chat_generate_and_streaming(backend: Backend) -> None:
    mark = backend.mark()
    c = client(backend, "cl-answer")
    r = c.chat(model="local-ollama", messages=MSGS)
    assert r.message.content == backend.answer and r.done_reason == "stop"
    streamed = list(c.chat(model="local-ollama", messages=MSGS, stream=True))
    assert "".join(p.message.content or "" for p in streamed) == backend.answer and streamed[-1].done
    g = c.generate(model="local-ollama", prompt=ASK)
    assert g.response == backend.answer and g.done
    gs = list(c.generate(model="local-ollama", prompt=ASK, stream=True))
    assert "".join(p.response or "" for p in gs) == backend.answer
    sent, events = backend.since(mark)
    assert sent == 4 and [e["verdict"] for e in events] == ["allowed"] * 4
    assert {e["endpoint"] for e in events} == {"/routes/cl-answer/api/chat", "/routes/cl-answer/api/generate"}


def test_list_show_ps_version(backend: Backend) -> None:
    c = client(backend, "cl-answer")
    assert [m.model for m in c.list().models] == ["local-ollama"]
    assert [m.model for m in c.ps().models] == ["local-ollama"]
    assert c.show("local-ollama").capabilities == ["completion"]
    shown = httpx.post(backend.route("cl-answer") + "/api/show", json={"model": "local-ollama"}).json()
    assert shown["packgate"]["target"] == "local-ollama"
    with pytest.raises(ollama.ResponseError) as info:
        c.show("cloud-model")
    assert info.value.status_code == 404 and "model_not_found" in info.value.error
    assert httpx.get(backend.route("cl-answer") + "/api/version").json()["version"]


def test_403_ollama_shaped(backend: Backend) -> None:
    mark = backend.mark()
    with pytest.raises(ollama.ResponseError) as info:
        client(backend, "cl-answer", **{"X-Tool": "delete_chart"}).chat(model="local-ollama", messages=MSGS)
    assert info.value.status_code == 403
    assert info.value.error.startswith("tool ") or "tool_not_allowed" in info.value.error
    assert "code tool_not_allowed" in info.value.error and "decision " in info.value.error
    sent, events = backend.since(mark)
    assert sent == 0 and len(events) == 1 and events[0]["verdict"] == "denied"


@pytest.mark.parametrize("stream", [False, True])
def test_409_once(backend: Backend, stream: bool) -> None:
    mark = backend.mark()
    with pytest.raises(ollama.ResponseError) as info:
        r = client(backend, "cl-block").chat(model="local-ollama", stream=stream,
                                             messages=[{"role": "user", "content": BLOCKED_ASK}])
        for _ in r if stream else []:
            pytest.fail("a chunk of blocked output was released")
    assert info.value.status_code == 409 and "code output_blocked" in info.value.error
    sent, events = backend.since(mark)
    assert sent == 1 and len(events) == 1 and events[0]["verdict"] == "blocked"
    assert events[0]["decision_ids"]["response"] in info.value.error


def test_generate_goes_through_the_same_policy_path(backend: Backend) -> None:
    mark = backend.mark()
    with pytest.raises(ollama.ResponseError) as info:
        client(backend, "cl-block").generate(model="local-ollama", prompt=BLOCKED_ASK)
    assert info.value.status_code == 409
    with pytest.raises(ollama.ResponseError) as raw:
        client(backend, "cl-answer").generate(model="local-ollama", prompt=ASK, raw=True)
    assert raw.value.status_code == 422 and "unsupported_field" in raw.value.error
    sent, events = backend.since(mark)
    assert sent == 1 and [e["verdict"] for e in events] == ["blocked", "bad_request"]


def test_escalation_is_not_an_answer(backend: Backend) -> None:
    """The client's models drop unknown fields: the marker it keeps is `done_reason == "escalated"`
    with empty `content` (Ollama's content is always a string); the escalation id is in the body's `packgate` object and a header."""
    mark = backend.mark()
    c = client(backend, "cl-escalate")
    r = c.chat(model="local-ollama", messages=MSGS, stream=False)
    assert r.message.content == "" and r.done_reason == "escalated"
    last = list(c.chat(model="local-ollama", messages=MSGS, stream=True))[-1]
    assert last.done_reason == "escalated" and not last.message.content
    g = c.generate(model="local-ollama", prompt=ASK, stream=False)
    assert g.response == "" and g.done_reason == "escalated"
    sent, events = backend.since(mark)
    assert sent == 3 and [e["verdict"] for e in events] == ["escalated"] * 3
    assert all(e["escalation_id"].startswith("esc_") for e in events)


def test_chat_without_content_type(backend: Backend) -> None:
    """Ollama reads the body whatever the Content-Type says (LiteLLM's `ollama_chat/` sends none)."""
    r = httpx.post(backend.route("cl-answer") + "/api/chat", headers=CLINICIAN, timeout=60,
                   content=b'{"model": "local-ollama", "stream": false, "messages": [{"role": "user", "content": "'
                   + ASK.encode() + b'"}]}')
    assert r.status_code == 200 and r.json()["message"]["content"] == backend.answer
