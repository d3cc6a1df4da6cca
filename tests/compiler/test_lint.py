"""Every problem in a pack is reported as file:line:col, with the right exit code, never a traceback."""

from __future__ import annotations

import re

import pytest

from .conftest import SEED, packgate

DIAG = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): (?P<msg>.+)$")

SEED_TEXT = SEED.read_text()


def lint(path) -> tuple[int, list[dict], str]:
    proc = packgate("lint", str(path))
    assert "Traceback" not in proc.stderr + proc.stdout
    diags = [m.groupdict() for line in proc.stderr.splitlines() if (m := DIAG.match(line))]
    return proc.returncode, diags, proc.stderr


def replace(old: str, new: str) -> str:
    assert old in SEED_TEXT, old
    return SEED_TEXT.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_seed_pack_lints_with_one_warning_about_the_psychiatrist_role(tmp_path):
    code, diags, _ = lint(SEED)
    assert code == 2
    assert [d["sev"] for d in diags] == ["warning"]
    assert "psychiatrist" in diags[0]["msg"]
    assert int(diags[0]["line"]) == line_of(SEED_TEXT, "- psychiatrist")


CASES = [
    # (description, text, needle on the reported line, message fragment, severity)
    ("unknown key", replace("    safe_harbor_method: true", "    safe_harbor_method: true\n    safe_harbour: true"),
     "safe_harbour", "unknown key 'safe_harbour'", "error"),
    ("wrong type", replace("retention_days: 0\n        in_memory_only", "retention_days: \"zero\"\n        in_memory_only"),
     'retention_days: "zero"', "retention_days", "error"),
    ("bad enum", replace("marker_format: label", "marker_format: stars"), "marker_format: stars", "marker_format", "error"),
    ("unknown policy in chain", replace("    - audit-logger\n", "    - audit-logger\n    - toxicity-filter\n"),
     "- toxicity-filter", "unknown policy 'toxicity-filter'", "error"),
    ("chain names unconfigured policy", replace("  audit-logger: {}", ""), "- audit-logger", "not configured", "error"),
    ("configured but not in chain", replace("    - audit-logger\n", ""), "audit-logger: {}", "not in policies.chain", "warning"),
    ("fda III without oversight", replace("    - human-oversight\n", ""), "fda_class: III", "requires human-oversight", "error"),
    ("fda II without disclaimers",
     replace("    required_disclaimers:\n      - This output is for licensed clinical review only and is not medical advice.\n    fda_class: III",
             "    fda_class: II"),
     "fda_class: II", "requires at least one required_disclaimers", "error"),
    ("local-only target on a public address", replace("base_url: http://localhost:11434", "base_url: http://8.8.8.8:11434"),
     "base_url: http://8.8.8.8", "public address", "error"),
    ("duplicate target id",
     replace("policies:\n", "    - id: local-mental-health\n      provider: ollama\n      model: m\n      base_url: http://127.0.0.1:1\n\npolicies:\n"),
     "- id: local-mental-health\n      provider: ollama\n      model: m", "duplicate target id", "error"),
    ("invalid blocked pattern", replace("      - prescribe\n", "      - 'prescri(be'\n"), "prescri(be", "invalid RE2", "error"),
    ("backtracking-only regex feature", replace("      - prescribe\n", "      - '(a+)+\\1'\n"), "(a+)+", "invalid RE2", "error"),
    ("duplicate key", replace("  human-oversight:\n    action: escalate", "  human-oversight:\n    action: escalate\n    action: block"),
     "action: block", "duplicate key 'action'", "error"),
    ("bad YAML syntax", replace("    action: escalate", "    action: [escalate"), None, "invalid YAML", "error"),
    ("tab indentation", replace("  human-oversight:\n    action: escalate", "  human-oversight:\n\taction: escalate"),
     None, "invalid YAML", "error"),
    ("sanitize without detectors",
     replace("    - hipaa-phi-detector\n    - pii-detector\n", "").replace("  hipaa-phi-detector:\n    action: redact\n    mode: hipaa_18\n    safe_harbor_method: true\n", "")
     .replace("  pii-detector:\n    action: redact\n    healthcare_mode: true\n    redaction:\n      marker_format: label\n      include_metadata: true\n", ""),
     "sanitize_before_provider: true", "needs hipaa-phi-detector or pii-detector", "error"),
    ("invalid header name", replace("      - X-User-Role\n", "      - 'X User Role'\n"), "X User Role", "not a valid header name", "error"),
]


@pytest.mark.parametrize("desc,text,needle,fragment,severity", CASES, ids=[c[0] for c in CASES])
def test_problem_is_reported_at_its_position(write_pack, desc, text, needle, fragment, severity):
    path = write_pack(text)
    code, diags, stderr = lint(path)
    assert code == (1 if severity == "error" else 2), stderr
    match = [d for d in diags if fragment in d["msg"] and d["sev"] == severity]
    assert match, stderr
    d = match[0]
    assert d["file"] == str(path)
    if needle is not None:
        first = needle.split("\n")[0]
        candidates = [i for i, line in enumerate(text.splitlines(), 1) if first in line]
        assert int(d["line"]) in candidates, (stderr, candidates)
    assert int(d["col"]) >= 1


GARBAGE = [
    ("empty file", b""),
    ("only a comment", b"# nothing here\n"),
    ("a scalar", b"just text\n"),
    ("a list", b"- a\n- b\n"),
    ("binary junk", bytes(range(256)) * 4),
    ("invalid utf-8", b"pack:\n  name: caf\xe9\n"),
    ("NUL byte", b"pack:\n  name: a\x00b\n"),
    ("deep nesting", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    ("alias bomb", b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                   b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"),
    ("python tag", b"pack: !!python/object:os.system [echo]\n"),
    ("two documents", b"pack: {}\n---\npack: {}\n"),
    ("wrong types everywhere", b"pack: 1\nproviders: []\npolicies: yes\npolicy: nope\n"),
]


@pytest.mark.parametrize("desc,data", GARBAGE, ids=[g[0] for g in GARBAGE])
def test_garbage_is_an_error_with_a_position_not_a_traceback(tmp_path, desc, data):
    path = tmp_path / "junk.yaml"
    path.write_bytes(data)
    code, diags, stderr = lint(path)
    assert code == 1, stderr
    assert diags, stderr
    assert all(d["file"] == str(path) for d in diags)


def test_a_50_mb_file_is_refused_quickly_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.write(b"pack:\n  name: x\n")
        fh.truncate(50 * 1024 * 1024)
    code, diags, stderr = lint(path)
    assert code == 1 and "limit" in diags[0]["msg"]
    assert (diags[0]["line"], diags[0]["col"]) == ("1", "1")


def test_missing_file_is_a_clean_error(tmp_path):
    code, diags, stderr = lint(tmp_path / "nope.yaml")
    assert code == 1 and "cannot read pack" in stderr


def test_build_refuses_to_write_when_lint_finds_errors(write_pack, tmp_path):
    path = write_pack(replace("marker_format: label", "marker_format: stars"))
    proc = packgate("build", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_build_will_not_wipe_a_directory_that_is_not_a_bundle(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    proc = packgate("build", str(SEED), "-o", str(precious))
    assert proc.returncode == 1 and (precious / "notes.txt").exists()
