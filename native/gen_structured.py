"""Writes `src/structured_tables.rs`: the Python `patterns.py` regexes and word tables the Rust
`scan_structured` port runs, taken from the Python module itself so the two cannot drift
(`tests/native/test_structured.py` regenerates the file and holds it equal to the committed one).

Python `re` syntax is rewritten for PCRE2 (8-bit, no UTF, ASCII text only) where the two differ:
`\\s` gains `\\x1c-\\x1f` (Python counts them as space), `\\Z` is PCRE2's `\\z`, and the one non-ASCII
class member (`\\u2019`) is dropped (the port only sees ASCII text). Patterns run with `.match` get a
leading `\\G`, which anchors a PCRE2 match at its start offset as `re.match(text, pos)` does, and
`(*NO_START_OPT)`, which spares an anchored match PCRE2's look-ahead for a required character.

    .venv/bin/python native/gen_structured.py > native/src/structured_tables.rs

The street-suffix trie orders words of one length in `set` order (string hash): the script runs itself
under PYTHONHASHSEED=0 so the file is the same on every run (any order matches the same, see `_trie`).
"""

from __future__ import annotations

import os
import re
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

from packgate.runtime.redaction import patterns as P


def pcre(src: str) -> str:
    """`src` (Python `re` syntax) as PCRE2 source with the same meaning on ASCII text."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            nxt = src[i + 1]
            if nxt == "s":
                out.append(r"\s\x1c-\x1f" if in_class else r"[\s\x1c-\x1f]")
            elif nxt == "Z":
                out.append(r"\z")
            elif nxt == "u":
                if not in_class or not all(ch in "0123456789abcdefABCDEF" for ch in src[i + 2:i + 6]):
                    raise ValueError(f"\\u outside a class at {i}")
                if int(src[i + 2:i + 6], 16) < 128:
                    raise ValueError("ASCII \\u escape")
                i += 6
                continue
            elif nxt in "SWDBAN":
                raise ValueError(f"unported escape \\{nxt}")
            else:
                out.append(src[i:i + 2])
            i += 2
            continue
        if not c.isascii():
            raise ValueError("non-ASCII pattern character")
        if in_class:
            if c == "]":
                in_class = False
            elif c == "[":
                raise ValueError("nested [ in class")
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
            j = i + 1
            if src[j:j + 1] == "^":
                out.append("^")
                j += 1
            if src[j:j + 1] == "]":  # a leading ] is a member, in both dialects
                out.append("]")
                j += 1
            i = j
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


class Table:
    """The patterns, deduplicated, each compiled for `.match` (anchored) or for search."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, bool]] = []
        self.index: dict[tuple[str, bool], int] = {}

    def add(self, rx: re.Pattern[str] | str, anchored: bool, caseless: bool | None = None) -> int:
        src = rx if isinstance(rx, str) else rx.pattern
        ci = bool(rx.flags & re.IGNORECASE) if caseless is None else caseless  # type: ignore[union-attr]
        body = pcre(src)
        if anchored:
            body = r"\G(?:" + body + ")"
        if ci:
            body = "(?i)" + body
        if anchored:
            # no start-of-match optimisation: it would look ahead for a required character (the "." of an
            # e-mail's domain) up to 5,000 bytes on every anchored attempt, a quadratic walk on "a@b a@b ..."
            body = "(*NO_START_OPT)" + body
        key = (body, anchored)
        if key not in self.index:
            self.index[key] = len(self.rows)
            self.rows.append(key)
        return self.index[key]


