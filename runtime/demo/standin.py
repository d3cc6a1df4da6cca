"""A STAND-IN upstream model server — not a model. For tests, `packgate demo` and `packgate standin`
(staging a pack before a model exists).

It speaks OpenAI `/v1/chat/completions` and Ollama `/api/chat` (streaming and not), records
exactly what it received (path, headers, parsed body) so tests can prove what reached "the model",
and answers by script: given text, tool calls, an HTTP error, a delay, malformed JSON, or a
connection dropped mid-answer. Unscripted requests get an echo of the last user message, prefixed
with `[stand-in model]`, so redaction is visible end to end. Every answer carries the header
`X-Standin-Model: packgate stand-in (not a real model)`.

    model = StandinModel().start()          # uvicorn in a daemon thread on a free loopback port
    model.script(Reply(text="hello"), model="llama3.1:70b")
    ... model.received ...
    model.stop()

or as a process: `packgate standin --port 8900 [--script FILE.yaml]` (`load_script` reads the file;
README "Stand-in model" documents it). Control endpoints (`GET /health`, `GET /_standin/received`,
`POST /_standin/script`, `POST /_standin/reset`) inspect and script it over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson
import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

LABEL = "packgate stand-in (not a real model)"
ECHO_PREFIX = "[stand-in model] "


@dataclass
class Reply:
    """One scripted answer."""

    text: str | None = None  # None: echo the last user message
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"name": ..., "arguments": {...} or JSON text}]
    status: int = 200
    error: str = "stand-in error"
    delay_s: float = 0.0
    malformed: bool = False  # invalid JSON (or an invalid stream line)
    drop: bool = False  # close the connection part-way through the answer
    finish_reason: str = "stop"
    refusal: str | None = None  # OpenAI message.refusal
    extra_choices: list[str] = field(default_factory=list)  # OpenAI: more choices after the first (n>1)


class ScriptError(ValueError):
    """A script file the stand-in cannot follow; the message is one line naming the file and entry."""


_SCRIPT_KEYS = frozenset({"echo", "text", "tool_calls", "status", "error", "delay_s", "malformed", "drop",
                          "finish_reason", "refusal", "model"})


def load_script(path: str | Path) -> list[tuple[str, Reply]]:
    """A script file (`replies:`, a list) as `(model, Reply)` pairs, in order.

    Each entry is `echo` or a mapping of `Reply` fields plus `model` (which upstream model name it
    answers; default any). Unknown keys and wrong types are errors: a typo must not turn into an echo."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScriptError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ScriptError(f"{where}: not valid YAML") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("replies"), list) or set(doc) - {"replies"}:
        raise ScriptError(f"{path}: expected a mapping with one key, `replies:` (a list)")
    return [_script_entry(path, i, entry) for i, entry in enumerate(doc["replies"])]


def _script_entry(path: Path, i: int, entry: Any) -> tuple[str, Reply]:
    where = f"{path}: replies[{i}]"
    if entry == "echo":
        return "*", Reply()
    if not isinstance(entry, dict):
        raise ScriptError(f"{where}: expected `echo` or a mapping, got {type(entry).__name__}")
    unknown = sorted(set(map(str, entry)) - _SCRIPT_KEYS)
    if unknown:
        raise ScriptError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_SCRIPT_KEYS))})")
    fields = dict(entry)
    model = fields.pop("model", "*")
    if fields.pop("echo", False) and "text" in fields:
        raise ScriptError(f"{where}: `echo` and `text` exclude each other")
    types = {"text": str, "status": int, "error": str, "delay_s": (int, float), "malformed": bool, "drop": bool,
             "finish_reason": str, "refusal": str, "tool_calls": list}
    for key, value in fields.items():
        if not isinstance(value, types[key]) or isinstance(value, bool) and types[key] is int:
            raise ScriptError(f"{where}: {key} has the wrong type ({type(value).__name__})")
    if not isinstance(model, str):
        raise ScriptError(f"{where}: model must be a string")
    if "status" in fields and not 100 <= fields["status"] <= 599:
        raise ScriptError(f"{where}: status must be an HTTP status (100-599)")
    if fields.get("delay_s", 0) < 0:
        raise ScriptError(f"{where}: delay_s must not be negative")
    return model, Reply(**fields)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: Any


def _last_user_text(body: dict[str, Any]) -> str:
    for msg in reversed(body.get("messages") or []):
        if msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content or ""
    return ""


