"""Audit events: their shape (validated before queueing), canonical JSON, chain hashes, ids, HMACs."""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import threading
import time
import uuid
from typing import Any

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
        "bad_request", "audit_unavailable", "internal_error", "overloaded",
        "escalation_resolved", "retention_purge", "bundle_activated", "bundle_rejected",
        # human review (runtime/review): one event per state change, by the reviewer (or `system` on expiry)
        "review_claimed", "review_approved", "review_edited", "review_rejected", "review_delivered",
        "review_expired",
    }
)

# Allow-list of top-level event keys. The first block is docs/decision-api.md's audit event; the rest:
#   route/endpoint/stream/model/tools/sensitivity/error_code  request facts (names, never content)
#   output_hmac                     HMAC of the delivered/held output (same key as prompt_hmac)
#   outcome/related_event_id        on `escalation_resolved` events
#   purge                           on `retention_purge` events {through_seq, count, anchor_hash, older_than_days}
#   failed_targets                  targets tried before the one that answered (or all, on a 502): [{id, reason}]
#   upstream_override               the URL that replaced every target's base_url (demo, `gateway run --upstream-override`)
#   bundle                          on `bundle_activated` / `bundle_rejected` events: {trigger (start|reload),
#                                   revision, previous_revision, packs {name: version}, signer (key id),
#                                   approved_by, ticket, errors [file:line:col lines or OPA's reason]}
EVENT_KEYS = frozenset(
    {
        "id", "ts", "pack", "pack_version", "bundle_revision", "decision_ids", "verdict", "status",
        "reasons", "user_id", "role", "target", "excluded_targets", "redactions", "prompt_hmac",
        "latency_ms", "escalation_id",
        "route", "endpoint", "stream", "model", "tools", "sensitivity", "error_code",
        "output_hmac", "outcome", "related_event_id", "purge", "failed_targets", "upstream_override", "bundle",
    }
)
_TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_REASON_KEYS = frozenset({"policy", "code", "status", "param"})
_EXCLUDED_KEYS = frozenset({"id", "reasons"})
_EXCLUDED_REASON_KEYS = frozenset({"code", "message"})
_FAILED_KEYS = frozenset({"id", "reason"})
_BUNDLE_KEYS = frozenset({"trigger", "revision", "previous_revision", "packs", "signer", "approved_by", "ticket",
                          "errors"})


class AuditError(Exception):
    """A problem with the audit store that a CLI reports in one line."""


class AuditUnavailable(AuditError):
    """The audit log cannot accept events (queue full, closed, store unwritable at open)."""



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


def check_value(path: str, value: Any, depth: int = 0) -> None:
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
            check_value(f"{path}[{i}]", item, depth + 1)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"audit event: {path} has a non-string key")
            check_value(f"{path}.{k}", v, depth + 1)
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
    if "failed_targets" in event:
        _check_dict_list("failed_targets", event["failed_targets"], _FAILED_KEYS)
    if "bundle" in event:
        b = event["bundle"]
        if not isinstance(b, dict) or set(b) - _BUNDLE_KEYS:
            raise ValueError(f"audit event: bundle must be an object with keys from {sorted(_BUNDLE_KEYS)}")
    if "redactions" in event:
        r = event["redactions"]
        if not isinstance(r, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in r.values()):
            raise ValueError("audit event: redactions must map category to count")
    for key in ("latency_ms", "decision_ids"):
        if key in event and not isinstance(event[key], dict):
            raise ValueError(f"audit event: {key} must be an object")
    for key, value in event.items():
        check_value(key, value)


EventRow = tuple[int, str, str, "str | None", str, "int | None", str, str, str]
"""(seq, id, ts, pack, verdict, status, body, prev_hash, hash): one chained row, in every store."""


def link(items: list[tuple[Any, ...]], head_seq: int, head_hash: str,
         stored: set[str]) -> tuple[list[EventRow], list[dict[str, Any]], int, str]:
    """Chain queued items onto the head: the event rows, the escalation rows, and the new head.

    Every store calls this inside the transaction that holds its chain head, so the chain is one
    sequence whoever writes. Ids in `stored` (already written: a spool replay) are skipped.
    """
    rows: list[EventRow] = []
    escalations: list[dict[str, Any]] = []
    for item in items:
        kind, data = item[0], item[1]
        if kind == "escalation":
            escalations.append(data)
            continue
        if kind != "event":  # pragma: no cover - internal
            raise AssertionError(kind)
        if data["id"] in stored:
            log.warning("audit: event %s already stored; skipped (spool replay)", data["id"])
            continue
        body = item[2] if len(item) > 2 else canonical_json(data)  # record() already encoded it
        h = chain_hash(head_hash, body)
        head_seq += 1
        rows.append((head_seq, data["id"], data["ts"], data.get("pack"), data["verdict"], data.get("status"),
                     body, head_hash, h))
        stored.add(data["id"])
        head_hash = h
    return rows, escalations, head_seq, head_hash
