"""A chat request in either wire format (OpenAI chat.completions, Ollama /api/chat): validated against
an allow-list of fields, its text indexed as *slots*, and rebuilt as the body a target of either
format receives — from the slots and from nothing else.

Forward only what was scanned (docs/wire-formats.md has the table of every field):

- `parse_chat` is the one function that owns the strings of a request. Every string the model would
  read — message text, text and refusal parts, names, tool-call ids, names and arguments (keys and
  values), tool descriptions and parameter schemas (every key and string), `tool_choice`'s function
  name, `response_format` / Ollama `format` schemas, `stop`, `prediction` — is appended to
  `ParsedChat.slot_texts` through `_Slots.take`, and the parsed request (`ParsedChat.request`) holds a
  `Text(index)` where the string was. The pre-scan reads them in order (`texts()`); redaction rewrites them (`rewrite(i, text)`).
- Everything else in the parsed request is a typed non-text value validated as such: numbers,
  booleans, and enum strings from this module's own closed sets (`tool_choice: "auto"`,
  `response_format.type`, roles), emitted as the module's own constants.
- `openai_body` / `ollama_body` render that parsed request. `ParsedChat` keeps no raw body, so the
  renderers have nothing to copy from but the slot texts; a closing check (`_only_scanned_strings`) refuses
  to emit any string — value or key — that is not a slot text (after redaction), a string derived by
  the renderer from slot texts (joined parts, JSON-encoded arguments), the target's model name, or
  this module's vocabulary.
- A field not in the allow-list is refused with 422 `unsupported_field`; content the detectors cannot
  read (image, audio and file parts; Ollama `images`) with 422 `unsupported_content` — a photo is
  itself a HIPAA identifier. Fields the gateway consumes itself (`metadata`, OpenAI `user`/`store`)
  are validated and never forwarded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import orjson

from .errors import GatewayError, bad

__all__ = ["Protocol", "ParsedChat", "Text", "parse_chat", "openai_body", "ollama_body"]

Protocol = Literal["openai", "ollama"]

# --- the vocabulary: every string a renderer may write that is not a slot text --------------------

ROLES = {r: r for r in ("system", "developer", "user", "assistant", "tool", "function")}
TOOL_CHOICES = {c: c for c in ("none", "auto", "required")}
RESPONSE_TYPES = {t: t for t in ("text", "json_object", "json_schema")}
REASONING_EFFORTS = {e: e for e in ("minimal", "low", "medium", "high")}
THINK_LEVELS = {e: e for e in ("low", "medium", "high")}
UNREADABLE_PARTS = frozenset({"image_url", "input_audio", "file", "image", "audio"})
MAX_WALK_DEPTH = 32

# Numeric/boolean request fields: name -> type check. Shared ones are translated between formats.
_INT, _NUM, _BOOL = "int", "number", "bool"
OPENAI_NUMBERS: dict[str, str] = {
    "temperature": _NUM, "top_p": _NUM, "presence_penalty": _NUM, "frequency_penalty": _NUM,
    "seed": _INT, "max_tokens": _INT, "max_completion_tokens": _INT, "n": _INT,
    "parallel_tool_calls": _BOOL, "logprobs": _BOOL, "top_logprobs": _INT,
}
OLLAMA_OPTIONS: dict[str, str] = {
    "temperature": _NUM, "top_p": _NUM, "presence_penalty": _NUM, "frequency_penalty": _NUM,
    "seed": _INT, "num_predict": _INT, "top_k": _INT, "min_p": _NUM, "typical_p": _NUM,
    "repeat_last_n": _INT, "repeat_penalty": _NUM, "num_ctx": _INT, "num_keep": _INT,
    "mirostat": _INT, "mirostat_tau": _NUM, "mirostat_eta": _NUM, "tfs_z": _NUM,
    "penalize_newline": _BOOL, "num_batch": _INT, "num_gpu": _INT, "main_gpu": _INT,
    "num_thread": _INT, "use_mmap": _BOOL, "use_mlock": _BOOL, "numa": _BOOL, "low_vram": _BOOL,
}
# the same setting under each format's name
SHARED = {"temperature": "temperature", "top_p": "top_p", "presence_penalty": "presence_penalty",
          "frequency_penalty": "frequency_penalty", "seed": "seed", "max_tokens": "num_predict"}

OPENAI_FIELDS = frozenset({
    "messages", "model", "stream", "stream_options", "metadata", "user", "store", "stop", "tools",
    "tool_choice", "response_format", "reasoning_effort", "prediction", *OPENAI_NUMBERS,
})
OLLAMA_FIELDS = frozenset({"messages", "model", "stream", "metadata", "tools", "format", "options",
                           "keep_alive", "think"})
REFUSED_FIELDS = {
    "functions": "'functions' is not supported; send 'tools' (scanned, and checked by rbac)",
    "function_call": "'function_call' is not supported; send 'tool_choice'",
}
MESSAGE_KEYS: dict[str, frozenset[str]] = {
    "openai": frozenset({"role", "content", "name", "tool_calls", "tool_call_id", "refusal", "function_call"}),
    "ollama": frozenset({"role", "content", "tool_calls", "tool_name", "thinking", "images"}),
}
_STRUCTURE = frozenset({
    "messages", "role", "content", "name", "tool_calls", "tool_call_id", "refusal", "function_call",
    "tool_name", "thinking", "id", "type", "function", "arguments", "text", "tools", "description",
    "parameters", "strict", "tool_choice", "response_format", "json_schema", "schema", "stop", "model",
    "stream", "stream_options", "include_usage", "prediction", "reasoning_effort", "format", "options",
    "keep_alive", "think", "json", "response", "max_tokens", "content",
})
VOCABULARY = frozenset({*ROLES, *TOOL_CHOICES, *RESPONSE_TYPES, *REASONING_EFFORTS, *THINK_LEVELS,
                        *OPENAI_NUMBERS, *OLLAMA_OPTIONS, *_STRUCTURE, ""})
_DURATION = re.compile(r"^(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)?$")
_DURATION_S = {None: 1.0, "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


# --- the parsed request: typed values and Text references, never a client string --------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A string of the request: `ParsedChat.slot_texts[index]` (scanned, and redacted in place)."""

    index: int


