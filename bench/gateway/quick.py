"""A short A/B check while optimising (not the published figures; those come from `make bench`):
c=1 interleaved direct/proxy/packgate pairs, then c=32 throughput of proxy and packgate.

    .venv/bin/python -m bench.gateway.quick [N] [workers]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .__main__ import opa_and_upstream, PY, SEED, VARIANT, Procs, free_port, loadgen, stats, wait_up
from .prompt import HEADERS, ollama_body


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    workers = sys.argv[2] if len(sys.argv) > 2 else "1"
    work = Path(tempfile.mkdtemp(prefix="packgate-quick-"))
    procs = Procs()
    try:
        op, upp = opa_and_upstream(procs, work, [SEED, VARIANT])
        pp, gp = free_port(), free_port()
        procs.start([PY, "-m", "bench.gateway.proxy", "--port", str(pp), "--upstream", f"http://127.0.0.1:{upp}"])
        procs.start([PY, "-m", "tests.harness.serve", "--port", str(gp), "--opa-url", f"http://127.0.0.1:{op}",
                     "--standin-url", f"http://127.0.0.1:{upp}", "--audit-db", str(work / "a.db"), "--workers", workers,
                     "--pack", str(SEED), "--pack", str(VARIANT)], stdout=subprocess.DEVNULL)
        wait_up(f"http://127.0.0.1:{gp}/health")
        wait_up(f"http://127.0.0.1:{pp}/api/chat", method="POST")
        body = ollama_body()
        T = {"direct": {"port": upp, "path": "/api/chat", "body": body},
             "proxy": {"port": pp, "path": "/api/chat", "body": body},
             "packgate": {"port": gp, "path": "/routes/bench-deliver-route/api/chat", "body": body, "headers": HEADERS}}
        for k, v in T.items():
            v["name"] = k
        r = loadgen({"mode": "interleaved", "n": n, "warmup": 200, "targets": list(T.values())})
        for k in T:
            s = stats(r[k]["total"])
            print(f"c=1 {k:9} p50 {s['p50']:.2f} p90 {s['p90']:.2f} p99 {s['p99']:.2f} errors {r[k]['errors']}")
        for b in ("direct", "proxy"):
            d = stats([x - y for x, y in zip(r["packgate"]["total"], r[b]["total"])])
            print(f"added over {b}: p50 {d['p50']:.2f} p99 {d['p99']:.2f}")
        for k in ("proxy", "packgate"):
            c = loadgen({"mode": "load", "target": T[k], "concurrency": 32, "duration": 3, "warmup": 1})[k]
            s = stats(c["total"])
            print(f"c=32 {k:9} {c['count'] / c['seconds']:.0f} req/s p50 {s['p50']:.1f} p99 {s['p99']:.1f} errors {c['errors']}")
    finally:
        procs.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
