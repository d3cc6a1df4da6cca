"""Bench-only bare pass-through proxy on packgate's own stack (Starlette + uvicorn with uvloop and
httptools + one pooled httpx.AsyncClient), with no policy: the cost of being a Python proxy at all.

    python -m bench.gateway.proxy --port P --upstream http://127.0.0.1:U
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route


def make_app(upstream: str) -> Starlette:
    state: dict[str, httpx.AsyncClient] = {}

    async def forward(request: Request) -> Response:
        client = state["client"]
        body = await request.body()
        req = client.build_request("POST", upstream + request.url.path, content=body,
                                   headers={"content-type": request.headers.get("content-type", "application/json")})
        resp = await client.send(req, stream=True)
        ctype = resp.headers.get("content-type", "application/json")
        if "content-length" in resp.headers:
            data = await resp.aread()
            await resp.aclose()
            return Response(data, status_code=resp.status_code, media_type=ctype)
        return StreamingResponse(resp.aiter_raw(), status_code=resp.status_code, media_type=ctype,
                                 background=BackgroundTask(resp.aclose))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        state["client"] = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64, keepalive_expiry=30.0),
            trust_env=False, timeout=30.0)
        yield
        await state["client"].aclose()

    return Starlette(routes=[Route("/api/chat", forward, methods=["POST"]),
                             Route("/v1/chat/completions", forward, methods=["POST"])], lifespan=lifespan)


def serve(make: Callable[[str], Any]) -> None:
    """`--port P --upstream URL`: serve `make(upstream)` on uvicorn with uvloop and httptools (this proxy and the floor)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    a = ap.parse_args()
    uvicorn.run(make(a.upstream.rstrip("/")), host="127.0.0.1", port=a.port, loop="uvloop", http="httptools",
                log_level="warning", access_log=False, server_header=False)


if __name__ == "__main__":
    serve(make_app)
