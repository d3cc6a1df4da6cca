"""LlamaIndex's OpenAI-like LLM against the gateway in front of the real Ollama and the stand-in:
answer, streaming, 403, 409 sent to the model once, escalation."""

from __future__ import annotations

import openai
import pytest
from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike

from .conftest import ASK, BLOCKED_ASK, CLINICIAN, Backend

MSGS = [ChatMessage(role="user", content=ASK)]


def llm(backend: Backend, pack: str, **headers: str) -> OpenAILike:
    return OpenAILike(model="local-ollama", api_base=backend.route(pack) + "/v1", api_key="unused",
                      is_chat_model=True, default_headers={**CLINICIAN, **headers}, timeout=60)


def test_answer_and_streaming(backend: Backend) -> None:
    mark = backend.mark()
    assert llm(backend, "cl-answer").chat(MSGS).message.content == backend.answer
    assert "".join(c.delta or "" for c in llm(backend, "cl-answer").stream_chat(MSGS)) == backend.answer
    sent, events = backend.since(mark)
    assert sent == 2 and [e["verdict"] for e in events] == ["allowed"] * 2


def test_403_and_409_once(backend: Backend) -> None:
    mark = backend.mark()
    with pytest.raises(openai.PermissionDeniedError) as denied:
        llm(backend, "cl-answer", **{"X-Tool": "delete_chart"}).chat(MSGS)
    assert denied.value.body["code"] == "tool_not_allowed"
    with pytest.raises(openai.ConflictError) as blocked:
        llm(backend, "cl-block").chat([ChatMessage(role="user", content=BLOCKED_ASK)])
    assert blocked.value.body["code"] == "output_blocked"
    sent, events = backend.since(mark)
    assert sent == 1, f"the model ran {sent} times for one blocked request"
    assert [e["verdict"] for e in events] == ["denied", "blocked"]


def test_escalation(backend: Backend) -> None:
    r = llm(backend, "cl-escalate").chat(MSGS)
    assert not r.message.content
    assert r.raw.id.startswith("esc_") and r.raw.choices[0].finish_reason == "escalated"
