"""What a write transaction offers code outside the stores (escalations, purge, runtime/review): portable
SQL, the chain append and the re-anchor, committed together whichever store holds the log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Txn(Protocol):
    """One write transaction, as other modules' storage sees it (runtime/review): portable SQL with `?`
    parameters, and the chain append, so a state change and its event commit together."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """A cursor: `fetchone()`, iteration, `rowcount`."""

    def append(self, items: list[tuple[Any, ...]]) -> None:
        """Chain events in this transaction (as the writer does)."""

    def reanchor(self, seq: int, prev_hash: str) -> None:
        """Move the chain's anchor (a retention purge) in this transaction."""
