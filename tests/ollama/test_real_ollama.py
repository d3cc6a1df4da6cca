"""The real Ollama (built by `make setup`) serving the tiny model, driven by the real clients.

Proves the fixture others build on: native API (`ollama` client and plain HTTP) and Ollama's
OpenAI-compatible API (`openai` SDK), streaming and not, and a real error. No timing asserts.
"""

from __future__ import annotations

import httpx
import ollama
import openai
import pytest

from .server import ANSWER, OLLAMA_VERSION, OllamaServer

MESSAGES = [{"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Say hello to the clinic."}]
TIMEOUT = 120.0   # a busy 2-core machine; the model itself answers in milliseconds


@pytest.fixture(scope="module")
def client(ollama_server: OllamaServer) -> ollama.Client:
    return ollama.Client(host=ollama_server.url, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def oai(ollama_server: OllamaServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=ollama_server.openai_base_url, api_key="ollama", max_retries=0, timeout=TIMEOUT)


def test_version(ollama_server: OllamaServer) -> None:
    r = httpx.get(f"{ollama_server.url}/api/version", timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {"version": OLLAMA_VERSION}


def test_tags_lists_the_model(client: ollama.Client, ollama_server: OllamaServer) -> None:
    models = client.list().models
    assert [m.model for m in models] == [ollama_server.model]
    assert models[0].details.family == "llama"
    assert models[0].size < 1_000_000


def test_show(client: ollama.Client, ollama_server: OllamaServer) -> None:
    info = client.show(ollama_server.model)
    assert info.details.format == "gguf"
    assert info.details.family == "llama"
    assert "<|im_start|>" in info.template            # Ollama recognised the ChatML template
    assert "num_thread" in info.parameters and "1" in info.parameters
    assert info.modelinfo["general.architecture"] == "llama"
    assert info.modelinfo["llama.block_count"] == 2


def test_chat(client: ollama.Client, ollama_server: OllamaServer) -> None:
    r = client.chat(model=ollama_server.model, messages=MESSAGES, stream=False)
    assert r.message.role == "assistant"
    assert r.message.content == ANSWER
    assert r.done and r.done_reason == "stop"
    assert r.prompt_eval_count and r.eval_count


def test_chat_stream(client: ollama.Client, ollama_server: OllamaServer) -> None:
    chunks = list(client.chat(model=ollama_server.model, messages=MESSAGES, stream=True))
    assert len(chunks) > 2                               # one chunk per token, then the final one
    assert "".join(c.message.content for c in chunks) == ANSWER
    assert chunks[-1].done and chunks[-1].done_reason == "stop"
    assert not any(c.done for c in chunks[:-1])


def test_generate(client: ollama.Client, ollama_server: OllamaServer) -> None:
    r = client.generate(model=ollama_server.model, prompt="Say hello.")
    assert r.response == ANSWER and r.done_reason == "stop"


def test_unknown_model_is_a_real_404(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as e:
        client.chat(model="no-such-model", messages=MESSAGES)
    assert e.value.status_code == 404
    assert "not found" in e.value.error


def test_openai_chat_completions(oai: openai.OpenAI, ollama_server: OllamaServer) -> None:
    r = oai.chat.completions.create(model=ollama_server.model, messages=MESSAGES)
    assert r.object == "chat.completion"
    assert r.choices[0].message.content == ANSWER
    assert r.choices[0].finish_reason == "stop"
    assert r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0


def test_openai_chat_completions_stream(oai: openai.OpenAI, ollama_server: OllamaServer) -> None:
    chunks = list(oai.chat.completions.create(model=ollama_server.model, messages=MESSAGES, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == ANSWER
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_openai_models(oai: openai.OpenAI, ollama_server: OllamaServer) -> None:
    assert [m.id for m in oai.models.list()] == [ollama_server.model]


def test_openai_unknown_model_is_a_real_404(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        oai.chat.completions.create(model="no-such-model", messages=MESSAGES)
