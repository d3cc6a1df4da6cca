"""The facts of one request as it proceeds, and the one audit event and metrics they become."""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from packgate.runtime.audit import new_event_id
from packgate.runtime.opa.client import OpaClient
from packgate.runtime.upstream.client import Upstreams
from packgate.runtime.wire.errors import GatewayError

from . import recorded
from .admission import Admission
from .config import GatewayConfig, Route
from .metrics import Metrics
from .scanning import Scanner

log = logging.getLogger("packgate.gateway")

MAX_AUDIT_STR = 256


@dataclass
class Gateway:
    """What every request shares: the config, the OPA and upstream clients, metrics."""

    config: GatewayConfig
    opa: OpaClient
    upstreams: Upstreams
    metrics: Metrics = field(default_factory=Metrics)
    scanner: Scanner = field(default_factory=Scanner)
    admission: Admission = field(default_factory=Admission)
    desk: Any = None  # reviewing.Desk when packs hold answers for review (sealed drafts, the webhook)


def short(value: Any) -> Any:
    return value[:MAX_AUDIT_STR] if isinstance(value, str) else value


@dataclass
class Outcome:
    """The facts of one request as it proceeds; becomes its audit event and its metrics."""

    endpoint: str
    id: str = field(default_factory=new_event_id)
    started: float = field(default_factory=time.perf_counter)
    route: Route | None = None
    revision: str | None = None
    verdict: str = "internal_error"
    status: int = 500
    error_code: str | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    decision_ids: dict[str, str] = field(default_factory=dict)
    latency: dict[str, float] = field(default_factory=dict)
    user_id: str | None = None
    role: str | None = None
    target: str | None = None
    excluded: list[dict[str, Any]] | None = None
    failed: list[dict[str, Any]] = field(default_factory=list)  # failover attempts that failed: {id, reason}
    redactions: Counter[str] = field(default_factory=Counter)
    prompt_hmac: str | None = None
    output_hmac: str | None = None
    escalation_id: str | None = None
    stream: bool | None = None
    model: str | None = None
    tools: list[str] | None = None
    sensitivity: str | None = None

    def fail(self, err: GatewayError) -> None:
        self.status, self.error_code = err.status, err.code
        self.verdict = err.verdict
        if err.policy and not self.reasons:
            self.reasons = [{"policy": err.policy, "code": err.code, "status": err.status, "param": err.param}]

    def event(self) -> dict[str, Any]:
        """The audit event: client-supplied strings only as names the pack defines or keyed hashes."""
        self.latency["total"] = (time.perf_counter() - self.started) * 1000
        names = recorded.vocabulary(self.route)
        ev: dict[str, Any] = {
            "id": self.id, "verdict": self.verdict, "status": self.status, "endpoint": self.endpoint,
            "bundle_revision": self.revision, "decision_ids": self.decision_ids,
            "reasons": names.reasons(self.reasons),
            "user_id": short(self.user_id), "role": short(names.known(self.role, names.roles)),
            "target": self.target, "redactions": dict(self.redactions), "prompt_hmac": self.prompt_hmac,
            "latency_ms": {k: round(v, 3) for k, v in self.latency.items()},
            "escalation_id": self.escalation_id, "error_code": self.error_code, "stream": self.stream,
            "model": short(names.known(self.model, names.models)),
            "tools": [short(names.known(t, names.tools)) for t in self.tools or []][:32],
            "sensitivity": short(names.known(self.sensitivity, recorded.TIERS)), "output_hmac": self.output_hmac,
        }
        if self.route is not None:
            ev.update(pack=self.route.name, pack_version=self.route.version, route=self.route.name)
        if self.excluded is not None:
            ev["excluded_targets"] = self.excluded
        if self.failed:
            ev["failed_targets"] = [{"id": short(f["id"]), "reason": short(f["reason"])} for f in self.failed][:16]
        return ev


def finish(gw: Gateway, out: Outcome) -> None:
    """Exactly one audit event per request; then metrics."""
    route_name = out.route.name if out.route else "-"
    gw.metrics.child("requests", route_name, out.verdict, str(out.status)).inc()
    audit = gw.config.audit
    if audit is None:
        return
    try:
        audit.record(out.event())
    except ValueError:  # an event outside the schema: record the minimum rather than nothing
        log.exception("audit event rejected; recording a reduced event")
        with contextlib.suppress(Exception):
            audit.record({"id": out.id, "verdict": out.verdict, "status": out.status, "error_code": out.error_code})
    except Exception as exc:  # AuditUnavailable: healthy is already False; the next request gets 503
        log.error("audit event %s not recorded: %s", out.id, type(exc).__name__)
