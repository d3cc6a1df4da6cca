"""The load driver of the e2e suites: every request carries an id (`X-User-ID: <id>` → the audit
event's `user_id`; `req <id> ` in the prompt → what the stand-in received, see
`tests.harness.forwarded_ids`), so each request can be followed from client to upstream to audit log.
The gateway process, OPA and the stand-in come from `tests.harness`.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from packgate.runtime.audit import query_events

from tests.gateway.test_policies import DISCLAIMER, SSN
from tests.harness import CLINICIAN

SEED_ROUTE = "/routes/behavioral-health-review-route"
KINDS = ("allowed", "denied", "redacted", "escalated", "streamed")


def all_events(db: Path, after_seq: int = 0) -> list[dict[str, Any]]:
    return query_events(db, after_seq=after_seq) if db.exists() else []


def head_seq(db: Path) -> int:
    last = query_events(db, limit=1)
    return last[-1]["seq"] if last else 0


def wait_events(db: Path, after_seq: int, n: int, timeout: float = 30) -> list[dict[str, Any]]:
    """The events after `after_seq`, once there are at least `n` of them and no more arrive."""
    deadline = time.monotonic() + timeout
    while True:
        events = all_events(db, after_seq)
        if len(events) >= n:
            time.sleep(0.3)  # anything extra would show up now
            return all_events(db, after_seq)
        if time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def snapshot_db(src: Path, dst: Path) -> Path:
    """A consistent copy (WAL included) of a db the gateway is still writing."""
    s, d = sqlite3.connect(src), sqlite3.connect(dst)
    s.backup(d)
    s.close()
    d.close()
    return dst


# --- requests ------------------------------------------------------------------------------------


@dataclass
class Result:
    id: str
    kind: str
    status: int = 0
    code: str | None = None
    text: str | None = None
    finish: str | None = None
    t0: float = 0.0
    t1: float = 0.0
    error: str | None = None


def build(rid: str, kind: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(path, headers, body) of one request of `kind`; the id rides in X-User-ID and the prompt."""
    headers = {**CLINICIAN, "X-User-ID": rid, "content-type": "application/json"}
    body: dict[str, Any] = {"model": "primary-model", "messages": [{"role": "user", "content": f"req {rid} hello"}]}
    path = "/v1/chat/completions"
    if kind == "denied":
        headers.update({"X-User-Role": "front-desk", "X-Data-Sensitivity": "restricted"})
    elif kind == "redacted":
        body["messages"][0]["content"] = f"req {rid} summarise: patient SSN {SSN}"
    elif kind == "escalated":
        path = SEED_ROUTE + path
        body["model"] = "llama3.1:70b"
    elif kind == "streamed":
        body["stream"] = True
    return path, headers, body


EXPECTED = {"allowed": (200, None), "denied": (403, "sensitivity_exceeds_role"), "redacted": (200, None),
            "escalated": (200, None), "streamed": (200, None)}


async def send(client: httpx.AsyncClient, rid: str, kind: str) -> Result:
    path, headers, body = build(rid, kind)
    res = Result(rid, kind, t0=time.monotonic())
    try:
        resp = await client.post(path, headers=headers, content=orjson.dumps(body),
                                 extensions={}, timeout=30)
        res.status = resp.status_code
        if resp.headers.get("content-type", "").startswith("text/event-stream"):
            parts, finish = [], None
            for line in resp.text.splitlines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    choice = orjson.loads(line[6:])["choices"][0]
                    parts.append(choice["delta"].get("content") or "")
                    finish = choice.get("finish_reason") or finish
            res.text, res.finish = "".join(parts), finish
        else:
            data = resp.json()
            if resp.status_code == 200:
                choice = data["choices"][0]
                res.text, res.finish = choice["message"]["content"], choice["finish_reason"]
            else:
                res.code = data["error"]["code"]
    except Exception as exc:  # noqa: BLE001 - a transport error is an outcome to report
        res.error = f"{type(exc).__name__}: {exc}"
    res.t1 = time.monotonic()
    return res


def check_policy_outcome(r: Result, forwarded: Counter[str]) -> str | None:
    """Why `r` is not the outcome its kind must have (None if it is)."""
    status, code = EXPECTED[r.kind]
    if r.error or r.status != status or r.code != code:
        return f"{r.id} {r.kind}: {r.status} {r.code} {r.error}"
    if r.kind == "denied":
        return f"{r.id} denied but forwarded" if forwarded[r.id] else None
    if forwarded[r.id] != 1:
        return f"{r.id} {r.kind}: forwarded {forwarded[r.id]} times"
    if r.kind == "escalated":
        return None if (r.text, r.finish) == (None, "escalated") else f"{r.id} escalation {r.text!r} {r.finish}"
    want = f"[stand-in model] req {r.id} " + ("summarise: patient SSN [SSN]" if r.kind == "redacted" else "hello")
    if r.text != DISCLAIMER + "\n\n" + want or r.finish != "stop":
        return f"{r.id} {r.kind}: delivered {r.text!r}"
    return None


def client(url: str, concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=30)


async def run_batch(c: httpx.AsyncClient, jobs: list[tuple[str, str]], concurrency: int) -> list[Result]:
    """`jobs` (id, kind) sent by `concurrency` clients, each sending its next request when answered."""
    queue = list(reversed(jobs))
    out: list[Result] = []

    async def worker() -> None:
        while queue:
            rid, kind = queue.pop()
            out.append(await send(c, rid, kind))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return out


def burst(url: str, jobs: list[tuple[str, str]], concurrency: int = 64) -> list[Result]:
    async def go() -> list[Result]:
        async with client(url, concurrency) as c:
            return await run_batch(c, jobs, concurrency)
    return asyncio.run(go())


class SteadyLoad:
    """`concurrency` clients sending `kind` requests back to back (with `pause_s` between) until stopped.

    Runs in its own thread and event loop; `results` grows as answers come in.
    """

    def __init__(self, url: str, prefix: str, *, concurrency: int = 16, pause_s: float = 0.01,
                 kinds: tuple[str, ...] = ("allowed",), limit: int = 20_000) -> None:
        self.url, self.prefix, self.concurrency, self.pause_s, self.kinds = url, prefix, concurrency, pause_s, kinds
        self.limit = limit
        self.results: list[Result] = []
        self._stop = threading.Event()
        self._n = 0
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True, name="steady-load")

    def __enter__(self) -> SteadyLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> list[Result]:
        self._stop.set()
        self._thread.join(60)
        assert not self._thread.is_alive(), "load did not stop"
        return self.results

    async def _main(self) -> None:
        async with client(self.url, self.concurrency) as c:
            async def worker() -> None:
                while not self._stop.is_set() and self._n < self.limit:
                    i = self._n
                    self._n += 1
                    self.results.append(await send(c, f"{self.prefix}-{i}", self.kinds[i % len(self.kinds)]))
                    await asyncio.sleep(self.pause_s)
            await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    def wait_for(self, pred, timeout: float = 15.0, after: float | None = None) -> Result:
        """The first result (ending after `after`) for which `pred` holds."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            results = self.results
            for r in results[seen:]:
                if (after is None or r.t0 >= after) and pred(r):
                    return r
            seen = len(results)
            time.sleep(0.01)
        raise AssertionError(f"no matching result in {timeout}s; last: {self.results[-3:]}")
