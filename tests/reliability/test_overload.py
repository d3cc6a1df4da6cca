"""Admission control: past its bounds the gateway sheds load explicitly (503 `overloaded`, Retry-After,
one audit event, nothing forwarded) and keeps serving what it admitted."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import orjson
import pytest

from packgate.runtime.demo.standin import Reply

from .harness import build, burst, check_policy_outcome, forwarded_ids, head_seq, start_gateway, wait_events


@pytest.fixture()
def small_gw(rel_opa, rel_standin, tmp_path_factory):
    """A gateway that works on 2 chat requests at once and lets 2 more wait."""
    if rel_opa.proc is None:
        rel_opa.start()
    rel_standin.reset()
    proc = start_gateway(tmp_path_factory.mktemp("small-gw"), rel_opa.url, rel_standin.url,
                         args=("--max-active", "2", "--max-queued", "2"))
    yield proc
    proc.stop()


def test_overload_is_shed_explicitly_with_retry_after(small_gw, rel_standin) -> None:
    """12 requests at once while the model takes 1.2 s: 2 served, 2 wait their turn and are served,
    8 are refused at once with 503 `overloaded` and `Retry-After`, never forwarded; 12 events;
    /health answers meanwhile."""
    gw = small_gw
    rel_standin.script(*[Reply(delay_s=1.2)] * 4)
    mark = head_seq(gw.db)

    async def one(c: httpx.AsyncClient, i: int) -> tuple[str, httpx.Response]:
        path, headers, body = build(f"ovl-{i}", "allowed")
        return f"ovl-{i}", await c.post(path, headers=headers, content=orjson.dumps(body))

    async def go() -> tuple[list[tuple[str, httpx.Response]], int]:
        async with httpx.AsyncClient(base_url=gw.url, timeout=30) as c:
            batch = asyncio.gather(*(one(c, i) for i in range(12)))
            await asyncio.sleep(0.3)
            health = (await c.get("/health")).status_code
            return await batch, health

    answers, health = asyncio.run(go())
    assert health == 200
    by_status = Counter(r.status_code for _, r in answers)
    assert by_status == {200: 4, 503: 8}, by_status
    shed = [(rid, r) for rid, r in answers if r.status_code == 503]
    for _, r in shed:
        assert r.json()["error"]["code"] == "overloaded" and r.json()["error"]["type"] == "service_unavailable"
        assert r.headers["retry-after"] == "1"
    forwarded = forwarded_ids(rel_standin)
    assert not any(forwarded[rid] for rid, _ in shed)
    assert sorted(forwarded) == sorted(rid for rid, r in answers if r.status_code == 200)
    events = wait_events(gw.db, mark, 12)
    assert len(events) == 12
    assert Counter((e["verdict"], e["status"]) for e in events) == {("allowed", 200): 4, ("overloaded", 503): 8}
    # the bounds free up again: the next request is served
    rel_standin.reset()

    [r] = burst(gw.url, [("ovl-after", "allowed")], 1)
    assert check_policy_outcome(r, forwarded_ids(rel_standin)) is None
