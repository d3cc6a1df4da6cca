"""Three replicas, one PostgreSQL, one bundle service: what a hospital running a fleet relies on.

- 64 clients across all replicas: each request has exactly one event, and the merged trail verifies;
- a replica stopped mid-load (a rolling restart): its requests completed with their events or failed
  unforwarded; it comes back on the same database and chain;
- PostgreSQL stopped under load: 503 `audit_unavailable`, nothing forwarded unaudited, recovery
  without restarting the gateways, the events queued during the outage written;
- a pack edit reaches every replica (each switches when its OPA runs the new revision), no request
  dropped, and the events name the revision each request was decided under.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx

from packgate.runtime.audit import last_seq, query_events, verify

from tests.e2e.load import SteadyLoad, check_policy_outcome, client, run_batch
from tests.gateway.test_policies import SSN
from tests.harness import forwarded_ids

KINDS = ("allowed", "denied", "redacted", "escalated", "streamed")


def spread(urls: list[str], prefix: str, n: int, concurrency: int = 64):
    """`n` requests from `concurrency` clients, round-robin over the replicas."""
    async def go():
        per = concurrency // len(urls)
        clients = [client(u, per) for u in urls]
        try:
            jobs = [[(f"{prefix}-{i}", KINDS[i % len(KINDS)]) for i in range(n) if i % len(urls) == k]
                    for k in range(len(urls))]
            done = await asyncio.gather(*(run_batch(c, j, per) for c, j in zip(clients, jobs)))
            return [r for batch in done for r in batch]
        finally:
            for c in clients:
                await c.aclose()
    return asyncio.run(go())


def events_by_user(db: str, prefix: str, want: int, timeout: float = 60) -> Counter[str]:
    """Event counts per request id (`user_id`), once `want` of them are written (replicas write in batches)."""
    deadline = time.monotonic() + timeout
    while True:
        got = Counter(e.get("user_id") for e in query_events(db) if str(e.get("user_id", "")).startswith(prefix + "-"))
        time.sleep(0.2)
        if sum(got.values()) >= want or time.monotonic() > deadline:
            return got


def test_load_across_three_replicas_one_event_each_and_one_chain(fleet, pg_server) -> None:
    results = spread(fleet.urls(), "spread", 900)
    forwarded = forwarded_ids(fleet.standin)
    assert [p for r in results if (p := check_policy_outcome(r, forwarded))] == []
    events = events_by_user(fleet.db, "spread", 900)
    assert len(events) == 900 and set(events.values()) == {1}
    res = verify(fleet.db)
    assert res.ok, res
    server_log = pg_server.server_log()  # every statement and its parameters (log_statement=all)
    assert "spread-0" in server_log  # the positive control: the scan sees what the replicas sent
    assert SSN not in server_log  # the redacted requests' SSN never reached PostgreSQL


def test_a_replica_restarted_mid_load_loses_nothing(fleet) -> None:
    victim = fleet.replicas[2]
    with SteadyLoad(victim.url, "restart", concurrency=16, kinds=("allowed",)) as load:
        load.wait_for(lambda r: r.status == 200, timeout=60)
        victim.stop()  # SIGTERM: drain in-flight requests, flush the audit queue (as a rolling restart does)
        results = load.stop()
    forwarded = forwarded_ids(fleet.standin)
    completed = [r for r in results if r.status == 200]
    failed = [r for r in results if r.status != 200]
    assert completed
    assert all(forwarded[r.id] == 0 for r in failed if r.error)  # refused at the socket: never forwarded
    events = events_by_user(fleet.db, "restart", len(completed))
    assert all(events[r.id] == 1 for r in completed)  # every answered request has its event
    assert all(events[r.id] == 1 for r in results if forwarded[r.id])  # nothing forwarded unaudited
    fleet.replicas[2] = fleet.start_replica("replica-2b")
    assert verify(fleet.db).ok


def test_postgres_outage_answers_503_and_recovers_without_restarts(fleet, pg_server) -> None:
    mark = last_seq(fleet.db)
    with SteadyLoad(fleet.replicas[0].url, "outage", concurrency=8, kinds=("allowed",)) as load:
        load.wait_for(lambda r: r.status == 200, timeout=60)
        pg_server.stop()
        stopped_at = time.monotonic()
        try:
            refused = load.wait_for(lambda r: r.status == 503, timeout=60)
            assert refused.code == "audit_unavailable"
        finally:
            pg_server.start()
        load.wait_for(lambda r: r.status == 200, after=time.monotonic(), timeout=90)
        results = load.stop()
    forwarded = forwarded_ids(fleet.standin)
    unavailable = [r for r in results if r.status == 503]
    assert unavailable and all(r.code == "audit_unavailable" for r in unavailable)
    assert all(forwarded[r.id] == 0 for r in unavailable)  # nothing forwarded unaudited
    assert {r.status for r in results} <= {200, 503}, Counter(r.status for r in results)
    served = [r for r in results if r.status == 200]
    events = events_by_user(fleet.db, "outage", len(served), timeout=90)
    assert all(events[r.id] == 1 for r in served)  # written, those queued during the outage included
    # a refusal is audited before identity is read (no user id): count them
    refusals = [e for e in query_events(fleet.db, after_seq=mark, verdict="audit_unavailable")]
    assert len(refusals) == len(unavailable)
    assert all(forwarded[r.id] == 1 for r in served)
    for r in fleet.replicas:  # the same processes, healthy again
        assert r.proc.poll() is None and httpx.get(f"{r.url}/health", timeout=10).status_code == 200
    assert stopped_at and verify(fleet.db).ok


def _revisions(urls: list[str]) -> set[str]:
    return {httpx.get(f"{u}/health", timeout=10).json()["bundle_revision"] for u in urls}


def test_a_pack_edit_rolls_out_to_every_replica_without_dropping_a_request(fleet) -> None:
    (old,) = _revisions(fleet.urls())
    loads = [SteadyLoad(u, f"roll-{i}", concurrency=4, kinds=("allowed",)) for i, u in enumerate(fleet.urls())]
    for load in loads:
        load.__enter__()
    try:
        for load in loads:
            load.wait_for(lambda r: r.status == 200, timeout=60)
        pack = fleet.packs[0]
        pack.write_text(pack.read_text().replace("version: ", "version: 9", 1))
        deadline = time.monotonic() + 90
        while (revs := _revisions(fleet.urls())) != {new := next(iter(revs))} or new == old:
            assert time.monotonic() < deadline, revs
            time.sleep(0.2)
        switched = time.monotonic()
        for load in loads:
            load.wait_for(lambda r: r.status == 200, after=switched + 1, timeout=60)
    finally:
        results = [r for load in loads for r in load.stop()]
    assert [r for r in results if r.status != 200 or r.error] == []  # no dropped request
    assert set(events_by_user(fleet.db, "roll", len(results)).values()) == {1}  # each written once
    events = {e["user_id"]: e for e in query_events(fleet.db) if str(e.get("user_id", "")).startswith("roll")}
    assert len(events) == len(results)
    assert {e["bundle_revision"] for e in events.values()} == {old, new}
    late = [events[r.id]["bundle_revision"] for r in results if r.t0 > switched + 1]
    assert late and set(late) == {new}
    assert verify(fleet.db).ok
