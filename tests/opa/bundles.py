"""Hand-made bundles for testing the OPA plumbing without the compiler."""

from __future__ import annotations

import json
from pathlib import Path

MASK = 'package system.log\n\nmask contains "/input/output/text"\n'


def write_bundle(out: Path, revision: str, rego: str) -> Path:
    """A bundle with package `packgate.packs.demo` (body `rego`) and the decision-log mask."""
    (out / "packgate" / "packs" / "demo").mkdir(parents=True, exist_ok=True)
    (out / "system" / "log").mkdir(parents=True, exist_ok=True)
    (out / ".manifest").write_text(json.dumps(
        {"revision": revision, "roots": ["packgate/packs/demo", "system/log"], "rego_version": 1}))
    (out / "packgate" / "packs" / "demo" / "policy.rego").write_text(
        "package packgate.packs.demo\n\n" + rego)
    (out / "system" / "log" / "mask.rego").write_text(MASK)
    return out
