"""Rego unit tests generated from a pack: one case per decision path the pack configures.

The expected outcomes here are worked out independently from the YAML (a second reading of the
pack, not a call into the library), so a library change that alters a pack's behaviour makes
its generated tests fail. Tables the library reads as data (the routing requirements) are read
from the same file here, not copied. Pack authors add their own cases in the pack's `tests:` section.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from . import rego_literal
from .codes import codes_for
from .diagnostics import Diagnostic, PackError
from .loader import LoadedPack
from .schema import Pack, PackTest, Target
from .toolchain import REPO_ROOT

# Turns a pack's chat-request tests into OPA inputs with the gateway's own parsing, identity and
# detectors (`packgate.runtime.gateway.whatif.prompt_inputs`): one OPA input, or why the gateway
# would refuse the request before asking OPA, per test. The compiler sits below the runtime, so
# whoever builds passes it in; a pack with such tests and no function to run them is an error.
PromptInputs = Callable[[Pack, Sequence[PackTest]], list["dict[str, Any] | str"]]

OUTSIDER_ROLE = "packgate-test-outsider"
UNLISTED_TOOL = "packgate_test_unlisted_tool"
TIERS = ["public", "internal", "confidential", "restricted"]

# The routing requirements table lives once, as data beside the library that applies it; the oracle
# below reads the same rows and works out each target's reasons on its own.
ROUTING_TABLE = REPO_ROOT / "rego" / "packgate" / "lib" / "routing" / "data.json"


@lru_cache(maxsize=1)
def routing_requirements() -> tuple[dict[str, Any], ...]:
    """Rows of {option, field, want, code, message}; `want` null means "a number no greater than the option"."""
    return tuple(json.loads(ROUTING_TABLE.read_text(encoding="utf-8"))["requirements"])


@dataclass
class Case:
    title: str
    phase: str
    input: dict[str, Any]
    asserts: list[str]
    targets: list[dict[str, Any]] | None = None  # replaces the pack's targets for this case
    ident: str = ""
    source: str | None = None  # a pack test's `file:line` in the pack


def lit(value: Any) -> str:
    return rego_literal._inline(value)


def expected_reasons(pack: Pack, target: Target) -> list[str]:
    """Reason codes a target should be excluded with, read straight from the YAML."""
    routing = pack.policy.data_routing_policy
    if routing is None or "data-routing-policy" not in pack.policies.chain:
        return []
    dp = target.data_policy.model_dump()
    codes = []
    for row in routing_requirements():
        option, have = getattr(routing, row["option"]), dp.get(row["field"])
        if row["want"] is not None:
            if option is row["want"] and have is not row["want"]:
                codes.append(row["code"])
        elif _number(option) and not (_number(have) and have <= option):
            codes.append(row["code"])
    return sorted(codes)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _identity(role: str) -> dict[str, Any]:
    return {"user_id": "test-user", "role": role, "verified": True, "method": "jwt"}


def _headers(pack: Pack, role: str) -> dict[str, str]:
    rbac = pack.policy.rbac
    headers = {"x-user-id": "test-user", "x-user-role": role}
    if rbac is not None:
        for name in rbac.deny_if_missing:
            headers.setdefault(name.lower(), "present")
    return headers


def _request(pack: Pack, role: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "identity": _identity(role),
        "headers": _headers(pack, role),
        "tools": [],
        "sensitivity": None,
        "findings": [],
        "model": None,
    }
    base.update(overrides)
    return base


def _response(role: str, text: str, **overrides: Any) -> dict[str, Any]:
    base = {"identity": _identity(role), "target": None, "output": {"text": text, "tool_calls": []}, "findings": []}
    base.update(overrides)
    return base


def _violation(code: str, param: Any = None) -> str:
    """One expression: the decision has a violation with this code (and param)."""
    if param is None:
        return f"testing.has_code(decision, {lit(code)})"
    return f"testing.has_violation(decision, {lit(code)}, {lit(param)})"


def _transform(policy: str, **fields: Any) -> str:
    """One expression: the decision has a transform of `policy` with these fields."""
    return f"testing.has_transform(decision, {lit({'policy': policy, **fields})})"


def _phi_role(pack: Pack) -> str:
    """A role allowed to send PHI with a restricted ceiling, or the first configured role."""
    rbac = pack.policy.rbac
    if rbac is None or "rbac" not in pack.policies.chain:
        return "clinician"
    mn = rbac.minimum_necessary
    phi_roles = mn.allowed_phi_roles if (mn and mn.enabled) else list(rbac.roles) or ["clinician"]
    for role in phi_roles:
        ceiling = rbac.data_access[role].max_sensitivity if role in rbac.data_access else ("restricted" if not rbac.data_access else "public")
        if ceiling == "restricted":
            return role
    return (list(rbac.roles) or phi_roles or ["clinician"])[0]


def cases(loaded: LoadedPack) -> list[Case]:
    pack = loaded.pack
    chain = pack.policies.chain
    rbac = pack.policy.rbac if "rbac" in chain else None
    role = _phi_role(pack)
    compliant = [t.id for t in pack.providers.targets if not expected_reasons(pack, t)]
    out: list[Case] = []

    # the allowed request
    allow = [f"decision.allow == {lit(pack.pack.enabled and bool(compliant))}"]
    if compliant and pack.pack.enabled:
        allow += ["decision.status == 200", f"decision.target == {lit(compliant[0])}", f"decision.targets == {lit(compliant)}"]
    out.append(Case("a request with identity and no findings is allowed", "request", _request(pack, role), allow))

    if not pack.pack.enabled:  # a disabled pack answers 503 to everything; nothing else to test
        out.append(Case("a disabled pack answers 503", "request", _request(pack, role),
                        ["decision.status == 503", 'decision.code == "pack_disabled"']))
        out.append(Case("a disabled pack answers 503 even to a bad request", "request",
                        _request(pack, role, headers={}, sensitivity="top-secret"),
                        ["decision.status == 503", 'decision.code == "pack_disabled"']))
        return _name(out)

    if rbac is not None:
        # rbac's status is the response's only when no earlier policy can object to the same request
        leads = chain.index("rbac") < min([chain.index(p) for p in ("data-routing-policy", "hipaa-phi-detector",
                                                                      "pii-detector") if p in chain] or [99])

        def first(status: int, code: str | None = None) -> list[str]:
            if not leads:
                return []
            return [f"decision.status == {status}"] + ([f"decision.code == {lit(code)}"] if code else [])

        for header in rbac.deny_if_missing:
            headers = {k: v for k, v in _headers(pack, role).items() if k != header.lower()}
            out.append(Case(f"missing {header} is denied with 401", "request", _request(pack, role, headers=headers),
                            ["decision.allow == false", *first(401, "missing_header"),
                             _violation("missing_header", header)]))
        for name, tools in rbac.roles.items():
            if "*" in tools.denied_tools:
                continue
            if "*" in tools.allowed_tools:
                out.append(Case(f"role {name} may use any tool", "request", _request(pack, name, tools=[UNLISTED_TOOL]),
                                ["not testing.has_code(decision, \"tool_not_allowed\")"]))
            else:
                out.append(Case(f"role {name} may not use an unlisted tool", "request",
                                _request(pack, name, tools=[UNLISTED_TOOL]),
                                ["decision.allow == false", _violation("tool_not_allowed", UNLISTED_TOOL)]))
            for tool in tools.allowed_tools:
                if tool != "*" and tool not in tools.denied_tools:
                    out.append(Case(f"role {name} may use tool {tool}", "request", _request(pack, name, tools=[tool]),
                                    ["not testing.has_code(decision, \"tool_not_allowed\")"]))
        named = set(rbac.roles) | set(rbac.data_access) | set(rbac.minimum_necessary.allowed_phi_roles if rbac.minimum_necessary else [])
        phi = [{"policy": "hipaa-phi-detector", "category": "NAME", "count": 1}]
        if named:
            out.append(Case("a role the pack does not name is refused", "request", _request(pack, OUTSIDER_ROLE),
                            ["decision.allow == false", *first(403), _violation("unknown_role", OUTSIDER_ROLE)]))
        if rbac.data_access:
            low = [(r, a.max_sensitivity) for r, a in rbac.data_access.items() if a.max_sensitivity != "restricted"]
            unceilinged = sorted(named - set(rbac.data_access))
            if low or unceilinged:
                who, ceiling = low[0] if low else (unceilinged[0], "public")
                over = TIERS[TIERS.index(ceiling) + 1]
                out.append(Case(f"{over} data from role {who} exceeds its {ceiling} ceiling", "request",
                                _request(pack, who, sensitivity=over),
                                ["decision.allow == false", _violation("sensitivity_exceeds_role", over)]))
                out.append(Case("declaring public does not lower what findings show", "request",
                                _request(pack, who, sensitivity="public", findings=phi),
                                ['decision.sensitivity.effective == "restricted"',
                                 _violation("sensitivity_exceeds_role", "restricted")]))
        mn = rbac.minimum_necessary
        if mn is not None and mn.enabled:
            outside = sorted((named or {OUTSIDER_ROLE}) - set(mn.allowed_phi_roles))
            if outside:
                out.append(Case("PHI from a role outside allowed_phi_roles is denied", "request",
                                _request(pack, outside[0], findings=phi),
                                ["decision.allow == false", *first(403),
                                 _violation("phi_not_permitted_for_role", outside[0])]))
            else:  # every named role may send PHI; any other role is not even known to the route
                out.append(Case("PHI from a role outside allowed_phi_roles is denied", "request",
                                _request(pack, OUTSIDER_ROLE, findings=phi),
                                ["decision.allow == false", *first(403),
                                 _violation("unknown_role", OUTSIDER_ROLE)]))
        if rbac.require_auth:
            ident = {**_identity(role), "verified": False, "method": "header"}
            out.append(Case("an unverified identity is denied with 401", "request", _request(pack, role, identity=ident),
                            [*first(401), _violation("unauthenticated")]))
            forged = {**_identity(role), "verified": False, "token": "invalid", "token_error": "bad_signature"}
            out.append(Case("a token that fails verification is denied with 401", "request",
                            _request(pack, role, identity=forged),
                            ["decision.allow == false", *first(401, "invalid_token"),
                             _violation("invalid_token", "authorization")]))
        out.append(Case("an unknown sensitivity tier is a 400", "request", _request(pack, role, sensitivity="top-secret"),
                        ["decision.allow == false", _violation("invalid_sensitivity")]))

    # routing
    for target in pack.providers.targets:
        reasons = expected_reasons(pack, target)
        if reasons:
            out.append(Case(f"target {target.id} is excluded with its reasons", "request", _request(pack, role),
                            [f"testing.excluded_with(decision, {lit(target.id)}, {lit(set_lit(reasons))})"]))
    routing = pack.policy.data_routing_policy if "data-routing-policy" in chain else None
    if routing is not None:
        bare = {"id": "undeclared", "provider": "openai", "model": "m", "base_url": "http://127.0.0.1:1", "data_policy": {}}
        if expected_reasons(pack, Target.model_validate(bare)):
            out.append(Case("no compliant target blocks with 409", "request", _request(pack, role),
                            ["decision.allow == false", "decision.status == 409", _violation("no_compliant_provider"),
                             "decision.target == null"],
                            targets=[bare]))
        if len(compliant) > 1:
            last = compliant[-1]
            by_id = {t.id: t for t in pack.providers.targets}
            # targets whose id or model equals the requested name go first, in pack order
            named = [i for i in compliant if last in (i, by_id[i].model)]
            out.append(Case("the target the request's model names is tried first", "request",
                            _request(pack, role, model=last), [f"decision.target == {lit(named[0])}"]))

    # detectors
    for name in ("hipaa-phi-detector", "pii-detector"):
        config = pack.policy.get(name)
        if config is None or name not in chain:
            continue
        finding = [{"policy": name, "category": "SSN", "count": 2}]
        if config.action == "redact":
            out.append(Case(f"{name} findings oblige redaction before forwarding", "request", _request(pack, role, findings=finding),
                            [_transform(name, action="redact", categories=["SSN"]),
                             _transform(name, marker_format=config.redaction.marker_format)]))
            out.append(Case(f"{name} findings in output oblige redaction", "response", _response(role, "ok", findings=finding),
                            [_transform(name, categories=["SSN"])]))
            out.append(Case(f"{name} alone decides the dry run's redaction", "redaction", {"findings": finding},
                            ["decision.allow == true", _transform(name, action="redact", categories=["SSN"])]))
        else:
            out.append(Case(f"{name} with action block stops PHI input", "request", _request(pack, role, findings=finding),
                            ["decision.allow == false", _violation("input_blocked", "SSN")]))
            out.append(Case(f"{name} with action block stops PHI output", "response", _response(role, "ok", findings=finding),
                            ['decision.action == "block"', _violation("output_blocked", "SSN")]))
            out.append(Case(f"{name} with action block blocks the dry run", "redaction", {"findings": finding},
                            ["decision.allow == false", 'decision.code == "input_blocked"',
                             _violation("input_blocked", "SSN")]))

    out += _safeguard_cases(pack, role)

    # delivery
    compliance = pack.policy.healthcare_compliance if "healthcare-compliance" in chain else None
    oversight = pack.policy.human_oversight if "human-oversight" in chain else None
    clean = "The note describes routine follow-up."
    if oversight is not None and oversight.action == "escalate":
        expected = ['decision.action == "escalate"', "decision.status == 200", 'decision.code == "escalated"']
    elif oversight is not None:
        expected = ['decision.action == "block"', "decision.status == 409", _violation("output_blocked")]
    else:
        expected = ['decision.action == "deliver"', "decision.status == 200"]
    out.append(Case("clean output follows the route's delivery rule", "response", _response(role, clean), expected))
    if compliance is not None:
        out.append(Case("required disclaimers accompany output", "response", _response(role, clean),
                        [f"decision.disclaimers == {lit(compliance.required_disclaimers)}"]))
        for i, pattern in enumerate(compliance.blocked_patterns):
            if re.fullmatch(r"[A-Za-z0-9 ,.'-]+", pattern):
                text = f"Plan: {pattern.upper()} as discussed."
                out.append(Case(f"output matching blocked_patterns[{i}] is blocked whatever its case", "response",
                                _response(role, text),
                                ['decision.action == "block"', "decision.status == 409", 'decision.code == "output_blocked"',
                                 _violation("output_blocked", f"blocked_patterns[{i}]")]))
                arguments = '{"note": "' + pattern + '"}'
                out.append(Case(f"a tool-call argument matching blocked_patterns[{i}] is blocked", "response",
                                _response(role, clean, output={"text": clean, "strings": ["", "note", arguments],
                                                               "tool_calls": ["note"]}),
                                ['decision.action == "block"', _violation("output_blocked", f"blocked_patterns[{i}]")]))
    if rbac is not None:
        out.append(Case("a model tool call the role may not make is refused", "response",
                        _response(OUTSIDER_ROLE, clean, output={"text": clean, "tool_calls": [UNLISTED_TOOL]}),
                        ['decision.action == "block"', _violation("tool_not_allowed", UNLISTED_TOOL)]))
    return _name(out)


def _safeguards(**facts: Any) -> dict[str, Any]:
    return {"safeguards": {"crisis": [], "injection": [], "system_messages": 0, **facts}}


def _safeguard_cases(pack: Pack, role: str) -> list[Case]:
    """crisis-detection and prompt-guard, read from the YAML: which findings count and what follows."""
    chain = pack.policies.chain
    out: list[Case] = []
    crisis = pack.policy.crisis_detection if "crisis-detection" in chain else None
    if crisis is not None:
        first = {"category": "suicidal_ideation", "person": "first", "context": "current", "plan": False, "confidence": 0.99}
        reported = {**first, "person": "reported"}
        negated = {**first, "context": "negated"}
        counts = crisis.min_confidence <= first["confidence"]
        notify = crisis.action in ("respond", "escalate") and crisis.notify_url is not None
        acts = [f"decision.crisis.action == {lit(crisis.action)}", 'decision.crisis.code == "crisis_indicator"',
                'decision.crisis.categories == ["suicidal_ideation"]', f"decision.crisis.notify == {lit(notify)}"]
        if crisis.action == "respond":
            acts.append(f"decision.crisis.message == {lit(crisis.response)}")
        none = ['decision.crisis.action == "none"', "decision.crisis.notify == false"]
        if "input" in crisis.scope:
            out.append(Case("a first-person crisis statement gets the route's crisis action", "request",
                            _request(pack, role, **_safeguards(crisis=[first])), acts if counts else none))
            out.append(Case("a reported statement counts on a patient route, not on a clinician route", "request",
                            _request(pack, role, **_safeguards(crisis=[reported])),
                            acts if counts and crisis.audience == "patient" else none))
        out.append(Case("a negated statement (denies SI) is not a crisis indicator", "request",
                        _request(pack, role, **_safeguards(crisis=[negated])), none))
        out.append(Case("crisis findings in the model's answer follow the route's scope", "response",
                        _response(role, "ok", safeguards={"crisis": [first]}),
                        acts if counts and "output" in crisis.scope else none))
    guard = pack.policy.prompt_guard if "prompt-guard" in chain else None
    if guard is not None:
        refused = guard.client_system_messages == "refuse"
        out.append(Case("a client system message follows client_system_messages", "request",
                        _request(pack, role, **_safeguards(system_messages=1)),
                        ["decision.allow == false", "decision.status == 422", _violation("system_message_not_allowed", "messages")]
                        if refused else ['not testing.has_code(decision, "system_message_not_allowed")',
                                         f"decision.guard.drop_client_system == {lit(guard.client_system_messages == 'replace')}"]))
        found = [{"category": "instruction_override", "source": "tool"}]
        out.append(Case("an injection in a tool result follows the injection setting", "request",
                        _request(pack, role, **_safeguards(injection=found)),
                        ["decision.allow == false", "decision.status == 409", _violation("prompt_injection", "messages")]
                        if guard.injection == "block" else
                        ['not testing.has_code(decision, "prompt_injection")',
                         'decision.guard.flagged == ["instruction_override in tool"]']))
        out.append(Case("the route's system prompt is pinned", "request", _request(pack, role),
                        [f"decision.guard.system_prompt == {lit(guard.system_prompt)}"]))
    return out


def pack_file(loaded: LoadedPack) -> str:
    """The pack's file as generated files name it: relative to the pack's own directory, so the same
    pack builds to the same bytes (and bundle revision) from any working directory."""
    return Path(loaded.source.file).name


def set_lit(values: list[str]) -> frozenset[str]:
    return frozenset(values)


def _package(loaded: LoadedPack) -> str:
    return f"packgate.packs.{rego_literal.identifier(loaded.pack.pack.name)}"


def _name(items: list[Case]) -> list[Case]:
    seen: dict[str, int] = {}
    for case in items:
        base = re.sub(r"[^a-z0-9]+", "_", case.title.lower()).strip("_")[:48].strip("_") or "case"
        n = seen.get(base, 0)
        seen[base] = n + 1
        case.ident = base if n == 0 else f"{base}_{n + 1}"
    return items


def check_tests(loaded: LoadedPack) -> list[Diagnostic]:
    """A pack test must say what it sends (an OPA `input`, or a chat `request` with `headers` and an
    optional `response`) and may only expect what the pack can answer: codes its chain can return,
    its own target ids, policies in its chain."""
    pack, src = loaded.pack, loaded.source
    chain = pack.policies.chain
    codes = codes_for(chain)
    ids = [t.id for t in pack.providers.targets]
    out: list[Diagnostic] = []
    for i, test in enumerate(pack.tests):
        at = ("tests", i)
        if (test.input is None) == (test.request is None):
            out.append(src.at(at, "error", "a test gives either `input` (the OPA input) or `request` (a chat request)"))
        if test.request is None and (test.headers is not None or test.response is not None):
            key = "headers" if test.headers is not None else "response"
            out.append(src.at(at + (key,), "error", f"`{key}` goes with `request`", key=True))
        if test.request is not None and test.decision == "response" and test.response is None:
            out.append(src.at(at + ("phase",), "error", "a response test with `request` needs the model's `response`"))
        for name in test.headers or {}:
            if name.lower() in ("authorization", "cookie", "proxy-authorization"):
                out.append(src.at(at + ("headers", name), "error",
                                  f"a pack test carries no credentials ({name}); it is built into the bundle", key=True))
        e = test.expect
        known = codes[test.decision]
        if e.code is not None and e.code not in known:
            out.append(src.at(at + ("expect", "code"), "error",
                              f"code {e.code!r} is not one the {test.decision} decision of this pack can return "
                              f"(its chain can return: {', '.join(sorted(known)) or 'none'})"))
        if e.target is not None and e.target not in ids:
            out.append(src.at(at + ("expect", "target"), "error", f"unknown target id {e.target!r} (targets: {', '.join(ids)})"))
        for j, target in enumerate(e.excluded_targets or []):
            if target not in ids:
                out.append(src.at(at + ("expect", "excluded_targets", j), "error",
                                  f"unknown target id {target!r} (targets: {', '.join(ids)})"))
        for j, policy in enumerate(e.transforms or []):
            if policy not in chain:
                out.append(src.at(at + ("expect", "transforms", j), "error",
                                  f"unknown policy {policy!r}: not in policies.chain"))
    return out


def _inputs(loaded: LoadedPack, prompts: PromptInputs | None) -> list[dict[str, Any]]:
    """Each pack test's OPA input: as written, or made from its chat request by `prompts`."""
    tests, src = loaded.pack.tests, loaded.source
    asks = [i for i, t in enumerate(tests) if t.request is not None]
    made: dict[int, dict[str, Any] | str] = {}
    if asks and prompts is None:
        raise PackError([src.at(("tests", asks[0], "request"), "error",
                                "this test sends a chat request; build it with packgate (the build runs the detectors)")])
    if asks and prompts is not None:
        made = dict(zip(asks, prompts(loaded.pack, [tests[i] for i in asks])))
    errors = [src.at(("tests", i, "request"), "error", why) for i, why in made.items() if isinstance(why, str)]
    if errors:
        raise PackError(errors)
    return [made[i] if i in made else t.input for i, t in enumerate(tests)]  # type: ignore[misc]


