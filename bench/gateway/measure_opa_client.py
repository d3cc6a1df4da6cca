"""Measure opa-python-client's async client against our httpx wrapper (not a test; run by hand).

    .venv/bin/python -m bench.gateway.measure_opa_client [N]

Starts a real OPA with a small policy, sends N decisions through each client, prints p50/p99.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
import uvloop
from opa_client.opa_async import AsyncOpaClient

from packgate.runtime.opa.client import OpaClient
from tests.harness import start_opa

POLICY = """package packgate.packs.bench
import rego.v1
default allow := false
allow if input.identity.role in {"clinician", "privacy-officer"}
request := {"allow": allow, "status": 200, "target": "t", "findings": count(input.findings)}
"""

INPUT = {
    "identity": {"user_id": "u-17", "role": "clinician", "verified": False, "method": "header"},
    "headers": {"x-user-id": "u-17", "x-user-role": "clinician", "x-tool": "summarize",
                "content-type": "application/json", "user-agent": "bench"},
    "tools": ["summarize"], "sensitivity": "restricted",
    "findings": [{"policy": "hipaa-phi-detector", "category": "NAME", "count": 2},
                 {"policy": "pii-detector", "category": "SSN", "count": 1}],
    "model": "llama3.1:70b",
}


class HttpxOpaClient:
    """The alternative measured: a thin httpx.AsyncClient wrapper (what we did not keep)."""

    def __init__(self, base_url: str):
        self._client = httpx.AsyncClient(base_url=base_url, timeout=2.0, trust_env=False)

    async def decide(self, path: str, input: dict) -> dict:
        resp = await self._client.post(f"/v1/data/{path}", content=orjson.dumps({"input": input}),
                                       headers={"content-type": "application/json"})
        return orjson.loads(resp.content)

    async def aclose(self) -> None:
        await self._client.aclose()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


async def run(n: int, port: int) -> None:
    ours = HttpxOpaClient(f"http://127.0.0.1:{port}")
    kept = OpaClient(f"http://127.0.0.1:{port}")
    await kept.start()
    theirs = AsyncOpaClient(host="127.0.0.1", port=port, timeout=2.0)
    await theirs._init_session()

    async def bench(name, call):
        for _ in range(300):
            await call()
        times = []
        for _ in range(n):
            t = time.perf_counter()
            await call()
            times.append(time.perf_counter() - t)
        print(f"{name:45s} p50 {pct(times, .5):.3f} ms  p99 {pct(times, .99):.3f} ms  mean {statistics.mean(times)*1000:.3f} ms")

    for _ in range(2):  # alternate to even out noise
        await bench("opa-python-client AsyncOpaClient.query_rule", lambda: theirs.query_rule(INPUT, "packgate/packs/bench", "request"))
        await bench("httpx.AsyncClient wrapper + orjson", lambda: ours.decide("packgate/packs/bench/request", INPUT))
        await bench("kept: runtime.opa.client.OpaClient.decide", lambda: kept.decide("packgate/packs/bench/request", INPUT))
    await theirs.close_connection()
    await ours.aclose()
    await kept.aclose()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with tempfile.TemporaryDirectory() as d:
        Path(d, "bench.rego").write_text(POLICY)
        opa = start_opa(Path(d))
        try:
            uvloop.run(run(n, opa.port))
        finally:
            opa.stop()


if __name__ == "__main__":
    main()
