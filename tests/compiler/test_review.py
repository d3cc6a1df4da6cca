"""The review card (REVIEW.md) and the METADATA of every deciding rule: what a reviewer signs off."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from packgate.compiler.build import build_bundle

from .conftest import PACKS, SEED, run_cli

SEED_DIR = "packgate/packs/behavioral_health_review_route"


@pytest.fixture(scope="module")
def seed_bundle(tmp_path_factory: pytest.TempPathFactory):
    return build_bundle([SEED], tmp_path_factory.mktemp("review") / "bundle")


def _card(bundle) -> str:
    return (bundle.bundle_dir / SEED_DIR / "REVIEW.md").read_text()


def test_each_key_shows_its_effective_value_and_where_it_was_written(seed_bundle) -> None:
    card, yaml_lines = _card(seed_bundle), SEED.read_text().splitlines()
    written = re.findall(r"^\| `([^`]+)` \| (.+) \| as written \| (\d+) \|$", card, re.M)
    assert len(written) > 20
    for key, _, line in written:
        assert yaml_lines[int(line) - 1].strip().startswith(key.split(".")[-1] + ":"), (key, line)
    assert "| `require_auth` | false | default | |" in card  # not in the YAML: the default, marked
    assert '| `max_retention_days` | 0 | as written | 59 |' in card


def test_each_policy_names_its_rules_library_codes_and_tests(seed_bundle) -> None:
    card = _card(seed_bundle)
    rbac = card.split("## `rbac`")[1].split("## ")[0]
    # rbac is written out per role and header (compiler/specialise.py); each rule shows with its title
    assert 'request_violations["rbac"] := _rbac_identity | _rbac_request if {  # rbac: request violations' in rbac
    assert "_rbac_identity contains {  # rbac: header X-User-ID is required" in rbac
    assert "_rbac_request contains {  # rbac: tools role clinician may not use (request)" in rbac
    assert "with the semantics of `data.packgate.lib.rbac`" in rbac
    assert "| request | `missing_header` | 401 | `test_missing_x_user_id_is_denied_with_401`" in rbac
    # a code no test checks is called out for the reviewer
    assert "| request | `phi_not_permitted_for_role` | 403 | **none** |" in rbac


def test_packgate_review_prints_the_card_in_the_bundle(seed_bundle) -> None:
    result = run_cli("review", str(SEED))
    assert result.returncode == 0, result.stderr
    assert result.stdout == _card(seed_bundle)


def test_the_card_and_bundle_are_the_same_built_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here = build_bundle([SEED], tmp_path / "a")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(SEED, elsewhere / SEED.name)
    monkeypatch.chdir(elsewhere)
    there = build_bundle([SEED.name], tmp_path / "b")
    assert _card(here) == _card(there) and here.revision == there.revision


def test_every_deciding_rule_names_its_yaml_path_and_codes(tmp_path: Path) -> None:
    built = build_bundle(PACKS, tmp_path / "all")
    checked = 0
    for path in built.bundle_dir.glob("packgate/packs/*/*.rego"):
        if path.name.endswith("_test.rego") or path.name == "main.rego":
            continue
        text = path.read_text()
        for head in re.finditer(r"^(?!package |import |#)(\w+)(\[[^\]]+\])? (?::=|if) ", text, re.M):
            block = re.search(r"((?:^#.*\n)+)\Z", text[:head.start()], re.M)
            assert block and "# METADATA" in block.group(1), (path.name, head.group(0))
            if head.group(1).endswith("_config"):
                continue
            assert re.search(r'#   yaml: "policy\.[a-z-]+"', block.group(1)), (path.name, head.group(0))
            assert re.search(r'#   source: "[^"/]+\.yaml:\d+"', block.group(1)), (path.name, head.group(0))
            if head.group(1).endswith("_violations"):
                assert re.search(r'#   codes:\n(#     - "[a-z_]+ \d{3}"\n)+', block.group(1)), (path.name, head.group(0))
            checked += 1
    assert checked > 30
