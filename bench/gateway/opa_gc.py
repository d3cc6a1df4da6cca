"""Go's garbage collector as a lever on OPA's own CPU: the same bundle served by one `opa run --server` per
GC setting (GOGC / GOMEMLIMIT in its environment), asked in turn with the gateway's own client over each
one's Unix socket (the embedded OPA's decision hop) and the bench prompt's real inputs (`opa_decisions.inputs`).

- c=1: request+response decision pairs, variant after variant in rotating order, client-side latency;
- c=32: 32 concurrent clients sending decision pairs for `--seconds`, one variant at a time in rotating order
  for `--rounds` rounds: decisions/s and OPA's CPU per decision (/proc utime+stime over the window);
- memory: each OPA's VmRSS and peak (VmHWM) at the end.

    python -m bench.gateway.opa_gc --bundle DIR --pack PACK [--n 1000] [--seconds 2] [--rounds 4]
        [--variant 'GOGC=100'] [--variant 'GOGC=400,GOMEMLIMIT=256MiB'] ...
prints JSON. A variant is `K=V[,K=V]` (empty for Go's defaults); the first one is the before. Without
`--variant`: GOGC=100 (Go's default) against `EMBEDDED_GO_GC`, what `packgate gateway run` gives its OPA.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import uvloop

from packgate.runtime.opa.client import OpaClient
from packgate.runtime.opa.server import EMBEDDED_GO_GC
from tests.harness import free_port

from .__main__ import OPA, pct, wait_up
from .cpu import process_cpu
from .opa_decisions import inputs

__all__ = ["main", "parse_variant"]

# Go's default, stated, against what the embedded OPA runs with
DEFAULT_VARIANTS = ("GOGC=100", ",".join(f"{k}={v}" for k, v in EMBEDDED_GO_GC.items()))
GO_GC_ENV = ("GOGC", "GOMEMLIMIT")  # the Go runtime's GC settings; the bench's own environment's are dropped


def parse_variant(text: str) -> dict[str, str]:
    """`'GOGC=400,GOMEMLIMIT=256MiB'` -> its environment; `''` -> {} (Go's defaults)."""
    env = dict(kv.split("=", 1) for kv in text.split(",") if kv.strip())
    unknown = set(env) - set(GO_GC_ENV)
    if unknown:
        raise ValueError(f"not a Go GC setting: {sorted(unknown)}")
    return env


def _start(bundle: Path, sock: Path, env: dict[str, str],
           log_args: tuple[str, ...] = ("--log-level", "error"), stdout: int = subprocess.DEVNULL) -> subprocess.Popen:
    """`opa run --server` on `bundle`, asked over `sock`, its output discarded (or piped: `stdout`); up (health
    on its loopback port) when returned. `log_args`: its logging flags (and any `--config-file`)."""
    base = {k: v for k, v in os.environ.items() if k not in GO_GC_ENV}
    port = free_port()
    p = subprocess.Popen([OPA, "run", "--server", "--addr", f"127.0.0.1:{port}", "--addr", f"unix://{sock}",
                          "--bundle", str(bundle), *log_args, "--skip-version-check"],
                         env={**base, **env}, stdin=subprocess.DEVNULL, stdout=stdout,
                         stderr=subprocess.STDOUT if stdout != subprocess.DEVNULL else subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/health?bundles=true")
    return p


def _memory_kib(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(line.split()[1])
    return out


async def _measure(socks: dict[str, Path], pids: dict[str, int], path: str, req: dict, resp: dict,
                   n: int, seconds: float, rounds: int) -> dict:
    clients = {k: OpaClient(f"unix://{s}") for k, s in socks.items()}
    for c in clients.values():
        await c.start()
    names = list(clients)
    out: dict = {k: {"c1": [], "c32": []} for k in names}

    async def pair(c: OpaClient) -> None:
        await c.decide(f"{path}/request", req)
        await c.decide(f"{path}/response", resp)

    for i in range(n + 300):
        for k in names[i % len(names):] + names[:i % len(names)]:
            t0 = time.perf_counter()
            await pair(clients[k])
            if i >= 300:
                out[k]["c1"].append((time.perf_counter() - t0) * 1000)

    for r in range(rounds + 1):  # round 0 warms each OPA up at c=32 and is not kept
        for k in names[r % len(names):] + names[:r % len(names)]:
            stop = False
            pairs = 0

            async def worker(c: OpaClient = clients[k]) -> None:
                nonlocal pairs
                while not stop:
                    await pair(c)
                    pairs += 1

            tasks = [asyncio.create_task(worker()) for _ in range(32)]
            await asyncio.sleep(0.2)
            cpu0, n0, t0 = process_cpu(pids[k]), pairs, time.perf_counter()
            await asyncio.sleep(seconds if r else 0.5)
            cpu1, n1, t1 = process_cpu(pids[k]), pairs, time.perf_counter()
            stop = True
            await asyncio.gather(*tasks)
            if r:
                decisions = 2 * (n1 - n0)
                out[k]["c32"].append({"decisions_s": decisions / (t1 - t0),
                                      "opa_cpu_ms_per_decision": (cpu1 - cpu0) * 1000 / max(decisions, 1)})
    for c in clients.values():
        await c.aclose()
    return out


def summary(raw: dict) -> dict:
    """Per variant: c=1 pair p50/p99 (ms), and the medians over rounds of c=32 decisions/s and OPA ms/decision."""
    return {k: {"c1_p50": pct(v["c1"], 50), "c1_p99": pct(v["c1"], 99), "c1_n": len(v["c1"]),
                "c32_decisions_s": statistics.median(x["decisions_s"] for x in v["c32"]),
                "c32_opa_cpu_ms": statistics.median(x["opa_cpu_ms_per_decision"] for x in v["c32"]),
                "c32_rounds": v["c32"]} for k, v in raw.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path, required=True)
    ap.add_argument("--pack", type=Path, required=True)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--variant", action="append")
    a = ap.parse_args()
    variants = {v or "Go defaults": parse_variant(v) for v in (a.variant or DEFAULT_VARIANTS)}
    path, req, resp = inputs(a.pack)
    work = Path(tempfile.mkdtemp(prefix="packgate-opa-gc-"))
    procs: dict[str, subprocess.Popen] = {}
    try:
        socks = {k: work / f"opa-{i}.sock" for i, k in enumerate(variants)}
        for k, env in variants.items():
            procs[k] = _start(a.bundle, socks[k], env)
        raw = uvloop.run(_measure(socks, {k: p.pid for k, p in procs.items()}, path, req, resp, a.n,
                                  a.seconds, a.rounds))
        res = summary(raw)
        for k, p in procs.items():
            res[k].update(_memory_kib(p.pid))
            res[k]["env"] = variants[k]
    finally:
        for p in procs.values():
            p.terminate()
            p.wait(10)
    print(json.dumps({"variants": res, "seconds": a.seconds, "rounds": a.rounds}))


if __name__ == "__main__":
    main()
