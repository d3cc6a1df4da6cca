"""LangChain's `ChatOpenAI` and `ChatOllama` against the gateway in front of the real Ollama and the
stand-in: answer, streaming, 403, 409 sent to the model once, escalation."""

from __future__ import annotations

import pytest
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI

from .conftest import ASK, BLOCKED_ASK, CLINICIAN, Backend

KINDS = ["openai", "ollama"]


def chat_model(backend: Backend, kind: str, pack: str, **headers: str):  # type: ignore[no-untyped-def]
    h = {**CLINICIAN, **headers}
    if kind == "openai":  # the openai SDK underneath, with its default retries
        return ChatOpenAI(model="local-ollama", base_url=backend.route(pack) + "/v1", api_key="unused",
                          default_headers=h, timeout=60)
    return ChatOllama(model="local-ollama", base_url=backend.route(pack), client_kwargs={"headers": h, "timeout": 60})


@pytest.mark.parametrize("kind", KINDS)
def test_answer_and_streaming(backend: Backend, kind: str) -> None:
    mark = backend.mark()
    m = chat_model(backend, kind, "cl-answer")
    assert m.invoke(ASK).content == backend.answer
    assert "".join(c.content for c in m.stream(ASK)) == backend.answer
    sent, events = backend.since(mark)
    assert sent == 2 and [e["verdict"] for e in events] == ["allowed"] * 2


@pytest.mark.parametrize("kind", KINDS)
def test_403_and_409_once(backend: Backend, kind: str) -> None:
    mark = backend.mark()
    with pytest.raises(Exception) as denied:
        chat_model(backend, kind, "cl-answer", **{"X-Tool": "delete_chart"}).invoke(ASK)
    assert denied.value.status_code == 403  # type: ignore[attr-defined]
    with pytest.raises(Exception) as blocked:
        chat_model(backend, kind, "cl-block").invoke(BLOCKED_ASK)
    assert blocked.value.status_code == 409  # type: ignore[attr-defined]
    assert "output_blocked" in str(blocked.value)
    sent, events = backend.since(mark)
    assert sent == 1, f"the model ran {sent} times for one blocked request"
    assert [e["verdict"] for e in events] == ["denied", "blocked"]


def test_escalation(backend: Backend) -> None:
    """ChatOpenAI: finish_reason "escalated" and the escalation id as the response id in
    response_metadata; ChatOllama: done_reason "escalated" (no id: Ollama's answer has no id field)."""
    m = chat_model(backend, "openai", "cl-escalate").invoke(ASK)
    assert m.content == "" and m.response_metadata["finish_reason"] == "escalated"
    assert m.response_metadata["id"].startswith("esc_")
    o = chat_model(backend, "ollama", "cl-escalate").invoke(ASK)
    assert o.content == "" and o.response_metadata["done_reason"] == "escalated"