@dataclass(frozen=True, slots=True)
class Obj:
    """A JSON object whose keys are text too (argument objects, schemas): [(key, value)]."""

    items: tuple[tuple[Text, "Tree"], ...]


Tree = Union[Text, Obj, list, int, float, bool, None]  # list: list[Tree]


@dataclass
class Part:
    kind: str  # "text" | "refusal" (this module's constants)
    text: Text


@dataclass
class Call:
    """A tool call in history: `arguments` a Tree (JSON object/array, `encoded` if it came as a JSON
    string) or one Text (a string that is not JSON)."""

    name: Text
    arguments: Tree
    encoded: bool
    id: Text | None = None


@dataclass
class Message:
    role: str
    content: Text | list[Part] | None
    name: Text | None = None
    refusal: Text | None = None
    thinking: Text | None = None
    tool_name: Text | None = None
    tool_call_id: Text | None = None
    tool_calls: list[Call] = field(default_factory=list)
    function_call: Call | None = None


@dataclass
class Tool:
    name: Text
    description: Text | None = None
    parameters: Tree = None
    strict: bool | None = None


@dataclass
class ResponseFormat:
    """OpenAI `response_format` and Ollama `format` in one: kind json_object ("json") or json_schema."""

    kind: str
    schema: Tree = None
    name: Text | None = None
    description: Text | None = None
    strict: bool | None = None


@dataclass
class Request:
    messages: list[Message]
    tools: list[Tool] = field(default_factory=list)
    tool_choice: str | Text | None = None  # an enum constant, or the name of one function
    response_format: ResponseFormat | None = None
    stop: list[Text] | None = None
    stop_single: bool = False  # OpenAI `stop` sent as one string
    sampling: dict[str, int | float] = field(default_factory=dict)  # SHARED keys, OpenAI names
    openai_extra: dict[str, Any] = field(default_factory=dict)  # numbers/bools/enums only OpenAI reads
    ollama_extra: dict[str, Any] = field(default_factory=dict)  # options only Ollama reads
    keep_alive: float | None = None
    think: bool | str | None = None
    prediction: Text | list[Part] | None = None
    include_usage: bool | None = None


