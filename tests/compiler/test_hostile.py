"""Hostile input to the compiler, property-based (hypothesis): packs generated from the schema's own
shapes (pydantic models in packgate.compiler.schema), full of Rego/YAML/Jinja metacharacters.

* every valid pack compiles, and the real `opa check --strict` accepts the bundle and the generated
  `opa test` suite passes (several packs per bundle, one opa run per example, few examples);
* strings never change the evaluated policy: `opa eval` grants a hostile role exactly its hostile
  tool, refuses any other tool, and grants nothing to a role that was not declared;
* every mutated pack (wrong type, unknown key, broken YAML) fails with `file:line:col` diagnostics and
  no traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packgate.compiler.build import build_bundle
from packgate.compiler.rego_literal import identifier
from packgate.compiler.diagnostics import PackError

from tests.compiler.conftest import SEED, packgate, run, tool

META = '"\\{}[]()$#:-*&!|>%@`\'\n\t ;=.,<?~^+'
hostile = st.text(alphabet=st.sampled_from(list(META) + list("abcXYZ09☃\u2028")), min_size=1, max_size=24)
names = hostile.filter(lambda s: s.strip() != "*" and s.strip() != "")
ids = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,12}\Z")
maybe_bool = st.sampled_from([None, True, False])
DIAG = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (error|warning): .+")
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@st.composite
def packs(draw, name: str) -> dict:
    targets = draw(st.lists(st.fixed_dictionaries({
        "id": ids, "provider": st.sampled_from(["ollama", "openai"]), "model": hostile,
        "base_url": st.just("http://127.0.0.1:11434"),
        "data_policy": st.fixed_dictionaries({}, optional={
            "zero_data_retention": maybe_bool, "training_opt_out": maybe_bool, "in_memory_only": maybe_bool,
            "retention_days": st.integers(0, 400), "allow_internet_egress": maybe_bool,
            "local_only_processing": maybe_bool})}),
        min_size=1, max_size=3, unique_by=lambda t: t["id"]))
    roles = draw(st.dictionaries(names, st.lists(names, min_size=1, max_size=3), min_size=1, max_size=3))
    policy: dict = {"rbac": {"roles": {r: {"allowed_tools": t} for r, t in roles.items()}}}
    chain = ["rbac"]
    for pname, strat in {
        "data-routing-policy": st.fixed_dictionaries({}, optional={
            "require_zero_data_retention": st.booleans(), "max_retention_days": st.integers(0, 30),
            "log_provider_selection": st.booleans(), "allow_internet_egress": st.booleans()}),
        "hipaa-phi-detector": st.fixed_dictionaries({"action": st.sampled_from(["redact", "block"])}),
        "pii-detector": st.fixed_dictionaries({"action": st.sampled_from(["redact", "block"]),
                                               "healthcare_mode": st.booleans(), "pci_mode": st.booleans()}),
        "healthcare-compliance": st.fixed_dictionaries({
            "blocked_patterns": st.lists(st.from_regex(r"\A[a-z]{3,10}\Z"), max_size=3),
            "required_disclaimers": st.lists(hostile, max_size=3)}),
        "human-oversight": st.fixed_dictionaries({"action": st.sampled_from(["escalate", "block"])}),
        "audit-logger": st.fixed_dictionaries({}, optional={"retention_days": st.integers(1, 4000)}),
    }.items():
        if draw(st.booleans()):
            policy[pname] = draw(strat)
            chain.append(pname)
    chain = draw(st.permutations(chain))
    return {"pack": {"name": name, "version": draw(hostile), "enabled": True, "description": draw(hostile)},
            "providers": {"targets": targets}, "policies": {"chain": list(chain)}, "policy": policy}


def _req(role: str, tools: list[str]) -> dict:
    return {"identity": {"user_id": "u", "role": role, "verified": False, "method": "header"},
            "headers": {"x-user-id": "u", "x-user-role": role}, "tools": tools, "sensitivity": None,
            "findings": [], "model": None}


@SETTINGS
@given(st.lists(st.integers(0, 10**6), min_size=3, max_size=3, unique=True).flatmap(
    lambda ns: st.tuples(*[packs(f"hyp-{n}") for n in ns])))
def test_valid_packs_compile_check_test_and_keep_their_meaning(tmp_path_factory, docs) -> None:
    tmp = tmp_path_factory.mktemp("hyp")
    paths = []
    for doc in docs:
        p = tmp / f"{doc['pack']['name']}.yaml"
        p.write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML: every string survives exactly
        paths.append(p)
    result = build_bundle(paths, tmp / "bundle")
    assert not [d for d in result.diagnostics if d.severity == "error"]
    bundle = str(result.bundle_dir)
    check = run([tool("opa"), "check", "--strict", bundle])
    assert check.returncode == 0, check.stdout + check.stderr
    test = run([tool("opa"), "test", bundle])
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]
    cases, expect = [], []
    for doc in docs:
        pkg = identifier(doc["pack"]["name"])
        roles = doc["policy"]["rbac"]["roles"]
        for role, spec in roles.items():
            tool_name = spec["allowed_tools"][0]
            others = [t for t in ("zz-not-granted", "*") if all(t not in s["allowed_tools"] for s in roles.values())]
            cases += [{"pkg": pkg, "input": _req(role, [tool_name])}, {"pkg": pkg, "input": _req(role, others[:1])}]
            expect += [("tool_not_allowed", False), ("tool_not_allowed", True)]
        stranger = "stranger-" + "x" * 30
        if stranger not in roles:
            cases.append({"pkg": pkg, "input": _req(stranger, [roles[next(iter(roles))]["allowed_tools"][0]])})
            expect.append(("unknown_role", True))  # a role the pack does not name gets nothing
    query = ('[codes | c := input.cases[_]; d := data.packgate.packs[c.pkg].request with input as c.input; '
             'codes := {v.code | v := d.violations[_]; v.policy == "rbac"}]')
    proc = subprocess.run([tool("opa"), "eval", "--format", "json", "--bundle", bundle, "--stdin-input", query],
                          input=json.dumps({"cases": cases}), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)["result"][0]["expressions"][0]["value"]
    for case, (code, want), codes in zip(cases, expect, got):
        assert (code in codes) is want, (case["input"]["identity"]["role"], case["input"]["tools"], codes)


SEED_TEXT = SEED.read_text(encoding="utf-8")
SEED_LINES = SEED_TEXT.splitlines()


@st.composite
def mutations(draw) -> tuple[str, str]:
    kind = draw(st.sampled_from(["unknown_key", "wrong_type", "broken_yaml"]))
    doc = yaml.safe_load(SEED_TEXT)
    if kind == "broken_yaml":
        i = draw(st.integers(0, len(SEED_LINES) - 1))
        junk = draw(st.sampled_from(["  - [unclosed", "\tkey: tab", "key: {a: 1", ": :", "- x\n y: [", '"open']))
        return kind, "\n".join(SEED_LINES[:i] + [junk] + SEED_LINES[i:]) + "\n"
    # walk to a random mapping (or a scalar in one) along the seed document
    node, path = doc, []
    for _ in range(draw(st.integers(1, 4))):
        if not isinstance(node, dict) or not node:
            break
        key = draw(st.sampled_from(sorted(node)))
        if not isinstance(node[key], (dict, str, bool, int)) and kind == "wrong_type":
            break
        path.append(key)
        parent, node = node, node[key]
    if kind == "unknown_key" or not path:
        target = node if isinstance(node, dict) else doc
        target["x_" + draw(st.from_regex(r"\A[a-z]{1,8}\Z"))] = draw(st.sampled_from([1, "v", [1], {"a": 1}]))
    else:
        value = node
        bad = {str: 12345, bool: "yes please", int: "ten", dict: ["a", "list"]}[type(value)]
        parent[path[-1]] = bad
    return kind, yaml.safe_dump(doc, sort_keys=False)


@SETTINGS
@given(st.lists(mutations(), min_size=4, max_size=4))
def test_invalid_packs_get_file_line_col_and_no_traceback(tmp_path_factory, muts) -> None:
    tmp = tmp_path_factory.mktemp("bad")
    for n, (kind, text) in enumerate(muts):
        p = tmp / f"bad{n}.yaml"
        p.write_text(text, encoding="utf-8")
        lines = text.count("\n") + 1
        try:
            build_bundle([p], tmp / f"out{n}")
        except PackError as exc:
            diags = [d for d in exc.diagnostics if d.severity == "error"]
            assert diags, kind
            for d in diags:
                m = DIAG.match(str(d))
                assert m and m["file"] == str(p), str(d)
                assert 1 <= int(m["line"]) <= lines and int(m["col"]) >= 1, (str(d), kind)
        else:
            raise AssertionError(f"{kind} mutation compiled:\n{text}")


def test_cli_reports_mutated_packs_without_traceback(tmp_path: Path) -> None:
    """The same through the real CLI, as a user sees it: one line per diagnostic, exit 1."""
    files = []
    for n, text in enumerate([SEED_TEXT.replace("policy:\n", "policy:\n  nonsense: 1\n", 1),
                              SEED_TEXT.replace("enabled: true", "enabled: [true]", 1),
                              SEED_TEXT + "\n  broken: [\n"]):
        p = tmp_path / f"m{n}.yaml"
        p.write_text(text, encoding="utf-8")
        files.append(str(p))
    for f in files:
        cp = packgate("lint", f)
        out = cp.stdout + cp.stderr
        assert cp.returncode == 1 and "Traceback" not in out, out
        assert any(DIAG.match(line) and line.startswith(f) for line in out.splitlines()), out
