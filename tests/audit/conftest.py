"""Fixtures: copies of a clean 10-event chain."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import make_db


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "audit.db"
    make_db(path, 10)
    return path


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    """A fresh copy of a 10-event chain."""
    dest = tmp_path / "audit.db"
    shutil.copy(template_db, dest)
    return dest