@dataclass(eq=False)
class ParsedChat:
    """A validated chat request. It holds no raw body: `slot_texts` are its strings, `request` the rest."""

    protocol: Protocol
    request: Request
    slot_texts: list[str]  # the strings of the request, in order: what the pre-scan reads
    stream: bool
    model: str | None  # read by the gateway (OPA input, audit); never forwarded
    tools: list[str]  # tool names for rbac, as the client sent them
    metadata: dict[str, Any]  # read by the gateway (identity); never forwarded

    def texts(self) -> Iterator[str]:
        yield from self.slot_texts

    def rewrite(self, index: int, text: str) -> None:
        self.slot_texts[index] = text


# --- parsing ----------------------------------------------------------------------------------------


class _Slots:
    """The only way a client string enters the parsed request: `take` records it as a slot."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def take(self, value: Any, where: str, code: str = "invalid_message") -> Text:
        if not isinstance(value, str):
            raise bad(422, code, "must be a string", where)
        self.texts.append(value)
        return Text(len(self.texts) - 1)

    def opt(self, obj: dict[str, Any], key: str, where: str, code: str = "invalid_message") -> Text | None:
        value = obj.get(key)
        return None if value is None else self.take(value, f"{where}.{key}", code)

    def tree(self, value: Any, where: str, code: str, depth: int = 0) -> Tree:
        """A JSON value with every key and every string taken as a slot."""
        if isinstance(value, str):
            return self.take(value, where, code)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return _number(value, where, code)
        if depth >= MAX_WALK_DEPTH:
            raise bad(422, code, "nested too deeply", where)
        if isinstance(value, dict):
            return Obj(tuple((self.take(k, where, code), self.tree(v, where, code, depth + 1))  # keys are text: never in a param
                             for k, v in value.items()))
        if isinstance(value, list):
            return [self.tree(v, f"{where}[{i}]", code, depth + 1) for i, v in enumerate(value)]
        raise bad(422, code, "not a JSON value", where)


def _number(value: Any, where: str, code: str, kind: str = _NUM) -> int | float | bool:
    if kind == _BOOL:
        if not isinstance(value, bool):
            raise bad(422, code, "must be a boolean", where)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise bad(422, code, "must be a number", where)
    if kind == _INT and not (isinstance(value, int) or float(value).is_integer()):
        raise bad(422, code, "must be an integer", where)
    return int(value) if kind == _INT else value


def _keys(obj: Any, allowed: frozenset[str] | set[str], where: str, code: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise bad(422, code, "must be an object", where)
    for key in obj:
        if key not in allowed:
            raise bad(422, "unsupported_field", "field not supported by the gateway (it cannot be scanned)",
                      _param(where, key))
    return obj


# Field names of the two APIs the gateway does not take (named in errors; any other key is not).
_KNOWN_UNSUPPORTED = frozenset({
    "audio", "modalities", "logit_bias", "web_search_options", "service_tier", "verbosity", "suffix",
    "prompt_cache_key", "safety_identifier", "raw", "template", "system", "context", "images", "index",
    "cache_control", "input_audio", "image_url", "file", "examples", "annotations",
})


def _param(where: str, key: Any) -> str:
    """The error's `param`: the path, plus the field's name only when it is a field name of either API.
    A client-chosen key can hold PHI; errors never echo one."""
    name = key if isinstance(key, str) and (key in VOCABULARY or key in _KNOWN_UNSUPPORTED) else "<field>"
    return f"{where}.{name}" if where else name


def _enum(value: Any, table: dict[str, str], where: str, code: str) -> str:
    if not isinstance(value, str) or value not in table:
        raise bad(422, code, "must be one of " + ", ".join(table), where)
    return table[value]  # our constant, not the client's string


def _parts(content: list[Any], where: str, slots: _Slots) -> list[Part]:
    parts: list[Part] = []
    for j, part in enumerate(content):
        pwhere = f"{where}[{j}]"
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise bad(422, "invalid_message", "content part must be an object with a type", pwhere)
        ptype = part["type"]
        if ptype in UNREADABLE_PARTS:
            raise bad(422, "unsupported_content",
                      "image, audio and file content cannot be scanned for PHI; send text only", pwhere)
        if ptype not in ("text", "refusal"):
            raise bad(422, "invalid_message", "unsupported content part", pwhere)
        kind = "text" if ptype == "text" else "refusal"
        _keys(part, {"type", kind}, pwhere, "invalid_message")
        parts.append(Part(kind, slots.take(part.get(kind), f"{pwhere}.{kind}")))
    return parts


def _arguments(value: Any, where: str, slots: _Slots) -> tuple[Tree, bool]:
    if isinstance(value, str):
        try:
            decoded = orjson.loads(value)
        except orjson.JSONDecodeError:
            return slots.take(value, where), False
        if isinstance(decoded, (dict, list)):
            return slots.tree(decoded, where, "invalid_message"), True
        return slots.take(value, where), False
    if isinstance(value, (dict, list)):
        return slots.tree(value, where, "invalid_message"), False
    if value is None:
        return Obj(()), False
    raise bad(422, "invalid_message", "arguments must be a JSON string or object", where)


def _call(call: Any, where: str, protocol: Protocol, slots: _Slots) -> Call:
    _keys(call, {"id", "type", "function", *(("index",) if protocol == "ollama" else ())}, where, "invalid_message")
    if call.get("type") not in (None, "function"):
        raise bad(422, "invalid_message", "tool call type must be 'function'", f"{where}.type")
    if call.get("index") is not None:
        _number(call["index"], f"{where}.index", "invalid_message", _INT)  # position only; not forwarded
    fn = _keys(call.get("function"), {"name", "arguments", *(("index",) if protocol == "ollama" else ())},
               f"{where}.function", "invalid_message")
    if fn.get("index") is not None:
        _number(fn["index"], f"{where}.function.index", "invalid_message", _INT)
    name = slots.take(fn.get("name"), f"{where}.function.name")
    args, encoded = _arguments(fn.get("arguments"), f"{where}.function.arguments", slots)
    return Call(name, args, encoded, slots.opt(call, "id", where))


def _message(msg: Any, i: int, protocol: Protocol, slots: _Slots) -> Message:
    where = f"messages[{i}]"
    if not isinstance(msg, dict):
        raise bad(422, "invalid_message", "each message must be an object", where)
    role = msg.get("role")
    if not isinstance(role, str) or role not in ROLES:
        raise bad(422, "invalid_message", "message role must be one of " + ", ".join(sorted(ROLES)), f"{where}.role")
    for key in msg:
        if key not in MESSAGE_KEYS[protocol]:
            raise bad(422, "invalid_message", "unsupported message field", _param(where, key))
    if msg.get("images"):
        raise bad(422, "unsupported_content", "images cannot be scanned for PHI; send text only", f"{where}.images")
    content = msg.get("content")
    body: Text | list[Part] | None
    if isinstance(content, str):
        body = slots.take(content, f"{where}.content")
    elif isinstance(content, list) and protocol == "openai":
        body = _parts(content, f"{where}.content", slots)
    elif content is None:
        body = None
    else:
        raise bad(422, "invalid_message", "content must be a string, an array of parts, or null", f"{where}.content")
    out = Message(ROLES[role], body)
    for key in ("name", "refusal", "thinking", "tool_name", "tool_call_id"):
        setattr(out, key, slots.opt(msg, key, where))
    calls = msg.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list):
            raise bad(422, "invalid_message", "tool_calls must be an array", f"{where}.tool_calls")
        out.tool_calls = [_call(c, f"{where}.tool_calls[{j}]", protocol, slots) for j, c in enumerate(calls)]
    if msg.get("function_call") is not None:
        fc = _keys(msg["function_call"], {"name", "arguments"}, f"{where}.function_call", "invalid_message")
        args, encoded = _arguments(fc.get("arguments"), f"{where}.function_call.arguments", slots)
        out.function_call = Call(slots.take(fc.get("name"), f"{where}.function_call.name"), args, encoded)
    return out


def _tools(value: Any, slots: _Slots) -> tuple[list[Tool], list[str]]:
    if value is None:
        return [], []
    if not isinstance(value, list):
        raise bad(422, "invalid_tools", "tools must be an array", "tools")
    tools: list[Tool] = []
    names: list[str] = []
    for i, tool in enumerate(value):
        where = f"tools[{i}]"
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not fn["name"]:
            raise bad(422, "invalid_tools", "each tool needs function.name", where)
        _keys(tool, {"type", "function"}, where, "invalid_tools")
        if tool.get("type") not in (None, "function"):
            raise bad(422, "invalid_tools", "tool type must be 'function'", f"{where}.type")
        _keys(fn, {"name", "description", "parameters", "strict"}, f"{where}.function", "invalid_tools")
        names.append(fn["name"])
        strict = fn.get("strict")
        tools.append(Tool(
            name=slots.take(fn["name"], f"{where}.function.name", "invalid_tools"),
            description=slots.opt(fn, "description", f"{where}.function", "invalid_tools"),
            parameters=_schema(fn.get("parameters"), f"{where}.function.parameters", slots, "invalid_tools"),
            strict=None if strict is None else bool(_number(strict, f"{where}.function.strict", "invalid_tools", _BOOL)),
        ))
    return tools, names


def _schema(value: Any, where: str, slots: _Slots, code: str) -> Tree:
    """A JSON schema: every key and string in it is text the model reads (descriptions, enum values,
    property names), so all of them are slots."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad(422, code, "schema must be an object", where)
    return slots.tree(value, where, code)


