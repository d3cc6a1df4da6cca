"""Helpers: a populated audit db; the CLI (`run_cli`, in-process) comes from the shared harness."""

from __future__ import annotations

from pathlib import Path

from packgate.runtime import audit

from tests.harness import run_cli

__all__ = ["make_db", "run_cli", "sample_event"]


def sample_event(i: int, **extra) -> dict:
    policy = ("rbac", "hipaa-phi-detector", "human-oversight")[i % 3]
    verdict = ("allowed", "denied", "escalated")[i % 3]
    return {"pack": "behavioral-health-review-route", "pack_version": "1.0.0", "verdict": verdict,
            "status": (200, 403, 200)[i % 3], "reasons": [{"policy": policy, "code": f"code_{i}"}],
            "user_id": f"u-{i}", "role": "clinician", "target": "local-mental-health",
            "redactions": {"NAME": i}, "prompt_hmac": audit.prompt_hmac(f"prompt {i}"),
            "latency_ms": {"total": 1.5, "opa_request": 0.4}, **extra}


def make_db(path: Path, n: int = 10) -> list[str]:
    """A clean chain of `n` events; returns their ids in order."""
    log = audit.AuditLog.open(path)
    ids = [log.record(sample_event(i)) for i in range(n)]
    assert log.close() == 0
    return ids
