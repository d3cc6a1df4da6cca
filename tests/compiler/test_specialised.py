"""The generated, pack-specialised rules decide exactly what the library's generic functions decide.

The templates write a pack's configuration out as plain rules (roles, tools, ceilings, headers...
inlined) so OPA evaluates less; the library (`rego/packgate/lib/`) keeps the semantics. For every pack
in the repo, plus edge-case packs written here, each specialised rule is evaluated beside the library
function it replaces, on the same bundle (the config literal is in it), over a seeded grid of inputs
across roles, tools, headers, tokens, tiers, findings and models; any difference fails with the input.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
from pathlib import Path

import pytest
import yaml

from packgate.compiler.build import build_bundle
from packgate.runtime.opa.server import find_opa

ROOT = Path(__file__).resolve().parents[2]
REPO_PACKS = sorted({*ROOT.glob("packs/*.yaml"), *ROOT.glob("tests/*/packs/*.yaml"),
                     ROOT / "bench" / "gateway" / "packs" / "bench-deliver-route.yaml"}, key=lambda p: (p.name, str(p)))

_TARGET = """
providers:
  targets:
    - id: t1
      provider: ollama
      model: m1
      base_url: http://localhost:11434
"""

# rbac shapes the repo's packs lack: "*" with denied tools, "*" denied, no roles at all, require_auth,
# every ceiling, minimum_necessary switched off or without roles.
EDGE_PACKS = {
    "edge-wildcards": """
pack: {name: edge-wildcards, version: 1.0.0}
%s
policies: {chain: [rbac, audit-logger]}
policy:
  rbac:
    deny_if_missing: [X-User-ID, x-user-id, X-Tenant]
    require_auth: true
    roles:
      admin: {allowed_tools: ["*"], denied_tools: [shell, rm]}
      banned: {allowed_tools: [summarize], denied_tools: ["*"]}
      mixed: {allowed_tools: [summarize, shell, "*"], denied_tools: [summarize]}
      reader: {allowed_tools: [summarize, search], denied_tools: [search]}
      nobody: {}
    data_access:
      admin: {max_sensitivity: restricted}
      reader: {max_sensitivity: internal}
      mixed: {max_sensitivity: confidential}
      auditor: {max_sensitivity: public}
    minimum_necessary: {enabled: false, allowed_phi_roles: [admin]}
  audit-logger: {}
""" % _TARGET,
    "edge-open": """
pack: {name: edge-open, version: 1.0.0}
%s
policies: {chain: [rbac]}
policy:
  rbac: {}
""" % _TARGET,
    "edge-phi-only": """
pack: {name: edge-phi-only, version: 1.0.0}
%s
policies: {chain: [rbac]}
policy:
  rbac:
    minimum_necessary: {allowed_phi_roles: [nurse]}
""" % _TARGET,
    "edge-phi-none": """
pack: {name: edge-phi-none, version: 1.0.0}
%s
policies: {chain: [rbac]}
policy:
  rbac:
    roles:
      nurse: {allowed_tools: [summarize]}
    minimum_necessary: {enabled: true}