def _tool_choice(value: Any, slots: _Slots) -> str | Text | None:
    if value is None or isinstance(value, str):
        return None if value is None else _enum(value, TOOL_CHOICES, "tool_choice", "invalid_tool_choice")
    obj = _keys(value, {"type", "function"}, "tool_choice", "invalid_tool_choice")
    if obj.get("type") != "function":
        raise bad(422, "invalid_tool_choice", "tool_choice type must be 'function'", "tool_choice.type")
    fn = _keys(obj.get("function"), {"name"}, "tool_choice.function", "invalid_tool_choice")
    return slots.take(fn.get("name"), "tool_choice.function.name", "invalid_tool_choice")


def _response_format(value: Any, slots: _Slots) -> ResponseFormat | None:
    if value is None:
        return None
    obj = _keys(value, {"type", "json_schema"}, "response_format", "invalid_response_format")
    kind = _enum(obj.get("type"), RESPONSE_TYPES, "response_format.type", "invalid_response_format")
    if kind == "text":
        if obj.get("json_schema") is not None:
            raise bad(422, "invalid_response_format", "json_schema needs type json_schema", "response_format")
        return None
    if kind == "json_object":
        if obj.get("json_schema") is not None:
            raise bad(422, "invalid_response_format", "json_schema needs type json_schema", "response_format")
        return ResponseFormat(kind)
    js = _keys(obj.get("json_schema"), {"name", "description", "schema", "strict"}, "response_format.json_schema",
               "invalid_response_format")
    strict = js.get("strict")
    return ResponseFormat(
        kind, _schema(js.get("schema"), "response_format.json_schema.schema", slots, "invalid_response_format"),
        slots.opt(js, "name", "response_format.json_schema", "invalid_response_format"),
        slots.opt(js, "description", "response_format.json_schema", "invalid_response_format"),
        None if strict is None else bool(_number(strict, "response_format.json_schema.strict",
                                                 "invalid_response_format", _BOOL)))