class StandinModel:
    """The stand-in server; scripts are per model name (the `model` field sent upstream) or `*`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = {}
        self._received: list[Received] = []
        self.app = Starlette(routes=[
            Route("/v1/chat/completions", self._openai, methods=["POST"]),
            Route("/api/chat", self._ollama, methods=["POST"]),
            Route("/v1/models", self._models, methods=["GET"]),
            Route("/api/tags", self._tags, methods=["GET"]),
            Route("/health", self._health, methods=["GET"]),
            Route("/_standin/received", self._http_received, methods=["GET"]),
            Route("/_standin/script", self._http_script, methods=["POST"]),
            Route("/_standin/reset", self._http_reset, methods=["POST"]),
        ])
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.port = 0
        self.host = "127.0.0.1"

    # --- scripting and inspection -------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def script(self, *replies: Reply, model: str = "*") -> None:
        with self._lock:
            self._scripts.setdefault(model, deque()).extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._received.clear()

    def _next(self, path: str, headers: dict[str, str], body: Any) -> Reply:
        model = body.get("model") if isinstance(body, dict) else None
        with self._lock:
            self._received.append(Received(path, headers, body))
            for key in (model, "*"):
                queue = self._scripts.get(key)  # type: ignore[arg-type]
                if queue:
                    return queue.popleft()
        return Reply()

    async def _take(self, request: Request) -> tuple[Reply, dict[str, Any]]:
        raw = await request.body()
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        reply = self._next(request.url.path, dict(request.headers), body)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        return reply, body

    # --- APIs ---------------------------------------------------------------------------------

    async def _openai(self, request: Request) -> Response:
        reply, body = await self._take(request)
        if reply.status != 200:
            return _json({"error": {"message": reply.error, "type": "standin_error"}}, reply.status)
        text = reply.text if reply.text is not None else ECHO_PREFIX + _last_user_text(body)
        calls = [{"id": f"call_{i}", "type": "function",
                  "function": {"name": c["name"], "arguments": _arguments_text(c.get("arguments", {}))}}
                 for i, c in enumerate(reply.tool_calls)]
        model = body.get("model", "standin")
        rid = f"chatcmpl-standin-{uuid.uuid4().hex[:8]}"
        if body.get("stream"):
            return StreamingResponse(self._openai_stream(reply, text, calls, model, rid),
                                     media_type="text/event-stream", headers={"x-standin-model": LABEL})
        if reply.malformed:
            return Response(b'{"choices": [{"message": {"content": "trunc', media_type="application/json",
                            headers={"x-standin-model": LABEL})
        if reply.drop:
            return StreamingResponse(_dropping(b'{"id": "' + rid.encode() + b'", "choices": ['),
                                     media_type="application/json")
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            message["tool_calls"] = calls
        if reply.refusal is not None:
            message["refusal"] = reply.refusal
        extra = [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": reply.finish_reason}
                 for i, t in enumerate(reply.extra_choices, 1)]
        return _json({"id": rid, "object": "chat.completion", "created": int(time.time()), "model": model,
                      "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}, *extra],
                      "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    async def _openai_stream(self, reply: Reply, text: str, calls: list[dict[str, Any]], model: str,
                             rid: str) -> AsyncIterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None, index: int = 0) -> bytes:
            return b"data: " + orjson.dumps({"id": rid, "object": "chat.completion.chunk", "created": 0,
                                             "model": model, "choices": [{"index": index, "delta": delta,
                                                                          "finish_reason": finish}]}) + b"\n\n"
        yield chunk({"role": "assistant", "content": ""})
        for i, extra in enumerate(reply.extra_choices, 1):
            yield chunk({"role": "assistant", "content": extra}, index=i)
        if reply.refusal is not None:
            yield chunk({"refusal": reply.refusal})
        words = text.split(" ")
        for i, word in enumerate(words):
            if reply.drop and i >= len(words) // 2:
                raise ConnectionAbortedError("stand-in drops the connection")
            if reply.malformed and i >= len(words) // 2:
                yield b"data: {not json\n\n"
                return
            yield chunk({"content": word if i == 0 else " " + word})
        if calls:
            yield chunk({"tool_calls": [{"index": i, **c} for i, c in enumerate(calls)]})
        yield chunk({}, reply.finish_reason)
        yield b"data: [DONE]\n\n"

    async def _ollama(self, request: Request) -> Response:
        reply, body = await self._take(request)
        if reply.status != 200:
            return _json({"error": reply.error}, reply.status)
        text = reply.text if reply.text is not None else ECHO_PREFIX + _last_user_text(body)
        calls = [{"function": {"name": c["name"], "arguments": c.get("arguments", {})}} for c in reply.tool_calls]
        model = body.get("model", "standin")
        final = {"model": model, "created_at": "2025-01-01T00:00:00Z", "done": True,
                 "done_reason": reply.finish_reason, "prompt_eval_count": 1, "eval_count": 1}
        if body.get("stream", True):
            return StreamingResponse(self._ollama_stream(reply, text, calls, model, final),
                                     media_type="application/x-ndjson", headers={"x-standin-model": LABEL})
        if reply.malformed:
            return Response(b'{"message": {"content": "trunc', media_type="application/json")
        if reply.drop:
            return StreamingResponse(_dropping(b'{"model": "x", "message": {'), media_type="application/json")
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            message["tool_calls"] = calls
        return _json({**final, "message": message})

    async def _ollama_stream(self, reply: Reply, text: str, calls: list[dict[str, Any]], model: str,
                             final: dict[str, Any]) -> AsyncIterator[bytes]:
        words = text.split(" ")
        for i, word in enumerate(words):
            if reply.drop and i >= len(words) // 2:
                raise ConnectionAbortedError("stand-in drops the connection")
            if reply.malformed and i >= len(words) // 2:
                yield b"{not json\n"
                return
            msg = {"role": "assistant", "content": word if i == 0 else " " + word}
            yield orjson.dumps({"model": model, "created_at": final["created_at"], "message": msg, "done": False}) + b"\n"
        last: dict[str, Any] = {"role": "assistant", "content": ""}
        if calls:
            last["tool_calls"] = calls
        yield orjson.dumps({**final, "message": last}) + b"\n"

    async def _models(self, request: Request) -> Response:
        return _json({"object": "list", "data": [{"id": "standin", "object": "model", "owned_by": LABEL}]})

    async def _tags(self, request: Request) -> Response:
        return _json({"models": [{"name": "standin", "model": "standin"}]})

    async def _health(self, request: Request) -> Response:
        with self._lock:
            queued = sum(len(q) for q in self._scripts.values())
        return _json({"status": "ok", "model": LABEL, "scripted_replies_left": queued})

    async def _http_received(self, request: Request) -> Response:
        return _json([asdict(r) for r in self.received])

    async def _http_script(self, request: Request) -> Response:
        data = orjson.loads(await request.body())
        self.script(*(Reply(**r) for r in data.get("replies", [])), model=data.get("model", "*"))
        return _json({"ok": True})

    async def _http_reset(self, request: Request) -> Response:
        self.reset()
        return _json({"ok": True})

    # --- running ------------------------------------------------------------------------------

    def start(self, port: int = 0, host: str = "127.0.0.1") -> StandinModel:
        """Serve in a daemon thread; returns once it accepts connections.

        SO_REUSEADDR: a restart takes the same port back at once, even while the last run's
        connections sit in TIME_WAIT; a port a live process listens on still raises `OSError`."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        self.host = host
        config = uvicorn.Config(self.app, log_level="critical", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=1, backlog=1024)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True,
                                       name="packgate-standin")
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("stand-in model did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(5)


def _arguments_text(arguments: Any) -> str:
    """OpenAI arguments: a string is sent as the JSON text it is (to script escapes), else JSON-encoded."""
    return arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()


async def _dropping(prefix: bytes) -> AsyncIterator[bytes]:
    yield prefix
    raise ConnectionAbortedError("stand-in drops the connection")


def _json(obj: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json",
                    headers={"x-standin-model": LABEL})


def main() -> None:
    """`python -m packgate.runtime.demo.standin`: kept for scripts; `packgate standin` is the command."""
    parser = argparse.ArgumentParser(description=f"Run the {LABEL}.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        model = StandinModel().start(args.port, args.host)
    except OSError as exc:
        raise SystemExit(f"packgate: stand-in cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    print(model.url, flush=True)
    try:
        while model.thread and model.thread.is_alive():
            model.thread.join(1)
    except KeyboardInterrupt:
        model.stop()


if __name__ == "__main__":
    main()
