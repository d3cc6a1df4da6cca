"""`bench.gateway.opa_declog`: its settings are the embedded OPA's flags, changed in one place each."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bench.gateway import opa_declog
from packgate.runtime.opa.server import LOG_FLAGS


def test_without_a_decision_log_the_bench_opas_flags_and_no_config(tmp_path: Path) -> None:
    assert opa_declog.log_args(None, "error", tmp_path / "c.json") == ("--log-level", "error")
    assert not (tmp_path / "c.json").exists()


def test_the_as_deployed_setting_is_the_embedded_opas_flags(tmp_path: Path) -> None:
    mask, level = opa_declog.SETTINGS["console+mask"]
    args = opa_declog.log_args(mask, level, tmp_path / "c.json")
    assert args == ("--config-file", str(tmp_path / "c.json"), *LOG_FLAGS)
    assert json.loads((tmp_path / "c.json").read_text()) == {
        "decision_logs": {"console": True, "mask_decision": "/system/log/mask"}}


def test_the_access_log_setting_differs_only_in_the_access_log_level(tmp_path: Path) -> None:
    mask, level = opa_declog.SETTINGS["console+mask, no access log"]
    lever = opa_declog.log_args(mask, level, tmp_path / "c.json")
    deployed = ("--config-file", str(tmp_path / "c.json"), *LOG_FLAGS)
    assert [(d, x) for d, x in zip(deployed, lever, strict=True) if d != x] == [("error", "debug")]


def test_the_reader_ab_hands_over_one_line_per_read() -> None:
    stream = io.BufferedReader(opa_declog._Writes(b"one\ntwo two\n\nthree"))
    assert [stream.read1(1 << 16) for _ in range(5)] == [b"one\n", b"two two\n", b"\n", b"three", b""]
