"""What a detector reports, and how overlapping reports are settled.

A Finding carries a span and a category, never the matched text, so it can be logged, counted and
sent to OPA without leaking the value it points at.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable

HIPAA = "hipaa-phi-detector"
PII = "pii-detector"


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected identifier: where it is and what it is, not what it says."""

    policy: str
    category: str
    start: int
    end: int
    confidence: float
    detector: str


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Keep a non-overlapping subset, deterministically.

    Higher confidence wins, then the longer span, then the earlier start, then category name, so
    the same input always yields the same output whatever order detectors ran in. The winners then
    take over the characters of the findings they beat, so nothing any detector saw is left out.
    """
    by_start = sorted(findings, key=lambda f: (f.start, f.end, f.category))
    # Settle each cluster of mutually overlapping findings on its own: most findings overlap nothing,
    # and the ranked pass below is quadratic in the worst case (list inserts) on one huge cluster.
    out: list[Finding] = []
    cluster: list[Finding] = []
    reach = -1
    for f in by_start:
        if cluster and f.start >= reach:
            out.extend(cluster if len(cluster) == 1 else _resolve_cluster(cluster))
            cluster = []
        cluster.append(f)
        reach = max(reach, f.end) if len(cluster) > 1 else f.end
    if cluster:
        out.extend(cluster if len(cluster) == 1 else _resolve_cluster(cluster))
    return out


def _resolve_cluster(findings: list[Finding]) -> list[Finding]:
    ranked = sorted(findings, key=lambda f: (-f.confidence, -(f.end - f.start), f.start, f.category))
    kept: list[Finding] = []
    starts: list[int] = []  # kept spans never overlap, so sorting by start also sorts ends
    ends: list[int] = []
    for f in ranked:
        i = bisect.bisect_left(starts, f.end)
        if i > 0 and ends[i - 1] > f.start:
            continue
        starts.insert(i, f.start)
        ends.insert(i, f.end)
        kept.append(f)
    kept.sort(key=lambda f: (f.start, f.end, f.category))
    # What a dropped finding covered beyond the kept ones must not leak: each such gap goes to the
    # kept finding it touches (the union of a cluster is one interval, so every gap touches one).
    lo = min(f.start for f in findings)
    hi = max(f.end for f in findings)
    out: list[Finding] = []
    for i, f in enumerate(kept):
        s = lo if i == 0 else f.start
        e = kept[i + 1].start if i + 1 < len(kept) else hi
        if (s, e) != (f.start, f.end):
            f = Finding(f.policy, f.category, s, e, f.confidence, f.detector)
        out.append(f)
    return out


def count(findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Per (policy, category) counts, sorted: the `findings` field of the OPA input."""
    tally: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f.policy, f.category)
        tally[key] = tally.get(key, 0) + 1
    return [{"policy": p, "category": c, "count": n} for (p, c), n in sorted(tally.items())]