""" % _TARGET,
}

# (policy, phase, specialised rule in the pack's package, the library call it replaces)
PIECES = [
    ("rbac", "request", 'request_violations["rbac"]', "data.packgate.lib.rbac.request_violations({p}.rbac_config, {p}.request_input)"),
    ("rbac", "response", 'response_violations["rbac"]', "data.packgate.lib.rbac.response_violations({p}.rbac_config, {p}.response_input)"),
    ("healthcare-compliance", "response", 'response_violations["healthcare-compliance"]',
     "data.packgate.lib.compliance.answer_violations({p}.healthcare_compliance_config, {p}.response_input.output)"),
    ("healthcare-compliance", "response", "[{p}.disclaimers, {p}.fda_class]",
     '[data.packgate.lib.compliance.disclaimers({p}.healthcare_compliance_config), '
     'object.get({p}.healthcare_compliance_config, "fda_class", null)]'),
    ("human-oversight", "response", '[{p}.escalate, {p}.response_violations["human-oversight"], [t | t := {p}.review_terms; t != null]]',
     "[count({{1 | data.packgate.lib.oversight.escalates({p}.human_oversight_config, {p}.response_input)}}) == 1, "
     "data.packgate.lib.oversight.response_violations({p}.human_oversight_config), "
     "[t | t := data.packgate.lib.oversight.terms({p}.human_oversight_config)]]"),
    ("data-routing-policy", "request", "routing_decision",
     "data.packgate.lib.routing.select({p}.data_routing_policy_config, {p}.targets, {p}.request_input.model)"),
    *((name, phase, f'{phase}_{part}["{name}"]',
       f'data.packgate.lib.detectors.{fn}("{name}", {{p}}.{ident}_config, {{p}}.{phase}_input.findings)')
      for name, ident in (("hipaa-phi-detector", "hipaa_phi_detector"), ("pii-detector", "pii_detector"))
      for phase in ("request", "response")
      for part, fn in (("violations", f"{phase}_violations"), ("transforms", "transforms"))),
]


def _names(config: dict, key: str) -> set[str]:
    return {str(n) for n in (config or {}).get(key, []) or []}


def _vocabulary(pack: dict) -> dict[str, list]:
    """Names the pack uses (roles, tools, headers, models), plus names it does not, to draw from."""
    rbac = (pack.get("policy") or {}).get("rbac") or {}
    roles = set(rbac.get("roles") or {}) | set(rbac.get("data_access") or {})
    roles |= _names(rbac.get("minimum_necessary"), "allowed_phi_roles")
    tools = {t for r in (rbac.get("roles") or {}).values() for k in ("allowed_tools", "denied_tools")
             for t in (r or {}).get(k, []) or [] if t != "*"}
    targets = (pack.get("providers") or {}).get("targets") or []
    patterns = ((pack.get("policy") or {}).get("healthcare-compliance") or {}).get("blocked_patterns") or []
    return {
        "roles": sorted(roles) + ["", "stranger", "Clinician", 7],
        "tools": sorted(tools) + ["other-tool", "*", 3],
        "headers": sorted({h.lower() for h in rbac.get("deny_if_missing") or []}) + ["x-other"],
        "models": [None, "nope"] + [t.get(k) for t in targets for k in ("id", "model")],
        "texts": ["ok", "", "A summary for review.", 4] + [f"so I would {p} it" for p in patterns] + [p.upper() for p in patterns],
    }


FINDINGS = [
    [],
    [{"policy": "hipaa-phi-detector", "category": "NAME", "count": 2}],
    [{"policy": "pii-detector", "category": "CREDIT_CARD", "count": 1}],
    [{"policy": "pii-detector", "category": "CUSTOM_TICKET", "count": 1}],
    [{"policy": "hipaa-phi-detector", "category": "SSN", "count": 0}],
    [{"policy": "hipaa-phi-detector", "category": "SSN", "count": 1},
     {"policy": "pii-detector", "category": "EMAIL", "count": 3},
     {"policy": "pii-detector", "category": "CVV", "count": 1}],
]
TIERS = [None, "public", "internal", "confidential", "restricted", "top-secret", 5]
IDENTITIES = [
    {"verified": False, "token": "unchecked", "token_error": None},
    {"verified": True, "token": "valid", "token_error": None},
    {"verified": False, "token": "invalid", "token_error": "expired"},
    {"verified": False, "token": "invalid", "token_error": "no-such-reason"},
    {"verified": False, "token": "absent", "token_error": None},
]


POLICY_FIELDS = {"zero_data_retention": [True, False, None, 1], "training_opt_out": [True, False, None],
                 "in_memory_only": [True, False, None], "local_only_processing": [True, False, None],
                 "sanitized": [True, None], "accepts_tokenized_input": [True, None],
                 "allow_internet_egress": [True, False, None], "retention_days": [0, 1, 30, 400, None, "0"]}


def _targets(pack: dict, rng: random.Random) -> list[dict]:
    """The pack's targets, or one to three made-up targets with a random mix of declarations."""
    if rng.random() < 0.4:
        return (pack.get("providers") or {}).get("targets") or []
    out = []
    for i in range(rng.randint(1, 3)):
        declared = {f: rng.choice(v) for f, v in POLICY_FIELDS.items()}
        out.append({"id": f"t{i}", "provider": "ollama", "model": rng.choice(["m1", "nope", f"t{i}"]),
                    "base_url": "http://localhost:1", "data_policy": {k: v for k, v in declared.items() if v is not None}})
    return out


