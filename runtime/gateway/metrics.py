"""Prometheus metrics for one gateway app (its own registry, so several apps can share a process)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

_FAST = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0)
_SLOW = (0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("packgate_requests", "Chat requests by route, verdict and HTTP status.",
                                ["route", "verdict", "status"], registry=self.registry)
        self.decision = Histogram("packgate_opa_decision_seconds", "OPA decision latency over the gateway's client.",
                                  ["phase"], buckets=_FAST, registry=self.registry)
        self.upstream = Histogram("packgate_upstream_seconds", "Upstream model call latency (whole answer).",
                                  ["target", "outcome"], buckets=_SLOW, registry=self.registry)

        # labels() validates and looks up its child under a lock on every call; the children never
        # change once created, so each label combination is looked up once and kept here.
        self._children: dict[tuple[str, ...], Any] = {}

    def child(self, metric: str, *labels: str) -> Any:
        """The child of `metric` ("requests" | "decision" | "upstream") for these label values."""
        key = (metric, *labels)
        c = self._children.get(key)
        if c is None:
            c = self._children[key] = getattr(self, metric).labels(*labels)
        return c

    def render(self) -> bytes:
        return generate_latest(self.registry)
