"""The audit log: one hash-chained event per gateway request, in SQLite, written off the request path.

Why it looks like this:

* **Tamper evidence.** Every event row stores ``hash = sha256(prev_hash || canonical_json(event))``
  (genesis ``prev_hash`` = 64 zeros) and a head pointer (``head_seq``/``head_hash``) lives in ``meta``,
  updated in the same transaction. :func:`verify` walks the chain and names the first bad ``seq``:
  a modified body, a deleted / inserted / reordered row, an edited index column or a truncated tail.
  Someone able to rewrite the whole chain *and* ``meta`` is out of reach of any self-contained check;
  anchor ``verify``'s head hash somewhere else (a ticket, a log shipper) for that.
* **No raw text.** :meth:`AuditLog.record` accepts only the keys in :data:`EVENT_KEYS` with bounded,
  shape-checked values, so prompt or output text cannot be smuggled in later. Prompts are represented
  by :func:`prompt_hmac` only.
* **Off the request path.** ``record`` validates, stamps ``id``/``ts`` and appends to an in-memory queue;
  one background thread writes batches, one transaction per batch.
* **Failure mode (fail closed).** If a batch cannot be written (disk full, database locked, I/O error)
  nothing is dropped: the batch stays at the head of the queue and is retried with back-off, and
  :attr:`AuditLog.healthy` turns False with :attr:`AuditLog.last_error` set. The gateway checks
  ``healthy`` before forwarding and answers **503 ``audit_unavailable``** (recording an event for that
  refusal too, which waits in the queue) until a write succeeds again. The queue is bounded
  (:data:`DEFAULT_MAX_QUEUE`); when full, ``record`` raises :class:`AuditUnavailable`. On ``close``
  the queue is drained; whatever still cannot be written by the deadline is spooled to
  ``<db>.spool`` (JSON lines, fsynced) and replayed into the chain by the next ``open``.
"""

from __future__ import annotations

import collections
import datetime as _dt
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import orjson

log = logging.getLogger("packgate.audit")

DEFAULT_AUDIT_DB = "./packgate-audit.db"
"""Where the gateway and the ``events`` / ``escalations`` commands look without ``--audit-db``."""

GENESIS_HASH = "0" * 64
DEFAULT_MAX_QUEUE = 100_000
BATCH_SIZE = 500
LINGER_S = 0.02  # the writer gathers events this long before a transaction (skipped on flush/close)
MAX_STRING = 512  # per string value; long enough for ids, codes, policy messages; too short for a chart note
MAX_BODY = 64 * 1024
HMAC_ENV = "PACKGATE_AUDIT_HMAC_KEY"

VERDICTS = frozenset(
    {
        "allowed", "denied", "blocked", "escalated", "upstream_error", "policy_unavailable",
        "bad_request", "audit_unavailable", "internal_error",
        "escalation_resolved", "retention_purge",
    }
)

# Allow-list of top-level event keys. The first block is docs/decision-api.md's audit event; the rest:
#   route/endpoint/stream/model/tools/sensitivity/error_code  request facts (names, never content)
#   output_hmac                     HMAC of the delivered/held output (same key as prompt_hmac)
#   outcome/related_event_id        on `escalation_resolved` events
#   purge                           on `retention_purge` events {through_seq, count, anchor_hash, older_than_days}
EVENT_KEYS = frozenset(
    {
        "id", "ts", "pack", "pack_version", "bundle_revision", "decision_ids", "verdict", "status",
        "reasons", "user_id", "role", "target", "excluded_targets", "redactions", "prompt_hmac",
        "latency_ms", "escalation_id",
        "route", "endpoint", "stream", "model", "tools", "sensitivity", "error_code",
        "output_hmac", "outcome", "related_event_id", "purge",
    }
)
_TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_REASON_KEYS = frozenset({"policy", "code", "status", "param"})
_EXCLUDED_KEYS = frozenset({"id", "reasons"})
_EXCLUDED_REASON_KEYS = frozenset({"code", "message"})


class AuditError(Exception):
    """A problem with the audit store that a CLI reports in one line."""


