"""The audit log (the writer): one hash-chained event per gateway request, written off the request path
into the store `--audit-db` names (a SQLite file, or PostgreSQL for a fleet: see `stores`).

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
  the store's spool file (``<db>.spool`` beside SQLite; ``packgate-audit-pg-<hash>.spool`` in the working
  directory for PostgreSQL: JSON lines, fsynced, under an exclusive lock so replicas on one host share it)
  and replayed into the chain by the next ``open``.
"""


from __future__ import annotations

import collections
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from .events import (
    BATCH_SIZE,
    DEFAULT_AUDIT_DB,
    DEFAULT_MAX_QUEUE,
    LINGER_S,
    MAX_BODY,
    AuditError,
    AuditUnavailable,
    canonical_json,
    check_value,
    new_event_id,
    utc_now,
    validate_event,
)
from .escalations import purge_in, resolve_in
from .store import describe_error
from .transaction import item_writer
from .stores import AuditStore, ChainWriter, open_store

log = logging.getLogger("packgate.audit")



class AuditLog:
    """Queue + single background writer thread over one audit store. Thread-safe."""

    def __init__(self, store: AuditStore, *, max_queue: int = DEFAULT_MAX_QUEUE, batch_size: int = BATCH_SIZE,
                 busy_ms: int = 250, retry_max_s: float = 1.0, linger_s: float = LINGER_S) -> None:
        self.store = store
        self.spool_path = store.spool_path
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
        store = open_store(path, create=create, busy_ms=kwargs.get("busy_ms", 250))
        self = cls(store, **kwargs)
        try:
            store.prepare()
            self._replay_spool()
        except AuditError:
            store.close()
            raise
        except Exception as exc:  # noqa: BLE001 - any store error: the gateway must not start
            store.close()
            raise AuditUnavailable(f"cannot open audit database {store.name}: {describe_error(exc)}") from None
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
    def path(self) -> str | Path:
        """What `--audit-db` names: the SQLite file, or the PostgreSQL URL (for the CLI and tests)."""
        return getattr(self.store, "path", self.store.locator)

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
                        policy: str | None, reason: str | None, priority: str | None = None) -> str:
        """Queue a new open escalation for `event_id`; returns its id (``esc_<hex>``). Non-blocking.

        `reason` is a reason code / policy message, never model output. The row is written by the
        writer thread in order with events, so it becomes visible after the next flush.
        """
        row = {"event_id": event_id, "pack": pack, "user_id": user_id, "role": role, "policy": policy,
               "reason": reason, "priority": priority}
        check_value("escalation", row)
        esc_id = "esc_" + uuid.uuid4().hex
        self._enqueue(("escalation", {**row, "id": esc_id, "ts": utc_now(), "status": "open"}))
        return esc_id

    def enqueue_item(self, kind: str, data: dict[str, Any]) -> None:
        """Queue a row another store writes (`register_item_writer`), in order with events. Non-blocking.

        `data` must be JSON (it may be spooled at shutdown); raises AuditUnavailable when closed or full."""
        if item_writer(kind) is None:
            raise ValueError(f"no writer registered for item kind {kind!r}")
        self._enqueue((kind, data))

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

        Whatever could not be committed by then is spooled (the store's spool file) for the next open to replay.
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
        self.store.close()
        return len(leftover)

    # -- writer thread

    def _run(self) -> None:
        writer: ChainWriter = self.store.writer()
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
                writer.append(batch)
            except Exception as exc:  # keep the batch; report; retry
                self.last_error = describe_error(exc)
                if not self._failing:
                    log.error("audit store not writable (%s); %d events held in memory, retrying",
                              self.last_error, len(self._queue))
                self._failing = True
                retry_at = time.monotonic() + backoff
                with self._cond:  # records notify this condition; sleep the full back-off regardless
                    while not self._abandon and (left := retry_at - time.monotonic()) > 0:
                        self._cond.wait(left)
                backoff = min(backoff * 2, self.retry_max_s)
                continue
            recovered = self._failing
            with self._cond:
                for _ in batch:
                    self._queue.popleft()
                self.written += len(batch)
                self._failing = False  # before waking a flusher: a completed flush sees a healthy log
                self._cond.notify_all()
            if recovered:
                log.warning("audit store writable again; backlog written")
            backoff = 0.02
        writer.close()

    # -- spool

    def _spool(self, items: list[tuple[Any, ...]]) -> None:
        try:
            with open(self.spool_path, "a", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)  # replicas on one host may share the file
                for kind, data, *_ in items:
                    f.write(canonical_json({"kind": kind, "data": data}) + "\n")
                f.flush()
                os.fsync(f.fileno())
            log.error("audit store not writable at shutdown: %d items spooled to %s", len(items), self.spool_path)
        except OSError as exc:
            log.critical("audit: %d events LOST, cannot spool to %s (%s)", len(items), self.spool_path,
                         describe_error(exc))

    def _replay_spool(self) -> None:
        if not self.spool_path.is_file():
            return
        with open(self.spool_path, "r+", encoding="utf-8") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # another replica spooling or replaying waits
            items = []
            for line in f.read().splitlines():
                if line.strip():
                    rec = json.loads(line)
                    items.append((rec["kind"], rec["data"]))
            if items:
                self.store.replay(items)  # ids already stored are skipped: replay is idempotent
            self.spool_path.unlink()
        log.warning("audit: replayed %d spooled items from %s", len(items), self.spool_path)

    # -- escalations and retention (synchronous; operator-facing, not on the request path)

    def resolve(self, esc_id: str, outcome: str, reason: str, resolved_by: str) -> str:
        """Flush, then resolve in this log's store (see `stores.resolve_escalation`)."""
        self.flush(5.0)
        return self.store.transaction(lambda t: resolve_in(t, esc_id, outcome, reason, resolved_by))

    def list_escalations(self, status: str | None = None) -> list[dict[str, Any]]:
        """Flush, then list this log's escalations."""
        self.flush(5.0)
        return self.store.list_escalations(status)

    def get_escalation(self, esc_id: str) -> dict[str, Any] | None:
        """Flush, then one of this log's escalations."""
        self.flush(5.0)
        return self.store.get_escalation(esc_id)

    def purge(self, older_than_days: float) -> int:
        """Flush, then purge this log's store."""
        self.flush(5.0)
        return self.store.transaction(lambda t: purge_in(t, older_than_days))
