"""What a client sees before it chats: the model lists and model facts of both APIs.

`/v1/models` and Ollama's `/api/tags`, `/api/ps` and `/api/show` list only targets the pack's routing
can ever choose: OPA's `info.routable` (the compiled routing decision), never a Python re-reading of
the pack. OPA not answering is a 503, as for chat. `/api/version` says which Ollama API is spoken.
These are not chat requests: nothing is forwarded to a model and no audit event is written.
"""

from __future__ import annotations

import time
from typing import Any

from packgate.runtime.opa.client import OpaUnavailable
from packgate.runtime.wire.errors import GatewayError

from .config import Route
from .outcome import Gateway

OLLAMA_API_VERSION = "0.17.4"  # the Ollama API these routes follow (tested against that release)


async def routable(gw: Gateway, route: Route) -> list[Any]:
    """The pack's targets routing can choose, in failover order, as OPA's `info` decision says."""
    try:
        decision = await gw.opa.decide(f"{route.data_path}/info", {})
    except OpaUnavailable:
        raise GatewayError(503, "policy_engine_unavailable", "the policy engine did not answer",
                           verdict="policy_unavailable") from None
    ids = decision.result.get("routable")
    if not isinstance(ids, list) or any(i not in route.targets for i in ids):
        raise GatewayError(503, "policy_engine_unavailable", "the policy engine gave no usable decision",
                           verdict="policy_unavailable")
    return [route.targets[i] for i in ids]


def openai_models(targets: list[Any]) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": t.id, "object": "model", "created": 0, "owned_by": t.provider,
                                        "packgate": {"model": t.model, "provider": t.provider}} for t in targets]}


def _details() -> dict[str, Any]:
    return {"parent_model": "", "format": "", "family": "", "families": None, "parameter_size": "",
            "quantization_level": ""}


def ollama_tags(targets: list[Any]) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"models": [{"name": t.id, "model": t.id, "modified_at": now, "size": 0, "digest": "",
                        "details": _details(), "packgate": {"model": t.model, "provider": t.provider}}
                       for t in targets]}


def ollama_ps(targets: list[Any]) -> dict[str, Any]:
    return {"models": [{"name": t.id, "model": t.id, "size": 0, "digest": "", "details": _details(),
                        "expires_at": "0001-01-01T00:00:00Z", "size_vram": 0} for t in targets]}


def ollama_show(targets: list[Any], name: Any) -> dict[str, Any]:
    """`/api/show` for a routable target (by id or model name); unknown or not routable: 404."""
    for t in targets:
        if name in (t.id, t.model) or (isinstance(name, str) and name.removesuffix(":latest") == t.id):
            return {"modelfile": "", "parameters": "", "template": "", "details": _details(),
                    "model_info": {}, "capabilities": ["completion"],
                    "modified_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "packgate": {"target": t.id, "model": t.model, "provider": t.provider}}
    raise GatewayError(404, "model_not_found", "model not found on this route", param="model", verdict="bad_request")