class AuditUnavailable(AuditError):
    """The audit log cannot accept events (queue full, closed, store unwritable at open)."""


# ---------------------------------------------------------------- hashing, ids, time


def _stdlib_canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


_ORJSON_CANONICAL = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
                     | orjson.OPT_PASSTHROUGH_SUBCLASS)
# A number token orjson may write differently from the stdlib: an exponent (`1e-7` vs `1e-07`) or a
# small fraction (`0.00001` vs `1e-05`). Matches inside strings too; such bodies simply take the slow path.
_ODD_NUMBER = re.compile(rb"(?:^|[:,\[])-?(?:0\.0000|\d+(?:\.\d+)?[eE])")


def canonical_json(obj: Any) -> str:
    """The exact bytes the chain hashes: sorted keys, no whitespace, UTF-8.

    Defined as the stdlib's ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)``. orjson produces the same text ~10x faster for the shapes events have (strings,
    ints, bools, null, plain floats); anything where the two could differ (floats it would write in
    another notation, ints beyond 64 bits, non-string keys, subclasses, types json refuses) goes to the
    stdlib. NaN/infinity never get here from :meth:`AuditLog.record` (:func:`validate_event` refuses them).
    """
    try:
        out = orjson.dumps(obj, option=_ORJSON_CANONICAL)
    except TypeError:
        return _stdlib_canonical(obj)
    if _ODD_NUMBER.search(out):
        return _stdlib_canonical(obj)
    return out.decode("utf-8")


def chain_hash(prev_hash: str, body: str) -> str:
    """sha256(prev_hash || body) as hex."""
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def new_event_id() -> str:
    """A time-sortable unique id (UUIDv7 layout: 48-bit ms timestamp, then random bits).

    The gateway may call this to know an event's id before recording it (e.g. to open an escalation).
    """
    ms = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def utc_now() -> str:
    """UTC timestamp with microseconds, ISO 8601 with Z (sorts lexicographically)."""
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ts_before(seconds: float) -> str:
    """The timestamp `seconds` ago, in the stored format (for `--since` and retention)."""
    t = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_hmac_key: bytes | None = None
_hmac_lock = threading.Lock()


def prompt_hmac(text: str) -> str:
    """HMAC-SHA256 (hex) of a prompt or output, so equal texts can be matched without storing them.

    The key is ``$PACKGATE_AUDIT_HMAC_KEY`` (UTF-8). Without it a random per-process key is used and a
    warning logged once: HMACs are then only comparable within this process.
    """
    global _hmac_key
    env = os.environ.get(HMAC_ENV)
    if env:
        key = env.encode("utf-8")
    else:
        with _hmac_lock:
            if _hmac_key is None:
                _hmac_key = secrets.token_bytes(32)
                log.warning("%s is not set: prompt HMACs use a random per-process key and are "
                            "not comparable across restarts", HMAC_ENV)
            key = _hmac_key
    return hmac.digest(key, text.encode("utf-8", "surrogatepass"), "sha256").hex()  # one-shot: no HMAC object


# ---------------------------------------------------------------- event validation


def _check_value(path: str, value: Any, depth: int = 0) -> None:
    if depth > 6:
        raise ValueError(f"audit event: {path} is nested too deeply")
    if value is None or isinstance(value, (bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"audit event: {path} is not a finite number")
        return
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValueError(f"audit event: {path} is longer than {MAX_STRING} characters")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_value(f"{path}[{i}]", item, depth + 1)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"audit event: {path} has a non-string key")
            _check_value(f"{path}.{k}", v, depth + 1)
        return
    raise ValueError(f"audit event: {path} has unsupported type {type(value).__name__}")


def _check_dict_list(name: str, value: Any, allowed: frozenset[str]) -> None:
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise ValueError(f"audit event: {name} must be a list of objects")
    for i, item in enumerate(value):
        extra = set(item) - allowed
        if extra:
            raise ValueError(f"audit event: {name}[{i}] has unknown keys {sorted(extra)}")


