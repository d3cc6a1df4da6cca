"""`packgate demo --no-serve` (what `make run` walks through) as a subprocess."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.harness import PACKGATE, gone


def test_demo_no_serve_passes(tmp_path: Path) -> None:
    r = subprocess.run([*PACKGATE, "demo", "--no-serve", "--port", "0"], capture_output=True,
                       text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "STAND-IN MODEL — not a real LLM" in r.stdout
    assert "every scenario got its expected outcome" in r.stdout
    for code in ("missing_header", "escalated", "output_blocked", "no_compliant_provider"):
        assert code in r.stdout
    # the seed pack names its roles, so a role outside them is refused before the PHI check
    assert "unknown_role" in r.stdout or "phi_not_permitted_for_role" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
    pid = int(re.search(r"embedded pid (\d+)", r.stdout).group(1))
    assert gone(pid)
