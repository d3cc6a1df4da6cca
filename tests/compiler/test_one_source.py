"""Each decision and each table lives once: the audit settings are a Rego rule OPA evaluates, and the
routing requirements table is one data file that both the library and the generated-test oracle read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packgate.compiler import testgen
from packgate.compiler.build import build_bundle
from packgate.compiler.loader import load_pack
from packgate.compiler.schema import Target

from .conftest import ROOT, SEED, opa_eval

SEED_AUDIT_QUERY = "data.packgate.packs.behavioral_health_review_route.info.audit"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "route.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,expected", [
    ("", "", {"enabled": True, "log_provider_selection": True, "retention_days": 2190}),
    ("  audit-logger: {}", "  audit-logger: {retention_days: 30}",
     {"enabled": True, "log_provider_selection": True, "retention_days": 30}),
    ("    log_provider_selection: true", "    log_provider_selection: false",
     {"enabled": True, "log_provider_selection": False, "retention_days": 2190}),
])
def test_audit_settings_are_a_rego_decision(tmp_path, old, new, expected):
    pack = _variant(tmp_path, old, new) if old else SEED
    built = build_bundle([pack], tmp_path / "bundle")
    main = next(built.bundle_dir.rglob("main.rego")).read_text()
    assert "audit := auditing.settings(" in main  # a library rule, not a literal computed by the compiler
    assert opa_eval(built.bundle_dir, SEED_AUDIT_QUERY, {}) == expected
    request = opa_eval(built.bundle_dir, "data.packgate.packs.behavioral_health_review_route.request", {})
    assert request["audit"] == expected


def test_routing_requirement_codes_live_only_in_the_table():
    rows = testgen.routing_requirements()
    table = json.loads((ROOT / "rego/packgate/lib/routing/data.json").read_text())["requirements"]
    assert list(rows) == table and len(rows) == 8
    sources = [*(ROOT / "compiler").rglob("*.py"), *(ROOT / "compiler" / "templates").glob("*.j2"),
               *(p for p in (ROOT / "rego").rglob("*.rego") if not p.name.endswith("_test.rego"))]
    for row in rows:
        holders = [p.relative_to(ROOT).as_posix() for p in sources if row["code"] in p.read_text(encoding="utf-8")]
        assert holders == [], f"{row['code']} is copied into {holders}"


def test_the_generated_test_oracle_follows_the_table(tmp_path, monkeypatch):
    """Change a row of the table: the oracle's expected reasons change with it (it holds no copy)."""
    loaded = load_pack(SEED)  # requires zero data retention
    cloud = Target.model_validate({"id": "cloud", "provider": "openai", "model": "m", "base_url": "http://127.0.0.1:9",
                                   "data_policy": {"zero_data_retention": False}})
    assert "zero_data_retention_required" in testgen.expected_reasons(loaded.pack, cloud)
    table = json.loads((ROOT / "rego/packgate/lib/routing/data.json").read_text())
    for row in table["requirements"]:
        if row["code"] == "zero_data_retention_required":
            row["code"] = "renamed_in_the_table"
    moved = tmp_path / "data.json"
    moved.write_text(json.dumps(table), encoding="utf-8")
    monkeypatch.setattr(testgen, "ROUTING_TABLE", moved)
    testgen.routing_requirements.cache_clear()
    try:
        reasons = testgen.expected_reasons(loaded.pack, cloud)
    finally:
        testgen.routing_requirements.cache_clear()
    assert "renamed_in_the_table" in reasons and "zero_data_retention_required" not in reasons