def validate_event(event: dict[str, Any]) -> None:
    """Raise ValueError unless `event` uses only allowed keys and bounded, text-free shapes."""
    if not isinstance(event, dict):
        raise ValueError("audit event must be a dict")
    unknown = set(event) - EVENT_KEYS
    if unknown:
        raise ValueError(f"audit event: unknown keys {sorted(unknown)} (allowed: see EVENT_KEYS)")
    verdict = event.get("verdict")
    if verdict not in VERDICTS:
        raise ValueError(f"audit event: verdict must be one of {sorted(VERDICTS)}")
    if "id" in event and not (isinstance(event["id"], str) and 0 < len(event["id"]) <= 64):
        raise ValueError("audit event: id must be a non-empty string of at most 64 characters")
    if "ts" in event and not (isinstance(event["ts"], str) and _TS_RE.fullmatch(event["ts"])):
        raise ValueError("audit event: ts must be UTC ISO 8601 with microseconds and Z")
    if "reasons" in event:
        _check_dict_list("reasons", event["reasons"], _REASON_KEYS)
    if "excluded_targets" in event:
        _check_dict_list("excluded_targets", event["excluded_targets"], _EXCLUDED_KEYS)
        for t in event["excluded_targets"]:
            _check_dict_list("excluded_targets[].reasons", t.get("reasons", []), _EXCLUDED_REASON_KEYS)
    if "redactions" in event:
        r = event["redactions"]
        if not isinstance(r, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in r.values()):
            raise ValueError("audit event: redactions must map category to count")
    for key in ("latency_ms", "decision_ids"):
        if key in event and not isinstance(event[key], dict):
            raise ValueError(f"audit event: {key} must be an object")
    for key, value in event.items():
        _check_value(key, value)


# ---------------------------------------------------------------- schema

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
    pack TEXT,
    verdict TEXT NOT NULL,
    status INTEGER,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_ts ON events(ts);
CREATE INDEX IF NOT EXISTS events_verdict ON events(verdict, seq);
CREATE INDEX IF NOT EXISTS events_pack ON events(pack, seq);
CREATE TABLE IF NOT EXISTS escalations (
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
    outcome_reason TEXT
);
CREATE INDEX IF NOT EXISTS escalations_status ON escalations(status, ts);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES
    ('schema_version', '1'), ('head_seq', '0'), ('head_hash', '0000000000000000000000000000000000000000000000000000000000000000'),
    ('anchor_seq', '1'), ('anchor_prev_hash', '0000000000000000000000000000000000000000000000000000000000000000');
"""

ESCALATION_COLUMNS = ("id", "event_id", "ts", "pack", "user_id", "role", "policy", "reason", "status",
                      "resolved_by", "resolved_at", "outcome_reason")


def _connect(path: str | Path, *, busy_ms: int = 250) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=busy_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def connect_readonly(path: str | Path, *, busy_ms: int = 2000) -> sqlite3.Connection:
    """Open an existing audit db for reading; AuditError with a one-line reason otherwise."""
    p = Path(path)
    if not p.is_file():
        raise AuditError(f"audit database not found: {p}")
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               timeout=busy_ms / 1000)
        conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        conn.row_factory = sqlite3.Row
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {p}: {_describe(exc)}") from None
    if not {"events", "escalations", "meta"} <= names:
        conn.close()
        raise AuditError(f"not a packgate audit database: {p}")
    return conn


def _describe(exc: BaseException) -> str:
    """Exception text for logs/CLI; sqlite messages never carry row values."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM meta")}


