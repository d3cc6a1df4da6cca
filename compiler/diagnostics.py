"""Problems found in a pack, each pinned to `file:line:col`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    col: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"


class PackError(Exception):
    """A pack could not be loaded or compiled; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def exit_code(diagnostics: list[Diagnostic]) -> int:
    """0 clean, 1 any error, 2 warnings only — the contract of `packgate lint`."""
    if any(d.severity == "error" for d in diagnostics):
        return 1
    return 2 if diagnostics else 0