def expected(test: PackTest) -> dict[str, Any]:
    """What a test expects, key by key, as its asserts compare it (sets for targets and transforms)."""
    e = test.expect
    out = {k: getattr(e, k) for k in ("allow", "status", "code", "action", "target", "disclaimers")
           if getattr(e, k) is not None}
    if e.excluded_targets is not None:
        out["excluded_targets"] = sorted(set(e.excluded_targets))
    if e.transforms is not None:
        out["transforms"] = sorted(set(e.transforms))
    return out


def actual(test: PackTest, decision: Any) -> dict[str, Any]:
    """The same keys of a decision OPA gave, for the side-by-side report of a failing test."""
    if not isinstance(decision, dict):
        return {k: None for k in expected(test)}
    out = {}
    for key in expected(test):
        if key == "excluded_targets":
            out[key] = sorted({t.get("id") for t in decision.get(key) or [] if isinstance(t, dict)})
        elif key == "transforms":
            out[key] = sorted({t.get("policy") for t in decision.get(key) or [] if isinstance(t, dict)})
        else:
            out[key] = decision.get(key)
    return out


def pack_cases(loaded: LoadedPack, prompts: PromptInputs | None = None) -> list[Case]:
    """The pack's own `tests:` entries as cases (chat-request tests turned into OPA input by `prompts`)."""
    out = []
    for i, (test, given) in enumerate(zip(loaded.pack.tests, _inputs(loaded, prompts))):
        e = test.expect
        asserts = []
        for key in ("allow", "status", "code", "action", "target", "disclaimers"):
            value = getattr(e, key)
            if value is not None:
                asserts.append(f"decision.{key} == {lit(value)}")
        if e.excluded_targets is not None:
            asserts.append(f"{{t.id | some t in decision.excluded_targets}} == {lit(set_lit(sorted(e.excluded_targets)))}")
        if e.transforms is not None:
            asserts.append(f"{{t.policy | some t in decision.transforms}} == {lit(set_lit(sorted(e.transforms)))}")
        if not asserts:
            asserts.append("decision")
        line, _ = loaded.source.position(("tests", i))
        out.append(Case(test.name, test.decision, given, asserts, source=f"{pack_file(loaded)}:{line}"))
    return _name(out)


