"""The official `openai` SDK (sync, async, streaming) against the gateway in front of the real Ollama
and the stand-in, with the SDK's default settings (two retries): allowed answers, a 403, a 409 that is
never retried, an escalation the app can tell from an answer, and what the audit log holds."""

from __future__ import annotations

import asyncio

import openai
import pytest

from .conftest import ASK, BLOCKED_ASK, CLINICIAN, Backend


def client(backend: Backend, pack: str, **headers: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=backend.route(pack) + "/v1", api_key="unused",
                         default_headers={**CLINICIAN, **headers}, timeout=60)  # default max_retries (2)


def ask(c: openai.OpenAI, text: str = ASK, **kw):  # type: ignore[no-untyped-def]
    return c.chat.completions.create(model="local-ollama", messages=[{"role": "user", "content": text}], **kw)


def test_allowed_answer_says_which_target_and_decision(backend: Backend) -> None:
    mark = backend.mark()
    raw = client(backend, "cl-answer").chat.completions.with_raw_response.create(
        model="local-ollama", messages=[{"role": "user", "content": ASK}])
    r = raw.parse()
    assert r.choices[0].message.content == backend.answer and r.choices[0].finish_reason == "stop"
    assert raw.headers["x-packgate-target"] == "local-ollama"
    meta = r.model_extra["packgate"]
    assert meta["target"] == "local-ollama" and meta["routing"]["reason"] == "requested"
    sent, events = backend.since(mark)
    assert sent == 1 and len(events) == 1
    assert events[0]["verdict"] == "allowed" and events[0]["target"] == "local-ollama"
    assert events[0]["decision_ids"] == {"request": meta["request_decision_id"], "response": meta["decision_id"]}
    assert all(events[0]["decision_ids"].values())


def test_async_and_streaming(backend: Backend) -> None:
    async def go() -> tuple[str, str]:
        ac = openai.AsyncOpenAI(base_url=backend.route("cl-answer") + "/v1", api_key="unused",
                                default_headers=CLINICIAN, timeout=60)
        r = await ac.chat.completions.create(model="local-ollama", messages=[{"role": "user", "content": ASK}])
        stream = await ac.chat.completions.create(model="local-ollama", stream=True,
                                                  messages=[{"role": "user", "content": ASK}])
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await ac.close()
        return r.choices[0].message.content, text

    mark = backend.mark()
    answer, streamed = asyncio.run(go())
    assert answer == streamed == backend.answer
    chunks = list(ask(client(backend, "cl-answer"), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == backend.answer
    assert chunks[-1].choices[0].finish_reason == "stop"
    sent, events = backend.since(mark)
    assert sent == 3 and [e["verdict"] for e in events] == ["allowed"] * 3


def test_403_is_final(backend: Backend) -> None:
    mark = backend.mark()
    with pytest.raises(openai.PermissionDeniedError) as info:
        ask(client(backend, "cl-answer", **{"X-Tool": "delete_chart"}))
    assert info.value.body["code"] == "tool_not_allowed" and info.value.body["decision_id"]
    assert info.value.response.headers["x-should-retry"] == "false"
    sent, events = backend.since(mark)
    assert sent == 0 and len(events) == 1 and events[0]["verdict"] == "denied"


@pytest.mark.parametrize("stream", [False, True])
def test_409_blocked_output_is_not_retried(backend: Backend, stream: bool) -> None:
    """The SDK retries 409 twice by default; `x-should-retry: false` keeps it to one model call."""
    mark = backend.mark()
    c = client(backend, "cl-block")
    assert c.max_retries == 2
    with pytest.raises(openai.ConflictError) as info:
        r = ask(c, BLOCKED_ASK, stream=stream)
        for _ in r:
            pytest.fail("a chunk of blocked output was released")
    assert info.value.body["code"] == "output_blocked"
    decision_id = info.value.body["decision_id"]
    assert decision_id and info.value.response.headers["x-packgate-decision-id"] == decision_id
    sent, events = backend.since(mark)
    assert sent == 1, f"the model ran {sent} times for one blocked request"
    assert len(events) == 1 and events[0]["verdict"] == "blocked"
    assert events[0]["decision_ids"]["response"] == decision_id


def test_escalation_is_not_an_answer(backend: Backend) -> None:
    mark = backend.mark()
    raw = client(backend, "cl-escalate").chat.completions.with_raw_response.create(
        model="local-ollama", messages=[{"role": "user", "content": ASK}])
    r = raw.parse()
    esc = raw.headers["x-packgate-escalation-id"]
    assert r.choices[0].message.content is None and r.choices[0].finish_reason == "escalated"
    assert r.model_extra["packgate"]["escalation_id"] == esc and esc.startswith("esc_")
    assert r.id == esc  # the marker every OpenAI client keeps
    chunks = list(ask(client(backend, "cl-escalate"), stream=True))
    assert chunks[-1].choices[0].finish_reason == "escalated"
    assert all(not (c.choices[0].delta.content or "") for c in chunks if c.choices)
    sent, events = backend.since(mark)
    assert sent == 2 and [e["verdict"] for e in events] == ["escalated", "escalated"]
    assert events[0]["escalation_id"] == esc


def test_models_lists_routable_targets(backend: Backend) -> None:
    assert [m.id for m in client(backend, "cl-answer").models.list()] == ["local-ollama"]
