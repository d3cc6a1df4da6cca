"""The safeguard facts of one chat request, read from its slots by message role."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from packgate.runtime.wire.chat import Message, ParsedChat, Text

from . import crisis, injection

SYSTEM_ROLES = ("system", "developer")
TOOL_ROLES = ("tool", "function")


@dataclass
class SafeguardFacts:
    """What OPA reads as `input.safeguards`: findings (no text) and the count of client system messages."""

    crisis: list[dict[str, Any]] = field(default_factory=list)
    injection: list[dict[str, str]] = field(default_factory=list)
    system_messages: int = 0

    def as_input(self) -> dict[str, Any]:
        return {"crisis": self.crisis, "injection": self.injection, "system_messages": self.system_messages}


def _content_slots(msg: Message) -> Iterator[int]:
    if isinstance(msg.content, Text):
        yield msg.content.index
    elif isinstance(msg.content, list):
        for part in msg.content:
            yield part.text.index


def request_facts(chat: ParsedChat, *, crisis_scan: bool, injection_scan: bool) -> SafeguardFacts:
    """Crisis findings in user messages, injection findings in user messages and tool results
    (indirect injection), and how many system/developer messages the client sent."""
    facts = SafeguardFacts()
    found_c: list[crisis.CrisisFinding] = []
    found_i: list[injection.InjectionFinding] = []
    for msg in chat.request.messages:
        if msg.role in SYSTEM_ROLES:
            facts.system_messages += 1
            continue
        for i in _content_slots(msg):
            text = chat.slot_texts[i]
            if msg.role == "user":
                if crisis_scan:
                    found_c += crisis.detect(text)
                if injection_scan:
                    found_i += injection.detect(text, "user")
            elif msg.role in TOOL_ROLES and injection_scan:
                found_i += injection.detect(text, "tool")
    facts.crisis = crisis.summarise(found_c)
    facts.injection = injection.summarise(found_i)
    return facts


def output_crisis(texts: list[str]) -> list[dict[str, Any]]:
    """Crisis findings in a model's answer (scope `output`)."""
    return crisis.summarise([f for t in texts for f in crisis.detect(t)])


def pin_system_prompt(chat: ParsedChat, prompt: str | None, drop_client_system: bool) -> None:
    """Put the route's system prompt first (as a slot, so the upstream body is still built from slots
    only) and, when asked, remove the client's own system and developer messages."""
    messages = chat.request.messages
    if drop_client_system:
        messages[:] = [m for m in messages if m.role not in SYSTEM_ROLES]
    if prompt is not None:
        chat.slot_texts.append(prompt)
        messages.insert(0, Message("system", Text(len(chat.slot_texts) - 1)))
