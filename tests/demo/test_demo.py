"""`packgate demo --no-serve` (what `make run` walks through) as a subprocess: every scenario passes,
its table says what the audit log it keeps says, and the README describes the same scenarios."""

from __future__ import annotations

import json

import re
import subprocess
from pathlib import Path

from packgate.runtime.audit import query_events
from packgate.runtime.demo.scenarios import scenarios

from tests.harness import PACKGATE, ROOT, gone, run_cli


def _table_rows(stdout: str) -> list[list[str]]:
    """The scenario table's rows, each cell's wrapped lines joined by a space."""
    rows: list[list[str]] = []
    current: list[list[str]] | None = None
    body = stdout.split("\n┡", 1)[1].split("\n", 1)[1]  # below the table's header
    for line in body.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.split("│")[1:-1]]
            current = current or [[] for _ in cells]
            for parts, cell in zip(current, cells):
                if cell:
                    parts.append(cell)
        elif line.startswith(("├", "└")) and current is not None:
            rows.append([" ".join(parts) for parts in current])
            current = None
    return rows


def test_demo_no_serve_passes_and_its_table_is_the_audit_log(tmp_path: Path) -> None:
    r = subprocess.run([*PACKGATE, "demo", "--no-serve", "--port", "0"], capture_output=True,
                       text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "STAND-IN MODEL — not a real LLM" in r.stdout
    assert "every scenario got its expected outcome" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    pid = int(re.search(r"embedded pid (\d+)", r.stdout).group(1))
    assert gone(pid)

    # what the demo tells the user to open is still there after it stopped
    assert "packgate events tail --audit-db packgate-demo/audit.db" in r.stdout
    db = tmp_path / "packgate-demo" / "audit.db"
    assert (tmp_path / "packgate-demo" / "behavioral-health-cloud-variant.yaml").is_file()
    tail = run_cli("events", "tail", "--json", "--audit-db", str(db))
    tailed = [json.loads(line) for line in tail.stdout.splitlines()]
    # the gateway's start is recorded first (which bundle went live), then one event per scenario
    assert tail.returncode == 0 and [e["verdict"] for e in tailed[:1]] == ["bundle_activated"]
    assert len(tailed) == 1 + len(scenarios())

    rows = _table_rows(r.stdout)
    events = [e for e in query_events(db) if e["verdict"] != "bundle_activated"]
    assert [row[0] for row in rows] == [f"✓ {sc.name}" for sc in scenarios()]
    for row, event, sc in zip(rows, events, scenarios(), strict=True):
        reason = event["reasons"][0]
        code = event["error_code"] or reason["code"]
        assert row[1:4] == [str(event["status"]), event["verdict"],
                            f"{reason['policy']} / {code}" + (f" {event['escalation_id']}" if event.get("escalation_id") else "")]
        assert (event["status"], code, event["verdict"]) == (sc.expect_status, sc.expect_code, sc.expect_verdict)
        assert event["upstream_override"].startswith("http://127.0.0.1:")  # the demo's events say they were staged
    # the scenario a reader is told about is the one the code shows
    assert [(sc.name, sc.expect_code) for sc in scenarios()][1] == ("a role the pack does not name", "unknown_role")


def test_readme_lists_the_demo_scenarios_as_the_audit_log_records_them() -> None:
    readme = (ROOT / "README.md").read_text()
    walkthrough = readme[readme.index("**4. A request through the gateway.**"):readme.index("**5. The audit event.**")]
    for sc in scenarios():
        assert f"{sc.name} → {sc.expect_status} `{sc.expect_code}` ({sc.expect_verdict})" in walkthrough