def _stop(value: Any, where: str, slots: _Slots) -> tuple[list[Text] | None, bool]:
    if value is None:
        return None, False
    if isinstance(value, str):
        return [slots.take(value, where, "invalid_stop")], True
    if not isinstance(value, list):
        raise bad(422, "invalid_stop", "stop must be a string or an array of strings", where)
    return [slots.take(v, f"{where}[{i}]", "invalid_stop") for i, v in enumerate(value)], False


def _openai_fields(body: dict[str, Any], req: Request, slots: _Slots) -> None:
    for key, kind in OPENAI_NUMBERS.items():
        if body.get(key) is not None:
            req.openai_extra[key] = _number(body[key], key, "invalid_parameter", kind)
    if req.openai_extra.get("n", 1) != 1:  # one answer per request: the response decision checks exactly one
        raise bad(422, "unsupported_parameter", "n must be 1: packgate checks and delivers one choice", "n")
    req.openai_extra.pop("n", None)
    limit = req.openai_extra.pop("max_completion_tokens", None)
    if limit is not None or "max_tokens" in req.openai_extra:
        req.openai_extra["max_tokens"] = limit if limit is not None else req.openai_extra["max_tokens"]
    for ours, _ in SHARED.items():
        if ours in req.openai_extra:
            req.sampling[ours] = req.openai_extra.pop(ours)
    req.stop, req.stop_single = _stop(body.get("stop"), "stop", slots)
    req.tool_choice = _tool_choice(body.get("tool_choice"), slots)
    req.response_format = _response_format(body.get("response_format"), slots)
    if body.get("reasoning_effort") is not None:
        req.openai_extra["reasoning_effort"] = _enum(body["reasoning_effort"], REASONING_EFFORTS, "reasoning_effort",
                                                     "invalid_parameter")
    if body.get("stream_options") is not None:
        so = _keys(body["stream_options"], {"include_usage"}, "stream_options", "invalid_parameter")
        if so.get("include_usage") is not None:
            req.include_usage = bool(_number(so["include_usage"], "stream_options.include_usage",
                                             "invalid_parameter", _BOOL))
    if body.get("prediction") is not None:
        pred = _keys(body["prediction"], {"type", "content"}, "prediction", "invalid_parameter")
        if pred.get("type") != "content":
            raise bad(422, "invalid_parameter", "prediction type must be 'content'", "prediction.type")
        content = pred.get("content")
        req.prediction = _parts(content, "prediction.content", slots) if isinstance(content, list) \
            else slots.take(content, "prediction.content", "invalid_parameter")
    if body.get("user") is not None and not isinstance(body["user"], str):
        raise bad(422, "invalid_parameter", "user must be a string", "user")
    if body.get("store") is not None:
        _number(body["store"], "store", "invalid_parameter", _BOOL)


