"""Does a big scan stall everybody else? A small request's latency while ~1 MiB of adversarial text
is being scanned by the same gateway process.

Real components as in `make bench` (a real `opa run --server` with the seed pack's bench variant, the
real gateway under uvicorn/uvloop, the bench's instant upstream). Phases:

    idle      small requests one after another, nothing else running (the floor)
    loaded    the same small requests while a second client keeps sending 1 MiB adversarial bodies
              (spaced digits; thousands of capitalised words), one after another

Reports p50/p99/max of the small requests in each phase, how many small requests failed (e.g. 503
while the loop was blocked) and how long each big request took. Not a test: nothing is asserted.

    .venv/bin/python -m bench.gateway.scan_stall [SECONDS]       # loaded phase length [20]
    (in `make bench`: PACKGATE_BENCH_STALL_SECONDS [20; 5 with PACKGATE_BENCH_QUICK=1])
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import orjson

from .__main__ import QUICK, ROOT, SEED, Procs, opa_and_upstream, opa_socket, start_gateway, stats
from .prompt import HEADERS, ollama_body

PACK = ROOT / "bench" / "gateway" / "packs" / "bench-deliver-route.yaml"
PATH = "/routes/bench-deliver-route/api/chat"
BIG_CHARS = 1_000_000  # the JSON body stays under the gateway's 1 MiB limit


def adversarial_texts(chars: int = BIG_CHARS) -> dict[str, str]:
    """The two shapes that cost the detectors most: spaced digits and capitalised words."""
    rnd = random.Random(9)
    digits = " ".join(str(rnd.randint(0, 9)) for _ in range(chars // 2 + 1))[:chars]
    words = ["Alpha", "Bravo", "Charlie", "Delta", "Maria", "Gonzalez", "Smith", "River", "Oak", "Lee"]
    caps = " ".join(rnd.choice(words) for _ in range(chars // 5 + 1))[:chars]
    return {"spaced-digits": digits, "capitalised-words": caps}


def big_body(text: str) -> bytes:
    return orjson.dumps({"model": "llama3.1:70b", "stream": False,
                         "messages": [{"role": "user", "content": text}]})


def small_run(url: str, n: int, stop: threading.Event | None = None) -> tuple[list[float], int]:
    """Sequential small requests; latency in ms of each, and the number that did not answer 200."""
    body = ollama_body()
    lat: list[float] = []
    errors = 0
    with httpx.Client(base_url=url, timeout=60, headers={**HEADERS, "content-type": "application/json"}) as c:
        for _ in range(n):
            if stop is not None and stop.is_set():
                break
            t0 = time.perf_counter()
            r = c.post(PATH, content=body)
            lat.append((time.perf_counter() - t0) * 1000)
            errors += r.status_code != 200
    return lat, errors


def main() -> None:
    seconds = float(sys.argv[1]) if __name__ == "__main__" and len(sys.argv) > 1 else \
        float(os.environ.get("PACKGATE_BENCH_STALL_SECONDS", 5 if QUICK else 20))
    work = Path(tempfile.mkdtemp(prefix="packgate-stall-"))
    procs = Procs()
    try:
        _, upp = opa_and_upstream(procs, work, [SEED, PACK])
        _, gp = start_gateway(procs, work, f"unix://{opa_socket(work)}", f"http://127.0.0.1:{upp}")
        url = f"http://127.0.0.1:{gp}"
        small_run(url, 50)  # warm-up
        idle, idle_err = small_run(url, 300)

        bigs: list[tuple[str, float, int]] = []
        stop = threading.Event()
        started = threading.Event()

        def big_client() -> None:
            texts = adversarial_texts()
            with httpx.Client(base_url=url, timeout=120, headers={**HEADERS, "content-type": "application/json"}) as c:
                while not stop.is_set():
                    for name, text in texts.items():
                        t0 = time.perf_counter()
                        started.set()
                        r = c.post(PATH, content=big_body(text))
                        bigs.append((name, time.perf_counter() - t0, r.status_code))
                        if stop.is_set():
                            return

        th = threading.Thread(target=big_client, daemon=True)
        th.start()
        started.wait()
        time.sleep(0.2)  # the first big body is being read and scanned
        timer = threading.Timer(seconds, stop.set)
        timer.start()
        loaded, loaded_err = small_run(url, 10**9, stop)
        th.join()
        print(f"small request latency (ms), sequential, {len(idle)} idle / {len(loaded)} loaded")
        for name, xs, errs in (("idle", idle, idle_err), ("loaded", loaded, loaded_err)):
            s = stats(xs)
            print(f"  {name:7} p50 {s['p50']:.1f}  p99 {s['p99']:.1f}  max {s['max']:.1f}  n {s['n']}  non-200 {errs}")
        for name in adversarial_texts(10):
            runs = [(t, st) for n, t, st in bigs if n == name]
            if runs:
                print(f"  big {name:18} {len(runs)} runs, seconds each: "
                      + ", ".join(f"{t:.1f} ({st})" for t, st in runs))
    finally:
        procs.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
