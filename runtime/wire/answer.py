"""Model answers in the two wire formats: read from upstreams into a neutral `Completion`, and
rendered to clients (JSON, SSE, NDJSON) once the response decision has approved them."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import normal

__all__ = ["Completion", "arguments_obj", "arguments_str", "openai_message", "ollama_message", "read_openai_stream", "read_ollama_stream",
           "openai_json", "openai_sse", "ollama_json", "ollama_ndjson", "pieces"]


def arguments_str(arguments: Any) -> str:
    """Tool-call arguments as the JSON string OpenAI carries."""
    return arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()


def arguments_obj(arguments: Any) -> Any:
    """Tool-call arguments as the object Ollama carries (a non-JSON string is wrapped, not lost)."""
    if isinstance(arguments, str):
        try:
            return orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return {"arguments": arguments}
    return arguments


@dataclass
class Completion:
    """A model answer in neutral form: text plus tool calls (`arguments` as a JSON string)."""

    text: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"id", "name", "arguments"}
    finish_reason: str = "stop"
    usage: dict[str, Any] | None = None
    refusal: str | None = None  # OpenAI `message.refusal`

    @property
    def tool_names(self) -> list[str]:
        return [c["name"] for c in self.tool_calls]

    def strings(self) -> list[str]:
        """Every string of the answer, in a fixed order: text, refusal, then each tool call's name and
        arguments. The response decision and output redaction see exactly these."""
        out = [self.text, self.refusal or ""]
        for call in self.tool_calls:
            out += [call["name"], call["arguments"]]
        return out

    def normalise(self) -> None:
        """Every string as `normal.clean` makes it (arguments as `normal.clean_arguments`): what is
        checked, scanned, redacted and delivered. ValueError if the arguments are too deep to check."""
        self.text = normal.clean(self.text)
        self.refusal = None if self.refusal is None else normal.clean(self.refusal)
        for call in self.tool_calls:
            call["name"], call["arguments"] = normal.clean(call["name"]), normal.clean_arguments(call["arguments"])

    def replace_strings(self, strings: list[str]) -> None:
        """Write back `strings()` after a transform (normalisation, redaction, token restore)."""
        if len(strings) != 2 + 2 * len(self.tool_calls):
            raise ValueError("strings do not match the answer")
        self.text = strings[0]
        self.refusal = strings[1] if self.refusal is not None else None
        for i, call in enumerate(self.tool_calls):
            call["name"], call["arguments"] = strings[2 + 2 * i], strings[3 + 2 * i]


# --- reading upstream answers -----------------------------------------------------------------


def openai_message(data: Any) -> Completion:
    choices = data["choices"]
    if not isinstance(choices, list) or len(choices) != 1:  # n>1 is refused on the way in; more is a fault
        raise ValueError("an answer must hold exactly one choice")
    choice = choices[0]
    msg = choice.get("message") or {}
    calls = [{"id": c.get("id") or f"call_{i}", "name": c["function"]["name"],
              "arguments": arguments_str(c["function"].get("arguments") or "{}")}
             for i, c in enumerate(msg.get("tool_calls") or [])]
    text = msg.get("content") or ""
    refusal = msg.get("refusal")
    if not isinstance(text, str) or not isinstance(refusal, (str, type(None))):
        raise ValueError("content is not text")
    return Completion(text, calls, choice.get("finish_reason") or "stop", data.get("usage"), refusal)


def _ollama_calls(msg: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": f"call_{uuid.uuid4().hex[:12]}", "name": c["function"]["name"],
             "arguments": arguments_str(c["function"].get("arguments") or {})}
            for c in msg.get("tool_calls") or []]


def ollama_message(data: Any) -> Completion:
    msg = data["message"]
    text = msg.get("content") or ""
    if not isinstance(text, str):
        raise ValueError("content is not text")
    usage = {"prompt_tokens": data.get("prompt_eval_count", 0), "completion_tokens": data.get("eval_count", 0)}
    return Completion(text, _ollama_calls(msg), data.get("done_reason") or "stop", usage)


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """The body's lines as text (no length limit per line; invalid UTF-8 is a ValueError)."""
    buf = b""
    async for chunk in chunks:
        buf += chunk
        if b"\n" in chunk:
            *lines, buf = buf.split(b"\n")
            for line in lines:
                yield line.rstrip(b"\r").decode()
    if buf:
        yield buf.rstrip(b"\r").decode()


async def read_openai_stream(chunks: AsyncIterator[bytes]) -> Completion:
    parts: list[str] = []
    refusal: list[str] | None = None
    calls: dict[int, dict[str, Any]] = {}
    finish, usage, done = None, None, False
    async for line in _lines(chunks):
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if payload == "[DONE]":
            done = True
            break
        chunk = orjson.loads(payload)
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:  # a second choice: n>1 is refused on the way in
                raise ValueError("an answer must hold exactly one choice")
            delta = choice.get("delta") or {}
            if delta.get("content"):
                parts.append(delta["content"])
            if delta.get("refusal") is not None:
                refusal = [*(refusal or []), delta["refusal"]]
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(tc.get("index", 0), {"id": None, "name": "", "arguments": ""})
                slot["id"] = tc.get("id") or slot["id"]
                fn = tc.get("function") or {}
                slot["name"] += fn.get("name") or ""
                slot["arguments"] += fn.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    if not done and finish is None:
        raise ValueError("stream ended early")
    tool_calls = [{"id": c["id"] or f"call_{i}", "name": c["name"], "arguments": c["arguments"] or "{}"}
                  for i, c in sorted(calls.items())]
    return Completion("".join(parts), tool_calls, finish or "stop", usage,
                      None if refusal is None else "".join(refusal))


