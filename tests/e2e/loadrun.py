"""The mixed-traffic load run shared by `test_load` (3,000 requests) and the soak (`make soak`)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.harness import forwarded_ids

from .load import KINDS, Result, check_policy_outcome, client, head_seq, run_batch, wait_events

CONCURRENCY = 64


@dataclass
class LoadReport:
    sent: int = 0
    events: int = 0
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    samples: list[tuple[int, int, int]] = field(default_factory=list)  # (requests so far, rss KiB, fds)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rss = [s[1] for s in self.samples[1:]]
        fds = [s[2] for s in self.samples[1:]]
        return (f"{self.sent} requests / {CONCURRENCY} clients in {self.seconds:.1f}s "
                f"({self.sent / self.seconds:.0f} req/s), {self.events} events, outcomes {dict(self.outcomes)}, "
                f"RSS after warm-up {min(rss) // 1024}-{max(rss) // 1024} MiB, fds {min(fds)}-{max(fds)}")


def shed(r: Result, forwarded: Counter[str]) -> bool:
    """Refused by admission control: 503 `overloaded`, nothing forwarded."""
    return (r.status, r.code, r.error) == (503, "overloaded", None) and not forwarded[r.id]


def run_load(gw, standin, total: int, prefix: str, *, warmup: int = 600, samples: int = 6,
             overloaded_ok: bool = False) -> LoadReport:
    """`total` requests (the 5 kinds in turn) from 64 clients; RSS/fds sampled after each slice.

    With `overloaded_ok`, an explicit 503 `overloaded` (nothing forwarded) is an acceptable outcome."""
    standin.reset()
    mark = head_seq(gw.db)
    jobs = [(f"{prefix}-{i}", KINDS[i % len(KINDS)]) for i in range(total)]
    rest = total - warmup
    cuts = [0, warmup] + [warmup + rest * k // samples for k in range(1, samples + 1)]
    rep = LoadReport(sent=total)
    results: list[Result] = []

    async def go() -> None:
        async with client(gw.url, CONCURRENCY) as c:
            rep.samples.append((0, gw.rss_kb(), gw.fds()))
            for a, b in zip(cuts, cuts[1:]):
                results.extend(await run_batch(c, jobs[a:b], CONCURRENCY))
                rep.samples.append((b, gw.rss_kb(), gw.fds()))

    t = time.monotonic()
    asyncio.run(go())
    rep.seconds = time.monotonic() - t
    forwarded = forwarded_ids(standin)
    rep.outcomes = Counter(f"{r.kind} {r.status}" for r in results)
    rep.problems = [p for r in results
                    if (p := check_policy_outcome(r, forwarded)) and not (overloaded_ok and shed(r, forwarded))]
    events = wait_events(gw.db, mark, total, timeout=60)
    rep.events = len(events)
    sent_ids = Counter(r.id for r in results)
    event_ids = Counter(e["user_id"] for e in events)
    if sent_ids != event_ids:
        rep.problems.append(f"event ids differ from request ids: {len(sent_ids - event_ids)} missing, "
                            f"{len(event_ids - sent_ids)} extra")
    status = {r.id: r.status for r in results}
    rep.problems += [f"{e['user_id']}: event status {e['status']}" for e in events if status.get(e["user_id"]) != e["status"]]
    return rep
