"""The store seam: one interface over the audit tables, a SQLite file (the embedded default) or
PostgreSQL (a fleet). The writer, queries, verify, escalations and the CLI all go through it; which
store a `--audit-db` names is decided here, once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .escalations import purge_in, resolve_in
from .transaction import Txn
from .verify import VerifyResult

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
T = TypeVar("T")


class ChainWriter(Protocol):
    """The writer thread's handle: one transaction per batch, extending the one chain."""

    def append(self, items: list[tuple[Any, ...]]) -> None: ...

    def close(self) -> None: ...


class AuditStore(Protocol):
    """Events, escalations and the chain head of one audit log, wherever they are kept."""

    name: str          # for messages: a path, or a URL without its password
    locator: str       # what another process opens the same store with
    spool_path: Path   # where the writer spools what it could not write at shutdown

    def prepare(self) -> None:
        """Create or migrate the schema; AuditUnavailable when the store cannot be used."""

    def replay(self, items: list[tuple[Any, ...]]) -> None:
        """Chain spooled items in one transaction, skipping ids already stored."""

    def writer(self) -> ChainWriter: ...

    def transaction(self, fn: Callable[[Txn], T], *, busy_ms: int = 5000, ddl: str | None = None) -> T:
        """`fn` in one write transaction (AuditError when the store cannot be written). `ddl`: SQLite
        tables the caller owns, created if missing; PostgreSQL's come from its versioned migrations."""

    def list_escalations(self, status: str | None = None) -> list[dict[str, Any]]: ...

    def get_escalation(self, esc_id: str) -> dict[str, Any] | None: ...

    def query_events(self, *, policy: str | None = None, verdict: str | None = None, since: str | None = None,
                     after_seq: int = 0, limit: int | None = None) -> list[dict[str, Any]]: ...

    def page_events(self, after: int, n: int) -> list[dict[str, Any]]: ...

    def last_seq(self) -> int: ...

    def verify(self) -> VerifyResult: ...

    def close(self) -> None: ...


def is_postgres(db: str | Path) -> bool:
    return str(db).startswith(POSTGRES_SCHEMES)


def open_store(db: str | Path, *, create: bool = False, busy_ms: int = 250) -> AuditStore:
    """The store `db` names: a ``postgresql://`` URL or a SQLite path. With `create`, the schema is
    created or migrated (a gateway); without, it must exist (the CLI). AuditError otherwise."""
    if is_postgres(db):
        from .postgres import PostgresStore  # psycopg is loaded only by those who use it

        return PostgresStore.connect(str(db), create=create)
    from .sqlite import SqliteStore

    return SqliteStore.at(Path(db), create=create, busy_ms=busy_ms)


@contextlib.contextmanager
def _opened(db: str | Path) -> Iterator[AuditStore]:
    store = open_store(db)
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def using(db: str | Path | AuditStore, *, create: bool = False) -> Iterator[AuditStore]:
    """`db` as a store: an open one (the gateway's, kept open) or a locator opened for this block."""
    if not isinstance(db, (str, Path)):
        yield db
        return
    store = open_store(db, create=create)
    try:
        if create:
            store.prepare()
        yield store
    finally:
        store.close()


def locator(db: str | Path) -> str:
    """`db` as another process (a worker) opens it: an absolute path, or the URL unchanged."""
    return str(db) if is_postgres(db) else str(Path(db).resolve())


def display_name(db: str | Path) -> str:
    """`db` for banners and messages: a URL loses its password."""
    if is_postgres(db):
        from .postgres import redact_url

        return redact_url(str(db))
    return str(db)


def list_escalations(db: str | Path, status: str | None = None) -> list[dict[str, Any]]:
    """Escalations, urgent ones first, then oldest first, optionally filtered by status."""
    with _opened(db) as store:
        return store.list_escalations(status)


def get_escalation(db: str | Path, esc_id: str) -> dict[str, Any] | None:
    """One escalation by id, or None."""
    with _opened(db) as store:
        return store.get_escalation(esc_id)


def resolve_escalation(db: str | Path, esc_id: str, outcome: str, reason: str, resolved_by: str, *,
                       busy_ms: int = 5000) -> str:
    """Approve or reject an open escalation, chaining an `escalation_resolved` event; returns its id."""
    with _opened(db) as store:
        return store.transaction(lambda t: resolve_in(t, esc_id, outcome, reason, resolved_by), busy_ms=busy_ms)


def purge(db: str | Path, older_than_days: float, *, busy_ms: int = 5000) -> int:
    """Delete events past retention and re-anchor the chain (`escalations.purge_in`)."""
    with _opened(db) as store:
        return store.transaction(lambda t: purge_in(t, older_than_days), busy_ms=busy_ms)


def query_events(db: str | Path, *, policy: str | None = None, verdict: str | None = None,
                 since: str | None = None, after_seq: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """Events (body + seq/prev_hash/hash) in chain order; `limit` keeps the newest N."""
    with _opened(db) as store:
        return store.query_events(policy=policy, verdict=verdict, since=since, after_seq=after_seq, limit=limit)


def iter_events(db: str | Path, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every event in chain order, streamed (for export)."""
    with _opened(db) as store:
        after = 0
        while chunk := store.page_events(after, batch):
            yield from chunk
            after = chunk[-1]["seq"]


def last_seq(db: str | Path) -> int:
    """The newest seq (0 for an empty log)."""
    with _opened(db) as store:
        return store.last_seq()


def check_readable(db: str | Path) -> None:
    """AuditError unless `db` is an audit log this user can read."""
    open_store(db).close()


def verify(db: str | Path) -> VerifyResult:
    """Walk the whole chain from its anchor in one snapshot; the first bad seq, or the head to anchor elsewhere."""
    with _opened(db) as store:
        return store.verify()