def rust_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate() -> str:
    t = Table()
    lines: list[str] = []
    named: list[tuple[str, int]] = []
    for const, rx, anchored in [
        ("DATE_ORDINAL", P._DATE_RES[5][0], True),
        ("THE_BEFORE", P._THE_BEFORE, False),
        ("DATE_CTX_BEFORE", P._DATE_CTX_BEFORE, False),
        ("EMAIL", P._EMAIL, True),
        ("URL_AT", P._URL_AT, False),
        ("URL", P._URL, True),
        ("TLD", P._TLD, False),
        ("BARE_DOMAIN", P._BARE_DOMAIN, True),
        ("IMAGE_EXT", P._IMAGE_EXT, False),
        ("IMAGE_FILE", P._IMAGE_FILE, True),
        ("IPV6", P._IPV6, True),
        ("COUNTY", P._COUNTY, False),
        ("DOSE", P._DOSE, True),
    ]:
        named.append((const, t.add(rx, anchored)))
    branches = []
    for name, body in P._DIGIT_BRANCHES:
        branches.append((name, t.add(P._DIGIT_RX[name], True)))
    rules: list[str] = []
    rule_index: dict[tuple[int, str, float, str, int], int] = {}
    triggers: list[tuple[str, list[int]]] = []
    for word in sorted(P._TRIGGERS):
        ids = []
        for rx, cat, conf, det, group in P._TRIGGERS[word]:
            key = (t.add(rx, True), cat, conf, det, group)
            if key not in rule_index:
                rule_index[key] = len(rules)
                rules.append(
                    f"    Rule {{ pattern: {key[0]}, category: {rust_str(cat)}, confidence: {conf!r}, "
                    f"detector: {rust_str(det)}, group: {group} }},"
                )
            ids.append(rule_index[key])
        triggers.append((word, ids))
    # The digit branches each shape of run may take (`_SHAPE_NAMES`), as bit masks over BRANCHES.
    classes = " a-./(?"
    shapes = []
    for run in range(1, 21):
        for nxt in classes:
            for card in (False, True):
                for age in (False, True):
                    names = P._SHAPE_NAMES[(run, nxt, card, age)]
                    shapes.append(sum(1 << i for i, (nm, _) in enumerate(P._DIGIT_BRANCHES) if nm in names))

    lines.append("// @generated by native/gen_structured.py from runtime/redaction/patterns.py: do not edit.")
    lines.append("// Regenerate with `.venv/bin/python native/gen_structured.py > native/src/structured_tables.rs`.")
    lines.append("")
    lines.append("use super::Rule;")
    lines.append("")
    lines.append("/// Every regex (PCRE2 source, anchored ones start with `\\G`), compiled once on first use.")
    lines.append("pub const PATTERNS: &[&str] = &[")
    for body, _ in t.rows:
        lines.append(f"    {rust_str(body)},")
    lines.append("];")
    lines.append("")
    for const, idx in named:
        lines.append(f"pub const {const}: usize = {idx};")
    lines.append(f"pub const DATE_ORDINAL_CONFIDENCE: f64 = {P._DATE_RES[5][1]!r};")
    lines.append("")
    lines.append("/// The digit family's branches in `_DIGIT_BRANCHES` order: (name, pattern).")
    lines.append("pub const BRANCHES: &[(&str, usize)] = &[")
    for name, idx in branches:
        lines.append(f"    ({rust_str(name)}, {idx}),")
    lines.append("];")
    lines.append("")
    lines.append("/// The word-triggered rules (`_TRIGGERS`' values, deduplicated).")
    lines.append("pub const RULES: &[Rule] = &[")
    lines.extend(rules)
    lines.append("];")
    lines.append("")
    lines.append("/// Each trigger word (sorted) and its rules, in `_TRIGGERS` order.")
    lines.append("pub const TRIGGERS: &[(&str, &[u8])] = &[")
    for word, ids in triggers:
        lines.append(f"    ({rust_str(word)}, &{ids}),")
    lines.append("];")
    lines.append("")
    lines.append("/// The ordinal trigger words (`_ORDINAL_SET`): \"the third of July\" is tried from its \"the\".")
    lines.append(f"pub const ORDINALS: &[&str] = &[{', '.join(rust_str(w) for w in sorted(P._ORDINAL_SET))}];")
    lines.append("")
    lines.append("/// `_LABELS`: a label (spaces single) and its category.")
    lines.append("pub const LABELS: &[(&str, &str)] = &[")
    for label, cat in sorted(P._LABELS.items()):
        lines.append(f"    ({rust_str(label)}, {rust_str(cat)}),")
    lines.append("];")
    lines.append("")
    lines.append(f"pub const GENERIC: &[&str] = &[{', '.join(rust_str(w) for w in sorted(P._GENERIC))}];")
    lines.append(f"pub const COUNTY_LEAD: &[&str] = &[{', '.join(rust_str(w) for w in sorted(P._COUNTY_LEAD))}];")
    lines.append(f"pub const COUNTY_WORDS: &[&str] = &[{', '.join(rust_str(w) for w in P._COUNTY_WORDS)}];")
    lines.append(f"pub const DATE_CUE_ENDS: &[&str] = &[{', '.join(rust_str(w) for w in P._DATE_CUE_ENDS)}];")
    lines.append("")
    lines.append("/// Character sets of the token walks, as they are in Python.")
    for const, chars in [("TOKEN_CHARS", P._TOKEN_CHARS), ("EMAIL_LOCAL", P._EMAIL_LOCAL),
                         ("DOMAIN_CHARS", P._DOMAIN_CHARS), ("FILE_CHARS", P._FILE_CHARS),
                         ("HEX_COLON", P._HEX_COLON)]:
        lines.append(f"pub const {const}: &str = {rust_str(''.join(sorted(chars)))};")
    lines.append("")
    lines.append(f"/// `_SHAPE_NAMES` by (run length 1..=20, next class in {classes!r}, card, age): branch bit masks.")
    lines.append(f"pub const SHAPE_CLASSES: &str = {rust_str(classes)};")
    lines.append("pub const SHAPES: &[u32] = &[")
    for i in range(0, len(shapes), 14):
        lines.append("    " + ", ".join(str(s) for s in shapes[i:i + 14]) + ",")
    lines.append("];")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(generate(), end="")
