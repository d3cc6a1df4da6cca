"""Pack tests written as real prompts: headers and a chat request, run through the gateway's own
detectors at build time, decided by the real OPA in `opa test`; a failure names its line in the pack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from packgate.runtime.gateway.whatif import build
from tests.harness import SEED_PACK, run_cli

PROMPT_TESTS = """
tests:
  - name: a nurse sending an MRN is refused
    headers: {X-User-ID: n-4, X-User-Role: nurse}
    request:
      messages:
        - {role: user, content: "Summarise: MRN 448812, low mood since March."}
    expect: {status: 403, code: unknown_role}
  - name: a clinician's note is redacted before the model
    headers: {X-User-ID: dr-okafor, X-User-Role: clinician, X-Tool: summarize}
    request:
      model: llama3.1:70b
      messages:
        - {role: user, content: "Jane Doe, MRN 448812, reports low mood."}
    expect: {allow: true, target: local-mental-health, transforms: [hipaa-phi-detector, pii-detector]}
  - name: a clinician without PHI is routed and nothing is redacted
    headers: {X-User-ID: dr-okafor, X-User-Role: clinician}
    request:
      messages:
        - {role: user, content: "List common side effects of sertraline."}
    expect: {allow: true, transforms: []}
  - name: prescribing language in the answer is blocked
    headers: {X-User-ID: dr-okafor, X-User-Role: clinician}
    request:
      messages:
        - {role: user, content: "Draft a plan."}
    response: "Increase the dose to 100 mg."
    expect: {action: block, code: output_blocked}
"""


@pytest.fixture
def prompt_pack(tmp_path: Path) -> Path:
    path = tmp_path / "route.yaml"
    path.write_text(SEED_PACK.read_text() + PROMPT_TESTS)
    return path


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_prompt_level_tests_run_in_opa_test(prompt_pack: Path) -> None:
    result = run_cli("test", "-v", str(prompt_pack))
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("a_nurse_sending_an_mrn_is_refused", "a_clinician_s_note_is_redacted_before_the_model",
                 "prescribing_language_in_the_answer_is_blocked"):
        assert f"behavioral_health_review_route_test.test_{name}: PASS" in result.stdout


def test_the_built_input_holds_the_detectors_counts_never_the_text(prompt_pack: Path, tmp_path: Path) -> None:
    built = build([prompt_pack], tmp_path / "bundle")
    text = next(built.bundle_dir.rglob("pack_test.rego")).read_text()
    assert '"category": "MRN"' in text and "448812" not in text and "Jane" not in text
    assert f'source: "route.yaml:{_line_of(prompt_pack, "a nurse sending an MRN")}"' in text


def test_a_failing_prompt_test_shows_its_line_expected_and_actual(prompt_pack: Path) -> None:
    text = prompt_pack.read_text().replace("expect: {status: 403, code: unknown_role}",
                                           "expect: {status: 200, code: unknown_role}")
    prompt_pack.write_text(text)
    result = run_cli("test", str(prompt_pack))
    assert result.returncode == 1
    line = _line_of(prompt_pack, "a nurse sending an MRN")
    assert f"{prompt_pack}:{line}: 'a nurse sending an MRN is refused' (request decision)" in result.stdout
    assert re.search(r"status\s+200\s+\| 403\s+<-", result.stdout)
    assert re.search(r"code\s+\"unknown_role\"\s+\| \"unknown_role\"\n", result.stdout)
    assert "FAIL: 1/" in result.stdout


@pytest.mark.parametrize(("expect", "where", "message"), [
    ("{code: not_a_code}", "code", "code 'not_a_code' is not one the request decision of this pack can return"),
    ("{target: cloud-gpt}", "target", "unknown target id 'cloud-gpt'"),
    ("{transforms: [prompt-guard]}", "transforms", "unknown policy 'prompt-guard': not in policies.chain"),
    ("{excluded_targets: [nowhere]}", "excluded_targets", "unknown target id 'nowhere'"),
])
def test_an_expect_naming_what_the_pack_cannot_answer_is_a_lint_error(tmp_path: Path, expect: str, where: str,
                                                                       message: str) -> None:
    path = tmp_path / "route.yaml"
    path.write_text(SEED_PACK.read_text() + f"""
tests:
  - name: x
    headers: {{X-User-ID: a, X-User-Role: clinician}}
    request: {{messages: [{{role: user, content: hi}}]}}
    expect: {expect}
""")
    result = run_cli("lint", str(path))
    assert result.returncode == 1
    line = _line_of(path, "expect:")
    assert re.search(rf"{re.escape(str(path))}:{line}:\d+: error: {re.escape(message)}", result.stderr), result.stderr


def test_a_test_that_sends_both_or_a_credential_is_a_lint_error(tmp_path: Path) -> None:
    path = tmp_path / "route.yaml"
    path.write_text(SEED_PACK.read_text() + """
tests:
  - name: both
    input: {}
    request: {messages: [{role: user, content: hi}]}
    expect: {allow: true}
  - name: token
    headers: {Authorization: Bearer abc}
    request: {messages: [{role: user, content: hi}]}
    expect: {allow: false}
""")
    result = run_cli("lint", str(path))
    assert result.returncode == 1
    assert "a test gives either `input` (the OPA input) or `request` (a chat request)" in result.stderr
    assert f":{_line_of(path, 'Authorization')}:" in result.stderr and "carries no credentials" in result.stderr


def test_a_request_the_gateway_refuses_before_opa_is_a_build_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "route.yaml"
    path.write_text(SEED_PACK.read_text() + """
tests:
  - name: no messages
    headers: {X-User-ID: a, X-User-Role: clinician}
    request: {messages: []}
    expect: {allow: false}
""")
    result = run_cli("build", str(path), "-o", str(tmp_path / "out"))
    assert result.returncode == 1
    assert f"{path}:{_line_of(path, 'request:')}:" in result.stderr and "422 invalid_messages" in result.stderr


def test_the_same_pack_builds_to_the_same_revision_from_anywhere(prompt_pack: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    here = build([prompt_pack], tmp_path / "a")
    monkeypatch.chdir(prompt_pack.parent)
    there = build([Path(prompt_pack.name)], tmp_path / "b")
    files = {p.relative_to(here.bundle_dir): p.read_bytes() for p in here.bundle_dir.rglob("*") if p.is_file()}
    assert files == {p.relative_to(there.bundle_dir): p.read_bytes() for p in there.bundle_dir.rglob("*") if p.is_file()}
    assert here.revision == there.revision
    assert json.loads((here.bundle_dir / ".manifest").read_text())["revision"] == here.revision
