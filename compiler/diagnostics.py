"""Problems found in a pack, each pinned to `file:line:col`."""

from __future__ import annotations

from collections.abc import Iterable
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


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a typo of `name` most likely meant: within 1 edit (names of 3+ characters) or 2
    (names of 6+); None if nothing is that close or `name` is itself a candidate."""
    pool = sorted(set(candidates))
    if name in pool or len(name) < 3:
        return None
    limit = 2 if len(name) >= 6 else 1
    scored = sorted((edit_distance(name.lower(), c.lower()), c) for c in pool if c != name)
    return scored[0][1] if scored and scored[0][0] <= limit else None
