from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".tools" / "bin"
PACKS = sorted((ROOT / "packs").glob("*.yaml"))
SEED = ROOT / "packs" / "behavioral-health-review-route.yaml"


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} missing: run `make setup`")
    return found


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, **kw)


def packgate(*args: str, **kw) -> subprocess.CompletedProcess | CliResult:
    """The CLI in-process (CliRunner); `packgate test` in a child, since `opa test` writes to its stdout."""
    if args[:1] == ("test",) or kw:
        return run([sys.executable, "-m", "packgate", *args], **kw)
    return run_cli(*args)


def opa_eval(bundle: Path, query: str, doc: dict) -> object:
    """Evaluate `query` against the bundle with the real `opa eval`; the value, or None if undefined."""
    proc = run([tool("opa"), "eval", "--format", "json", "--bundle", str(bundle), "--stdin-input", query],
               input=json.dumps(doc))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    result = json.loads(proc.stdout).get("result")
    if not result:
        return None
    return result[0]["expressions"][0]["value"]


@pytest.fixture
def write_pack(tmp_path):
    """Write a pack file from text and return its path."""

    def _write(text: str, name: str = "pack.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
