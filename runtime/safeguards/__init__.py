"""Safeguards: crisis indicators and prompt-injection indicators as facts for OPA, the pinned system
prompt, and the signed urgent notification. Nothing here decides: `crisis-detection` and
`prompt-guard` are decided in Rego (`rego/packgate/lib/crisis`, `rego/packgate/lib/guard`), and
nothing here keeps, logs or sends the text it reads — findings are categories and flags only.
"""

from __future__ import annotations

from .crisis import CrisisFinding
from .facts import SafeguardFacts, pin_system_prompt, request_facts
from .injection import InjectionFinding
from .notify import Notifier, sign

__all__ = ["CrisisFinding", "InjectionFinding", "Notifier", "SafeguardFacts", "pin_system_prompt",
           "request_facts", "sign"]
