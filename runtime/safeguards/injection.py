"""Prompt-injection indicators: facts for OPA's `prompt-guard` decision, never a decision itself.

Categories: `instruction_override` ("ignore all previous instructions"), `persona_jailbreak`
("you are now DAN", "pretend you have no rules"), `prompt_extraction` ("reveal your system prompt"),
`delimiter` (a fake chat-template or role marker: `<|im_start|>system`, `### System:`), `encoded`
(a base64 or hex payload that decodes to one of the above). A finding names the category and the
source (`user` or `tool`: indirect injection in a tool result), never the text.

The expressions are fixed and ours (not a pack's), run on normalised text (NFKC, format characters
removed, lower case, spaces collapsed).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass

CATEGORIES = ("instruction_override", "persona_jailbreak", "prompt_extraction", "delimiter", "encoded")


@dataclass(frozen=True, slots=True)
class InjectionFinding:
    category: str
    source: str  # "user" | "tool"

    def as_input(self) -> dict[str, str]:
        return {"category": self.category, "source": self.source}


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(alternatives) + r")(?![a-z])")


_PRIOR = r"(?:all |any |the |your |my |these |those |every )*(?:previous|prior|above|earlier|preceding|former|original|initial|system|developer|existing|old)?"
_RULES: dict[str, re.Pattern[str]] = {
    "instruction_override": _rx(
        r"(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|neglect) " + _PRIOR
        + r" ?(?:instructions?|prompts?|rules|directives|guidelines|guardrails|constraints|context|commands|messages|programming|orders)",
        r"(?:ignore|disregard|forget) (?:everything|all|anything) (?:above|before|you were told|said)",
        r"new (?:instructions|rules|system prompt)(?: are)?:", r"from now on,? (?:you|ignore|disregard|only)",
        r"do not follow (?:your|the) (?:previous |original |system )?(?:instructions|rules|guidelines)",
        r"instead,? (?:you (?:must|will|should)|do the following)", r"stop being an? (?:ai|assistant)",
        r"(?:your|the) (?:real|true|actual|new) (?:instructions|task|objective) (?:is|are)"),
    "persona_jailbreak": _rx(
        r"you are (?:now )?(?:dan|stan|dude|aim|an? unrestricted|an? unfiltered|jailbroken|free from)",
        r"(?:act|behave|respond) as (?:if you (?:have|had) no|an? (?:unrestricted|unfiltered|evil|uncensored))",
        r"pretend (?:that )?(?:you (?:are|have|can)|to be) (?:an? )?(?:unrestricted|unfiltered|no (?:rules|restrictions|limits|filters)|evil|not an ai|dan|free)",
        r"do anything now", r"developer mode", r"jailbreak", r"without (?:any )?(?:restrictions|filters|censorship|rules|limitations|guidelines)",
        r"no (?:ethical|moral) (?:guidelines|restrictions|constraints)", r"god mode", r"(?:enable|enter|activate) (?:dan|debug|admin|sudo) mode",
        r"roleplay as an? (?:ai|assistant|model) (?:that|who|without)"),
    "prompt_extraction": _rx(
        r"(?:reveal|show|print|repeat|output|display|tell me|give me|what (?:is|are|was|were)|leak|dump|recite|spell out) (?:me )?"
        r"(?:your|the|all|any)? ?(?:initial |original |hidden |secret |full |exact |complete |system |developer )*"
        r"(?:system prompt|prompt|instructions|system message|pre-?prompt|rules you were given|guidelines you were given)"
        r"(?: (?:above|verbatim|word for word|you were given))?",
        r"repeat (?:the |everything |all )?(?:words|text) above", r"(?:beginning|start) of (?:this|the|our) (?:conversation|prompt)"),
    "delimiter": re.compile(
        r"<\|(?:im_start|im_end|system|endoftext|start_header_id|eot_id)\|?>|\[/?inst\]|<</?sys>>|"
        r"(?:^|\n)\s*(?:#{2,}|\*\*|\[)\s*(?:system|developer|assistant)\s*(?:prompt|message|instructions?)?\s*(?::|\]|\*\*)|"
        r"(?:^|\n)\s*(?:system|developer)\s*:\s|</?(?:system|instructions?)>|end of (?:user )?(?:input|prompt)\W+(?:begin|start) "),
}
_B64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2}){16,}")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.replace("\u2019", "'")
    return re.sub(r"[ \t\r\f\v]+", " ", text.lower())


def _categories(norm: str) -> set[str]:
    return {name for name, rx in _RULES.items() if rx.search(norm)}


def _decoded(raw: str) -> list[str]:
    out = []
    for m in _B64.finditer(raw):
        chunk = m.group(0)
        try:
            out.append(base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pass
    for m in _HEX.finditer(raw):
        try:
            out.append(bytes.fromhex(m.group(0)).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            pass
    return out


def detect(text: str, source: str) -> list[InjectionFinding]:
    """Injection findings in one text from `source` ("user" or "tool"); categories only."""
    found = _categories(normalise(text))
    if any(_categories(normalise(d)) for d in _decoded(text)):
        found.add("encoded")
    return [InjectionFinding(c, source) for c in sorted(found)]


def summarise(findings: list[InjectionFinding]) -> list[dict[str, str]]:
    return [InjectionFinding(*row).as_input() for row in sorted({(f.category, f.source) for f in findings})]
