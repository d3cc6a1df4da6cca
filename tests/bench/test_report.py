"""`make bench`'s report rows for issue 18's ceilings and the Go GC lever (`bench/gateway/__main__.py`)."""

from __future__ import annotations

import pytest

from bench.gateway.__main__ import ceiling_note, ceiling_rows, cpu_rows, declog_rows, gc_row
from bench.gateway.opa_gc import DEFAULT_VARIANTS, parse_variant
from packgate.runtime.opa.server import EMBEDDED_GO_GC


def _res(opa_ms: float, request_p50: float, response_p50: float) -> dict:
    run = {"count": 2000, "seconds": 5.0, "cpu_ms": {"server": 1.5, "opa": opa_ms, "upstream": 0.05,
                                                      "loadgen": 0.2, "machine": 3.5}}
    # the floor: 0.1 + 0.015 + 0.02 = 0.135 ms on 2 cores (14815 req/s), its server 1 core / 0.1 ms: 10000 req/s
    floor = {"count": 35000, "seconds": 5.0, "cpu_ms": {"server": 0.1, "opa": 0.0, "upstream": 0.015, "loadgen": 0.02,
                                                         "machine": 0.28}}
    return {"machine": {"cores": 2},
            "c32": {"packgate": run, "direct": {"count": 40000, "seconds": 5.0}, "floor": floor},
            "opa": {"samples": {"request": [request_p50] * 3, "response": [response_p50] * 3}}}


def _added(floor: float, packgate: float) -> dict:
    return {("floor", "direct"): {"p50": floor}, ("packgate", "direct"): {"p50": packgate}}


def test_ceiling_rows_write_out_the_arithmetic_and_compare_with_the_targets() -> None:
    c32, c1 = ceiling_rows(_res(1.2, 0.594, 0.424), _added(0.30, 2.91), {"floor": 7464.0, "packgate": 400.0})
    assert "2 cores / 1.200 ms OPA CPU per request of (3a) at c=32 (both decisions, at the 400 req/s" in c32
    assert "= 1667 req/s = **22%** of the floor's measured 7464 req/s" in c32
    assert ("**17%** of the floor's capacity with the machine to itself, 10000 req/s (min(2 cores / 0.135 ms, "
            "1 core / 0.100 ms)") in c32
    assert c32.endswith("| the 60% target is above this ceiling |")
    assert "0.30 + 0.594 + 0.424 = **1.32 ms** (measured: 2.91 ms)" in c1
    assert c1.endswith("| the 1.5 ms target is above this bound |")


def test_ceiling_rows_add_the_decisions_alone_with_the_embedded_gc_setting() -> None:
    res = _res(1.2, 0.594, 0.424)
    res["opa_gc"] = {"variants": {
        "GOGC=100": {"env": {"GOGC": "100"}, "c32_opa_cpu_ms": 0.5, "c32_decisions_s": 1700.0},
        "after": {"env": EMBEDDED_GO_GC, "c32_opa_cpu_ms": 0.375, "c32_decisions_s": 2200.0}}}
    _, alone, _ = ceiling_rows(res, _added(0.30, 2.91), {"floor": 7464.0, "packgate": 400.0})
    # 2 cores / (2 x 0.375 ms) = 2667 req/s = 36% of 7464
    assert "from the decisions alone" in alone
    assert "2 cores / 2 × 0.375 ms OPA CPU per decision at 2200 decisions/s" in alone
    assert "= 2667 req/s = **36%** of the floor's measured 7464 req/s; **27%** of the floor's capacity" in alone


def test_ceiling_rows_say_when_a_target_is_within_reach() -> None:
    c32, c1 = ceiling_rows(_res(0.2, 0.6, 0.5), _added(0.5, 2.0), {"floor": 10000.0, "packgate": 3000.0})
    assert "= 10000 req/s = **100%**" in c32 and c32.endswith("| the 60% target is within it |")
    # below 60% of the measured floor but not of its capacity: the target is not ruled out
    res = _res(0.5, 0.6, 0.5)
    res["c32"]["floor"]["cpu_ms"]["server"] = 0.5  # capacity 1 core / 0.5 ms = 2000 req/s
    (c32, _) = ceiling_rows(res, _added(0.5, 2.0), {"floor": 10000.0, "packgate": 3000.0})
    assert "= 4000 req/s = **40%** of the floor's measured" in c32 and "**200%** of the floor's capacity" in c32
    assert c32.endswith("| the 60% target is within it |")
    assert "= **1.60 ms**" in c1 and c1.endswith("| the 1.5 ms target is below this bound |")


