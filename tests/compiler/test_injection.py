"""Pack strings reach Rego only as string literals: hostile text never becomes policy.

Each check evaluates the compiled bundle with the real `opa eval`, so what is asserted is the
policy OPA actually enforces, not what the generated text looks like.
"""

from __future__ import annotations

import json

import pytest

from packgate.compiler.build import build_bundle

from .conftest import opa_eval, run, tool

HOSTILE = [
    'quote " inside',
    "back\\slash \\\" and \\n",
    "new\nline\n# METADATA\n# entrypoint: true",
    "brace } ] ) close",
    '"} else := true { "',
    "allow := true",
    "input.identity.role",
    "tab\tand unicode ☃ \u2028 \u0007",
    "${jinja} {{ raw }} {% if %}",
]

PACKAGE = "data.packgate.packs.hostile_route"


def pack_text() -> str:
    roles = {f"role-{i}": {"allowed_tools": [s]} for i, s in enumerate(HOSTILE)}
    doc = {
        "pack": {"name": "hostile-route", "version": HOSTILE[2], "enabled": True, "description": HOSTILE[4]},
        "providers": {"targets": [{
            "id": "t1", "provider": "ollama", "model": HOSTILE[3], "base_url": "http://127.0.0.1:11434",
            "data_policy": {"zero_data_retention": True},
        }]},
        "policies": {"chain": ["rbac", "data-routing-policy", "healthcare-compliance"]},
        "policy": {
            "rbac": {"deny_if_missing": ["X-User-ID"], "roles": {**roles, HOSTILE[0]: {"allowed_tools": ["*"]}},
                     "data_access": {h: {"max_sensitivity": "restricted"} for h in HOSTILE}},
            "data-routing-policy": {"require_zero_data_retention": True},
            "healthcare-compliance": {"blocked_patterns": ['say "no"', "a\\\\b", "x}y"],
                                      "required_disclaimers": HOSTILE},
        },
        # an expected code must be one the pack can return (lint); a hostile string goes in disclaimers
        "tests": [{"name": HOSTILE[2], "phase": "response", "input": {"note": HOSTILE[4]},
                   "expect": {"disclaimers": [HOSTILE[4]]}}],
    }
    return json.dumps(doc)  # JSON is YAML: every string survives exactly


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    path = tmp / "hostile.yaml"
    path.write_text(pack_text(), encoding="utf-8")
    result = build_bundle([path], tmp / "bundle")
    check = run([tool("opa"), "check", "--strict", str(result.bundle_dir)])
    assert check.returncode == 0, check.stderr
    return result.bundle_dir


def request(role: str, tools: list[str]) -> dict:
    return {"identity": {"user_id": "u", "role": role, "verified": False, "method": "header"},
            "headers": {"x-user-id": "u"}, "tools": tools, "sensitivity": None, "findings": [], "model": None}


def test_strings_come_back_from_opa_exactly(bundle):
    info = opa_eval(bundle, f"{PACKAGE}.info", {})
    assert info["version"] == HOSTILE[2]
    assert info["targets"][0]["model"] == HOSTILE[3]
    assert opa_eval(bundle, f"{PACKAGE}.response.disclaimers", {"output": {"text": "fine", "tool_calls": []}}) == HOSTILE


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_hostile_role_and_tool_names_grant_exactly_what_they_say(bundle, index):
    role, tool_name = f"role-{index}", HOSTILE[index]
    allowed = opa_eval(bundle, f"{PACKAGE}.request", request(role, [tool_name]))
    assert allowed["allow"] is True, allowed["violations"]
    denied = opa_eval(bundle, f"{PACKAGE}.request", request(role, ["some_other_tool"]))
    assert denied["code"] == "tool_not_allowed"
    # a role named like Rego code is still just a name: "allow := true" grants nothing to others
    other = opa_eval(bundle, f"{PACKAGE}.request", request("nobody", [tool_name]))
    assert other["allow"] is False


def test_hostile_role_names_key_their_own_entries(bundle):
    decision = opa_eval(bundle, f"{PACKAGE}.request", request(HOSTILE[0], ["anything"]))
    assert decision["allow"] is True  # the role literally named 'quote " inside' has "*"


@pytest.mark.parametrize("text,blocked", [
    ('They SAY "NO" often', True), ("they say no", False),
    ("a\\b", True), ("ab", False), ("x}y", True), ("x y", False),
])
def test_patterns_with_metacharacters_match_as_written(bundle, text, blocked):
    decision = opa_eval(bundle, f"{PACKAGE}.response", {"output": {"text": text, "tool_calls": []}})
    assert (decision["action"] == "block") is blocked


def test_metadata_cannot_be_forged_by_a_string(bundle):
    """OPA parses exactly the four entrypoints the template declares, whatever the strings said."""
    proc = run([tool("opa"), "inspect", "--annotations", "--format", "json", str(bundle)])
    assert proc.returncode == 0, proc.stderr
    annotations = json.loads(proc.stdout)["annotations"]
    entrypoints = sorted(
        "/".join(str(part["value"]) for part in a["path"])
        for a in annotations if a["annotations"].get("entrypoint")
    )
    assert entrypoints == [f"data/packgate/packs/hostile_route/{r}" for r in ("info", "redaction", "request", "response")]
    titles = [a["annotations"].get("title", "") for a in annotations]
    assert f"hostile-route {HOSTILE[2]}" in titles  # the newline-laden version stayed one title
