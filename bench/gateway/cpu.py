"""CPU per request, per process, over a load generator's measured window; and the ceilings it implies.

Throughput at c=32 says which target is faster; it does not say who spent the machine's two cores.
`snapshot` reads utime+stime of each named process (and its live descendants: the gateway's worker
processes) from /proc, plus the machine's busy time from /proc/stat; `per_request` turns two snapshots
and the window's completed requests into ms of CPU per request. `ceiling_c32` and `floor_c1` are the
Targets section's arithmetic: what the real OPA server alone allows, from this run's own figures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MACHINE", "Ceiling", "apart", "capacity", "ceiling_c32", "cores", "descendants", "floor_c1", "per_request",
           "process_cpu", "snapshot"]

MACHINE = "machine"  # the key of the whole machine's busy CPU in a snapshot
_TICK = os.sysconf("SC_CLK_TCK")


def cores() -> int:
    """The CPUs this run may use (its affinity mask: what `nproc` prints)."""
    return len(os.sched_getaffinity(0))


def descendants(pid: int) -> list[int]:
    """The live processes below `pid` (children of any of its threads, and theirs)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = [int(c) for c in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def _own_cpu(pid: int) -> float:
    """utime+stime+cutime+cstime of one process (all its threads; children it has reaped), seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # gone: its time moved to its parent's cutime when reaped
    return sum(int(f) for f in fields[11:15]) / _TICK


def process_cpu(pid: int) -> float:
    """CPU seconds of `pid` and its live descendants (uvicorn's worker processes), since they started."""
    return sum(_own_cpu(p) for p in [pid, *descendants(pid)])


def _machine_busy() -> float:
    """Busy CPU seconds of the whole machine (every CPU, all processes: /proc/stat minus idle and iowait)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already counted in user)
    return (sum(f[:8]) - f[3] - f[4]) / _TICK


def snapshot(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process tree, and the machine's busy seconds under `MACHINE`."""
    snap = {name: process_cpu(pid) for name, pid in pids.items()}
    snap[MACHINE] = _machine_busy()
    return snap


def per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    """ms of CPU per completed request, per key of the snapshots (a process's own CPU, or the machine's)."""
    n = max(requests, 1)
    return {k: (after[k] - before[k]) * 1000 / n for k in before}


def apart(ms: dict[str, float], whole: str, part: str) -> dict[str, float]:
    """`ms` with `part` taken out of `whole`: a process tree's figure without one child that has its own key
    (the as-deployed gateway's embedded OPA, counted in both its tree and its own column)."""
    if whole not in ms or part not in ms:
        raise KeyError(f"needs both {whole!r} and {part!r}")
    return {**ms, whole: ms[whole] - ms[part]}


@dataclass(frozen=True)
class Ceiling:
    """The most a target can serve if only OPA spent CPU: `cores` / OPA's CPU per request."""

    cores: int
    opa_ms: float  # OPA's CPU per request (both decisions), ms
    rps: float  # = cores * 1000 / opa_ms
    floor_rps: float
    share: float  # rps / floor_rps


def ceiling_c32(n_cores: int, opa_ms_per_request: float, floor_rps: float) -> Ceiling:
    """c=32's ceiling: OPA alone on every core, the gateway, upstream and load generator costing nothing."""
    if opa_ms_per_request <= 0 or floor_rps <= 0:
        raise ValueError("needs a positive OPA CPU per request and floor throughput")
    rps = n_cores * 1000 / opa_ms_per_request
    return Ceiling(cores=n_cores, opa_ms=opa_ms_per_request, rps=rps, floor_rps=floor_rps, share=rps / floor_rps)


def capacity(n_cores: int, ms: dict[str, float]) -> float:
    """req/s that processes costing `ms` CPU per request each could serve with the machine to themselves: their
    sum spread over the cores, but each at most one core (one event loop each: the floor, the upstream and the
    load generator). Unlike a measured req/s, it does not drop when other work shares the machine."""
    if not ms or min(ms.values()) < 0 or max(ms.values()) <= 0:
        raise ValueError("needs CPU per request of at least one process")
    return min(n_cores * 1000 / sum(ms.values()), 1000 / max(ms.values()))


def floor_c1(floor_added_p50: float, request_p50: float, response_p50: float) -> float:
    """c=1's lower bound for added p50: what the raw-ASGI floor adds over direct, plus the two OPA decisions
    one after the other as the gateway's client sees them (neither can overlap the other or the upstream call)."""
    return floor_added_p50 + request_p50 + response_p50
