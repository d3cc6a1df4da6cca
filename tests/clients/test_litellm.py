"""LiteLLM (`openai/` and `ollama_chat/` providers) against the gateway in front of the real Ollama
and the stand-in: answer, 403, 409 sent to the model once, escalation, streaming."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: no fetch of the remote price list

import litellm  # noqa: E402
import pytest  # noqa: E402

from .conftest import ASK, BLOCKED_ASK, CLINICIAN, Backend  # noqa: E402

PROVIDERS = ["openai", "ollama_chat"]


def call(backend: Backend, provider: str, pack: str, text: str = ASK, headers: dict[str, str] | None = None,
         **kw):  # type: ignore[no-untyped-def]
    base = backend.route(pack) + ("/v1" if provider == "openai" else "")
    return litellm.completion(model=f"{provider}/local-ollama", api_base=base, api_key="unused", timeout=60,
                              extra_headers={**CLINICIAN, **(headers or {})},
                              messages=[{"role": "user", "content": text}], **kw)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_answer_and_streaming(backend: Backend, provider: str) -> None:
    mark = backend.mark()
    r = call(backend, provider, "cl-answer")
    assert r.choices[0].message.content == backend.answer
    chunks = list(call(backend, provider, "cl-answer", stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == backend.answer
    sent, events = backend.since(mark)
    assert sent == 2 and [e["verdict"] for e in events] == ["allowed"] * 2


@pytest.mark.parametrize("provider", PROVIDERS)
def test_403_and_409_once(backend: Backend, provider: str) -> None:
    mark = backend.mark()
    with pytest.raises(litellm.exceptions.APIError.__mro__[1]) as denied:  # litellm's OpenAIError base
        call(backend, provider, "cl-answer", headers={"X-Tool": "delete_chart"})
    assert denied.value.status_code == 403 and _code(denied.value) == "tool_not_allowed"
    with pytest.raises(litellm.exceptions.APIError.__mro__[1]) as blocked:
        call(backend, provider, "cl-block", BLOCKED_ASK)
    assert blocked.value.status_code == 409 and _code(blocked.value) == "output_blocked"
    sent, events = backend.since(mark)
    assert sent == 1, f"the model ran {sent} times for one blocked request"
    assert [e["verdict"] for e in events] == ["denied", "blocked"]


def _code(exc: Exception) -> str | None:
    """The packgate code: in the message on Ollama routes, in a response header on both."""
    response = getattr(exc, "response", None)
    code = response.headers.get("x-packgate-error-code") if response is not None else None
    if code is None and "code " in str(exc):
        code = str(exc).split("code ", 1)[1].split(",")[0].split(")")[0]
    return code


def test_escalation_openai_provider(backend: Backend) -> None:
    """LiteLLM maps finish_reason "escalated" to "stop"; the response id is the escalation id."""
    r = call(backend, "openai", "cl-escalate")
    assert r.id.startswith("esc_") and r.choices[0].message.content is None
    assert r.packgate["escalation_id"] == r.id


def test_escalation_ollama_chat_provider(backend: Backend) -> None:
    """`ollama_chat/` keeps neither done_reason nor extra fields: an empty content is all it shows."""
    mark = backend.mark()
    r = call(backend, "ollama_chat", "cl-escalate")
    assert r.choices[0].message.content == ""
    _, events = backend.since(mark)
    assert [e["verdict"] for e in events] == ["escalated"]
