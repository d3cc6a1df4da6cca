"""One-shot decisions outside the gateway: build a pack's bundle, ask the real `opa eval`.

For command-line dry runs (`packgate redact`) and scripts: the decision comes from the same
generated Rego and library the gateway's OPA serves, never from a Python copy of its logic.
All inputs are evaluated by one `opa eval` process.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from packgate.compiler.build import build_bundle

from .server import OpaError, find_opa

EVAL_TIMEOUT_S = 120.0


def evaluate_each(bundle_dir: Path, rule: str, inputs: Sequence[Any]) -> list[Any]:
    """`data.<rule>` evaluated once per input against the bundle; one `opa eval` for all.

    Raises OpaError when opa fails or a decision is undefined (fail closed: no decision, no result).
    """
    query = f"[decision | some item in input; decision := data.{rule} with input as item]"
    try:
        proc = subprocess.run(
            [str(find_opa()), "eval", "--format", "json", "--bundle", str(bundle_dir), "--stdin-input", query],
            input=json.dumps(list(inputs)), capture_output=True, text=True, timeout=EVAL_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OpaError(f"opa eval did not run: {type(exc).__name__}") from None
    if proc.returncode != 0:
        raise OpaError("opa eval failed: " + (proc.stderr.strip().splitlines() or ["no output"])[-1])
    try:
        decisions = json.loads(proc.stdout)["result"][0]["expressions"][0]["value"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise OpaError("opa eval gave no result") from None
    if not isinstance(decisions, list) or len(decisions) != len(inputs):
        raise OpaError(f"data.{rule} is undefined for some input")
    return decisions


def redaction_decisions(pack_path: str | Path, findings: Sequence[list[dict[str, Any]]], *,
                        build: Callable[[list[str | Path], Path], Any] = build_bundle) -> list[dict[str, Any]]:
    """The pack's `redaction` decision (detectors only) for each findings list ({policy, category, count}).
    `build` builds the bundle (the CLI passes the one that also runs a pack's chat-request tests)."""
    with tempfile.TemporaryDirectory(prefix="packgate-eval-") as tmp:
        built = build([pack_path], Path(tmp) / "bundle")
        return evaluate_each(built.bundle_dir, f"{built.packs[0].package}.redaction",
                             [{"findings": f} for f in findings])
