"""What replaces a finding: label, token, asterisks, last-4, and Safe Harbor generalisation.

Every marker is chosen so the detectors never fire on it again (no digits runs, no capitalised
words), which is what makes redacting already-redacted text a no-op.
"""

from __future__ import annotations

import re

from .categories import HIPAA_CATEGORIES
from .findings import HIPAA

# ZIP3 areas with 20,000 or fewer people (HHS Safe Harbor guidance, Census 2000): become 000.
RESTRICTED_ZIP3 = frozenset(
    "036 059 063 102 203 556 692 790 821 823 830 831 878 879 884 890 893".split()
)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_ZIP = re.compile(r"^(\d{3})\d{2}(?:-\d{4})?$")
TOKEN_MARKER = re.compile(r"\[([A-Z][A-Z0-9_]*?)_(\d+)_*\]")
# Every marker this engine writes (`[NAME]`, `[NAME_1]`, preserve-length `[NAME____]`, `[CUSTOM_X]`), and
# only those: a value dressed as a marker (`[M448812]`, `[MRN 1234567]`) is scanned like any other text.
_CATEGORY_NAMES = sorted(set(HIPAA_CATEGORIES) | {"NPI", "DEA", "CREDIT_CARD", "CVV", "PHONE"}, key=len, reverse=True)
MARKER = re.compile(r"\[(?:" + "|".join(_CATEGORY_NAMES) + r"|CUSTOM_[A-Za-z0-9_]{1,64}?)(?:_\d{1,6})?_*\]")


class RedactionSession:
    """Per request: the same value gets the same `[CAT_n]` token in every message, and can come back.

    Originals live only in this object's memory, for the life of one request.
    """

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counters: dict[str, int] = {}

    def token(self, category: str, value: str) -> str:
        key = (category, " ".join(value.split()).casefold())
        tok = self._tokens.get(key)
        if tok is None:
            n = self._counters.get(category, 0) + 1
            self._counters[category] = n
            tok = f"[{category}_{n}]"
            self._tokens[key] = tok
            self._originals[f"{category}_{n}"] = value
        return tok

    def restore(self, text: str) -> str:
        """Put original values back for the token markers this session issued; others stay."""
        if not self._originals or "[" not in text:
            return text

        def back(m: re.Match[str]) -> str:
            return self._originals.get(f"{m.group(1)}_{m.group(2)}", m.group(0))

        return TOKEN_MARKER.sub(back, text)

    def __repr__(self) -> str:  # never show originals
        return f"RedactionSession(tokens={len(self._originals)})"

    def originals(self) -> dict[str, str]:
        """Token name → original value: what a held answer needs to restore tokens later (sealed, never logged)."""
        return dict(self._originals)

    @classmethod
    def restoring(cls, originals: dict[str, str]) -> RedactionSession:
        """A session that restores the tokens of an earlier one (a reviewed answer released later)."""
        session = cls()
        session._originals = {k: v for k, v in originals.items() if isinstance(k, str) and isinstance(v, str)}
        return session


def safe_harbor(category: str, value: str) -> str | None:
    """The Safe Harbor generalisation that keeps meaning, or None when the value must be masked."""
    if category == "DATE":
        years = _YEAR.findall(value)
        return years[-1] if years else None
    if category == "AGE_OVER_89":
        return "90+"
    if category == "LOCATION":
        m = _ZIP.match(value.strip())
        if m:
            zip3 = m.group(1)
            return ("000" if zip3 in RESTRICTED_ZIP3 else zip3) + "**"
    return None


def _partial(value: str) -> str:
    alnum = sum(c.isalnum() for c in value)
    keep = 4 if alnum > 4 else 0
    out = []
    for c in reversed(value):
        if c.isalnum():
            if keep > 0:
                out.append(c)
                keep -= 1
            else:
                out.append("*")
        else:
            out.append(c)
    return "".join(reversed(out))


def render(value: str, category: str, transform: dict, session: RedactionSession) -> str:
    """The replacement text for one finding under one transform."""
    if transform.get("safe_harbor") and transform.get("policy") == HIPAA:
        general = safe_harbor(category, value)
        if general is not None:
            return general
    fmt = transform.get("marker_format", "label")
    if fmt == "asterisk":
        return "*" * len(value)
    if fmt == "partial":
        return _partial(value)
    marker = session.token(category, value) if fmt == "token" else f"[{category}]"
    if transform.get("preserve_length"):
        if len(marker) < len(value):
            marker = marker[:-1] + "_" * (len(value) - len(marker)) + "]"
        elif len(marker) > len(value):
            marker = "*" * len(value)
    return marker
