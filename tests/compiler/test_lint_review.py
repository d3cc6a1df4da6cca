"""Lint that catches what reviewers miss: typo'd roles and keys (with a suggestion), a public host
claiming local processing, Rego files beside a pack that no bundle includes, and schema and semantic
errors reported in one run."""

from __future__ import annotations

import json

import pytest

from .conftest import SEED, packgate
from .test_lint import SEED_TEXT, lint, line_of, replace

TESTS_SECTION = """
tests:
  - name: a clinician summarises
    input:
      identity: {user_id: c-1, role: clinician}
      headers: {x-user-id: c-1, x-user-role: clinician}
      tools: [summarize]
    expect:
      allow: true
"""

ROLE_TYPOS = [
    # (place, pack text, the typo'd line's needle)
    ("roles", replace("    roles:\n      clinician:", "    roles:\n      clinicain:"), "      clinicain:"),
    ("data_access", replace("    data_access:\n      clinician:", "    data_access:\n      clinicain:"), "      clinicain:"),
    ("allowed_phi_roles", replace("      allowed_phi_roles:\n        - clinician", "      allowed_phi_roles:\n        - clinicain"),
     "- clinicain"),
    ("tests", SEED_TEXT + TESTS_SECTION.replace("{user_id: c-1, role: clinician}", "{user_id: c-1, role: clinicain}"),
     "role: clinicain}"),
]


@pytest.mark.parametrize("place,text,needle", ROLE_TYPOS, ids=[r[0] for r in ROLE_TYPOS])
def test_a_typo_d_role_is_an_error_with_a_suggestion(write_pack, place, text, needle):
    path = write_pack(text)
    code, diags, stderr = lint(path)
    assert code == 1, stderr
    typo = [d for d in diags if "'clinicain'" in d["msg"] and d["sev"] == "error"]
    assert len(typo) == 1, stderr
    assert "did you mean 'clinician'?" in typo[0]["msg"] and place in typo[0]["msg"]
    assert int(typo[0]["line"]) == line_of(text, needle)


def test_roles_used_consistently_are_not_reported(write_pack):
    path = write_pack(SEED_TEXT + TESTS_SECTION)
    code, diags, stderr = lint(path)
    assert code == 2 and not [d for d in diags if "did you mean" in d["msg"]], stderr


def test_a_typo_d_key_names_its_full_path_and_the_key_meant(write_pack):
    text = replace("  audit-logger: {}", "  audit-logger:\n    retention_dys: 30")
    code, diags, stderr = lint(write_pack(text))
    assert code == 1
    [d] = [d for d in diags if "retention_dys" in d["msg"]]
    assert d["msg"] == ("unknown key 'retention_dys' at policy.audit-logger.retention_dys; "
                        "did you mean 'retention_days'?")
    assert int(d["line"]) == line_of(text, "retention_dys")


def test_schema_and_semantic_errors_come_in_one_run(write_pack):
    text = replace("  audit-logger: {}", "  audit-logger:\n    retention_dys: 30").replace(
        "      allowed_phi_roles:\n        - clinician", "      allowed_phi_roles:\n        - clinicain")
    code, diags, stderr = lint(write_pack(text))
    assert code == 1
    assert any("unknown key 'retention_dys'" in d["msg"] for d in diags), stderr  # the schema's
    assert any("did you mean 'clinician'?" in d["msg"] for d in diags), stderr    # lint's


PUBLIC = [
    ("a cloud API host", "https://api.openai.com/v1"),
    ("a regional cloud host", "https://bedrock-runtime.us-east-1.amazonaws.com"),
    ("a public address", "https://8.8.8.8:11434"),
]


@pytest.mark.parametrize("desc,url", PUBLIC, ids=[p[0] for p in PUBLIC])
def test_a_public_host_claiming_local_processing_is_an_error(write_pack, desc, url):
    text = replace("base_url: http://localhost:11434", f"base_url: {url}")
    code, diags, stderr = lint(write_pack(text))
    assert code == 1, stderr
    [d] = [d for d in diags if "is public" in d["msg"]]
    assert d["sev"] == "error" and int(d["line"]) == line_of(text, f"base_url: {url}")
    assert "local_processing_attestation" in d["msg"]


def test_local_names_are_local_and_an_attestation_is_recorded_in_the_manifest(write_pack, tmp_path):
    internal = replace("base_url: http://localhost:11434", "base_url: https://llm.hospital.internal")
    code, diags, stderr = lint(write_pack(internal))
    assert not [d for d in diags if "base_url" in d["msg"] or "hostname" in d["msg"]], stderr
    attested = replace("base_url: http://localhost:11434", "base_url: https://api.openai.com/v1").replace(
        "        local_only_processing: true\n",
        "        local_only_processing: true\n        local_processing_attestation:\n"
        "          by: Dana Ruiz, CISO\n          reason: private endpoint under BAA-2291\n", 1)
    assert "local_processing_attestation" in attested
    path = write_pack(attested)
    code, diags, stderr = lint(path)
    assert not [d for d in diags if "is public" in d["msg"]], stderr
    out = tmp_path / "bundle"
    assert packgate("build", str(path), "-o", str(out)).returncode == 0
    entry = json.loads((out / ".manifest").read_text())["metadata"]["packs"]["behavioral-health-review-route"]
    assert entry["attestations"] == [{"target": "local-mental-health", "host": "api.openai.com",
                                      "by": "Dana Ruiz, CISO", "reason": "private endpoint under BAA-2291"}]
    assert "BAA-2291" not in "".join(p.read_text() for p in out.rglob("*.rego"))  # a record, not policy


def test_a_rego_file_beside_a_pack_that_no_bundle_includes_is_reported(tmp_path):
    folder = tmp_path / "packs"
    folder.mkdir()
    pack = folder / "route.yaml"
    pack.write_text(SEED_TEXT)
    (folder / "route_extra_test.rego").write_text("package packgate.packs.behavioral_health_review_route_test\n")
    by_package = folder / "behavioral_health_review_route_test.rego"
    by_package.write_text("package packgate.packs.behavioral_health_review_route_test\n")
    code, diags, stderr = lint(pack)
    assert code == 2
    [stray] = [d for d in diags if "not included in any bundle" in d["msg"]]
    assert stray["file"] == str(by_package) and stray["sev"] == "warning"
    assert "route*_test.rego" in stray["msg"] and "rename it route_test.rego" in stray["msg"]
    out = tmp_path / "bundle"
    assert packgate("build", str(pack), "-o", str(out)).returncode == 0
    assert [p.name for p in out.rglob("*_test.rego") if p.name.startswith("route")] == ["route_extra_test.rego"]


def test_the_reference_pack_gets_no_new_findings():
    code, diags, _ = lint(SEED)
    assert code == 2 and len(diags) == 1
