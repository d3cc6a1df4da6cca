"""Human review of escalated answers: the sealed store and its state machine (`store`), the key
(`sealing`). The gateway holds drafts here and serves the requester and the console from it; the
CLI works on the same store."""

from __future__ import annotations

from .sealing import KEY_ENV, KEY_FILE_ENV, ReviewKeyError, Sealer, SealError, load_sealer, new_key
from .store import (
    DELIVERED_RETENTION_S,
    PENDING,
    STATES,
    SYSTEM,
    Actor,
    Review,
    ReviewError,
    claim,
    content,
    decide,
    deliver,
    ensure_schema,
    get,
    held_row,
    queue,
    sweep,
    trail,
    ts_after,
)

__all__ = [
    "Actor",
    "DELIVERED_RETENTION_S",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "PENDING",
    "Review",
    "ReviewError",
    "ReviewKeyError",
    "STATES",
    "SYSTEM",
    "SealError",
    "Sealer",
    "claim",
    "content",
    "decide",
    "deliver",
    "ensure_schema",
    "get",
    "held_row",
    "load_sealer",
    "new_key",
    "queue",
    "sweep",
    "trail",
    "ts_after",
]