def _append(conn: sqlite3.Connection, items: list[tuple[Any, ...]]) -> None:
    """Write queued items inside the caller's transaction; extends the chain from meta's head."""
    m = _meta(conn)
    head_seq, head_hash = int(m["head_seq"]), m["head_hash"]
    for item in items:
        kind, data = item[0], item[1]
        if kind == "event":
            body = item[2] if len(item) > 2 else canonical_json(data)  # record() already encoded it
            h = chain_hash(head_hash, body)
            # an id already stored (spool replay) is skipped; any other conflict (seq) still fails the batch
            cur = conn.execute(
                "INSERT INTO events(seq, id, ts, pack, verdict, status, body, prev_hash, hash) "
                "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
                (head_seq + 1, data["id"], data["ts"], data.get("pack"), data["verdict"], data.get("status"),
                 body, head_hash, h),
            )
            if cur.rowcount == 0:
                log.warning("audit: event %s already stored; skipped (spool replay)", data["id"])
                continue
            head_seq += 1
            head_hash = h
        elif kind == "escalation":
            conn.execute(
                f"INSERT OR IGNORE INTO escalations({','.join(ESCALATION_COLUMNS)}) "
                f"VALUES ({','.join('?' * len(ESCALATION_COLUMNS))})",
                tuple(data.get(c) for c in ESCALATION_COLUMNS),
            )
        else:  # pragma: no cover - internal
            raise AssertionError(kind)
    conn.executemany("UPDATE meta SET value=? WHERE key=?",
                     [(str(head_seq), "head_seq"), (head_hash, "head_hash")])


def _transaction(conn: sqlite3.Connection, fn, *args) -> Any:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args)
        conn.execute("COMMIT")
        return result
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        raise


def init_db(path: str | Path) -> None:
    """Create the schema (WAL mode) if missing."""
    conn = _connect(path, busy_ms=5000)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
    finally:
        conn.close()


# ---------------------------------------------------------------- the log


