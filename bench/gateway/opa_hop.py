"""The OPA hop, lever by lever, in one run (not a gateway run: decisions alone, the gateway's own
`OpaClient`, the bench prompt's real inputs from `opa_decisions.inputs`):

- loopback TCP vs OPA's Unix domain socket: request+response decision pairs, interleaved call by
  call over two clients to the same `opa run` (listening on both), client-side latency;
- input size: the request input as the gateway sends it vs with only the fields a rule reads
  (`identity.user_id` and `identity.method` are read by no rule), OPA's own time from `?metrics`.

    python -m bench.gateway.opa_hop --tcp URL --unix unix:///PATH --pack PACK [--n 2000]
prints JSON.
"""

from __future__ import annotations

import argparse
import json
import time

import orjson
import uvloop

from packgate.runtime.opa.client import OpaClient

from .opa_decisions import inputs

__all__ = ["main"]


async def _hop(tcp: str, unix: str, path: str, req: dict, resp: dict, n: int) -> dict[str, list[float]]:
    clients = {"tcp": OpaClient(tcp), "unix": OpaClient(unix)}
    out: dict[str, list[float]] = {k: [] for k in clients}
    for i in range(n + 300):
        for name in (("tcp", "unix") if i % 2 else ("unix", "tcp")):
            t0 = time.perf_counter()
            await clients[name].decide(f"{path}/request", req)
            await clients[name].decide(f"{path}/response", resp)
            if i >= 300:
                out[name].append((time.perf_counter() - t0) * 1000)
    for c in clients.values():
        await c.aclose()
    return out


def _opa_time(unix: str, path: str, variants: dict[str, dict], n: int) -> dict[str, dict[str, list[float]]]:
    """OPA's handler / input-parse / eval time per input variant, interleaved (`?metrics=true`)."""
    import httpx

    out: dict[str, dict[str, list[float]]] = {k: {"handler": [], "parse": [], "eval": []} for k in variants}
    with httpx.Client(transport=httpx.HTTPTransport(uds=unix[len("unix://"):]), base_url="http://localhost") as c:
        for i in range(n + 100):
            for name, inp in variants.items():
                m = c.post(f"/v1/data/{path}/request?metrics=true", content=orjson.dumps({"input": inp})).json()["metrics"]
                if i >= 100:
                    out[name]["handler"].append(m["timer_server_handler_ns"] / 1e6)
                    out[name]["parse"].append(m.get("timer_rego_input_parse_ns", 0) / 1e6)
                    out[name]["eval"].append(m["timer_rego_query_eval_ns"] / 1e6)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcp", required=True)
    ap.add_argument("--unix", required=True)
    ap.add_argument("--pack", required=True)
    ap.add_argument("--n", type=int, default=2000)
    a = ap.parse_args()
    path, req, resp = inputs(a.pack)
    read = {**req, "identity": {k: v for k, v in req["identity"].items() if k not in ("user_id", "method")}}
    res = {"hop": uvloop.run(_hop(a.tcp, a.unix, path, req, resp, a.n)),
           "input_bytes": {"as sent": len(orjson.dumps({"input": req})), "read by rules": len(orjson.dumps({"input": read})),
                           "response": len(orjson.dumps({"input": resp}))},
           "opa_time": _opa_time(a.unix, path, {"as sent": req, "read by rules": read}, a.n // 2)}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
