"""OPA decisions alone, over the gateway's own client (`runtime/opa/client.OpaClient`), with the inputs
the gateway builds for the bench prompt; and OPA's own evaluation time for the same inputs
(`?metrics=true`: `timer_rego_query_eval_ns` and `timer_server_handler_ns`).

    python -m bench.gateway.opa_decisions --opa-url URL --pack PACK --n 3000 [--write-inputs DIR]
prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import httpx
import orjson
import uvloop

from packgate.runtime.gateway import whatif
from packgate.runtime.opa.client import OpaClient

from .prompt import HEADERS, ollama_body
from .upstream import ANSWER


def inputs(pack: Path) -> tuple[str, dict, dict]:
    """(data path, request input, response input) for the bench prompt and answer, as the gateway
    builds them (`whatif.explain`, what `packgate explain` runs: the gateway's own `inputs` module)."""
    with whatif.PackBundle(pack) as bundle:
        report = whatif.explain(bundle, [whatif.Case(name="bench", headers=list(HEADERS.items()),
                                                     body=ollama_body().encode(), response=ANSWER,
                                                     protocol="ollama")])[0]
        assert report["response"] is not None, report["answer"]
        return bundle.route.data_path, report["input"], report["response"]["input"]


async def run(url: str, path: str, req: dict, resp: dict, n: int) -> dict:
    client = OpaClient(url)
    await client.start()
    out: dict[str, list[float]] = {"request": [], "response": [], "request_c32": [], "response_c32": []}
    for i in range(n + 300):
        for phase, inp in (("request", req), ("response", resp)):
            t0 = time.perf_counter()
            d = await client.decide(f"{path}/{phase}", inp)
            if i >= 300:
                out[phase].append((time.perf_counter() - t0) * 1000)
            assert d.result
    for phase, inp in (("request", req), ("response", resp)):
        async def one(lat: list[float], p: str = phase, x: dict = inp) -> None:
            for _ in range(n // 32 + 10):
                t0 = time.perf_counter()
                await client.decide(f"{path}/{p}", x)
                lat.append((time.perf_counter() - t0) * 1000)
        lat: list[float] = []
        t0 = time.perf_counter()
        await asyncio.gather(*(one(lat) for _ in range(32)))
        out[f"{phase}_c32"] = lat
        out[f"{phase}_c32_rps"] = [len(lat) / (time.perf_counter() - t0)]
    await client.aclose()
    return out


def server_metrics(url: str, path: str, req: dict, resp: dict, n: int) -> dict:
    out: dict[str, list[float]] = {}
    with httpx.Client(base_url=url) as c:
        for phase, inp in (("request", req), ("response", resp)):
            ev, hd = [], []
            for i in range(n + 100):
                m = c.post(f"/v1/data/{path}/{phase}?metrics=true", content=orjson.dumps({"input": inp})).json()["metrics"]
                if i >= 100:
                    ev.append(m["timer_rego_query_eval_ns"] / 1e6)
                    hd.append(m["timer_server_handler_ns"] / 1e6)
            out[f"{phase}_eval"], out[f"{phase}_handler"] = ev, hd
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--opa-url", required=True)
    ap.add_argument("--pack", type=Path, required=True)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--write-inputs", type=Path)
    a = ap.parse_args()
    path, req, resp = inputs(a.pack)
    if a.write_inputs:
        a.write_inputs.mkdir(parents=True, exist_ok=True)
        (a.write_inputs / "request.json").write_text(json.dumps(req))
        (a.write_inputs / "response.json").write_text(json.dumps(resp))
    res = uvloop.run(run(a.opa_url, path, req, resp, a.n))
    res.update(server_metrics(a.opa_url, path, req, resp, min(a.n, 1000)))
    print(json.dumps({"path": path, "samples": res}))


if __name__ == "__main__":
    main()