class AuditLog:
    """Queue + single background writer thread over one SQLite audit db. Thread-safe."""

    def __init__(self, path: str | Path, *, max_queue: int = DEFAULT_MAX_QUEUE, batch_size: int = BATCH_SIZE,
                 busy_ms: int = 250, retry_max_s: float = 1.0, linger_s: float = LINGER_S) -> None:
        self.path = Path(path)
        self.spool_path = Path(str(self.path) + ".spool")
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.busy_ms = busy_ms
        self.retry_max_s = retry_max_s
        self.linger_s = linger_s
        self._flushers = 0
        # ("event", event, canonical body) or ("escalation", row)
        self._queue: collections.deque[tuple[Any, ...]] = collections.deque()
        self._cond = threading.Condition()
        self._closing = False
        self._abandon = False
        self._closed = False
        self._failing = False
        self.last_error: str | None = None
        self.written = 0
        self._thread: threading.Thread | None = None

    # -- lifecycle

    @classmethod
    def open(cls, path: str | Path = DEFAULT_AUDIT_DB, *, create: bool = True, **kwargs: Any) -> "AuditLog":
        """Open (creating if allowed) the db, replay any spool, start the writer thread.

        Raises AuditUnavailable if the store cannot be opened or the spool cannot be replayed:
        a gateway must not start serving without a writable audit store.
        """
        self = cls(path, **kwargs)
        if not create and not self.path.is_file():
            raise AuditError(f"audit database not found: {self.path}")
        try:
            init_db(self.path)
            self._replay_spool()
        except sqlite3.Error as exc:
            raise AuditUnavailable(f"cannot open audit database {self.path}: {_describe(exc)}") from None
        self._thread = threading.Thread(target=self._run, name="packgate-audit-writer", daemon=True)
        self._thread.start()
        import atexit

        atexit.register(self.close)
        return self

    def __enter__(self) -> "AuditLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def healthy(self) -> bool:
        """False while writes fail, the queue is full, or the log is closed: the gateway answers 503."""
        return (not self._closed and not self._failing and self._thread is not None and self._thread.is_alive()
                and len(self._queue) < self.max_queue)

    @property
    def pending(self) -> int:
        """Items recorded but not yet committed."""
        return len(self._queue)

    def record(self, event: dict[str, Any]) -> str:
        """Validate, stamp id/ts, enqueue; returns the event id. Never touches the disk.

        Raises ValueError for an event outside the schema, AuditUnavailable if closed or the queue is full.
        """
        event = dict(event)
        validate_event(event)
        event.setdefault("id", new_event_id())
        event.setdefault("ts", utc_now())
        try:
            body = canonical_json(event)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"audit event is not JSON-serialisable: {type(exc).__name__}") from None
        if len(body) > MAX_BODY // 4 and len(body.encode("utf-8")) > MAX_BODY:  # <= 4 UTF-8 bytes per char
            raise ValueError(f"audit event larger than {MAX_BODY} bytes")
        self._enqueue(("event", event, body))
        return event["id"]

    def open_escalation(self, event_id: str, pack: str | None, user_id: str | None, role: str | None,
                        policy: str | None, reason: str | None) -> str:
        """Queue a new open escalation for `event_id`; returns its id (``esc_<hex>``). Non-blocking.

        `reason` is a reason code / policy message, never model output. The row is written by the
        writer thread in order with events, so it becomes visible after the next flush.
        """
        row = {"event_id": event_id, "pack": pack, "user_id": user_id, "role": role, "policy": policy,
               "reason": reason}
        _check_value("escalation", row)
        esc_id = "esc_" + uuid.uuid4().hex
        self._enqueue(("escalation", {**row, "id": esc_id, "ts": utc_now(), "status": "open"}))
        return esc_id

    def _enqueue(self, item: tuple[Any, ...]) -> None:
        with self._cond:
            if self._closed or self._closing:
                raise AuditUnavailable("audit log is closed")
            n = len(self._queue)
            if n >= self.max_queue:
                raise AuditUnavailable(f"audit queue full ({self.max_queue} pending): store not writable")
            self._queue.append(item)
            # wake the writer only when it may be idle (queue was empty) or its batch is full; a writer
            # with items in hand is writing, lingering (timed) or backing off (timed) and looks again itself
            if n == 0 or n + 1 == self.batch_size:
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything recorded so far is committed; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._flushers += 1  # the writer stops lingering while someone waits
            self._cond.notify_all()
            try:
                while self._queue:
                    if self._thread is None or not self._thread.is_alive():
                        return False
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining if remaining is not None else 0.5)
                return True
            finally:
                self._flushers -= 1

    def close(self, timeout: float = 10.0) -> int:
        """Drain the queue (retrying through transient faults until `timeout`), stop the writer.

        Whatever could not be committed by then is spooled to ``<db>.spool`` for the next open to replay.
        Returns the number of items spooled (0 normally). Idempotent; safe from a signal/shutdown hook.
        """
        with self._cond:
            if self._closed:
                return 0
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                with self._cond:
                    self._abandon = True
                    self._cond.notify_all()
                self._thread.join(self.busy_ms / 1000 + self.retry_max_s + 5)
        import atexit

        atexit.unregister(self.close)
        with self._cond:
            self._closed = True
            leftover = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        if leftover:
            self._spool(leftover)
        return len(leftover)

    # -- writer thread

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        backoff = 0.02
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if self._abandon or (self._closing and not self._queue):
                    break
                if self.linger_s > 0 and not self._failing:  # gather a batch: one commit for many events
                    until = time.monotonic() + self.linger_s
                    while (len(self._queue) < self.batch_size and not self._closing and not self._flushers
                           and (left := until - time.monotonic()) > 0):
                        self._cond.wait(left)
                batch = list(self._queue)[: self.batch_size] if len(self._queue) > self.batch_size \
                    else list(self._queue)
            try:
                if conn is None:
                    conn = _connect(self.path, busy_ms=self.busy_ms)
                _transaction(conn, _append, batch)
            except Exception as exc:  # keep the batch; report; retry
                self.last_error = _describe(exc)
                if not self._failing:
                    log.error("audit store not writable (%s); %d events held in memory, retrying",
                              self.last_error, len(self._queue))
                self._failing = True
                if conn is not None and "locked" not in str(exc) and "busy" not in str(exc):
                    try:  # after an I/O error start from a fresh connection
                        conn.close()
                    except sqlite3.Error:
                        pass
                    conn = None
                retry_at = time.monotonic() + backoff
                with self._cond:  # records notify this condition; sleep the full back-off regardless
                    while not self._abandon and (left := retry_at - time.monotonic()) > 0:
                        self._cond.wait(left)
                backoff = min(backoff * 2, self.retry_max_s)
                continue
            with self._cond:
                for _ in batch:
                    self._queue.popleft()
                self.written += len(batch)
                self._cond.notify_all()
            if self._failing:
                log.warning("audit store writable again; backlog written")
            self._failing = False
            backoff = 0.02
        if conn is not None:
            conn.close()

    # -- spool

    def _spool(self, items: list[tuple[Any, ...]]) -> None:
        try:
            with open(self.spool_path, "a", encoding="utf-8") as f:
                for kind, data, *_ in items:
                    f.write(canonical_json({"kind": kind, "data": data}) + "\n")
                f.flush()
                os.fsync(f.fileno())
            log.error("audit store not writable at shutdown: %d items spooled to %s", len(items), self.spool_path)
        except OSError as exc:
            log.critical("audit: %d events LOST, cannot spool to %s (%s)", len(items), self.spool_path,
                         _describe(exc))

    def _replay_spool(self) -> None:
        if not self.spool_path.is_file():
            return
        items = []
        for line in self.spool_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                items.append((rec["kind"], rec["data"]))
        conn = _connect(self.path, busy_ms=5000)
        try:
            _transaction(conn, _append, items)  # _append skips ids already stored: replay is idempotent
        finally:
            conn.close()
        self.spool_path.unlink()
        log.warning("audit: replayed %d spooled items from %s", len(items), self.spool_path)

    # -- escalations and retention (synchronous; operator-facing, not on the request path)

    def resolve(self, esc_id: str, outcome: str, reason: str, resolved_by: str) -> str:
        """Flush, then :func:`resolve_escalation` on this log's db."""
        self.flush(5.0)
        return resolve_escalation(self.path, esc_id, outcome, reason, resolved_by)

    def list_escalations(self, status: str | None = None) -> list[dict[str, Any]]:
        """Flush, then :func:`list_escalations` on this log's db."""
        self.flush(5.0)
        return list_escalations(self.path, status)

    def get_escalation(self, esc_id: str) -> dict[str, Any] | None:
        """Flush, then :func:`get_escalation` on this log's db."""
        self.flush(5.0)
        return get_escalation(self.path, esc_id)

    def purge(self, older_than_days: float) -> int:
        """Flush, then :func:`purge` on this log's db."""
        self.flush(5.0)
        return purge(self.path, older_than_days)


