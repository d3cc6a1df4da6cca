"""Request parsing and validation: everything a request must pass before identity and OPA.

Limits (documented in the README): bodies over `max_body_bytes` (1 MiB by default) → 413, by
Content-Length before reading and by counting while reading; a content type other than
`application/json` → 415; bytes that are not UTF-8 JSON (orjson: strict UTF-8, nesting bounded)
→ 400; a body that is not an object, or without a non-empty `messages` list → 422; more than
`max_header_count` headers, or a repeated identity header → 400.

Message text is collected as *slots* — (container, key) pairs pointing at every string the model
would read (string content, text parts, refusals, names, tool-call arguments) — so the pre-scan
sees all of it and redaction rewrites exactly those strings in place. Content the detectors cannot
read (image, audio and file parts; Ollama `images`) is rejected with 422 `unsupported_content`
rather than forwarded unscanned: a photo is itself a HIPAA identifier.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from starlette.requests import Request

from .errors import GatewayError

Protocol = Literal["openai", "ollama"]
IDENTITY_HEADERS = ("x-user-id", "x-user-role", "x-tool", "x-data-sensitivity", "authorization")
HIDDEN_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
MESSAGE_KEYS: dict[str, frozenset[str]] = {
    "openai": frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "refusal",
                         "function_call"}),
    "ollama": frozenset({"role", "content", "tool_calls", "tool_name", "thinking", "images"}),
}
UNREADABLE_PARTS = frozenset({"image_url", "input_audio", "file", "image", "audio"})
MAX_WALK_DEPTH = 32


@dataclass(eq=False)
class ParsedChat:
    """A validated chat request; `body` is owned by this request and redacted in place."""

    protocol: Protocol
    body: dict[str, Any]
    stream: bool
    model: str | None
    tools: list[str]
    metadata: dict[str, Any]
    slots: list[tuple[Any, Any]] = field(default_factory=list)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body["messages"]

    def texts(self) -> Iterator[str]:
        for container, key in self.slots:
            yield container[key]

    def rewrite(self, index: int, text: str) -> None:
        container, key = self.slots[index]
        container[key] = text


def bad(status: int, code: str, message: str, param: str | None = None) -> GatewayError:
    return GatewayError(status, code, message, param=param, verdict="bad_request")


def check_headers(request: Request, max_count: int) -> None:
    """Hostile-header checks that must run before anything reads identity."""
    raw = request.scope["headers"]
    if len(raw) > max_count:
        raise bad(400, "too_many_headers", f"more than {max_count} request headers")
    for name in IDENTITY_HEADERS:
        if len(request.headers.getlist(name)) > 1:
            raise bad(400, "duplicate_header", "identity header sent more than once", name)


def opa_headers(request: Request, names: frozenset[str] | None = None) -> dict[str, str]:
    """The headers OPA reads, lower-cased, never credentials (decision-api.md, `headers`).

    `names` (lower-case) limits them to what the route's policies read (`Route.opa_header_names`);
    None sends every header except credentials.
    """
    out: dict[str, str] = {}
    for k, v in request.scope["headers"]:
        name = k.decode("latin-1").lower()
        if (name in names if names is not None else name not in HIDDEN_HEADERS) and name not in out:
            out[name] = v.decode("latin-1").strip()
    return out


async def read_json(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object, enforcing size, content type and syntax."""
    ctype = request.headers.get("content-type", "")
    if ctype.split(";", 1)[0].strip().lower() != "application/json":
        raise bad(415, "unsupported_media_type", "Content-Type must be application/json")
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > max_bytes:
                raise bad(413, "request_too_large", f"request body exceeds {max_bytes} bytes")
        except ValueError:
            raise bad(400, "invalid_content_length", "Content-Length is not a number") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise bad(413, "request_too_large", f"request body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise bad(400, "invalid_json", "request body is not valid UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise bad(422, "invalid_body", "request body must be a JSON object")
    return body


def _walk_strings(container: Any, key: Any, slots: list[tuple[Any, Any]], depth: int = 0) -> None:
    value = container[key]
    if isinstance(value, str):
        slots.append((container, key))
    elif depth >= MAX_WALK_DEPTH:
        raise bad(422, "invalid_message", "tool-call arguments nested too deeply")
    elif isinstance(value, dict):
        for k in value:
            _walk_strings(value, k, slots, depth + 1)
    elif isinstance(value, list):
        for i in range(len(value)):
            _walk_strings(value, i, slots, depth + 1)


def _message_slots(msg: dict[str, Any], i: int, protocol: Protocol, slots: list[tuple[Any, Any]]) -> None:
    where = f"messages[{i}]"
    role = msg.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise bad(422, "invalid_message", "message role must be one of " + ", ".join(sorted(ROLES)), f"{where}.role")
    for key in msg:
        if key not in MESSAGE_KEYS[protocol]:
            raise bad(422, "invalid_message", f"unsupported message field '{key}'"[:120], f"{where}")
    content = msg.get("content")
    if isinstance(content, str):
        slots.append((msg, "content"))
    elif isinstance(content, list) and protocol == "openai":
        for j, part in enumerate(content):
            pwhere = f"{where}.content[{j}]"
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise bad(422, "invalid_message", "content part must be an object with a type", pwhere)
            ptype = part["type"]
            if ptype == "text" and isinstance(part.get("text"), str):
                slots.append((part, "text"))
            elif ptype == "refusal" and isinstance(part.get("refusal"), str):
                slots.append((part, "refusal"))
            elif ptype in UNREADABLE_PARTS:
                raise bad(422, "unsupported_content",
                          "image, audio and file content cannot be scanned for PHI; send text only", pwhere)
            else:
                raise bad(422, "invalid_message", "unsupported content part", pwhere)
    elif content is not None:
        raise bad(422, "invalid_message", "content must be a string, an array of parts, or null", f"{where}.content")
    if msg.get("images"):
        raise bad(422, "unsupported_content", "images cannot be scanned for PHI; send text only", f"{where}.images")
    for key in ("name", "refusal", "thinking", "tool_name", "tool_call_id"):
        if key in msg and msg[key] is not None:
            if not isinstance(msg[key], str):
                raise bad(422, "invalid_message", f"{key} must be a string", f"{where}.{key}")
            slots.append((msg, key))
    calls = msg.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list):
            raise bad(422, "invalid_message", "tool_calls must be an array", f"{where}.tool_calls")
        for j, call in enumerate(calls):
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                raise bad(422, "invalid_message", "tool call needs function.name", f"{where}.tool_calls[{j}]")
            if "arguments" in fn:
                _walk_strings(fn, "arguments", slots)
    if msg.get("function_call") is not None:
        fc = msg["function_call"]
        if not isinstance(fc, dict):
            raise bad(422, "invalid_message", "function_call must be an object", f"{where}.function_call")
        if "arguments" in fc:
            _walk_strings(fc, "arguments", slots)


