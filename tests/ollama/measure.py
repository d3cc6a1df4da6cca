"""Figures for docs/ollama.md: start the fixture's server, time chat answers from the tiny model.

    .venv/bin/python -m tests.ollama.measure [N]

Client-side wall time of N non-streamed /api/chat calls (httpx, keep-alive) with the Modelfile's
num_thread 1, then N with num_thread 2 (Ollama's default on this machine) for comparison.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import httpx

from .server import ANSWER, OllamaServer


def run(srv: OllamaServer, n: int, options: dict) -> list[float]:
    body = {"model": srv.model, "stream": False, "options": options,
            "messages": [{"role": "user", "content": "Say hello to the clinic."}]}
    out = []
    with httpx.Client(timeout=120) as c:
        c.post(f"{srv.url}/api/chat", json=body).raise_for_status()   # (re)load with these options
        for _ in range(n):
            t0 = time.perf_counter()
            r = c.post(f"{srv.url}/api/chat", json=body)
            out.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200 and r.json()["message"]["content"] == ANSWER, r.text
    return out


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    t0 = time.perf_counter()
    with OllamaServer() as srv:
        print(f"server up, model created and loaded in {time.perf_counter() - t0:.2f} s; load average "
              f"{os.getloadavg()[0]:.1f}")
        for threads in (1, 2):
            ms = sorted(run(srv, n, {"num_thread": threads}))
            q = statistics.quantiles(ms, n=100)
            print(f"num_thread {threads}: {n} chats, p50 {q[49]:.1f} ms, p90 {q[89]:.1f} ms, "
                  f"p99 {q[98]:.1f} ms, max {ms[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