# ---------------------------------------------------------------- escalations, retention


def _write_txn(db: str | Path, fn, busy_ms: int) -> Any:
    p = Path(db)
    if not p.is_file():
        raise AuditError(f"audit database not found: {p}")
    try:
        conn = _connect(p, busy_ms=busy_ms)
    except sqlite3.Error as exc:
        raise AuditError(f"cannot open audit database {p}: {_describe(exc)}") from None
    try:
        return _transaction(conn, fn)
    except sqlite3.Error as exc:
        raise AuditError(f"cannot write audit database {p}: {_describe(exc)}") from None
    finally:
        conn.close()


def resolve_escalation(db: str | Path, esc_id: str, outcome: str, reason: str, resolved_by: str, *,
                       busy_ms: int = 5000) -> str:
    """Approve or reject an open escalation and write an `escalation_resolved` event in the same
    transaction, so the chain records who decided what. Returns that event's id.

    `reason` is the reviewer's note; it is stored on the escalation row only (keep PHI out of it).
    Raises KeyError (unknown id), ValueError (bad outcome or already resolved), AuditError (store).
    """
    if outcome not in ("approve", "reject"):
        raise ValueError("outcome must be approve or reject")
    _check_value("reason", reason)
    _check_value("resolved_by", resolved_by)
    status = "approved" if outcome == "approve" else "rejected"

    def txn(conn: sqlite3.Connection) -> str:
        row = conn.execute("SELECT event_id, pack, policy, status FROM escalations WHERE id=?",
                           (esc_id,)).fetchone()
        if row is None:
            raise KeyError(esc_id)
        event_id, pack, policy, current = row
        if current != "open":
            raise ValueError(f"escalation {esc_id} is already {current}")
        now = utc_now()
        conn.execute("UPDATE escalations SET status=?, resolved_by=?, resolved_at=?, outcome_reason=? "
                     "WHERE id=?", (status, resolved_by, now, reason, esc_id))
        event = {"id": new_event_id(), "ts": now, "verdict": "escalation_resolved", "pack": pack,
                 "escalation_id": esc_id, "related_event_id": event_id, "outcome": status,
                 "user_id": resolved_by,
                 "reasons": [{"policy": policy or "human-oversight", "code": f"escalation_{status}"}]}
        validate_event(event)
        _append(conn, [("event", event)])
        return event["id"]

    return _write_txn(db, txn, busy_ms)


