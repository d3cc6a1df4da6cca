"""A replica with `--workers 2` (several processes on one host) writes into the fleet's one chain."""

from __future__ import annotations

from packgate.runtime.audit import verify

from tests.e2e.load import burst, check_policy_outcome
from tests.harness import forwarded_ids

from .conftest import start_replica
from .test_replicas import events_by_user


def test_a_replica_with_two_workers_audits_every_request_into_the_shared_chain(fleet) -> None:
    replica = start_replica(fleet.bundles_url, fleet.standin.url, fleet.db, fleet.packs, fleet.work / "workers",
                            "--workers", "2")
    try:
        results = burst(replica.url, [(f"workers-{i}", "allowed") for i in range(60)], concurrency=8)
    finally:
        replica.stop()
    forwarded = forwarded_ids(fleet.standin)
    assert [p for r in results if (p := check_policy_outcome(r, forwarded))] == []
    assert set(events_by_user(fleet.db, "workers", 60).values()) == {1} and len(events_by_user(fleet.db, "workers", 60)) == 60
    assert verify(fleet.db).ok