async def read_ollama_stream(chunks: AsyncIterator[bytes]) -> Completion:
    parts: list[str] = []
    calls: list[dict[str, Any]] = []
    async for line in _lines(chunks):
        if not line.strip():
            continue
        chunk = orjson.loads(line)
        if "error" in chunk:
            raise ValueError("error in stream")
        msg = chunk.get("message") or {}
        if msg.get("content"):
            parts.append(msg["content"])
        calls.extend(_ollama_calls(msg))
        if chunk.get("done"):
            usage = {"prompt_tokens": chunk.get("prompt_eval_count", 0),
                     "completion_tokens": chunk.get("eval_count", 0)}
            return Completion("".join(parts), calls, chunk.get("done_reason") or "stop", usage)
    raise ValueError("stream ended early")


# --- answers to clients -----------------------------------------------------------------------

PIECE = 48  # characters per streamed chunk of approved text


def pieces(text: str) -> Iterator[str]:
    for i in range(0, len(text), PIECE):
        yield text[i:i + PIECE]


def openai_json(c: Completion | None, text: str | None, *, model: str, rid: str, finish: str,
                extra: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if c is not None and c.refusal is not None and text is not None:
        message["refusal"] = c.refusal
    if c is not None and c.tool_calls and text is not None:
        message["tool_calls"] = [{"id": t["id"], "type": "function",
                                  "function": {"name": t["name"], "arguments": t["arguments"]}} for t in c.tool_calls]
    out = {"id": rid, "object": "chat.completion", "created": int(time.time()), "model": model,
           "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
           "packgate": extra}
    if c is not None and c.usage:
        out["usage"] = c.usage
    return out


def openai_sse(c: Completion | None, text: str | None, *, model: str, rid: str, finish: str,
               extra: dict[str, Any]) -> Iterator[bytes]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, **more: Any) -> bytes:
        body = {"id": rid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}], **more}
        return b"data: " + orjson.dumps(body) + b"\n\n"

    if text is None:  # escalated: nothing from the model is released
        yield chunk({"role": "assistant", "content": None}, finish, packgate=extra)
    else:
        yield chunk({"role": "assistant", "content": ""})
        for piece in pieces(text):
            yield chunk({"content": piece})
        if c is not None and c.refusal is not None:
            yield chunk({"refusal": c.refusal})
        if c is not None and c.tool_calls:
            yield chunk({"tool_calls": [{"index": i, "id": t["id"], "type": "function",
                                         "function": {"name": t["name"], "arguments": t["arguments"]}}
                                        for i, t in enumerate(c.tool_calls)]})
        yield chunk({}, finish, packgate=extra)
    yield b"data: [DONE]\n\n"


def _ollama_tool_calls(c: Completion | None) -> list[dict[str, Any]]:
    if c is None:
        return []
    return [{"function": {"name": t["name"], "arguments": arguments_obj(t["arguments"])}} for t in c.tool_calls]


def ollama_json(c: Completion | None, text: str | None, *, model: str, finish: str,
                extra: dict[str, Any]) -> dict[str, Any]:
    # Ollama's content is always a string: a held answer is "" with done_reason "escalated" (a null
    # breaks LiteLLM's ollama_chat/ and LangChain's ChatOllama)
    message: dict[str, Any] = {"role": "assistant", "content": "" if text is None else text}
    calls = _ollama_tool_calls(c) if text is not None else []
    if calls:
        message["tool_calls"] = calls
    usage = (c.usage or {}) if c is not None else {}
    return {"model": model, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "message": message, "done": True, "done_reason": finish,
            "prompt_eval_count": usage.get("prompt_tokens", 0), "eval_count": usage.get("completion_tokens", 0),
            "packgate": extra}


def ollama_ndjson(c: Completion | None, text: str | None, *, model: str, finish: str,
                  extra: dict[str, Any]) -> Iterator[bytes]:
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if text is not None:
        for piece in pieces(text):
            yield orjson.dumps({"model": model, "created_at": created,
                                "message": {"role": "assistant", "content": piece}, "done": False}) + b"\n"
    final = ollama_json(c, None if text is None else "", model=model, finish=finish, extra=extra)
    yield orjson.dumps(final) + b"\n"


def as_generate(chunk: dict[str, Any]) -> dict[str, Any]:
    """An `/api/chat` answer object as Ollama's `/api/generate` one (`response` instead of `message`)."""
    out = {k: v for k, v in chunk.items() if k != "message"}
    message = chunk.get("message") or {}
    out["response"] = message.get("content")
    if message.get("tool_calls"):
        out["tool_calls"] = message["tool_calls"]
    return out


def ollama_generate_ndjson(lines: Iterator[bytes]) -> Iterator[bytes]:
    for line in lines:
        yield orjson.dumps(as_generate(orjson.loads(line))) + b"\n"
