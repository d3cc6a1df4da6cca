"""What a write transaction offers code outside the stores (escalations, purge, runtime/review): portable
SQL, the chain append and the re-anchor, committed together whichever store holds the log."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


# Rows other stores write through the audit writer, in order with events and in the same transaction
# (the review store's held drafts): `writer(txn, data)` gets an object whose `execute(sql, params)` takes
# portable SQL with `?` parameters; `data` is JSON, as queued items may be spooled and replayed.
ItemWriter = Callable[[Any, dict[str, Any]], None]
_ITEM_WRITERS: dict[str, ItemWriter] = {}
_OWN_KINDS = ("event", "escalation")


def register_item_writer(kind: str, writer: ItemWriter) -> None:
    """Let another store's rows ride in the audit writer's batches (`AuditLog.enqueue_item`)."""
    if kind in _OWN_KINDS:
        raise ValueError(f"item kind {kind!r} is the audit log's own")
    _ITEM_WRITERS[kind] = writer


def item_writer(kind: str) -> ItemWriter | None:
    return _ITEM_WRITERS.get(kind)


def split_items(items: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The chain's own items (events, escalation rows) and the rest (registered item writers')."""
    own = [item for item in items if item[0] in _OWN_KINDS]
    return own, [item for item in items if item[0] not in _OWN_KINDS]


def write_items(txn: Any, items: list[tuple[Any, ...]]) -> None:
    """Write other stores' queued rows inside the batch's transaction (after the events they follow)."""
    for item in items:
        writer = _ITEM_WRITERS.get(item[0])
        if writer is None:  # pragma: no cover - enqueue_item refuses unregistered kinds
            raise AssertionError(item[0])
        writer(txn, item[1])
