"""Request checks at the HTTP level: everything a request must pass before its body is parsed.

Limits (documented in the README): bodies over `max_body_bytes` (1 MiB by default) → 413, by
Content-Length before reading and by counting while reading; a content type other than
`application/json` → 415 on OpenAI routes (Ollama routes read the body as JSON whatever the content
type says, as Ollama does: its clients, LiteLLM's `ollama_chat/` among them, often send none); bytes that are not UTF-8 JSON (orjson: strict UTF-8, nesting bounded)
→ 400; a body that is not an object → 422; more than `max_header_count` headers, or a repeated
identity header → 400. The chat body itself is validated by `packgate.runtime.wire.chat`.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from packgate.runtime.wire.errors import bad

IDENTITY_HEADERS = ("x-user-id", "x-user-role", "x-tool", "x-data-sensitivity", "authorization")
HIDDEN_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


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


async def read_json(request: Request, max_bytes: int, *, any_content_type: bool = False) -> dict[str, Any]:
    """The body as a JSON object, enforcing size, content type (unless `any_content_type`) and syntax."""
    ctype = request.headers.get("content-type", "")
    if not any_content_type and ctype.split(";", 1)[0].strip().lower() != "application/json":
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
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise bad(413, "request_too_large", f"request body exceeds {max_bytes} bytes")
            chunks.append(chunk)
    except ClientDisconnect:  # the client left, or the server's body deadline closed the connection
        raise bad(400, "incomplete_body", "the request body did not arrive complete") from None
    try:
        body = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise bad(400, "invalid_json", "request body is not valid UTF-8 JSON") from None
    if not isinstance(body, dict):
        raise bad(422, "invalid_body", "request body must be a JSON object")
    return body
