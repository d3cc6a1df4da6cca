"""The one place that turns a chat request (and a model's answer) into OPA's input.

The gateway's pipeline and `packgate explain` / `packgate diff` (`whatif`) both call these, so a
what-if asks OPA exactly what the gateway would ask:

- `parse`: HTTP-level checks (headers, size, content type, JSON) and the chat allow-list;
- `identify`: identity (headers, metadata or a verified bearer token), tools, declared sensitivity;
- `request_input`: the request decision's input from those facts, the finding counts and the
  safeguard facts;
- `response_input`: the response decision's input from a normalised answer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from packgate.runtime.redaction import Finding
from packgate.runtime.wire import normal
from packgate.runtime.wire.answer import Completion
from packgate.runtime.wire.chat import ParsedChat, Protocol, generate_as_chat, parse_chat

from . import identity, parsing, recorded, safeguarding
from .config import Route

__all__ = ["Asked", "identify", "parse", "request_input", "response_input"]


@dataclass(frozen=True)
class Asked:
    """Who asks, with which tools and declared tier: the request facts OPA reads besides findings."""

    who: identity.Identity
    headers: dict[str, str]
    tools: list[str]
    sensitivity: str | None
    model: str | None

    def facts(self) -> dict[str, Any]:
        """The request input without findings (what a pre-check before a big scan sends)."""
        return {"identity": self.who.as_input(), "headers": self.headers, "tools": self.tools,
                "sensitivity": self.sensitivity, "model": self.model}


async def parse(request: Request, protocol: Protocol, *, max_header_count: int, max_body_bytes: int,
                generate: bool = False) -> ParsedChat:
    """Step 1: the request as the gateway accepts it, or a GatewayError (400/413/415/422)."""
    parsing.check_headers(request, max_header_count)
    body = await parsing.read_json(request, max_body_bytes, any_content_type=protocol == "ollama")
    return parse_chat(generate_as_chat(body) if generate else body, protocol)


def identify(request: Request, route: Route, chat: ParsedChat) -> Asked:
    """Step 2: identity as OPA and the audit trail see it (user id as `recorded.user_id` makes it)."""
    headers = parsing.opa_headers(request, route.opa_header_names)
    who, headers = identity.resolve(headers, chat.metadata, route.pack.policy.rbac,
                                    request.headers.get("authorization"))
    who = dataclasses.replace(who, user_id=recorded.user_id(who.user_id, route))
    return Asked(who, headers, identity.tools_used(chat.tools, headers),
                 identity.declared_sensitivity(headers, chat.metadata), chat.model)


def request_input(route: Route, chat: ParsedChat, asked: Asked, counts: list[dict[str, object]]) -> dict[str, Any]:
    """The request decision's input: the facts, the pre-scan's counts, the safeguard facts."""
    return {**asked.facts(), "findings": counts, "safeguards": safeguarding.facts(route, chat)}


def response_input(route: Route, who: identity.Identity, target: str | None, completion: Completion
                   ) -> tuple[dict[str, Any], list[str], list[list[Finding]]]:
    """The response decision's input for a normalised answer, with the strings it read and their findings."""
    texts = completion.strings()
    findings = [route.engine.scan(t) for t in texts]
    folded = [normal.fold(t) for t in texts]
    return {
        "identity": who.as_input(), "target": target,
        "output": {"text": folded[0], "strings": folded[1:], "tool_calls": completion.tool_names},
        "findings": route.engine.count([f for fs in findings for f in fs]),
        "safeguards": safeguarding.output_facts(route, texts),
    }, texts, findings
