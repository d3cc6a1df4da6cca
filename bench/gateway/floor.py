"""Bench-only floor for a Python gateway: a raw ASGI app (no framework) on uvicorn with uvloop and
httptools, forwarding over one keep-alive aiohttp session, with no policy. What any Python proxy on
this stack costs at least; `make bench` prints it beside the bare Starlette proxy.

    python -m bench.gateway.floor --port P --upstream http://127.0.0.1:U
"""

from __future__ import annotations

from typing import Any

import aiohttp

from .proxy import serve

__all__ = ["make_app"]


def make_app(upstream: str) -> Any:
    state: dict[str, aiohttp.ClientSession] = {}

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    state["s"] = aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(limit=256, keepalive_timeout=30.0), trust_env=False,
                        timeout=aiohttp.ClientTimeout(total=30.0), auto_decompress=False)
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await state["s"].close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks = []
        more = True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        async with state["s"].post(upstream + scope["path"], data=b"".join(chunks),
                                   headers={"content-type": "application/json"}) as resp:
            headers = [(b"content-type", resp.headers.get("content-type", "application/json").encode())]
            if resp.content_length is not None:
                data = await resp.read()
                await send({"type": "http.response.start", "status": resp.status,
                            "headers": headers + [(b"content-length", str(len(data)).encode())]})
                await send({"type": "http.response.body", "body": data})
                return
            await send({"type": "http.response.start", "status": resp.status, "headers": headers})
            async for chunk in resp.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

    return app


if __name__ == "__main__":
    serve(make_app)
