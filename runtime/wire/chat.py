"""A chat request in either wire format (OpenAI chat.completions, Ollama /api/chat): validated,
its text indexed, and rebuilt as the body a target of either format receives.

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

from .answer import arguments_obj, arguments_str
from .errors import bad

__all__ = ["Protocol", "ParsedChat", "parse_chat", "tool_names", "openai_body", "ollama_body"]

Protocol = Literal["openai", "ollama"]
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
MESSAGE_KEYS: dict[str, frozenset[str]] = {
    "openai": frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "refusal",
                         "function_call"}),
    "ollama": frozenset({"role", "content", "tool_calls", "tool_name", "thinking", "images"}),
}
UNREADABLE_PARTS = frozenset({"image_url", "input_audio", "file", "image", "audio"})
MAX_WALK_DEPTH = 32


SAMPLING_KEYS = ("temperature", "top_p", "seed", "stop")


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


def _named(spec: Any) -> str | None:
    return spec["name"] if isinstance(spec, dict) and isinstance(spec.get("name"), str) and spec["name"] else None


def tool_names(body: dict[str, Any]) -> list[str]:
    """Every tool the request names, for rbac: `tools[]` (type function or custom), the legacy OpenAI
    `functions[]` / `function_call`, and a named `tool_choice`. A form that names a tool any other
    way is refused (422): a tool rbac cannot see is never forwarded."""
    names: list[str] = []
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise bad(422, "invalid_tools", "tools must be an array", "tools")
        for i, tool in enumerate(tools):
            kind = tool.get("type", "function") if isinstance(tool, dict) else None
            name = _named(tool.get(kind)) if kind in ("function", "custom") else None  # type: ignore[union-attr]
            if name is None or set(tool) - {"type", kind}:  # type: ignore[arg-type]  # one name per tool
                raise bad(422, "invalid_tools", "each tool needs type function (function.name) or custom (custom.name)",
                          f"tools[{i}]")
            names.append(name)
    functions = body.get("functions")
    if functions is not None:
        if not isinstance(functions, list):
            raise bad(422, "invalid_tools", "functions must be an array", "functions")
        for i, fn in enumerate(functions):
            name = _named(fn)
            if name is None:
                raise bad(422, "invalid_tools", "each function needs a name", f"functions[{i}]")
            names.append(name)
    for key in ("function_call", "tool_choice"):
        choice = body.get(key)
        if choice is None or choice in ("none", "auto", "required"):
            continue
        kind = choice.get("type", "function") if isinstance(choice, dict) else None
        name = _named(choice) if key == "function_call" else (
            _named(choice.get(kind)) if kind in ("function", "custom") else None)  # type: ignore[union-attr]
        if name is None:
            raise bad(422, "invalid_tools", f"{key} must be none, auto, required or name one tool", key)
        names.append(name)
    return list(dict.fromkeys(names))


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
    if body.get("n") not in (None, 1):  # one answer per request: the response decision checks exactly one choice
        raise bad(422, "unsupported_parameter", "n must be 1: packgate checks and delivers one choice", "n")
    metadata = body.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise bad(422, "invalid_metadata", "metadata must be an object", "metadata")
    return ParsedChat(protocol=protocol, body=body, stream=stream, model=model,
                      tools=tool_names(body), metadata=metadata, slots=slots)


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "\n".join(p.get("text") or p.get("refusal") or "" for p in content)
    return content or ""


def openai_body(chat: ParsedChat, model: str, stream: bool) -> dict[str, Any]:
    if chat.protocol == "openai":
        body = {k: v for k, v in chat.body.items() if k not in ("metadata", "user", "store")}
    else:
        msgs = []
        for m in chat.messages:
            out: dict[str, Any] = {"role": m["role"], "content": m.get("content")}
            if m.get("tool_calls"):
                out["tool_calls"] = [{"id": f"call_{i}", "type": "function",
                                      "function": {"name": c["function"]["name"],
                                                   "arguments": arguments_str(c["function"].get("arguments", {}))}}
                                     for i, c in enumerate(m["tool_calls"])]
            msgs.append(out)
        body = {"messages": msgs}
        opts = chat.body.get("options") or {}
        body.update({k: opts[k] for k in SAMPLING_KEYS if k in opts})
        if "num_predict" in opts:
            body["max_tokens"] = opts["num_predict"]
        if chat.body.get("tools"):
            body["tools"] = chat.body["tools"]
    body["model"] = model
    body["stream"] = stream
    return body


def ollama_body(chat: ParsedChat, model: str, stream: bool) -> dict[str, Any]:
    if chat.protocol == "ollama":
        body = {k: v for k, v in chat.body.items() if k not in ("metadata",)}
    else:
        msgs = []
        for m in chat.messages:
            out: dict[str, Any] = {"role": m["role"] if m["role"] != "developer" else "system",
                                   "content": _text_of(m.get("content"))}
            if m.get("tool_calls"):
                out["tool_calls"] = [{"function": {"name": c["function"]["name"],
                                                   "arguments": arguments_obj(c["function"].get("arguments", {}))}}
                                     for c in m["tool_calls"]]
            msgs.append(out)
        body = {"messages": msgs}
        opts = {k: chat.body[k] for k in SAMPLING_KEYS if k in chat.body}
        max_tokens = chat.body.get("max_completion_tokens", chat.body.get("max_tokens"))
        if max_tokens is not None:
            opts["num_predict"] = max_tokens
        if opts:
            body["options"] = opts
        if chat.body.get("tools"):
            body["tools"] = chat.body["tools"]
    body["model"] = model
    body["stream"] = stream
    return body

