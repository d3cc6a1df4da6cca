"""`make bench`'s CPU accounting and the Targets section's ceilings (`bench/gateway/cpu.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from bench.gateway import cpu


def test_ceiling_c32_is_cores_over_opa_cpu_per_request() -> None:
    # issue 18's quick measurement: OPA ~1.2 ms CPU per request (two decisions), floor 7,464 req/s, 2 cores
    c = cpu.ceiling_c32(2, 1.2, 7464.0)
    assert c.rps == pytest.approx(1666.67, abs=0.01)
    assert c.share == pytest.approx(0.2233, abs=1e-4)
    assert (c.cores, c.opa_ms, c.floor_rps) == (2, 1.2, 7464.0)
    assert cpu.ceiling_c32(4, 1.2, 7464.0).rps == pytest.approx(2 * c.rps)


@pytest.mark.parametrize("opa_ms, floor_rps", [(0.0, 7464.0), (-1.0, 7464.0), (1.2, 0.0)])
def test_ceiling_c32_refuses_figures_it_cannot_divide_by(opa_ms: float, floor_rps: float) -> None:
    with pytest.raises(ValueError):
        cpu.ceiling_c32(2, opa_ms, floor_rps)


def test_capacity_spreads_cpu_over_the_cores_but_each_process_over_one() -> None:
    # the floor of issue 18's QUICK run: server 0.107, upstream 0.011, load generator 0.020 ms per request
    assert cpu.capacity(2, {"server": 0.107, "upstream": 0.011, "loadgen": 0.020}) == pytest.approx(1000 / 0.107)
    assert cpu.capacity(2, {"a": 0.1, "b": 0.1, "c": 0.1}) == pytest.approx(2000 / 0.3)
    assert cpu.capacity(4, {"a": 0.1, "b": 0.1, "c": 0.1}) == pytest.approx(10000)
    for bad in ({}, {"a": 0.0}, {"a": 0.1, "b": -0.01}):
        with pytest.raises(ValueError):
            cpu.capacity(2, bad)


def test_floor_c1_adds_the_floor_and_both_decisions() -> None:
    assert cpu.floor_c1(0.30, 0.594, 0.424) == pytest.approx(1.318)


def test_per_request_divides_each_process_delta_by_requests() -> None:
    before = {"server": 10.0, "opa": 5.0, cpu.MACHINE: 100.0}
    after = {"server": 13.0, "opa": 6.2, cpu.MACHINE: 109.0}
    assert cpu.per_request(before, after, 2000) == pytest.approx({"server": 1.5, "opa": 0.6, cpu.MACHINE: 4.5})
    assert cpu.per_request(before, after, 0) == pytest.approx({"server": 3000.0, "opa": 1200.0, cpu.MACHINE: 9000.0})


_BURN = "import time\nt = time.process_time()\nwhile time.process_time() - t < {s}: pass\nimport sys; sys.stdin.read()"


def test_process_cpu_counts_a_live_child_process() -> None:
    """A parent that only waits, with a child burning ~0.4 s of CPU: the parent's tree holds the child's time
    (uvicorn's workers are such children), the parent alone nearly none of it."""
    code = (f"import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', {_BURN.format(s=0.4)!r}], "
            "stdin=subprocess.PIPE)\nsys.stdout.write(str(p.pid) + '\\n'); sys.stdout.flush()\nsys.stdin.read()\n"
            "p.stdin.close(); p.wait()")
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 30
        while cpu.process_cpu(child) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.05)
        tree, alone, own = cpu.process_cpu(parent.pid), cpu._own_cpu(parent.pid), cpu.process_cpu(child)
        assert own >= 0.4
        assert tree >= alone + own - 0.02  # ticks of 10 ms, read at slightly different instants
        assert alone < 0.3
    finally:
        assert parent.stdin is not None
        parent.stdin.close()
        parent.wait(10)


def test_snapshot_names_every_process_and_the_machine() -> None:
    snap = cpu.snapshot({"me": os.getpid()})
    assert set(snap) == {"me", cpu.MACHINE}
    assert 0 < snap["me"] <= snap[cpu.MACHINE]
    assert cpu.cores() == len(os.sched_getaffinity(0))


def test_apart_takes_a_child_out_of_its_parents_tree() -> None:
    # the as-deployed gateway: its tree (gateway + embedded OPA) 2.1 ms, the OPA alone 0.8 ms
    ms = {"server": 2.1, "opa": 0.8, "upstream": 0.05, cpu.MACHINE: 3.2}
    assert cpu.apart(ms, "server", "opa") == pytest.approx({"server": 1.3, "opa": 0.8, "upstream": 0.05,
                                                            cpu.MACHINE: 3.2})
    assert ms["server"] == 2.1  # the caller's figures are left as they were
    with pytest.raises(KeyError):
        cpu.apart({"server": 2.1}, "server", "opa")
