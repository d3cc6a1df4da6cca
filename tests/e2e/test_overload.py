"""Admission control: past its bounds the gateway sheds load explicitly (503 `overloaded`, Retry-After,
one audit event, nothing forwarded) and keeps serving what it admitted."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import orjson
import pytest

from tests.harness import forwarded_ids

from .conftest import serve
from .load import build, burst, check_policy_outcome, head_seq, wait_events


@pytest.fixture()
def tiny_gw(rel_opa, rel_standin, tmp_path_factory):
    """A gateway that works on one chat request at a time and lets none wait."""
    if rel_opa.proc is None:
        rel_opa.start()
    rel_standin.reset()
    proc = serve(tmp_path_factory.mktemp("tiny-gw"), rel_opa, rel_standin, args=("--max-active", "1", "--max-queued", "0"))
    yield proc
    proc.stop()


def test_overload_is_shed_explicitly_with_retry_after(tiny_gw, rel_standin) -> None:
    """32 requests at once against one slot and no queue: each one is either served with its policy
    outcome or refused at once with 503 `overloaded` and `Retry-After: 1`, never forwarded; one event
    each with the same status; /health answers meanwhile; the gateway serves normally afterwards."""
    gw = tiny_gw
    mark = head_seq(gw.db)

    async def one(c: httpx.AsyncClient, rid: str) -> tuple[str, httpx.Response]:
        path, headers, body = build(rid, "allowed")
        return rid, await c.post(path, headers=headers, content=orjson.dumps(body))

    async def go() -> tuple[list[tuple[str, httpx.Response]], int]:
        limits = httpx.Limits(max_connections=40)
        async with httpx.AsyncClient(base_url=gw.url, timeout=30, limits=limits) as c:
            batch = asyncio.gather(*(one(c, f"ovl-{i}") for i in range(32)))
            health = (await c.get("/health")).status_code
            return await batch, health

    answers, health = asyncio.run(go())
    assert health == 200
    forwarded = forwarded_ids(rel_standin)
    shed = [(rid, r) for rid, r in answers if r.status_code == 503]
    served = [rid for rid, r in answers if r.status_code == 200]
    assert len(shed) + len(served) == 32 and shed and served, Counter(r.status_code for _, r in answers)
    for rid, r in shed:
        err = r.json()["error"]
        assert (err["code"], err["type"], r.headers.get("retry-after")) == ("overloaded", "service_unavailable", "1")
        assert not forwarded[rid]
    assert sorted(forwarded) == sorted(served) and set(forwarded.values()) == {1}
    events = {e["user_id"]: e for e in wait_events(gw.db, mark, 32)}
    assert len(events) == 32
    assert all(events[rid]["verdict"] == "overloaded" and events[rid]["status"] == 503 for rid, _ in shed)
    assert all(events[rid]["verdict"] == "allowed" for rid in served)
    [r] = burst(gw.url, [("ovl-after", "allowed")], 1)
    assert check_policy_outcome(r, forwarded_ids(rel_standin)) is None
