"""Inert symbols (`runtime/redaction/inert.py`): the Python detectors cannot tell a text from its ASCII
stand-in text, so the engine's one Rust call on the stand-in text finds what the Python engine finds on
the text itself.

Three kinds of evidence: the audit's mechanical parts, redone on the sources (every character the
detectors name, every word list, the `str` tests they use); the Python engine on generated and corpus
text with symbols sprinkled in, equal on the text and on its stand-in text; and the default (Rust)
engine equal to the Python engine on those texts, having taken the Rust path.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import random
import re
from pathlib import Path
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.redaction.corpus import build
from packgate.runtime.redaction import Engine, lexicons, names
from packgate.runtime.redaction.inert import STAND_IN, STAND_INS, ascii_stand_in, inert
from packgate.runtime.redaction.normalise import normalise
from packgate.runtime.redaction.patterns import _next_class

from .place_texts import place_notes
from .texts import ascii_notes, name_lists, name_notes, structured_notes

# the modules `Engine._settled` reaches (normalise runs before it; an NER engine never scans in Rust)
_DETECTORS = ("addresses", "categories", "checksums", "clinical", "engine", "findings", "lexicons", "markers",
              "names", "patterns", "wordlists")
_PACKAGE = Path(__file__).resolve().parents[2] / "runtime" / "redaction"

# symbols pasted notes carry (temperatures, bullets, ranges, arrows, ticks, currencies, marks, emoji, C1
# controls, private use), and `•`, which has its own stand-in
_CLINICAL = ["\u00b0", "\u2022", "\u00b1", "\u2265", "\u2264", "\u2192", "\u2713", "\u00a7", "\u00ae", "\u20ac",
             "\u00a3", "\u00a9", "\U0001f600", "\u0090", "\ue000", "\u2020", "\u25aa", "\u2606", "\u00bf",
             "\u00a1", "\u00b6", "\u2030"]


@functools.cache
def _engines() -> tuple[Engine, Engine]:
    return Engine.default(), Engine.default(native=False)


@functools.cache
def _symbols() -> list[str]:
    """The clinical symbols and a fixed sample of the rest of the table."""
    rest = sorted(set(STAND_INS) - set(_CLINICAL))
    return _CLINICAL + random.Random(18).sample(rest, 200)


# --- the audit --------------------------------------------------------------------------------------


def _patterns() -> dict[re.Pattern[str], str]:
    """Every compiled regex the detector modules hold (module globals, class attributes, containers)."""
    found: dict[re.Pattern[str], str] = {}

    def walk(obj: object, where: str, depth: int = 0) -> None:
        if isinstance(obj, re.Pattern):
            found.setdefault(obj, where)
        elif depth < 5 and isinstance(obj, dict):
            for k, v in obj.items():
                walk(k, where, depth + 1)
                walk(v, where, depth + 1)
        elif depth < 5 and isinstance(obj, (list, tuple, set, frozenset)):
            for v in obj:
                walk(v, where, depth + 1)

    for name in _DETECTORS:
        mod = importlib.import_module(f"packgate.runtime.redaction.{name}")
        for key, value in vars(mod).items():
            walk(value, f"{name}.{key}")
            if isinstance(value, type) and value.__module__ == mod.__name__:
                for k, v in vars(value).items():
                    walk(v, f"{name}.{key}.{k}")
    return found


def _regex_named(tree: list, where: str, out: dict[int, set[str]], ranges: list[tuple[int, int, str]]) -> None:
    """The code points a parsed regex names as literals (into `out`) and as ranges (into `ranges`)."""
    for op, av in tree:
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL):
            out.setdefault(av, set()).add(where)
        elif op == sre_c.RANGE:
            ranges.append((av[0], av[1], where))
        elif op == sre_c.IN or op == sre_c.ATOMIC_GROUP:
            _regex_named(av, where, out, ranges)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
            _regex_named(av[2], where, out, ranges)
        elif op == sre_c.SUBPATTERN:
            _regex_named(av[3], where, out, ranges)
        elif op == sre_c.BRANCH:
            for branch in av[1]:
                _regex_named(branch, where, out, ranges)
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            _regex_named(av[1], where, out, ranges)
        elif op == sre_c.GROUPREF_EXISTS:
            _regex_named(av[1], where, out, ranges)
            if av[2]:
                _regex_named(av[2], where, out, ranges)
        else:  # a class (\w, \s, \d), `.`, an anchor, a back reference: no character of its own
            assert op in (sre_c.CATEGORY, sre_c.ANY, sre_c.AT, sre_c.NEGATE, sre_c.GROUPREF), (op, where)


_TESTED_BY_TEXT = {"strip", "lstrip", "rstrip", "startswith", "endswith", "find", "rfind", "index", "count",
                   "replace", "split", "rsplit", "partition"}


def _source_named(ranges: list[tuple[int, int, str]]) -> dict[str, set[str]]:
    """Characters the detector sources compare text with outside compiled regexes: string constants on
    either side of `in`/`==`/`!=`, handed to `frozenset(...)`/`set(...)`, or, in a function (module-level
    code runs on constants: `"a|b".split("|")`), to a `str` method that tests text (`strip`, `startswith`,
    `find`, `split` ...); every non-ASCII character of any string constant but docstrings; and the
    non-ASCII literals and ranges (into `ranges`) of every constant read as a regex (`r"[\\u00b0]"` handed
    to `re.search` in a function is no compiled pattern of the module's)."""
    out: dict[str, set[str]] = {}

    def add(s: object, where: str) -> None:
        if isinstance(s, str):
            for c in s:
                out.setdefault(c, set()).add(where)

    for name in _DETECTORS:
        tree = ast.parse((_PACKAGE / f"{name}.py").read_text())
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        in_functions = {id(n) for top in ast.walk(tree) if isinstance(top, (ast.FunctionDef, ast.Lambda))
                        for n in ast.walk(top)}
        for node in ast.walk(tree):
            where = f"{name}.py:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                add("".join(c for c in node.value if c > "\x7f"), where)
                try:
                    parsed = sre_parse.parse(node.value)
                except (re.error, RecursionError):  # a piece of a pattern, or no pattern at all
                    continue
                literals: dict[int, set[str]] = {}
                _regex_named(parsed, where, literals, ranges)
                add("".join(chr(c) for c in literals if c > 0x7F), where)
            elif isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    if isinstance(side, ast.Constant):
                        add(side.value, where)
            elif isinstance(node, ast.Call):
                fn = node.func
                if isinstance(fn, ast.Name) and fn.id in ("frozenset", "set"):
                    for arg in node.args:
                        if isinstance(arg, ast.Constant):
                            add(arg.value, where)
                elif isinstance(fn, ast.Attribute) and fn.attr in _TESTED_BY_TEXT and id(node) in in_functions:
                    for arg in node.args:
                        for sub in ast.walk(arg):
                            if isinstance(sub, ast.Constant):
                                add(sub.value, where)
    return out


def test_no_character_a_detector_names_is_inert() -> None:
    """Every character the detectors' regexes and string tests name is left out of the table, but `•`,
    whose stand-in `|` is named exactly where `•` is; and no detector names the stand-ins."""
    named: dict[int, set[str]] = {}
    ranges: list[tuple[int, int, str]] = []
    patterns = _patterns()
    assert len(patterns) > 400
    for pattern, where in patterns.items():
        _regex_named(sre_parse.parse(pattern.pattern, pattern.flags), where, named, ranges)
    for c, wheres in _source_named(ranges).items():
        named.setdefault(ord(c), set()).update(wheres)
    tabled = [c for c in map(chr, named) if c in STAND_INS and c != "\u2022"]
    assert tabled == [], {c: sorted(named[ord(c)])[:3] for c in tabled}
    ranged = [(hex(a), hex(b), w) for a, b, w in ranges if any(a <= ord(c) <= b for c in STAND_INS)]
    assert ranged == []
    assert ord(STAND_IN) not in named and not any(a <= ord(STAND_IN) <= b for a, b, _ in ranges)
    # `•` and `|` are named in one place, the same: the characters a sentence ends on
    assert named[ord("\u2022")] == named[ord("|")] and len(named[ord("|")]) == 1
    assert {"\u2022", "|"} <= names._SENTENCE_END
    assert not any(a <= ord("|") <= b for a, b, _ in ranges)
    assert STAND_INS["\u2022"] == "|" and {s for c, s in STAND_INS.items() if c != "\u2022"} == {STAND_IN}


def test_the_word_lists_hold_no_stand_in_and_symbols_only_as_lone_frequent_words() -> None:
    """No list holds a stand-in; inert characters stand only as whole entries of the English frequency
    lists (`°`, `✓`, emoji), which the detectors look word tokens up in, never a symbol."""
    lex = lexicons.load()
    holding: dict[str, set[str]] = {}
    for f in dataclasses.fields(lex):
        value = getattr(lex, f.name)
        if isinstance(value, int):
            continue
        for entry in value:
            for word in entry if isinstance(entry, tuple) else (entry,):
                assert STAND_IN not in word and "|" not in word, f.name
                if any(c in STAND_INS for c in word):
                    holding.setdefault(f.name, set()).add(word)
    assert set(holding) <= {"english_frequent", "english_top"}
    for words in holding.values():  # lone symbols (a variation selector or joiner aside), never in a word
        assert all(not any(c.isalnum() for c in w) for w in words), words


def test_the_str_tests_the_detectors_use_do_not_tell_a_symbol_from_its_stand_in() -> None:
    tests = ("isupper", "isalpha", "isdigit", "isalnum", "islower", "isspace", "isdecimal", "isnumeric", "istitle")
    maps = ("lower", "upper", "casefold", "capitalize", "title")
    used = set()
    for name in _DETECTORS:
        for node in ast.walk(ast.parse((_PACKAGE / f"{name}.py").read_text())):
            if isinstance(node, ast.Attribute) and re.fullmatch(r"is[a-z]+|" + "|".join(maps), node.attr):
                used.add(node.attr)
    # `isascii` tells a symbol from its stand-in: the detectors apply it to word tokens only (inert.py);
    # `isdisjoint` is a set's, `isenabled` the garbage collector's; `isprintable` would tell them apart
    assert used <= {*tests, *maps, "isascii", "isdisjoint", "isenabled"}, used
    for c, s in STAND_INS.items():
        assert inert(c) or c == "\u2022"
        assert [getattr(c, t)() for t in tests] == [getattr(s, t)() for t in tests], hex(ord(c))
        assert all(getattr(c, m)() == c for m in maps), hex(ord(c))
        for rx in (r"\w", r"\s", r"\d"):
            assert bool(re.match(rx, c)) == bool(re.match(rx, s)), (hex(ord(c)), rx)
        assert re.match(r"(?i)[\x00-\x7f]", c) is None  # equal to no ASCII character under IGNORECASE
        assert _next_class(c) == _next_class(s) == "?"
        assert normalise(c)[0] == c  # they reach `_settled` as they are
    assert not inert("\u00e9") and not inert("\u00d7") and not inert("\u2206") and not inert("\u0085")


# --- the Python engine cannot tell them apart; the Rust engine finds the same -----------------------


@st.composite
def _sprinkled(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """`texts` with inert symbols put in: anywhere, inside words and digit runs, next to a capital, at
    line starts, and as words of their own."""
    text = draw(texts)
    for _ in range(draw(st.integers(1, 8))):
        sym = draw(st.sampled_from(_symbols()))
        spots = [i for i, c in enumerate(text) if c.isdigit() or c.isupper() or c == "\n" or c == " "]
        at = draw(st.sampled_from(spots)) if spots and draw(st.booleans()) else draw(st.integers(0, len(text)))
        piece = draw(st.sampled_from([sym, sym, f" {sym} ", sym * 2, f"{sym}\n"]))
        text = text[:at] + piece + text[at:]
    return text


def _check(text: str) -> bool:
    """The two claims on one text; True when it took the Rust path."""
    fast, oracle = _engines()
    folded = normalise(text)[0]
    standing = ascii_stand_in(folded)
    if standing is not None:
        assert len(standing) == len(folded) and standing.isascii()
        assert oracle._settled(folded) == oracle._settled(standing)
    assert fast.scan(text) == oracle.scan(text)
    return standing is not None


_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@_SETTINGS
@given(_sprinkled(ascii_notes()))
def test_notes_with_symbols(text: str) -> None:
    assert _check(text)


@_SETTINGS
@given(_sprinkled(name_notes()))
def test_name_notes_with_symbols(text: str) -> None:
    assert _check(text)


@_SETTINGS
@given(_sprinkled(name_lists()))
def test_name_lists_with_symbols(text: str) -> None:
    assert _check(text)


@_SETTINGS
@given(_sprinkled(structured_notes()))
def test_structured_notes_with_symbols(text: str) -> None:
    _check(text)  # structured notes hold a few non-ASCII digits and dashes


@_SETTINGS
@given(_sprinkled(place_notes()))
def test_place_notes_with_symbols(text: str) -> None:
    _check(text)


def test_every_corpus_text_with_symbols() -> None:
    r = random.Random(9)
    texts = [e.text for e in build()]
    rust = 0
    for text in texts:
        for _ in range(r.randint(1, 6)):
            at = r.randint(0, len(text))
            text = text[:at] + r.choice(_symbols()) + text[at:]
        rust += _check(text)
    assert rust > 0.9 * len(texts)  # the rest hold letters of other scripts


def test_a_letter_keeps_the_python_path() -> None:
    fast, oracle = _engines()
    accented = "Jos\u00e9 Doe \u00b0 MRN 00483921"
    assert ascii_stand_in(accented) is None and fast.scan(accented) == oracle.scan(accented) != []
    assert ascii_stand_in("2\u00d7 daily") is None
    assert ascii_stand_in("T 37.8\u00b0C \u2022 SpO2 \u2265 94%") == "T 37.8\x1aC | SpO2 \x1a 94%"
    many = "".join(_symbols()[:40]) + " Jane Doe"  # more distinct symbols than replaces: one translate
    assert ascii_stand_in(many) == many.translate({ord(c): s for c, s in STAND_INS.items()})


def test_a_bullet_needs_its_own_stand_in() -> None:
    """`•` ends a sentence (`names._SENTENCE_END`): an unknown capitalised word after it is a sentence's
    first word, not a name. With `\\x1a` for it the Python engine finds a name; with `|` it does not."""
    _, oracle = _engines()
    text = "plan \u2022 Ruoho novel today"
    assert oracle._settled(text) == oracle._settled(text.replace("\u2022", "|")) == []
    assert oracle._settled(text.replace("\u2022", STAND_IN)) != []


def test_a_times_sign_is_not_inert() -> None:
    """`×` is in the detectors' `[\\u00c0-\\u024f]` (a capital-like letter starting a street's word): after
    "corner of <street> and <street>" it is taken into the street, a stand-in would not be."""
    _, oracle = _engines()
    text = "at the corner of Main and Elm \u00d7"
    assert oracle._settled(text) != oracle._settled(text.replace("\u00d7", STAND_IN))
    assert "\u00d7" not in STAND_INS


# EHR-export lines with symbols next to, inside and between the values every detector looks for
_EXPORT_LINES = [
    "\u2022 Pt: Jane Doe \u2192 DOB 03/04/1961 \u2713 MRN 00483921 \u00a7 SSN 123-45-6789",
    "T 37.8\u00b0C \u2022 HR 76 \u2022 BP 128/82 \u00b1 5 \u2022 SpO2 \u2265 94% \u2022 wt 82\u00a0kg",
    "\u25aa Lives at 12 Main St, Springfield, MA 01103 \u2192 daughter Maria Lopez \u260e (413) 555-0142",
    "SSN 123\u2022456789 \u00b7 123\u00b745\u00b76789 \u00b7 phone 555\u00b7867\u00b75309 \u00b7 card 4111\u00b71111\u00b71111\u00b71111",
    "[NAME_1] \u2022 [DATE] \u2192 seen by Dr. Hollis Grant\u00ae at Mercy Hospital\u2122 \u20ac40 \u00a3 12",
    "\u2713 Hollis Grant \u2713 Grant said \u2022 Grant \u2022 Monjeau, Graves and Reed \u2192 to Leon and Eyrarodda 66",
    "email jane.doe@example.com\u2709 \u2022 url https://example.org/p?id=7\u00b6 \u2022 IP 10.0.0.7\u2020",
    "\ue000Patient\ue001 Bulgakov\U0001f600 says \u00bfok?\u00a1 \u2030 \u0090 \u2022\u2022 next",
    "age 97 y/o \u2642 \u2022 92\u00b0 \u2022 on 12 Jan 2020\u2020 \u2022 from Kiel\u2022",
]


def test_export_lines() -> None:
    for line in _EXPORT_LINES:
        for text in (line, line.replace(" ", "\n", 3), line * 3):
            assert _check(text), line
    fast, _ = _engines()
    assert len(fast.scan(_EXPORT_LINES[0])) >= 6  # the name, the date, the MRN, the SSN, both policies
