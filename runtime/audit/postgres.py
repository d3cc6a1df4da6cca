"""The PostgreSQL store: the fleet's one audit log, shared by every gateway replica.

Why it looks like this:

* **One chain, serialised in the database.** Every write transaction (a writer's batch, a
  resolution, a purge) starts with ``SELECT … FROM chain_head FOR UPDATE``: the row lock orders the
  replicas' batches, and each batch extends the chain from the head it read (:func:`events.link`),
  so ``verify`` walks one gap-free ``seq`` exactly as in SQLite. The lock is held for one batch (one
  round trip of inserts plus the commit); ``bench/fleet`` measures it against one chain per replica
  (README, "Running a fleet").
* **Versioned migrations.** ``packgate_schema`` records each applied version; a gateway applies the
  missing ones at start under an advisory lock (replicas may start together) and refuses a schema
  newer than it knows. The CLI never migrates: it reads what is there.
* **A pool for requests, one connection for the writer.** Reviews, resolutions and the CLI borrow from a
  psycopg-pool pool that checks a connection before lending it. The writer thread keeps its own
  connection and opens a new one at the next batch after any error, so after a database restart it
  reconnects at once; while the server is down a batch fails fast (connection refused) and the writer
  keeps it in memory, exactly as with a locked SQLite file.
* **No values in server logs.** Statements carry their values as bind parameters, which PostgreSQL
  does not log by default (``log_parameter_max_length_on_error = 0``); events hold no raw text anyway.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from .events import GENESIS_HASH, AuditError, AuditUnavailable, link
from .store import ESCALATION_COLUMNS
from .transaction import split_items, write_items
from .verify import CHAIN_SELECT, VerifyResult, check_chain

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "events, escalations and the chain head", f"""
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
    pack TEXT,
    verdict TEXT NOT NULL,
    status INTEGER,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX events_ts ON events(ts);
CREATE INDEX events_verdict ON events(verdict, seq);
CREATE INDEX events_pack ON events(pack, seq);
CREATE TABLE escalations (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    pack TEXT,
    user_id TEXT,
    role TEXT,
    policy TEXT,
    reason TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'approved', 'rejected')),
    resolved_by TEXT,
    resolved_at TEXT,
    outcome_reason TEXT,
    priority TEXT
);
CREATE INDEX escalations_status ON escalations(status, ts);
CREATE TABLE chain_head (
    one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    head_seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL,
    anchor_prev_hash TEXT NOT NULL
);
INSERT INTO chain_head VALUES (TRUE, 0, '{GENESIS_HASH}', 1, '{GENESIS_HASH}');
"""),
    (2, "held review content (runtime/review)", """
CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    pack TEXT NOT NULL,
    requester TEXT,
    requester_role TEXT,
    policy TEXT,
    code TEXT,
    priority TEXT,
    protocol TEXT NOT NULL,
    model TEXT,
    created_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'claimed', 'approved', 'edited', 'rejected', 'delivered', 'expired')),
    claimed_by TEXT,
    claimed_at TEXT,
    decided_by TEXT,
    decided_at TEXT,
    delivered_at TEXT,
    purged_at TEXT,
    held BYTEA,
    decision BYTEA,
    delivered BYTEA
);
CREATE INDEX reviews_queue ON reviews(state, deadline);
"""),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
T = TypeVar("T")
_MIGRATION_LOCK = 0x706B6774  # pg_advisory_xact_lock key: replicas starting together migrate once
_SCHEMA_TABLE = """CREATE TABLE IF NOT EXISTS packgate_schema (
    version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"""
_HEAD = "SELECT head_seq, head_hash, anchor_seq, anchor_prev_hash FROM chain_head"
_EVENT_COLUMNS = "seq, id, ts, pack, verdict, status, body, prev_hash, hash"
_POLICY_FILTER = ("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(body::jsonb->'reasons') = 'array' "
                  "THEN body::jsonb->'reasons' ELSE '[]'::jsonb END) r WHERE r->>'policy' = %s)")


def redact_url(url: str) -> str:
    """The URL without its password (banners, messages, the spool's name)."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://(unparsable URL)"
    host, port, user, db = (params.get(k) for k in ("host", "port", "user", "dbname"))
    return f"postgresql://{user + '@' if user else ''}{host or ''}{':' + str(port) if port else ''}/{db or ''}"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _append(conn: psycopg.Connection[Any], items: list[tuple[Any, ...]]) -> None:
    """Extend the one chain inside the caller's transaction; the head row lock orders all writers."""
    head_seq, head_hash = conn.execute("SELECT head_seq, head_hash FROM chain_head FOR UPDATE").fetchone()
    items, others = split_items(items)
    ids = [item[1]["id"] for item in items if item[0] == "event"]
    stored = {r[0] for r in conn.execute("SELECT id FROM events WHERE id = ANY(%s)", (ids,))} if ids else set()
    rows, escalations, head_seq, head_hash = link(items, head_seq, head_hash, stored)
    with conn.cursor() as cur:
        if rows:
            cur.executemany(f"INSERT INTO events({_EVENT_COLUMNS}) VALUES ({','.join(['%s'] * 9)})", rows)
        if escalations:
            cur.executemany(f"INSERT INTO escalations({','.join(ESCALATION_COLUMNS)}) "
                            f"VALUES ({','.join(['%s'] * len(ESCALATION_COLUMNS))}) ON CONFLICT (id) DO NOTHING",
                            [tuple(e.get(c) for c in ESCALATION_COLUMNS) for e in escalations])
    conn.execute("UPDATE chain_head SET head_seq = %s, head_hash = %s", (head_seq, head_hash))
    write_items(_PostgresTxn(conn), others)


def _row_event(r: dict[str, Any]) -> dict[str, Any]:
    event = json.loads(r["body"])
    event.update(seq=r["seq"], prev_hash=r["prev_hash"], hash=r["hash"])
    return event


class _PostgresTxn:
    """Portable SQL (`?` parameters, as SQLite takes them) on a psycopg connection."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self._conn.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))  # type: ignore[arg-type]

    def append(self, items: list[tuple[Any, ...]]) -> None:
        _append(self._conn, items)

    def reanchor(self, seq: int, prev_hash: str) -> None:
        self._conn.execute("UPDATE chain_head SET anchor_seq = %s, anchor_prev_hash = %s", (seq, prev_hash))


class _PostgresWriter:
    """The writer thread's own connection (batches are sequential: a pool adds nothing), opened again at
    the next batch after any error, so the first batch after a database restart reconnects at once
    instead of waiting out the pool's reconnect back-off."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.Connection[Any] | None = None

    def append(self, items: list[tuple[Any, ...]]) -> None:
        for attempt in (1, 2):
            reused = self._conn is not None
            try:
                if self._conn is None:
                    self._conn = psycopg.connect(self._conninfo)
                with self._conn.transaction():
                    self._conn.execute("SET LOCAL statement_timeout = '10s'")  # a hung server fails the batch
                    _append(self._conn, items)
                return
            except psycopg.OperationalError:
                self.close()
                # a kept connection the server ended (a restart since the last batch): once more on a new
                # one; safe even if the first commit went through, as ids already stored are skipped
                if not reused or attempt == 2:
                    raise
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None


class PostgresStore:
    """One audit log in one PostgreSQL database, through a connection pool."""

    def __init__(self, url: str, pool: ConnectionPool, conninfo: str) -> None:
        self.url = url
        self.name = redact_url(url)
        self.locator = url
        digest = hashlib.sha256(self.name.encode()).hexdigest()[:12]
        self.spool_path = Path(f"packgate-audit-pg-{digest}.spool").resolve()
        self._pool = pool
        self._conninfo = conninfo

    @classmethod
    def connect(cls, url: str, *, create: bool, max_size: int = 4, timeout: float = 5.0) -> PostgresStore:
        """Open the pool (AuditUnavailable/AuditError when the server cannot be reached) and check the schema."""
        error = AuditUnavailable if create else AuditError
        try:
            conninfo = make_conninfo(url, application_name="packgate", connect_timeout=str(max(1, int(timeout))))
        except psycopg.Error as exc:
            raise error(f"bad audit database URL {redact_url(url)}: {_describe(exc)}") from None
        pool = ConnectionPool(conninfo, min_size=1, max_size=max_size, open=False, timeout=timeout,
                              check=ConnectionPool.check_connection, name="packgate-audit",
                              reconnect_timeout=float("inf"))
        try:
            pool.open(wait=True, timeout=timeout)
        except (PoolTimeout, psycopg.Error) as exc:
            pool.close()
            raise error(f"cannot open audit database {redact_url(url)}: {_describe(exc)}") from None
        store = cls(url, pool, conninfo)
        if not create:
            try:
                store._check_schema()
            except BaseException:
                store.close()
                raise
        return store

    def _fail(self, exc: BaseException, doing: str = "read") -> AuditError:
        return AuditError(f"cannot {doing} audit database {self.name}: {_describe(exc)}")

    def _check_schema(self) -> None:
        try:
            with self._pool.connection() as conn:
                found = conn.execute("SELECT to_regclass('packgate_schema') IS NOT NULL").fetchone()[0]
                version = conn.execute("SELECT max(version) FROM packgate_schema").fetchone()[0] if found else None
        except (PoolTimeout, psycopg.Error) as exc:
            raise self._fail(exc) from None
        if version is None:
            raise AuditError(f"not a packgate audit database: {self.name}")
        if version > SCHEMA_VERSION:
            raise AuditError(f"audit database {self.name} has schema version {version}, newer than this "
                             f"packgate knows ({SCHEMA_VERSION}): upgrade packgate")

    def prepare(self) -> None:
        """Apply the missing migrations, once across replicas; refuse a newer schema."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                conn.execute(_SCHEMA_TABLE)
                current = conn.execute("SELECT coalesce(max(version), 0) FROM packgate_schema").fetchone()[0]
                if current > SCHEMA_VERSION:
                    raise AuditUnavailable(f"audit database {self.name} has schema version {current}, newer than "
                                           f"this packgate knows ({SCHEMA_VERSION}): upgrade packgate")
                for version, description, sql in MIGRATIONS:
                    if version > current:
                        conn.execute(sql)
                        conn.execute("INSERT INTO packgate_schema(version, description) VALUES (%s, %s)",
                                     (version, description))
        except (PoolTimeout, psycopg.Error) as exc:
            raise AuditUnavailable(f"cannot prepare audit database {self.name}: {_describe(exc)}") from None

    def writer(self) -> _PostgresWriter:
        return _PostgresWriter(self._conninfo)

    def replay(self, items: list[tuple[Any, ...]]) -> None:
        with self._pool.connection() as conn:
            _append(conn, items)

    def _write(self, fn: Any, busy_ms: int) -> Any:
        try:
            with self._pool.connection() as conn:
                conn.execute(f"SET LOCAL lock_timeout = '{int(busy_ms)}ms'")
                return fn(conn)
        except (PoolTimeout, psycopg.Error) as exc:
            raise self._fail(exc, "write") from None

    def transaction(self, fn: Callable[[Any], T], *, busy_ms: int = 5000, ddl: str | None = None) -> T:
        return self._write(lambda conn: fn(_PostgresTxn(conn)), busy_ms)

    def _read(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        try:
            with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                return list(cur.execute(sql, args))
        except (PoolTimeout, psycopg.Error) as exc:
            raise self._fail(exc) from None

    def list_escalations(self, status: str | None = None) -> list[dict[str, Any]]:
        where, args = (" WHERE status = %s", (status,)) if status else ("", ())
        return self._read(f"SELECT {','.join(ESCALATION_COLUMNS)} FROM escalations{where} "
                          "ORDER BY priority IS DISTINCT FROM 'urgent', ts, id", args)

    def get_escalation(self, esc_id: str) -> dict[str, Any] | None:
        rows = self._read(f"SELECT {','.join(ESCALATION_COLUMNS)} FROM escalations WHERE id = %s", (esc_id,))
        return rows[0] if rows else None

    def query_events(self, *, policy: str | None = None, verdict: str | None = None, since: str | None = None,
                     after_seq: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        where, args = ["seq > %s"], [after_seq]
        for clause, value in (("verdict = %s", verdict), ("ts >= %s", since), (_POLICY_FILTER, policy)):
            if value:
                where.append(clause)
                args.append(value)
        sql = f"SELECT seq, body, prev_hash, hash FROM events WHERE {' AND '.join(where)} ORDER BY seq"
        if limit is not None:
            sql = f"SELECT * FROM ({sql} DESC LIMIT %s) newest ORDER BY seq"
            args.append(int(limit))
        return [_row_event(r) for r in self._read(sql, args)]

    def page_events(self, after: int, n: int) -> list[dict[str, Any]]:
        return [_row_event(r) for r in self._read(
            "SELECT seq, body, prev_hash, hash FROM events WHERE seq > %s ORDER BY seq LIMIT %s", (after, n))]

    def last_seq(self) -> int:
        return int(self._read("SELECT coalesce(max(seq), 0) AS seq FROM events")[0]["seq"])

    def verify(self) -> VerifyResult:
        """The whole chain in one REPEATABLE READ snapshot, streamed through a server-side cursor."""
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                seq, head_hash, anchor_seq, anchor_prev = conn.execute(_HEAD).fetchone()
                meta = {"head_seq": str(seq), "head_hash": head_hash, "anchor_seq": str(anchor_seq),
                        "anchor_prev_hash": anchor_prev}
                with conn.cursor(name="packgate_verify") as cur:
                    cur.itersize = 5000
                    cur.execute(CHAIN_SELECT)
                    return check_chain(meta, cur)
        except (PoolTimeout, psycopg.Error) as exc:
            raise self._fail(exc) from None

    def close(self) -> None:
        self._pool.close()
