"""Which offload keeps the event loop responsive while ~1 MiB of adversarial text is scanned?

The engine is pure Python (`re`; RE2 only for pack patterns), so it holds the GIL. This runs one scan
of each adversarial shape (bench.gateway.scan_stall) three ways — on the loop, in a thread
(`run_in_executor` with a ThreadPoolExecutor), in a worker process (ProcessPoolExecutor, spawn) — while
a ticker on the loop sleeps 1 ms at a time; it reports how late the ticks were (p50/p99/max, ms).
A late tick is what every other request's every `await` pays. Not a test: nothing is asserted.

    .venv/bin/python -m bench.gateway.scan_offload
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import multiprocessing
import time

from packgate.runtime.redaction import Engine

from .__main__ import stats
from .scan_stall import adversarial_texts

_ENGINE: Engine | None = None


def _scan(text: str) -> int:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = Engine.default()
    return len(_ENGINE.scan(text))


async def _measure(mode: str, text: str, pool: cf.Executor | None) -> tuple[dict, float]:
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    if mode == "loop":
        loop.call_soon(_scan, text)
        fut: asyncio.Future = loop.create_future()
        loop.call_soon(fut.set_result, None)
    else:
        fut = loop.run_in_executor(pool, _scan, text)
    lags: list[float] = []
    while not fut.done():
        a = time.perf_counter()
        await asyncio.sleep(0.001)
        lags.append(max(0.0, (time.perf_counter() - a - 0.001) * 1000))
    await fut
    return stats(lags), time.perf_counter() - t0


async def main_async() -> None:
    texts = adversarial_texts()
    _scan("warm")
    threads = cf.ThreadPoolExecutor(1)
    procs = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    await asyncio.get_running_loop().run_in_executor(procs, _scan, "warm")
    print("event-loop tick lateness (ms) while one ~1 MiB scan runs")
    for name, text in texts.items():
        for mode, pool in (("loop", None), ("thread", threads), ("process", procs)):
            s, secs = await _measure(mode, text, pool)
            print(f"  {name:18} {mode:8} p50 {s['p50']:7.1f}  p99 {s['p99']:7.1f}  max {s['max']:7.1f}"
                  f"  ticks {s['n']:6}  scan {secs:.1f} s")
    threads.shutdown()
    procs.shutdown()


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