def test_cpu_rows_sum_the_processes_and_leave_the_rest_to_the_machine() -> None:
    (row,) = cpu_rows({"packgate": _res(1.2, 0, 0)["c32"]["packgate"]}, 2)
    # 400 req/s; these four 1.5 + 1.2 + 0.05 + 0.2 = 2.95 ms; machine 3.5 ms -> rest 0.55; busy 3.5 * 400 / 1000
    assert row.endswith("| 400 | 1.500 | 1.200 | 0.050 | 0.200 | 2.950 | 0.550 | 1.40 of 2 |")


def test_parse_variant_takes_only_go_gc_settings() -> None:
    assert parse_variant("") == {}
    assert parse_variant("GOGC=400,GOMEMLIMIT=256MiB") == {"GOGC": "400", "GOMEMLIMIT": "256MiB"}
    with pytest.raises(ValueError):
        parse_variant("LD_PRELOAD=/tmp/x.so")
    assert [parse_variant(v) for v in DEFAULT_VARIANTS] == [{"GOGC": "100"}, EMBEDDED_GO_GC]


def test_gc_row_reports_both_sides_and_whether_the_after_is_what_runs() -> None:
    side = {"c1_p50": 1.1, "c1_p99": 5.0, "c1_n": 500, "c32_decisions_s": 1750.0, "c32_opa_cpu_ms": 0.54,
            "VmRSS": 80 * 1024, "VmHWM": 81 * 1024, "env": {"GOGC": "100"}}
    after = {**side, "c32_decisions_s": 2450.0, "c32_opa_cpu_ms": 0.405, "env": EMBEDDED_GO_GC}
    (row,) = gc_row({"variants": {"GOGC=100": side, "GOGC=400": after}, "rounds": 4, "seconds": 2.0})
    assert "GOGC=100: c=1 pair p50 1.100 / p99 5.000 ms; c=32 1750 decisions/s, OPA CPU 0.540 ms" in row
    assert "(OPA CPU per decision -25%) | yes" in row
    (row,) = gc_row({"variants": {"GOGC=100": side, "GOGC=200": {**after, "env": {"GOGC": "200"}}},
                     "rounds": 4, "seconds": 2.0})
    assert "| no (" in row
    assert gc_row({"error": "boom"}) == ["| Go's GC for the embedded OPA | not measured: boom | – | – |"]


def test_ceiling_note_splits_opa_cpu_into_evaluation_and_the_rest() -> None:
    res = _res(1.2, 0.594, 0.424)
    res["opa_bench"] = {"request": {"ns/op": 256_000}, "response": {"ns/op": 152_000}}
    note = ceiling_note(res, {"floor": 7464.0})
    # 2 cores / 0.408 ms = 4902 req/s = 66% of 7464
    assert "OPA spent 1.200 ms of CPU per request of (3a)" in note
    assert "0.256 + 0.152 ms) is 0.408 ms of it" in note
    assert "2 / 0.408 ms = 4902 req/s = 66% of the floor's measured req/s, 49% of its capacity" in note
    assert ceiling_note({**res, "opa_bench": {"request": {"error": "x"}}}, {"floor": 7464.0}) == ""


def test_declog_rows_compare_each_setting_with_the_one_before() -> None:
    def side(opa_ms: float, reader: float | None = None) -> dict:
        return {"c1_p50": 1.4, "c1_p99": 6.0, "c1_n": 800, "c32_decisions_s": 1500.0, "c32_opa_cpu_ms": opa_ms,
                **({"reader_cpu_ms": reader} if reader is not None else {})}
    d = {"variants": {"off": side(0.4), "console": side(0.6, 0.1), "console+mask": side(0.64, 0.104),
                      "console+mask, no access log": side(0.56, 0.069)}, "rounds": 6, "seconds": 2.0}
    logged, masked, access = declog_rows(d)
    assert "800 rotating pairs at c=1, 6 rotating rounds of 2 s" in logged
    assert "off: c=1 pair p50 1.400 / p99 6.000 ms; OPA CPU 0.400 ms per decision at c=32 |" in logged
    assert "(OPA CPU per decision +50%) | as deployed" in logged
    assert "(OPA CPU per decision +7%) | as deployed (governance)" in masked
    assert "reader 0.069 ms CPU per decision (OPA CPU per decision -12%) | no: OPA then drops" in access
    assert declog_rows({"error": "boom"}) == ["| the embedded OPA's decision log | not measured: boom | – | – |"]


def test_a_lever_phase_gives_its_json_or_the_error_tail(tmp_path) -> None:
    from bench.gateway.__main__ import json_phase

    (tmp_path / "row.json").write_text('{"before": 1.5, "after": 1.2}')
    assert json_phase("json.tool", str(tmp_path / "row.json")) == {"before": 1.5, "after": 1.2}
    failed = json_phase("bench.gateway.no_such_phase")
    assert set(failed) == {"error"} and "no_such_phase" in failed["error"]
