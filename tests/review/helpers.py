"""What the review tests share: the seed pack's route, reviewer tokens, one escalated request."""

from __future__ import annotations

import time
from typing import Any

import jwt

from tests.harness import CLINICIAN, JWT_SECRET, SEED_PACK

PACK = "behavioral-health-review-route"
ROUTE = f"/routes/{PACK}"
assert SEED_PACK.name == f"{PACK}.yaml"


def reviewer_token(sub: str = "rev-ana", role: str = "reviewer", ttl: int = 600) -> str:
    """A bearer JWT as the pack's rbac.jwt defaults verify it (HS256, `sub`, `role`)."""
    return jwt.encode({"sub": sub, "role": role, "exp": int(time.time()) + ttl}, JWT_SECRET, algorithm="HS256")


def bearer(sub: str = "rev-ana", role: str = "reviewer") -> dict[str, str]:
    return {"Authorization": f"Bearer {reviewer_token(sub, role)}"}


def escalate(client: Any, prompt: str = "Summarize the session notes.", headers: dict[str, str] | None = None,
             path: str = f"{ROUTE}/v1/chat/completions") -> str:
    """One chat request on the seed route; returns the escalation id of its held answer."""
    r = client.post(path, headers=headers or CLINICIAN,
                    json={"model": "llama3.1:70b", "messages": [{"role": "user", "content": prompt}]})
    assert r.status_code == 200, r.text
    body = r.json()
    esc_id = body["packgate"]["escalation_id"] if "choices" in body else body["packgate"]["escalation_id"]
    assert esc_id.startswith("esc_")
    return esc_id