def _inputs(pack: dict, n: int = 300) -> tuple[list[dict], list[dict]]:
    """A seeded sample of request and response inputs over the pack's vocabulary (and beyond it)."""
    words = _vocabulary(pack)
    rng = random.Random(json.dumps(pack, sort_keys=True, default=str))
    tool_lists = [[]] + [[t] for t in words["tools"]] + [list(p) for p in itertools.combinations(words["tools"], 2)]
    header_sets = [{h: "v" for h in words["headers"]}, {}, {h: "  " for h in words["headers"]}]
    header_sets += [{h: "v" for h in words["headers"] if h != gone} for gone in words["headers"]]
    header_sets += [{h: 1 for h in words["headers"]}, {h.upper(): "v" for h in words["headers"]}]
    requests, responses = [], []
    for i in range(n):
        role = words["roles"][i % len(words["roles"])]  # every role, then at random
        identity = {"user_id": "u-1", "role": role, "method": "header", **rng.choice(IDENTITIES)}
        requests.append({"identity": identity, "headers": rng.choice(header_sets), "tools": rng.choice(tool_lists),
                         "sensitivity": rng.choice(TIERS), "findings": rng.choice(FINDINGS),
                         "model": rng.choice(words["models"]),
                         "safeguards": {"crisis": [], "injection": [], "system_messages": rng.choice([0, 1])},
                         "_targets": _targets(pack, rng)})
        response = {"identity": identity, "findings": rng.choice(FINDINGS), "target": None,
                    "output": {"text": rng.choice(words["texts"]), "strings": rng.sample(words["texts"], rng.randint(0, 2)),
                               "tool_calls": rng.choice(tool_lists)},
                    "safeguards": {"crisis": []}}
        if rng.random() < 0.3:
            response["review"] = {"reviewed": rng.choice([True, False, "yes"])}
        if rng.random() < 0.1:
            del response["output"]["text"]
        responses.append(response)
    return requests, responses


def test_the_pack_set_covers_the_repo_and_edge_shapes() -> None:
    names = {p.name for p in REPO_PACKS}
    assert "behavioral-health-review-route.yaml" in names and "bench-deliver-route.yaml" in names
    assert {"gw-auth.yaml", "gw-deliver.yaml", "cl-answer.yaml"} <= names


@pytest.mark.parametrize("pack_path", [*REPO_PACKS, *(Path(n) for n in EDGE_PACKS)], ids=lambda p: p.stem)
def test_specialised_rules_decide_as_the_library(pack_path: Path, tmp_path: Path) -> None:
    if str(pack_path) in EDGE_PACKS:
        pack_path = tmp_path / f"{pack_path}.yaml"
        pack_path.write_text(EDGE_PACKS[pack_path.stem], encoding="utf-8")
    elif "{base_url}" in pack_path.read_text(encoding="utf-8"):  # tests/clients fill these in at run time
        text = pack_path.read_text(encoding="utf-8")
        pack_path = tmp_path / pack_path.name
        pack_path.write_text(text.replace("{base_url}", "http://127.0.0.1:9").replace("{model}", "m"), encoding="utf-8")
    pack = yaml.safe_load(pack_path.read_text(encoding="utf-8"))
    built = build_bundle([pack_path], tmp_path / "bundle")
    package = f"data.{built.packs[0].package}"
    chain = pack["policies"]["chain"]
    requests, responses = _inputs(pack)
    compared, outcomes = 0, {}
    for policy, phase, rule, library in PIECES:
        if policy not in chain:
            continue
        spec = rule.format(p=package) if "{p}" in rule else f"{package}.{rule}"
        query = f'{{"spec": {spec}, "lib": {library.format(p=package)}}}'
        inputs = requests if phase == "request" else responses
        pairs = _pairs(built.bundle_dir, query, inputs, package)
        for inp, pair in zip(inputs, pairs, strict=True):
            assert pair["spec"] == pair["lib"], (pack_path.name, rule, inp)
        outcomes.setdefault(policy, set()).update(json.dumps(pair["spec"], sort_keys=True) for pair in pairs)
        compared += len(pairs)
    assert compared == len(requests) * sum(1 for policy, *_ in PIECES if policy in chain)
    # the grid reaches different outcomes, not one answer for every input (of the policies whose
    # outcome always depends on the input; human-oversight's block, for one, does not)
    varies = {"rbac", "hipaa-phi-detector", "pii-detector", "data-routing-policy"} & set(outcomes)
    assert all(len(outcomes[policy]) > 1 for policy in varies), {k: len(v) for k, v in outcomes.items()}


def _pairs(bundle: Path, query: str, inputs: list[dict], package: str) -> list[dict]:
    """`query` evaluated once per input, by one `opa eval` (undefined for any input fails); a
    request input's `_targets` replace the pack's targets for it (as the generated tests do)."""
    each = f"x := {query} with input as object.remove(item, [\"_targets\"])"
    each += f" with {package}.targets as object.get(item, \"_targets\", {package}.targets)"
    proc = subprocess.run(
        [str(find_opa()), "eval", "--format", "json", "--bundle", str(bundle), "--stdin-input",
         f"[x | some item in input; {each}]"],
        input=json.dumps(inputs), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, (proc.stderr + proc.stdout)[-2000:]
    out = json.loads(proc.stdout)["result"][0]["expressions"][0]["value"]
    assert len(out) == len(inputs), "undefined for some input"
    return out
