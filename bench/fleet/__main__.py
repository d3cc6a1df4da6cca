"""`python -m bench.fleet` (part of `make bench`): the fleet on this machine, in one run.

1. The chain with several writers: one chain serialised in PostgreSQL vs one chain per writer
   (bench/fleet/chain.py), 1 and 3 writers, batches of 1 and 100 events.
2. The audit write cost per event in each store: `AuditLog.record` + flush of N events, SQLite file vs
   PostgreSQL (the background writer's batches, as the gateway writes).
3. Throughput of 1, 2 and 3 gateway replicas (embedded OPAs pulling one `packgate bundle serve`,
   one PostgreSQL) against one gateway on the SQLite default, the instant upstream behind them, one
   load generator per replica (32 connections in all). Everything shares the machine's cores.

Writes docs/benchmarks-fleet.md. Nothing here asserts timings.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from packgate.runtime.audit import AuditLog

from bench.gateway.__main__ import QUICK, SEED, VARIANT, Procs, loadgen, pct, wait_up
from bench.gateway.prompt import HEADERS, ollama_body
from tests.harness import free_port
from tests.harness.postgres import PostgresServer
from tests.harness.stack import REVIEW_KEY

from .chain import measure

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "benchmarks-fleet.md"
PY = sys.executable
SECONDS = float(os.environ.get("PACKGATE_BENCH_FLEET_SECONDS", 2 if QUICK else 8))
TOKEN = "bench-fleet-token"


def audit_cost(db: str, n: int) -> float:
    """Microseconds per event: record n events and wait until the writer committed them all."""
    log = AuditLog.open(db)
    try:
        t0 = time.perf_counter()
        for i in range(n):
            log.record({"verdict": "allowed", "status": 200, "pack": "bench", "user_id": f"u-{i}"})
        assert log.flush(120)
        return (time.perf_counter() - t0) * 1e6 / n
    finally:
        log.close()


def throughput(procs: Procs, work: Path, db: str, replicas: int, bundle_url: str | None, opa_up: tuple[str, str],
               label: str) -> dict:
    opa_url, up_url = opa_up
    # the seed pack escalates: a replica refuses to start without a review key (an environment key still wins)
    env = {"PACKGATE_REVIEW_KEY": REVIEW_KEY, **os.environ, "PACKGATE_BUNDLE_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    ports, started = [], []
    for _ in range(replicas):
        port = free_port()
        src = ["--bundle-url", bundle_url] if bundle_url else ["--opa-url", opa_url]
        started.append(procs.start([PY, "-m", "tests.harness.serve", "--port", str(port), *src, "--standin-url",
                                    up_url, "--audit-db", db, "--pack", str(SEED), "--pack", str(VARIANT)],
                                   stdout=subprocess.DEVNULL, env=env))
        ports.append(port)
    for port in ports:
        wait_up(f"http://127.0.0.1:{port}/health", 120)
    body = ollama_body(False)
    results: list[dict] = [{}] * replicas
    conc = max(1, 32 // replicas)

    def one(i: int) -> None:
        t = {"name": f"r{i}", "port": ports[i], "path": "/routes/bench-deliver-route/api/chat", "body": body,
             "headers": HEADERS}
        results[i] = loadgen({"mode": "load", "target": t, "concurrency": conc, "duration": SECONDS,
                              "warmup": 1.0})[f"r{i}"]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(replicas)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in started:
        procs.stop(p)
    rps = sum(r["count"] / r["seconds"] for r in results)
    errors = sum(r["errors"] for r in results)
    p50 = max(pct(r["total"], 50) for r in results)
    print(f"fleet {label}: {rps:.0f} req/s, worst p50 {p50:.2f} ms, errors {errors}", flush=True)
    return {"label": label, "rps": rps, "p50": p50, "errors": errors}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="packgate-bench-fleet-"))
    procs = Procs()
    pg = PostgresServer().init().start()
    lines = []
    try:
        print("fleet: chain designs ...", flush=True)
        chain_rows = []
        for writers in (1, 3):
            for batch in (1, 100):
                for design in ("one chain", "per writer"):
                    m = measure(pg.new_database(), design, writers, batch, SECONDS / 2)
                    chain_rows.append((design, writers, batch, m))
                    print(f"  {design}: {writers} writers, batch {batch}: {m['events_per_s']:.0f} ev/s, "
                          f"{m['batch_ms']:.2f} ms/batch", flush=True)
        print("fleet: audit write cost ...", flush=True)
        n = 2000 if QUICK else 20000
        sqlite_us = audit_cost(str(work / "cost.db"), n)
        pg_us = audit_cost(pg.new_database(), n)
        print(f"  SQLite {sqlite_us:.1f} us/event, PostgreSQL {pg_us:.1f} us/event", flush=True)

        print("fleet: replicas ...", flush=True)
        up = procs.start([PY, "-m", "bench.gateway.upstream", "--port", "0"], stdout=subprocess.PIPE, text=True)
        up_url = f"http://127.0.0.1:{int(up.stdout.readline().split()[1])}"  # type: ignore[union-attr]
        bport = free_port()
        procs.start([PY, "-m", "packgate", "bundle", "serve", str(SEED), str(VARIANT), "--port", str(bport)],
                    stdout=subprocess.DEVNULL, env={**os.environ, "PACKGATE_BUNDLE_TOKEN": TOKEN})
        bundle_url = f"http://127.0.0.1:{bport}"
        wait_up(f"{bundle_url}/bundle.tar.gz", 60)
        rows = [throughput(procs, work, str(work / "fleet.db"), 1, bundle_url, ("", up_url), "1 replica, SQLite")]
        for k in (1, 2, 3):
            rows.append(throughput(procs, work, pg.new_database(), k, bundle_url, ("", up_url),
                                   f"{k} replica{'s' if k > 1 else ''}, PostgreSQL"))
        lines += [
            "# Fleet benchmarks", "",
            f"`make bench` (`python -m bench.fleet`), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"nproc={os.cpu_count()}, {platform.machine()}, load average at start {os.getloadavg()[0]:.2f}; "
            "PostgreSQL 15 (Debian, fsync on) on loopback; everything shares the machine's cores.", "",
            "## The chain with several writers", "",
            "| design | writers | batch | events/s | ms per batch |", "| --- | ---: | ---: | ---: | ---: |",
            *[f"| {d} | {w} | {b} | {m['events_per_s']:.0f} | {m['batch_ms']:.2f} |" for d, w, b, m in chain_rows], "",
            "## Audit write cost per event (background writer, batches)", "",
            "| store | µs per event |", "| --- | ---: |",
            f"| SQLite (file, WAL, synchronous=FULL) | {sqlite_us:.1f} |", f"| PostgreSQL (pool, loopback) | {pg_us:.1f} |", "",
            f"## Throughput: replicas (32 connections in all, {SECONDS:.0f} s each, instant upstream)", "",
            "| fleet | requests/s | worst replica p50 (ms) | errors |", "| --- | ---: | ---: | ---: |",
            *[f"| {r['label']} | {r['rps']:.0f} | {r['p50']:.2f} | {r['errors']} |" for r in rows], "",
        ]
        OUT.write_text("\n".join(lines))
        print(f"wrote {OUT}", flush=True)
    finally:
        procs.close()
        pg.destroy()


if __name__ == "__main__":
    main()
