"""Where packgate finds the repo and the pinned OPA toolchain (built by opa/install.sh)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PINNED_BIN = REPO_ROOT / ".tools" / "bin"


def find_tool(name: str, repo_root: Path = REPO_ROOT) -> Path | None:
    """The pinned binary (`.tools/bin/<name>`), else one on PATH, else None."""
    pinned = repo_root / ".tools" / "bin" / name
    if pinned.is_file() and os.access(pinned, os.X_OK):
        return pinned
    found = shutil.which(name)
    return Path(found) if found else None
