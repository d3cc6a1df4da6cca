"""Shared fixtures for the ops tests: where the seed pack is, and a copy of it to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def seed_pack() -> Path:
    """`packs/behavioral-health-review-route.yaml` in the repo, else the shared copy beside it."""
    for candidate in (ROOT / "packs", ROOT.parent / "shared" / "packs"):
        path = candidate / "behavioral-health-review-route.yaml"
        if path.is_file():
            return path
    pytest.skip("seed pack not found")


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """An editable copy of the seed pack in its own directory (the watcher watches the dir)."""
    d = tmp_path / "packs"
    d.mkdir()
    dst = d / "route.yaml"
    shutil.copy(seed_pack(), dst)
    return dst