def purge(db: str | Path, older_than_days: float, *, busy_ms: int = 5000) -> int:
    """Delete events older than the cutoff, re-anchor the chain in `meta`, and record a
    `retention_purge` event naming the anchor (so verify can tell a purge from a deletion).

    Run ``packgate events export`` first: purged events are gone. Resolved escalations older than
    the cutoff go too; open ones stay. Returns the number of events deleted.
    """
    if older_than_days < 0:
        raise ValueError("older_than_days must be >= 0")
    cutoff = ts_before(older_than_days * 86400)

    def txn(conn: sqlite3.Connection) -> int:
        through = conn.execute("SELECT max(seq) FROM events WHERE ts < ?", (cutoff,)).fetchone()[0]
        if through is None:
            return 0
        anchor_hash = conn.execute("SELECT hash FROM events WHERE seq=?", (through,)).fetchone()[0]
        n = conn.execute("DELETE FROM events WHERE seq <= ?", (through,)).rowcount
        conn.execute("DELETE FROM escalations WHERE status != 'open' AND ts < ?", (cutoff,))
        conn.executemany("UPDATE meta SET value=? WHERE key=?",
                         [(str(through + 1), "anchor_seq"), (anchor_hash, "anchor_prev_hash")])
        event = {"id": new_event_id(), "ts": utc_now(), "verdict": "retention_purge",
                 "purge": {"through_seq": through, "count": n, "anchor_hash": anchor_hash,
                           "older_than_days": older_than_days}}
        _append(conn, [("event", event)])
        return n

    return _write_txn(db, txn, busy_ms)


# ---------------------------------------------------------------- reading


def list_escalations(db: str | Path, status: str | None = None) -> list[dict[str, Any]]:
    """Escalations, oldest first, optionally filtered by status (open|approved|rejected)."""
    conn = connect_readonly(db)
    try:
        sql = f"SELECT {','.join(ESCALATION_COLUMNS)} FROM escalations"
        args: tuple = ()
        if status:
            sql += " WHERE status=?"
            args = (status,)
        return [dict(r) for r in conn.execute(sql + " ORDER BY ts, id", args)]
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {db}: {_describe(exc)}") from None
    finally:
        conn.close()


def get_escalation(db: str | Path, esc_id: str) -> dict[str, Any] | None:
    """One escalation by id, or None."""
    conn = connect_readonly(db)
    try:
        r = conn.execute(f"SELECT {','.join(ESCALATION_COLUMNS)} FROM escalations WHERE id=?", (esc_id,)).fetchone()
        return dict(r) if r else None
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {db}: {_describe(exc)}") from None
    finally:
        conn.close()


def _row_event(r: sqlite3.Row) -> dict[str, Any]:
    event = json.loads(r["body"])
    event.update(seq=r["seq"], prev_hash=r["prev_hash"], hash=r["hash"])
    return event


