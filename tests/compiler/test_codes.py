"""The code table (compiler/codes.py) names exactly the codes the Rego library can return."""

from __future__ import annotations

import re

from packgate.compiler.codes import CODES

from .conftest import ROOT

LIB = ROOT / "rego" / "packgate" / "lib"
# a code appears in the library as `"code": "x"`, as `violation("x", ...)` (rbac) or as the code a
# detector's block(...) is called with, or as a reviewer refusal's `_refusal(status, "x", ...)`
_CODE = re.compile(r'"code": "([a-z_]+)"|violation\(\s*"([a-z_]+)"|found, "([a-z_]+)"\)|_refusal\(\d+, "([a-z_]+)"')


def _library_codes() -> set[str]:
    found: set[str] = set()
    for path in LIB.rglob("*.rego"):
        if path.name.endswith("_test.rego") or path.parent.name == "testing":
            continue
        for match in _CODE.finditer(path.read_text()):
            found.add(next(g for g in match.groups() if g))
    return found


def test_every_code_in_the_library_is_in_the_table_and_no_other() -> None:
    table = {code for phases in CODES.values() for pairs in phases.values() for code, _ in pairs}
    assert table == _library_codes()