def _ollama_fields(body: dict[str, Any], req: Request, slots: _Slots) -> None:
    fmt = body.get("format")
    if fmt == "json":
        req.response_format = ResponseFormat("json_object")
    elif isinstance(fmt, dict):
        req.response_format = ResponseFormat("json_schema", _schema(fmt, "format", slots, "invalid_format"))
    elif fmt not in (None, ""):
        raise bad(422, "invalid_format", "format must be \"json\" or a JSON schema object", "format")
    if body.get("options") is not None:
        opts = _keys(body["options"], {*OLLAMA_OPTIONS, "stop"}, "options", "invalid_options")
        for key, kind in OLLAMA_OPTIONS.items():
            if opts.get(key) is not None:
                req.ollama_extra[key] = _number(opts[key], f"options.{key}", "invalid_options", kind)
        for ours, theirs in SHARED.items():
            if theirs in req.ollama_extra:
                req.sampling[ours] = req.ollama_extra.pop(theirs)
        if isinstance(opts.get("stop"), str):
            raise bad(422, "invalid_options", "options.stop must be an array of strings", "options.stop")
        req.stop, _ = _stop(opts.get("stop"), "options.stop", slots)
    keep = body.get("keep_alive")
    if keep is not None:
        if isinstance(keep, str):
            m = _DURATION.match(keep)
            if not m:
                raise bad(422, "invalid_parameter", "keep_alive must be a number or a duration like 5m", "keep_alive")
            req.keep_alive = float(m.group(1)) * _DURATION_S[m.group(2)]
        else:
            req.keep_alive = float(_number(keep, "keep_alive", "invalid_parameter"))
    think = body.get("think")
    if think is not None:
        req.think = think if isinstance(think, bool) else _enum(think, THINK_LEVELS, "think", "invalid_parameter")


def parse_chat(body: dict[str, Any], protocol: Protocol) -> ParsedChat:
    """Validate a chat body against its format's allow-list and take every string as a slot."""
    for key in body:
        if key in REFUSED_FIELDS and protocol == "openai":
            raise bad(422, "unsupported_field", REFUSED_FIELDS[key], key)
        if key not in (OPENAI_FIELDS if protocol == "openai" else OLLAMA_FIELDS):
            raise bad(422, "unsupported_field", "field not supported by the gateway (it cannot be scanned)",
                      _param("", key))
    messages = body.get("messages")
    if messages is None:
        raise bad(422, "missing_messages", "'messages' is required", "messages")
    if not isinstance(messages, list) or not messages:
        raise bad(422, "invalid_messages", "'messages' must be a non-empty array", "messages")
    slots = _Slots()
    req = Request([_message(m, i, protocol, slots) for i, m in enumerate(messages)])
    req.tools, names = _tools(body.get("tools"), slots)
    if protocol == "openai":
        _openai_fields(body, req, slots)
    else:
        _ollama_fields(body, req, slots)
    if isinstance(req.tool_choice, Text) and slots.texts[req.tool_choice.index] not in names:
        # rbac sees the tools in `tools[]`: a tool named only by tool_choice would escape it
        raise bad(422, "invalid_tool_choice", "tool_choice must name a tool in 'tools'", "tool_choice.function.name")
    model = body.get("model")
    if model is not None and not isinstance(model, str):
        raise bad(422, "invalid_model", "model must be a string", "model")
    stream = body.get("stream")
    stream = protocol == "ollama" if stream is None else stream  # Ollama streams unless told not to
    if not isinstance(stream, bool):
        raise bad(422, "invalid_stream", "stream must be a boolean", "stream")
    metadata = body.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise bad(422, "invalid_metadata", "metadata must be an object", "metadata")
    return ParsedChat(protocol=protocol, request=req, slot_texts=slots.texts, stream=stream, model=model,
                      tools=names, metadata=metadata)


