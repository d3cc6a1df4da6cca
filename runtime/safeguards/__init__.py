"""Safeguards: crisis indicators and prompt-injection indicators as facts for OPA, the pinned system
prompt, and the signed urgent notification. Nothing here decides: `crisis-detection` and
`prompt-guard` are decided in Rego (`rego/packgate/lib/crisis`, `rego/packgate/lib/guard`), and
nothing here keeps, logs or sends the text it reads — findings are categories and flags only.
"""

from __future__ import annotations

from . import crisis as _crisis, injection as _injection
from .crisis import CrisisFinding
from .facts import SafeguardFacts, pin_system_prompt, request_facts
from .injection import InjectionFinding
from .notify import Notifier, sign

# The reason params the safeguard policies give (finding categories and where they were found): names
# packgate defines, so the audit trail may hold them as they are.
SAFEGUARD_PARAMS = frozenset([*_crisis.CATEGORIES, "messages",
                              *(f"{c} in {s}" for c in _injection.CATEGORIES for s in ("user", "tool"))])

__all__ = ["SAFEGUARD_PARAMS", "CrisisFinding", "InjectionFinding", "Notifier", "SafeguardFacts", "pin_system_prompt",
           "request_facts", "sign"]