def _render(env: jinja2.Environment, package: str, loaded: LoadedPack, items: list[Case], title: str | None,
            note: str | None = None) -> str:
    alias = package.rsplit(".", 1)[1]
    text = env.get_template("tests.rego.j2").render(
        package=package, note=note, alias=alias, cases=items, title=title, source=pack_file(loaded),
        uses_testing=any("testing." in a for case in items for a in case.asserts),
        literal=rego_literal.literal,
    )
    return rego_literal.mark_overlong(text)


def render_generated(env: jinja2.Environment, package: str, loaded: LoadedPack) -> dict[str, str]:
    """The generated cases, one file per decision phase (`generated_<phase>_test.rego`) in one test
    package: a file per phase stays within regal's file-length limit as packs grow, and a reviewer reads
    one phase at a time. The package METADATA sits in the first file only (OPA allows it once)."""
    everything = cases(loaded)  # named over all phases: test names stay unique across the files
    phases = sorted({c.phase for c in everything})
    return {
        f"generated_{phase}_test.rego": _render(
            env, package, loaded, [c for c in everything if c.phase == phase],
            "Generated tests: each decision path the pack configures" if i == 0 else None,
            f"Generated by packgate: the {phase} decision paths the pack configures; edit the pack, not this file.")
        for i, phase in enumerate(phases)
    }


def render_pack_tests(env: jinja2.Environment, package: str, loaded: LoadedPack, items: list[Case]) -> str:
    """`pack_test.rego`: the pack's own cases (`pack_cases`)."""
    return _render(env, package, loaded, items, None)
