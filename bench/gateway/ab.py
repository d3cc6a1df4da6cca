"""Same-window A/B of one gateway lever, on and off side by side (not the published figures; those
come from `make bench`): both gateways ask the same OPA and the same instant upstream; c=1 requests
are interleaved (direct, A, B, ...) and compared pair by pair; c=32 throughput alternates A/B for
several rounds; medians are printed.

    .venv/bin/python -m bench.gateway.ab opa-socket [N] [ROUNDS]

Levers: `opa-socket` (A: decisions over loopback TCP, B: over OPA's Unix socket).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from .__main__ import (
    SEED, VARIANT, Procs, loadgen, opa_and_upstream, opa_socket, start_gateway, stats,
)
from .prompt import HEADERS, ollama_body

__all__ = ["main"]


def _variants(lever: str, work: Path, opa_port: int) -> dict[str, tuple[str, dict[str, str]]]:
    """name -> (the gateway's OPA URL, extra environment) for the lever's off (A) and on (B) sides."""
    tcp = f"http://127.0.0.1:{opa_port}"
    if lever == "opa-socket":
        return {"A_tcp": (tcp, {}), "B_unix": (f"unix://{opa_socket(work)}", {})}
    raise SystemExit(f"unknown lever {lever!r}")


def main() -> None:
    lever = sys.argv[1] if len(sys.argv) > 1 else "opa-socket"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    work = Path(tempfile.mkdtemp(prefix="packgate-ab-"))
    procs = Procs()
    try:
        op, upp = opa_and_upstream(procs, work, [SEED, VARIANT])
        up_url = f"http://127.0.0.1:{upp}"
        body = ollama_body()
        T = {"direct": {"name": "direct", "port": upp, "path": "/api/chat", "body": body}}
        for name, (url, env) in _variants(lever, work, op).items():
            _, port = start_gateway(procs, work, url, up_url, env=env)
            T[name] = {"name": name, "port": port, "path": "/routes/bench-deliver-route/api/chat", "body": body,
                       "headers": HEADERS}
        names = [k for k in T if k != "direct"]
        added: dict[str, list[float]] = {k: [] for k in names}
        p99: dict[str, list[float]] = {k: [] for k in names}
        rps: dict[str, list[float]] = {k: [] for k in names}
        for rnd in range(rounds):
            order = names if rnd % 2 == 0 else names[::-1]
            r = loadgen({"mode": "interleaved", "n": n, "warmup": 100, "targets": [T["direct"]] + [T[k] for k in order]})
            for k in names:
                d = stats([x - y for x, y in zip(r[k]["total"], r["direct"]["total"])])
                added[k].append(d["p50"])
                p99[k].append(d["p99"])
            for k in order:
                c = loadgen({"mode": "load", "target": T[k], "concurrency": 32, "duration": 3, "warmup": 1})[k]
                rps[k].append(c["count"] / c["seconds"])
            print(f"round {rnd + 1}: " + "  ".join(
                f"{k} added p50 {added[k][-1]:.2f} p99 {p99[k][-1]:.2f} c32 {rps[k][-1]:.0f}/s" for k in names),
                flush=True)
        print(f"median of {rounds} rounds ({lever}, loaded machine, added over direct, ms):")
        for k in names:
            print(f"  {k:10} c=1 p50 {statistics.median(added[k]):.2f} p99 {statistics.median(p99[k]):.2f} "
                  f"c=32 {statistics.median(rps[k]):.0f} req/s")
    finally:
        procs.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
