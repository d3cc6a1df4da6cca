"""Schema and lint for the safeguard policies and encryption in transit: each problem at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from packgate.compiler.diagnostics import PackError
from packgate.compiler.lint import lint
from packgate.compiler.loader import load_pack

from .conftest import crisis_policy, guard_policy, pack_yaml


def diags(tmp_path: Path, text: str) -> list[tuple[str, int, str]]:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return [(d.severity, d.line, d.message) for d in lint(load_pack(path))]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_plain_http_to_a_remote_target_is_an_error(tmp_path: Path) -> None:
    text = pack_yaml("p", [], "").replace("http://127.0.0.1:9/v1", "http://10.1.2.3:8000/v1")
    [(sev, line, msg)] = [d for d in diags(tmp_path, text) if "http://" in d[2]]
    assert sev == "error" and line == line_of(text, "base_url") and "https://" in msg


def test_plain_http_on_loopback_is_fine_only_for_a_local_only_target(tmp_path: Path) -> None:
    text = pack_yaml("p", [], "")
    assert [d[0] for d in diags(tmp_path, text) if "loopback" in d[2]] == ["warning"]
    local = text.replace("      timeout_s: 5\n", "      timeout_s: 5\n      data_policy: {local_only_processing: true}\n")
    assert [d for d in diags(tmp_path, local) if "http://" in d[2]] == []
    assert [d for d in diags(tmp_path, text.replace("http://127.0.0.1:9/v1", "https://models.example/v1"))
            if "http" in d[2]] == []


def test_notify_url_must_be_https_off_loopback(tmp_path: Path) -> None:
    text = pack_yaml("p", ["crisis-detection"], crisis_policy("respond", "patient", "http://pager.example/hook"))
    [(sev, line, _)] = [d for d in diags(tmp_path, text) if "pager.example" in d[2]]
    assert sev == "error" and line == line_of(text, "notify_url")


def test_replace_without_a_system_prompt_is_an_error(tmp_path: Path) -> None:
    text = pack_yaml("p", ["prompt-guard"], guard_policy("replace", "block")).replace(
        "    system_prompt:", "    # system_prompt:")
    [(sev, line, msg)] = [d for d in diags(tmp_path, text) if "system_prompt" in d[2]]
    assert sev == "error" and line == line_of(text, "client_system_messages")


def test_relative_ca_bundle_is_an_error(tmp_path: Path) -> None:
    text = pack_yaml("p", [], "").replace("  targets:\n", "  ca_bundle: certs/ca.pem\n  targets:\n", 1)
    assert ("error", line_of(text, "ca_bundle"), "ca_bundle must be an absolute path") in diags(tmp_path, text)


@pytest.mark.parametrize("policy,bad", [
    (crisis_policy("respond", "patient", "https://x.example/h"), ("action: respond", "action: page")),
    (crisis_policy("respond", "patient", "https://x.example/h"), ("audience: patient", "audience: everyone")),
    (guard_policy("refuse", "block"), ("injection: block", "injection: ignore")),
])
def test_unknown_values_are_schema_errors_with_a_position(tmp_path: Path, policy: str, bad: tuple[str, str]) -> None:
    name = "crisis-detection" if "crisis" in policy else "prompt-guard"
    text = pack_yaml("p", [name], policy.replace(*bad))
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(PackError) as info:
        load_pack(path)
    [d] = info.value.diagnostics
    assert d.line == line_of(text, bad[1])
