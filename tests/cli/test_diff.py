"""`packgate diff`: the cases whose outcome changes between two versions of a pack, and only those."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.harness import SEED_PACK, run_cli

CASES = """
- name: clinician summary with PHI
  headers: {X-User-ID: dr-okafor, X-User-Role: clinician, X-Tool: summarize}
  body: {model: "llama3.1:70b", messages: [{role: user, content: "Summarise: Jane Doe, MRN 448812, low mood."}]}
  response: The patient reports low mood.
- name: clinician extracts risk factors
  headers: {X-User-ID: dr-okafor, X-User-Role: clinician, X-Tool: extract_risk_factors}
  body: {messages: [{role: user, content: "List the risk factors in this note."}]}
- name: missing user id
  headers: {X-User-Role: clinician}
  body: {messages: [{role: user, content: "hello"}]}
- name: a nurse
  headers: {X-User-ID: n-4, X-User-Role: nurse}
  body: {messages: [{role: user, content: "hello"}]}
- name: an ollama request from a privacy officer
  protocol: ollama
  headers: {X-User-ID: po-1}
  body: {model: "llama3.1:70b", messages: [{role: user, content: "audit this"}]}
"""

TESTS = """
tests:
  - name: a nurse is refused
    headers: {X-User-ID: n-4, X-User-Role: nurse}
    request: {messages: [{role: user, content: hello}]}
    expect: {code: unknown_role}
  - name: risk factors for a clinician
    headers: {X-User-ID: dr-okafor, X-User-Role: clinician, X-Tool: extract_risk_factors}
    request: {messages: [{role: user, content: List the risk factors.}]}
    expect: {allow: true}
"""


def _variant(text: str) -> str:
    """The seed pack with one role losing a tool and its target keeping data for 30 days."""
    out = text.replace("          - summarize\n          - extract_risk_factors\n", "          - summarize\n", 1)
    out = out.replace("        retention_days: 0\n", "        retention_days: 30\n", 1)
    assert out.count("extract_risk_factors") == text.count("extract_risk_factors") - 1 and "retention_days: 30" in out
    return out


@pytest.fixture
def packs(tmp_path: Path) -> tuple[Path, Path, Path]:
    old, new, cases = tmp_path / "old" / "route.yaml", tmp_path / "new" / "route.yaml", tmp_path / "cases.yaml"
    old.parent.mkdir()
    new.parent.mkdir()
    old.write_text(SEED_PACK.read_text() + TESTS)
    new.write_text(_variant(SEED_PACK.read_text()) + TESTS)
    cases.write_text(CASES)
    return old, new, cases


def test_diff_reports_exactly_the_changed_cases(packs: tuple[Path, Path, Path]) -> None:
    old, new, cases = packs
    result = run_cli("diff", str(old), str(new), "--cases", str(cases), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    changed = {item["name"]: item["changes"] for item in report["changed"]}
    assert set(changed) == {"case clinician summary with PHI", "case clinician extracts risk factors",
                            "test risk factors for a clinician"}
    assert report["compared"] == 7
    summary = changed["case clinician summary with PHI"]
    assert summary["status"] == {"old": 200, "new": 409} and summary["code"]["new"] == "no_compliant_provider"
    assert summary["target"] == {"old": "local-mental-health", "new": None}
    assert summary["action"] == {"old": "escalate", "new": None}
    tools = changed["case clinician extracts risk factors"]
    assert tools["status"] == {"old": 200, "new": 403} and tools["code"]["new"] == "tool_not_allowed"
    assert changed["test risk factors for a clinician"]["code"] == {"old": None, "new": "tool_not_allowed"}
    assert report["old"]["revision"] != report["new"]["revision"]


def test_diff_of_a_pack_with_itself_changes_nothing(packs: tuple[Path, Path, Path]) -> None:
    old, _, cases = packs
    result = run_cli("diff", str(old), str(old), "--cases", str(cases))
    assert result.returncode == 0, result.stderr
    assert "0 of 7 case(s) changed" in result.stdout


def test_diff_prints_a_table_of_changes(packs: tuple[Path, Path, Path]) -> None:
    old, new, cases = packs
    result = run_cli("diff", str(old), str(new), "--cases", str(cases))
    assert result.returncode == 1
    assert "3 of 7 case(s) changed" in result.stdout
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("case ") and "field" in line)
    rows = [line.split() for line in lines[header + 1:]]
    assert ["case", "clinician", "extracts", "risk", "factors", "code", "null", '"tool_not_allowed"'] in rows


def test_diff_reads_the_old_pack_from_a_git_revision(packs: tuple[Path, Path, Path], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    old, new, cases = packs
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "route.yaml").write_text(old.read_text())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q"], ["add", "route.yaml"], ["commit", "-qm", "pack v1"]):
        subprocess.run([*git, *args], cwd=repo, check=True, capture_output=True)
    (repo / "route.yaml").write_text(new.read_text())
    monkeypatch.chdir(repo)
    result = run_cli("diff", "git:HEAD:route.yaml", "route.yaml", "--cases", str(cases), "--json")
    assert result.returncode == 1, result.stderr
    assert len(json.loads(result.stdout)["changed"]) == 3
    missing = run_cli("diff", "git:HEAD:nope.yaml", "route.yaml", "--cases", str(cases))
    assert missing.returncode == 1 and missing.stderr.startswith("packgate: diff: git show HEAD:nope.yaml failed")


def test_a_bad_cases_file_is_one_clean_error(packs: tuple[Path, Path, Path], tmp_path: Path) -> None:
    old, _, _ = packs
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: x\n  headers: {}\n  body: {messages: []}\n  colour: blue\n")
    result = run_cli("diff", str(old), str(old), "--cases", str(bad))
    assert result.returncode == 1 and "unknown key(s) colour" in result.stderr and "Traceback" not in result.stderr