def query_events(db: str | Path, *, policy: str | None = None, verdict: str | None = None,
                 since: str | None = None, after_seq: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """Events (body + seq/prev_hash/hash) in chain order; `limit` keeps the newest N."""
    where, args = ["seq > ?"], [after_seq]
    if verdict:
        where.append("verdict = ?")
        args.append(verdict)
    if since:
        where.append("ts >= ?")
        args.append(since)
    if policy:
        where.append("EXISTS (SELECT 1 FROM json_each(events.body, '$.reasons') r "
                     "WHERE json_extract(r.value, '$.policy') = ?)")
        args.append(policy)
    sql = f"SELECT seq, body, prev_hash, hash FROM events WHERE {' AND '.join(where)} ORDER BY seq"
    if limit is not None:
        sql = f"SELECT * FROM ({sql} DESC LIMIT ?) ORDER BY seq"
        args.append(int(limit))
    conn = connect_readonly(db)
    try:
        return [_row_event(r) for r in conn.execute(sql, args)]
    except (sqlite3.Error, ValueError) as exc:
        raise AuditError(f"cannot read audit database {db}: {_describe(exc)}") from None
    finally:
        conn.close()


def iter_events(db: str | Path, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every event in chain order, streamed (for export)."""
    after = 0
    while True:
        chunk = _page(db, after, batch)
        if not chunk:
            return
        yield from chunk
        after = chunk[-1]["seq"]


def _page(db: str | Path, after: int, n: int) -> list[dict[str, Any]]:
    conn = connect_readonly(db)
    try:
        return [_row_event(r) for r in conn.execute(
            "SELECT seq, body, prev_hash, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after, n))]
    except (sqlite3.Error, ValueError) as exc:
        raise AuditError(f"cannot read audit database {db}: {_describe(exc)}") from None
    finally:
        conn.close()


# ---------------------------------------------------------------- verification


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None


def verify(db: str | Path) -> VerifyResult:
    """Walk the chain from its anchor; report the first bad seq and why. Read-only."""
    conn = connect_readonly(db)
    try:
        conn.execute("BEGIN")  # one consistent snapshot while the gateway keeps writing
        m = _meta(conn)
        return _verify(conn, m)
    except sqlite3.Error as exc:
        raise AuditError(f"cannot read audit database {db}: {_describe(exc)}") from None
    finally:
        conn.close()


def _verify(conn: sqlite3.Connection, m: dict[str, str]) -> VerifyResult:
    try:
        expected, prev = int(m["anchor_seq"]), m["anchor_prev_hash"]
        head_seq, head_hash = int(m["head_seq"]), m["head_hash"]
    except (KeyError, ValueError):
        return VerifyResult(False, 0, 0, "", 0, "meta table damaged (chain anchor/head missing)")
    checked = 0
    last_purge: dict[str, Any] | None = None

    def bad(seq: int, why: str) -> VerifyResult:
        return VerifyResult(False, checked, head_seq, head_hash, seq, why)

    cur = conn.execute("SELECT seq, id, ts, pack, verdict, status, body, prev_hash, hash FROM events ORDER BY seq")
    for seq, id_, ts, pack, verdict, status, body, prev_hash, h in cur:
        if seq != expected:
            if seq < expected:
                return bad(seq, f"event before the chain anchor (seq {expected}): inserted row")
            return bad(expected, f"event missing: expected seq {expected}, next is {seq} (row deleted)")
        if prev_hash != prev:
            return bad(seq, "prev_hash does not match the previous event's hash (row inserted, deleted or reordered)")
        if chain_hash(prev, body) != h:
            return bad(seq, "hash does not match body (event modified or rows reordered)")
        try:
            event = json.loads(body)
        except ValueError:
            return bad(seq, "body is not JSON")
        if canonical_json(event) != body:
            return bad(seq, "body is not canonical JSON")
        for col, val in (("id", id_), ("ts", ts), ("pack", pack), ("verdict", verdict), ("status", status)):
            if event.get(col) != val:
                return bad(seq, f"column {col} differs from the hashed body (index column edited)")
        if verdict == "retention_purge":
            last_purge = event.get("purge")
        prev, expected, checked = h, expected + 1, checked + 1
    last = expected - 1
    if last < head_seq:
        return bad(last + 1, f"chain ends at seq {last} but the head records seq {head_seq} (tail truncated)")
    if last > head_seq or prev != head_hash:
        return bad(head_seq + 1 if last > head_seq else last,
                   f"chain head (seq {last}) differs from the recorded head (seq {head_seq}): rows appended or head edited")
    anchor = int(m["anchor_seq"])
    if anchor != 1:
        if not last_purge or last_purge.get("through_seq") != anchor - 1 \
                or last_purge.get("anchor_hash") != m["anchor_prev_hash"]:
            return bad(anchor, "chain anchor moved without a matching retention_purge event (rows deleted)")
    elif last_purge is not None and last_purge.get("through_seq") != 0:
        return bad(1, "a retention_purge event exists but the chain starts at seq 1 (anchor reset)")
    return VerifyResult(True, checked, head_seq, head_hash)