def tool_names(body: dict[str, Any]) -> list[str]:
    tools = body.get("tools")
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise bad(422, "invalid_tools", "tools must be an array", "tools")
    names: list[str] = []
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise bad(422, "invalid_tools", "each tool needs function.name", f"tools[{i}]")
        names.append(fn["name"])
    return names


def parse_chat(body: dict[str, Any], protocol: Protocol) -> ParsedChat:
    """Validate a chat body (OpenAI chat.completions or Ollama /api/chat) and index its text."""
    messages = body.get("messages")
    if messages is None:
        raise bad(422, "missing_messages", "'messages' is required", "messages")
    if not isinstance(messages, list) or not messages:
        raise bad(422, "invalid_messages", "'messages' must be a non-empty array", "messages")
    slots: list[tuple[Any, Any]] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise bad(422, "invalid_message", "each message must be an object", f"messages[{i}]")
        _message_slots(msg, i, protocol, slots)
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise bad(422, "invalid_model", "model must be a string", "model")
    stream = body.get("stream", protocol == "ollama")  # Ollama streams unless told not to
    if not isinstance(stream, bool):
        raise bad(422, "invalid_stream", "stream must be a boolean", "stream")
    metadata = body.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise bad(422, "invalid_metadata", "metadata must be an object", "metadata")
    return ParsedChat(protocol=protocol, body=body, stream=stream, model=model,
                      tools=tool_names(body), metadata=metadata, slots=slots)
