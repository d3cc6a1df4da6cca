"""The audit log: one hash-chained event per gateway request, escalations, and the queries and
verification compliance runs over them. See `writer` for the guarantees."""

from __future__ import annotations

from .escalations import purge, resolve_escalation
from .events import (
    BATCH_SIZE,
    DEFAULT_AUDIT_DB,
    DEFAULT_MAX_QUEUE,
    EVENT_KEYS,
    GENESIS_HASH,
    HMAC_ENV,
    LINGER_S,
    MAX_BODY,
    MAX_STRING,
    VERDICTS,
    AuditError,
    AuditUnavailable,
    canonical_json,
    chain_hash,
    new_event_id,
    prompt_hmac,
    ts_before,
    utc_now,
    validate_event,
)
from .render import csv_cell, safe_json, safe_text
from .queries import get_escalation, iter_events, list_escalations, query_events
from .store import ESCALATION_COLUMNS, connect_readonly, init_db, register_item_writer
from .verify import VerifyResult, verify
from .writer import AuditLog

__all__ = [
    "AuditError",
    "AuditLog",
    "AuditUnavailable",
    "BATCH_SIZE",
    "DEFAULT_AUDIT_DB",
    "DEFAULT_MAX_QUEUE",
    "ESCALATION_COLUMNS",
    "EVENT_KEYS",
    "GENESIS_HASH",
    "HMAC_ENV",
    "LINGER_S",
    "MAX_BODY",
    "MAX_STRING",
    "VERDICTS",
    "VerifyResult",
    "canonical_json",
    "chain_hash",
    "connect_readonly",
    "csv_cell",
    "get_escalation",
    "init_db",
    "iter_events",
    "list_escalations",
    "new_event_id",
    "prompt_hmac",
    "purge",
    "query_events",
    "register_item_writer",
    "resolve_escalation",
    "safe_json",
    "safe_text",
    "ts_before",
    "utc_now",
    "validate_event",
    "verify",
]