# --- rendering: the upstream body, from slot texts only ----------------------------------------------


class _Render:
    """Turns Text references back into (redacted) strings; remembers strings it derives from them."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.derived: set[str] = set()

    def s(self, t: Text) -> str:
        return self.texts[t.index]

    def opt(self, out: dict[str, Any], key: str, t: Text | None) -> None:
        if t is not None:
            out[key] = self.s(t)

    def derive(self, value: str) -> str:
        self.derived.add(value)
        return value

    def tree(self, node: Tree) -> Any:
        if isinstance(node, Text):
            return self.s(node)
        if isinstance(node, Obj):
            out: dict[str, Any] = {}
            for k, v in node.items:
                key = self.s(k)
                if key in out:  # two keys redacted to the same marker: the object would change shape
                    raise GatewayError(422, "unsupported_content",
                                       "two field names of a JSON object became equal after redaction",
                                       verdict="bad_request")
                out[key] = self.tree(v)
            return out
        if isinstance(node, list):
            return [self.tree(v) for v in node]
        return node

    def args_str(self, call: Call) -> str:
        if isinstance(call.arguments, Text):
            return self.s(call.arguments)
        return self.derive(orjson.dumps(self.tree(call.arguments)).decode())

    def args_obj(self, call: Call) -> Any:
        if isinstance(call.arguments, Text):
            return {"arguments": self.s(call.arguments)}  # a non-JSON string is wrapped, not lost
        return self.tree(call.arguments)

    def joined(self, content: Text | list[Part] | None) -> str:
        if content is None:
            return ""
        if isinstance(content, Text):
            return self.s(content)
        return self.derive("\n".join(self.s(p.text) for p in content))

    def parts(self, content: Text | list[Part] | None) -> Any:
        if isinstance(content, list):
            return [{"type": p.kind, p.kind: self.s(p.text)} for p in content]
        return None if content is None else self.s(content)

    def tools(self, tools: list[Tool]) -> list[dict[str, Any]]:
        out = []
        for t in tools:
            fn: dict[str, Any] = {"name": self.s(t.name)}
            self.opt(fn, "description", t.description)
            if t.parameters is not None:
                fn["parameters"] = self.tree(t.parameters)
            if t.strict is not None:
                fn["strict"] = t.strict
            out.append({"type": "function", "function": fn})
        return out


def _only_scanned_strings(body: Any, r: _Render, model: str) -> None:
    """The closing check: every string and key of an upstream body is a slot text (as redacted), a
    string the renderer derived from slot texts, the target's model name, or this module's vocabulary.
    Anything else would be text nobody scanned: refuse to send it (500, nothing forwarded)."""
    allowed = r.derived | {model}
    texts = set(r.texts)
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k not in VOCABULARY and k not in texts and k not in allowed:
                    raise GatewayError(500, "internal_error", "internal error", verdict="internal_error")
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and node not in VOCABULARY and node not in texts and node not in allowed:
            raise GatewayError(500, "internal_error", "internal error", verdict="internal_error")


def openai_body(chat: ParsedChat, model: str, stream: bool) -> dict[str, Any]:
    """The OpenAI chat.completions body for a target, built from the parsed request and its texts."""
    req, r = chat.request, _Render(chat.slot_texts)
    msgs = []
    for m in req.messages:
        out: dict[str, Any] = {"role": m.role, "content": r.parts(m.content)}
        r.opt(out, "name", m.name)
        r.opt(out, "refusal", m.refusal)
        r.opt(out, "tool_call_id", m.tool_call_id)
        if m.tool_calls:
            out["tool_calls"] = [{"id": r.s(c.id) if c.id is not None else r.derive(f"call_{i}"), "type": "function",
                                  "function": {"name": r.s(c.name), "arguments": r.args_str(c)}}
                                 for i, c in enumerate(m.tool_calls)]
        if m.function_call is not None:
            out["function_call"] = {"name": r.s(m.function_call.name), "arguments": r.args_str(m.function_call)}
        msgs.append(out)
    body: dict[str, Any] = {"model": model, "messages": msgs, **req.sampling}
    body.update(req.openai_extra)
    if req.stop is not None:
        body["stop"] = r.s(req.stop[0]) if req.stop_single else [r.s(t) for t in req.stop]
    if req.tools:
        body["tools"] = r.tools(req.tools)
    if isinstance(req.tool_choice, Text):
        body["tool_choice"] = {"type": "function", "function": {"name": r.s(req.tool_choice)}}
    elif req.tool_choice is not None:
        body["tool_choice"] = req.tool_choice
    rf = req.response_format
    if rf is not None and rf.kind == "json_object":
        body["response_format"] = {"type": "json_object"}
    elif rf is not None:
        js: dict[str, Any] = {"name": r.s(rf.name) if rf.name is not None else "response"}
        r.opt(js, "description", rf.description)
        if rf.schema is not None:
            js["schema"] = r.tree(rf.schema)
        if rf.strict is not None:
            js["strict"] = rf.strict
        body["response_format"] = {"type": "json_schema", "json_schema": js}
    if req.prediction is not None:
        body["prediction"] = {"type": "content", "content": r.parts(req.prediction)}
    body["stream"] = stream
    if stream and req.include_usage is not None:
        body["stream_options"] = {"include_usage": req.include_usage}
    _only_scanned_strings(body, r, model)
    return body


def ollama_body(chat: ParsedChat, model: str, stream: bool) -> dict[str, Any]:
    """The Ollama /api/chat body for a target, built from the parsed request and its texts."""
    req, r = chat.request, _Render(chat.slot_texts)
    msgs = []
    for m in req.messages:
        role = "system" if m.role == "developer" else m.role
        out: dict[str, Any] = {"role": role, "content": r.joined(m.content)}
        r.opt(out, "thinking", m.thinking)
        r.opt(out, "tool_name", m.tool_name)
        calls = m.tool_calls + ([m.function_call] if m.function_call is not None else [])
        if calls:
            out["tool_calls"] = [{"function": {"name": r.s(c.name), "arguments": r.args_obj(c)}} for c in calls]
        msgs.append(out)
    body: dict[str, Any] = {"model": model, "messages": msgs}
    if req.tools:
        body["tools"] = r.tools(req.tools)
    rf = req.response_format
    if rf is not None:
        body["format"] = "json" if rf.kind == "json_object" or rf.schema is None else r.tree(rf.schema)
    opts: dict[str, Any] = {SHARED[k]: v for k, v in req.sampling.items()}
    opts.update(req.ollama_extra)
    if req.stop is not None:
        opts["stop"] = [r.s(t) for t in req.stop]
    if opts:
        body["options"] = opts
    if req.keep_alive is not None:
        body["keep_alive"] = req.keep_alive
    if req.think is not None:
        body["think"] = req.think
    body["stream"] = stream
    _only_scanned_strings(body, r, model)
    return body


GENERATE_FIELDS = frozenset({"model", "prompt", "system", "stream", "options", "format", "keep_alive", "think",
                             "metadata"})


def generate_as_chat(body: dict[str, Any]) -> dict[str, Any]:
    """Ollama `/api/generate` as the `/api/chat` body it means (a system message, then the prompt as
    the user's), so a generate request takes the same allow-list, scan, decisions and audit as chat.
    `raw`, `template`, `context`, `suffix` and `images` would reach the model unscanned or unchecked:
    422 `unsupported_field`."""
    for key in body:
        if key not in GENERATE_FIELDS:
            raise bad(422, "unsupported_field", "field not supported by the gateway (it cannot be scanned)",
                      _param("", key))
    prompt, system = body.get("prompt"), body.get("system")
    if not isinstance(prompt, str) or not prompt:
        raise bad(422, "missing_messages", "'prompt' must be a non-empty string", "prompt")
    if system is not None and not isinstance(system, str):
        raise bad(422, "invalid_messages", "'system' must be a string", "system")
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    return {**{k: v for k, v in body.items() if k not in ("prompt", "system")}, "messages": messages}
