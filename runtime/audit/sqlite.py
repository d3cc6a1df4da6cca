"""The SQLite store (the embedded default): one file per gateway host, behind the store seam."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from . import queries
from .events import AuditError, AuditUnavailable
from .store import append_events, connect, connect_readonly, describe_error, in_transaction, init_db
from .verify import VerifyResult, verify_sqlite

T = TypeVar("T")


class _SqliteWriter:
    """One connection kept across batches; dropped after an I/O error, kept through `locked`/`busy`."""

    def __init__(self, path: Path, busy_ms: int, lock: threading.Lock) -> None:
        self._path = path
        self._busy_ms = busy_ms
        self._lock = lock
        self._conn: sqlite3.Connection | None = None

    def append(self, items: list[tuple[Any, ...]]) -> None:
        if self._conn is None:
            self._conn = connect(self._path, busy_ms=self._busy_ms)
        if not self._lock.acquire(timeout=self._busy_ms / 1000):  # as SQLite's own busy timeout would
            raise sqlite3.OperationalError("database is locked (a review transaction of this process)")
        try:
            try:
                in_transaction(self._conn, append_events, items)
            finally:
                self._lock.release()
        except Exception as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):  # after an I/O error start afresh
                self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None


class _SqliteTxn:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, tuple(params))

    def append(self, items: list[tuple[Any, ...]]) -> None:
        append_events(self._conn, items)

    def reanchor(self, seq: int, prev_hash: str) -> None:
        self._conn.executemany("UPDATE meta SET value=? WHERE key=?",
                               [(str(seq), "anchor_seq"), (prev_hash, "anchor_prev_hash")])


@dataclass
class SqliteStore:
    path: Path
    busy_ms: int = 250
    name: str = field(init=False)
    locator: str = field(init=False)
    spool_path: Path = field(init=False)
    # One write transaction at a time per process (the writer thread, reviews, resolutions): SQLite has
    # one file lock, and the writer must not see its own process's review transaction as "locked" (503).
    _write_lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.name = str(self.path)
        self.locator = str(self.path.resolve())
        self.spool_path = Path(str(self.path) + ".spool")

    @classmethod
    def at(cls, path: Path, *, create: bool, busy_ms: int = 250) -> SqliteStore:
        if not create:
            connect_readonly(path).close()  # AuditError: missing, unreadable, not an audit db
        return cls(path, busy_ms)

    def prepare(self) -> None:
        try:
            init_db(self.path)
        except sqlite3.Error as exc:
            raise AuditUnavailable(f"cannot open audit database {self.path}: {describe_error(exc)}") from None

    def writer(self) -> _SqliteWriter:
        return _SqliteWriter(self.path, self.busy_ms, self._write_lock)

    def transaction(self, fn: Callable[[Any], T], *, busy_ms: int = 5000, ddl: str | None = None) -> T:
        if not self.path.is_file():
            raise AuditError(f"audit database not found: {self.path}")
        try:
            conn = connect(self.path, busy_ms=busy_ms)
        except sqlite3.Error as exc:
            raise AuditError(f"cannot open audit database {self.path}: {describe_error(exc)}") from None
        try:
            with self._write_lock:
                if ddl:
                    conn.executescript(ddl)
                return in_transaction(conn, lambda c: fn(_SqliteTxn(c)))
        except sqlite3.Error as exc:
            raise AuditError(f"cannot write audit database {self.path}: {describe_error(exc)}") from None
        finally:
            conn.close()

    def replay(self, items: list[tuple[Any, ...]]) -> None:
        conn = connect(self.path, busy_ms=5000)
        try:
            in_transaction(conn, append_events, items)
        finally:
            conn.close()

    def list_escalations(self, status: str | None = None) -> list[dict[str, Any]]:
        return queries.list_escalations(self.path, status)

    def get_escalation(self, esc_id: str) -> dict[str, Any] | None:
        return queries.get_escalation(self.path, esc_id)

    def query_events(self, **kw: Any) -> list[dict[str, Any]]:
        return queries.query_events(self.path, **kw)

    def page_events(self, after: int, n: int) -> list[dict[str, Any]]:
        return queries.page_events(self.path, after, n)

    def last_seq(self) -> int:
        conn = connect_readonly(self.path)
        try:
            return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])
        except sqlite3.Error as exc:
            raise AuditError(f"cannot read audit database {self.path}: {describe_error(exc)}") from None
        finally:
            conn.close()

    def verify(self) -> VerifyResult:
        return verify_sqlite(self.path)

    def close(self) -> None:
        return None
