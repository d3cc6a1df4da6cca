"""The external load generator: a separate process, uvloop + asyncio streams, HTTP/1.1 keep-alive,
requests pre-encoded, one connection per concurrent worker (opened during warm-up).

Reads a JSON spec on stdin, writes a JSON result to the file `out` of the spec:

    {"mode": "interleaved", "targets": [T...], "n": 2000, "warmup": 200}
        concurrency 1; request i goes to every target in turn (direct, proxy, gateway, ...), so the
        i-th samples of each target are taken back to back and can be compared pair by pair.
    {"mode": "load", "target": T, "concurrency": 32, "duration": 5.0, "warmup": 1.0, "requests": 0}
        closed loop at fixed concurrency for `duration` seconds (or `requests` requests) after warm-up.

    T = {"name", "port", "path", "headers": {...}, "body": "<json text>"}

Latencies are in ms: `total` (request written -> last body byte) and `ttfb` (-> first body byte).
A load run prints "measuring" on stderr when its measured window opens and "measured" when it closes (the
caller samples the servers' CPU there), and reports its own CPU over the window as `cpu_s`.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

import uvloop


def encode(t: dict) -> bytes:
    body = t["body"].encode()
    head = [f"POST {t['path']} HTTP/1.1", f"host: 127.0.0.1:{t['port']}", "content-type: application/json",
            f"content-length: {len(body)}"] + [f"{k}: {v}" for k, v in t.get("headers", {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Conn:
    def __init__(self, t: dict):
        self.t, self.req = t, encode(t)
        self.r: asyncio.StreamReader | None = None
        self.w: asyncio.StreamWriter | None = None

    async def one(self) -> tuple[int, float, float]:
        if self.r is None:
            self.r, self.w = await asyncio.open_connection("127.0.0.1", self.t["port"], limit=1 << 20)
        r, w = self.r, self.w
        assert w is not None
        t0 = time.perf_counter()
        w.write(self.req)
        head = await r.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        ttfb = 0.0
        i = lower.find(b"content-length:")
        if i >= 0:
            n = int(lower[i + 15:lower.find(b"\r\n", i)])
            await r.readexactly(n)
            ttfb = time.perf_counter()
        elif b"transfer-encoding: chunked" in lower:
            while True:
                size = int((await r.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await r.readuntil(b"\r\n")
                    break
                await r.readexactly(size + 2)
                if not ttfb:
                    ttfb = time.perf_counter()
        t1 = time.perf_counter()
        if b"connection: close" in lower:
            w.close()
            self.r = self.w = None
        return status, (t1 - t0) * 1000, ((ttfb or t1) - t0) * 1000


async def interleaved(spec: dict) -> dict:
    conns = [Conn(t) for t in spec["targets"]]
    out = {t["name"]: {"total": [], "ttfb": [], "errors": 0} for t in spec["targets"]}
    for i in range(spec["warmup"] + spec["n"]):
        for c in conns:
            status, total, ttfb = await c.one()
            if i < spec["warmup"]:
                continue
            o = out[c.t["name"]]
            if status != 200:
                o["errors"] += 1
            o["total"].append(total)
            o["ttfb"].append(ttfb)
    return out


async def load(spec: dict) -> dict:
    t, conc = spec["target"], spec["concurrency"]
    total: list[float] = []
    ttfb: list[float] = []
    errors = 0
    measuring = False
    stop = False
    count = 0
    limit = spec.get("requests") or 0

    async def worker() -> None:
        nonlocal errors, count, stop
        c = Conn(t)
        while not stop:
            status, tot, tf = await c.one()
            if measuring:
                total.append(tot)
                ttfb.append(tf)
                errors += status != 200
                count += 1
                if limit and count >= limit:
                    stop = True

    tasks = [asyncio.create_task(worker()) for _ in range(conc)]
    await asyncio.sleep(spec.get("warmup", 1.0))
    measuring = True
    start = time.perf_counter()
    cpu0 = _cpu()
    print("measuring", file=sys.stderr, flush=True)
    if limit:
        while not stop:
            await asyncio.sleep(0.05)
    else:
        await asyncio.sleep(spec["duration"])
        stop = True
    elapsed = time.perf_counter() - start
    measuring = False
    cpu = _cpu() - cpu0
    print("measured", file=sys.stderr, flush=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    return {t["name"]: {"total": total, "ttfb": ttfb, "errors": errors, "seconds": elapsed, "count": len(total),
                        "cpu_s": cpu}}


def _cpu() -> float:
    """This process's CPU seconds so far (user + system; it has no children)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    spec = json.loads(sys.stdin.read())
    fn = interleaved if spec["mode"] == "interleaved" else load
    result = json.dumps(uvloop.run(fn(spec)))
    # to a file, not stdout: uvloop leaves stdout non-blocking, and an unbuffered (PYTHONUNBUFFERED) write of
    # a large result to a full pipe is silently cut at the pipe's capacity
    with open(spec["out"], "w") as f:
        f.write(result)


if __name__ == "__main__":
    main()
