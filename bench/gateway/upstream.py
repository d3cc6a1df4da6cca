"""Bench-only instant upstream: a raw uvloop HTTP/1.1 server that answers Ollama `/api/chat` and
OpenAI `/v1/chat/completions` (JSON, or NDJSON/SSE when the body asks for `"stream": true`) at once.

It is the floor of every measurement: no framework, no parsing of the request beyond its length and
the stream flag, a canned ~400-character clinical answer with no PHI and no blocked phrase.

    python -m bench.gateway.upstream --port 0     # prints "listening <port>"
"""

from __future__ import annotations

import argparse
import asyncio
import socket

import orjson
import uvloop

ANSWER = ("Summary for clinical review: the patient reports improved sleep and fewer intrusive thoughts "
          "since the last session. Mood is described as steady most days, with two episodes of "
          "low mood after work stressors. No safety concerns were raised in this session. Risk factors "
          "noted: recent job change, limited social support. Protective factors: engaged in therapy, "
          "supportive sibling, regular exercise. Suggested topics for the next visit: coping plan "
          "review and sleep hygiene follow-up.")
MODEL = "llama3.1:70b"


def _json(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


def _chunked(ctype: bytes, parts: list[bytes]) -> bytes:
    out = [b"HTTP/1.1 200 OK\r\ncontent-type: " + ctype + b"\r\ntransfer-encoding: chunked\r\n\r\n"]
    for p in parts:
        out.append(b"%x\r\n" % len(p) + p + b"\r\n")
    out.append(b"0\r\n\r\n")
    return b"".join(out)


def _pieces(n: int = 8) -> list[str]:
    step = -(-len(ANSWER) // n)
    return [ANSWER[i:i + step] for i in range(0, len(ANSWER), step)]


OLLAMA_JSON = _json(orjson.dumps({
    "model": MODEL, "created_at": "2026-01-01T00:00:00Z", "message": {"role": "assistant", "content": ANSWER},
    "done": True, "done_reason": "stop", "prompt_eval_count": 512, "eval_count": 96}))
OLLAMA_STREAM = _chunked(b"application/x-ndjson", [
    orjson.dumps({"model": MODEL, "created_at": "2026-01-01T00:00:00Z",
                  "message": {"role": "assistant", "content": p}, "done": False}) + b"\n" for p in _pieces()
] + [orjson.dumps({"model": MODEL, "created_at": "2026-01-01T00:00:00Z", "message": {"role": "assistant", "content": ""},
                   "done": True, "done_reason": "stop", "prompt_eval_count": 512, "eval_count": 96}) + b"\n"])
OPENAI_JSON = _json(orjson.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": MODEL,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 512, "completion_tokens": 96, "total_tokens": 608}}))
OPENAI_STREAM = _chunked(b"text/event-stream", [
    b"data: " + orjson.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": MODEL,
                              "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}) + b"\n\n"
    for p in _pieces()
] + [b"data: " + orjson.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
                               "model": MODEL, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
     + b"\n\n", b"data: [DONE]\n\n"])


class _Conn(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.t = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].lower()
            i = head.find(b"content-length:")
            n = int(head[i + 15:head.find(b"\r\n", i) if head.find(b"\r\n", i) > 0 else None]) if i >= 0 else 0
            if len(self.buf) < end + 4 + n:
                return
            body = self.buf[end + 4:end + 4 + n]
            self.buf = self.buf[end + 4 + n:]
            stream = b'"stream":true' in body.replace(b" ", b"")
            if head.startswith(b"post /api/chat"):
                self.t.write(OLLAMA_STREAM if stream else OLLAMA_JSON)  # type: ignore[attr-defined]
            elif head.startswith(b"post /v1/chat/completions"):
                self.t.write(OPENAI_STREAM if stream else OPENAI_JSON)  # type: ignore[attr-defined]
            else:
                self.t.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")  # type: ignore[attr-defined]


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    server = await loop.create_server(_Conn, sock=sock, backlog=1024)
    print(f"listening {sock.getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    uvloop.run(serve(ap.parse_args().port))
