"""Semantic checks on a schema-valid pack: the mistakes that parse fine but mean the wrong thing."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any
from urllib.parse import urlsplit

import re2
from pydantic import ValidationError

from .diagnostics import Diagnostic, closest
from .loader import LoadedPack, SchemaError
from .schema import DETECTOR_POLICIES, HEADER_PATTERN, POLICY_NAMES, Pack

_HEADER = re2.compile(HEADER_PATTERN)
_QUIET = re2.Options()
_QUIET.log_errors = False  # the binding would otherwise print parse errors to stderr itself


def compile_re2(pattern: str) -> Any:
    """Compile a pack-supplied regex with RE2 (linear time), silently; raises `re2.error`."""
    return re2.compile(pattern, options=_QUIET)


def lint(loaded: LoadedPack) -> list[Diagnostic]:
    """Every semantic problem in the pack, errors and warnings, each at file:line:col."""
    pack, src = loaded.pack, loaded.source
    out: list[Diagnostic] = []
    chain = pack.policies.chain
    configured = set(pack.policy.configured())

    seen: set[str] = set()
    for i, name in enumerate(chain):
        loc = ("policies", "chain", i)
        if name not in POLICY_NAMES:
            out.append(src.at(loc, "error", f"unknown policy {name!r} in chain (known: {', '.join(POLICY_NAMES)})"))
        elif name not in configured:
            out.append(src.at(loc, "error", f"chain names {name!r} but policy.{name} is not configured"))
        if name in seen:
            out.append(src.at(loc, "error", f"policy {name!r} appears twice in the chain"))
        seen.add(name)
    for name in sorted(configured - set(chain)):
        out.append(src.at(("policy", name), "warning", f"policy.{name} is configured but not in policies.chain; it has no effect", key=True))

    ids: dict[str, int] = {}
    for i, target in enumerate(pack.providers.targets):
        loc = ("providers", "targets", i)
        if target.id in ids:
            out.append(src.at(loc + ("id",), "error", f"duplicate target id {target.id!r} (first at targets[{ids[target.id]}])"))
        ids.setdefault(target.id, i)
        dp = target.data_policy
        out.extend(_check_transport(src, loc + ("base_url",), target.base_url, bool(dp.local_only_processing)))
        if dp.local_only_processing or dp.allow_internet_egress is False:
            claim = "local_only_processing" if dp.local_only_processing else "allow_internet_egress: false"
            out.extend(_check_local(src, loc + ("base_url",), target.base_url, claim,
                                    dp.local_processing_attestation is not None))

    ca = pack.providers.ca_bundle
    if ca is not None and not ca.startswith("/"):
        out.append(src.at(("providers", "ca_bundle"), "error", "ca_bundle must be an absolute path"))
    out.extend(_check_safeguards(pack, src))

    compliance = pack.policy.healthcare_compliance
    if compliance is not None:
        if compliance.fda_class in ("II", "III") and not compliance.required_disclaimers:
            out.append(src.at(("policy", "healthcare-compliance", "fda_class"), "error",
                              f"fda_class {compliance.fda_class} requires at least one required_disclaimers entry"))
        if compliance.fda_class == "III" and "human-oversight" not in chain:
            out.append(src.at(("policy", "healthcare-compliance", "fda_class"), "error",
                              "fda_class III requires human-oversight in policies.chain"))
        for i, pattern in enumerate(compliance.blocked_patterns):
            out.extend(_check_regex(src, ("policy", "healthcare-compliance", "blocked_patterns", i), pattern))

    pii = pack.policy.pii_detector
    if pii is not None:
        for i, custom in enumerate(pii.detect_patterns):
            out.extend(_check_regex(src, ("policy", "pii-detector", "detect_patterns", i, "pattern"), custom.pattern))

    routing = pack.policy.data_routing_policy
    if routing is not None and routing.sanitize_before_provider:
        if not any(d in chain for d in DETECTOR_POLICIES):
            out.append(src.at(("policy", "data-routing-policy", "sanitize_before_provider"), "error",
                              "sanitize_before_provider needs hipaa-phi-detector or pii-detector in the chain"))

    rbac = pack.policy.rbac
    if rbac is not None:
        for i, header in enumerate(rbac.deny_if_missing):
            if not _HEADER.fullmatch(header):
                out.append(src.at(("policy", "rbac", "deny_if_missing", i), "error", f"{header!r} is not a valid header name"))
        mn = rbac.minimum_necessary
        if mn is not None and rbac.data_access:
            for i, role in enumerate(mn.allowed_phi_roles):
                if role not in rbac.data_access:
                    out.append(src.at(("policy", "rbac", "minimum_necessary", "allowed_phi_roles", i), "warning",
                                      f"role {role!r} may send PHI but has no data_access entry, so its ceiling is "
                                      "'public' and its PHI requests are denied; add data_access."
                                      f"{role}.max_sensitivity"))
    out.extend(_check_role_names(pack, src))
    return sorted(out)


_PLACES = {"roles": "rbac.roles", "data_access": "rbac.data_access",
           "allowed_phi_roles": "rbac.minimum_necessary.allowed_phi_roles", "tests": "tests"}


def _role_mentions(pack) -> list[tuple[str, str, tuple[Any, ...], bool]]:
    """Every role name the pack mentions: (name, place, location, the location is a key)."""
    out: list[tuple[str, str, tuple[Any, ...], bool]] = []
    rbac = pack.policy.rbac
    if rbac is not None:
        out += [(r, "roles", ("policy", "rbac", "roles", r), True) for r in rbac.roles]
        out += [(r, "data_access", ("policy", "rbac", "data_access", r), True) for r in rbac.data_access]
        if rbac.minimum_necessary is not None:
            out += [(r, "allowed_phi_roles", ("policy", "rbac", "minimum_necessary", "allowed_phi_roles", i), False)
                    for i, r in enumerate(rbac.minimum_necessary.allowed_phi_roles)]
    for i, test in enumerate(pack.tests):
        identity, headers = test.input.get("identity"), test.input.get("headers")
        if isinstance(identity, dict) and isinstance(identity.get("role"), str):
            out.append((identity["role"], "tests", ("tests", i, "input", "identity", "role"), False))
        if isinstance(headers, dict):
            out += [(v, "tests", ("tests", i, "input", "headers", k), False)
                    for k, v in headers.items() if str(k).lower() == "x-user-role" and isinstance(v, str)]
    return out


def lint_despite_schema(error: SchemaError) -> list[Diagnostic]:
    """Semantic problems of a pack that parsed but has schema errors, so one run reports both.

    The values the schema refuses (unknown keys, wrong types) are left out and the rest is linted;
    nothing is reported on a schema error's line or about a policy left out entirely. A missing
    required key leaves nothing to lint safely: then only the schema errors are reported.
    """
    pruned = copy.deepcopy(error.raw)
    removed: list[tuple[Any, ...]] = []
    for _ in range(20):
        try:
            pack = Pack.model_validate(pruned)
            break
        except ValidationError as exc:
            problems = exc.errors(include_url=False)
            if any(p["type"] == "missing" for p in problems):
                return []
            gone = [loc for loc in (_remove(pruned, tuple(p["loc"])) for p in problems) if loc]
            if not gone:
                return []
            removed += gone
    else:
        return []
    lines = {d.line for d in error.diagnostics}
    dropped = {f"policy.{loc[1]}" for loc in removed if len(loc) == 2 and loc[0] == "policy"}
    found = lint(LoadedPack(error.path, pack, error.source, error.raw))
    return [d for d in found if d.line not in lines and not any(name in d.message for name in dropped)]


def _remove(doc: Any, loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Delete the deepest part of `loc` that exists in `doc`; the path deleted, or None."""
    node, path = doc, []
    for part in loc:
        if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int) \
                and 0 <= part < len(node):
            path.append(part)
            parent, node = node, node[part]
        else:
            break
    if not path:
        return None
    del parent[path[-1]]
    return tuple(path)


def _check_role_names(pack, src) -> list[Diagnostic]:
    """A role named in one place only and within a typo of another role: almost always a typo."""
    mentions = _role_mentions(pack)
    places: dict[str, set[str]] = {}
    for name, place, _, _ in mentions:
        places.setdefault(name, set()).add(place)
    out = []
    for name, place, loc, is_key in mentions:
        if len(places[name]) != 1:
            continue
        # Close to a role named somewhere else: two similar roles side by side in one place are two roles.
        meant = closest(name, [other for other in places if other != name and places[other] - {place}])
        if meant is not None:
            where = ", ".join(_PLACES[p] for p in sorted(places[meant]))
            out.append(src.at(loc, "error", f"role {name!r} appears only in {_PLACES[place]}; did you mean "
                                            f"{meant!r}? (in {where})", key=is_key))
    return out


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_transport(src, loc, url: str, local_only: bool) -> list[Diagnostic]:
    """Encryption in transit: https:// everywhere, except plain HTTP to loopback. Loopback over plain
    HTTP is an error-free choice only for a target that declares local_only_processing."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return []
    host = (parts.hostname or "").lower()
    if not _is_loopback(host):
        return [src.at(loc, "error", f"plain http:// to {host} sends clinical text unencrypted; use https:// "
                                     "(plain HTTP is allowed only on loopback)")]
    if not local_only:
        return [src.at(loc, "warning", "plain http:// on loopback: declare data_policy.local_only_processing: true "
                                       "for a local model, or use https://")]
    return []


def _check_safeguards(pack, src) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    crisis = pack.policy.crisis_detection
    if crisis is not None and crisis.notify_url is not None:
        out.extend(_check_transport(src, ("policy", "crisis-detection", "notify_url"), crisis.notify_url, True))
        if crisis.action == "flag":
            out.append(src.at(("policy", "crisis-detection", "notify_url"), "warning",
                              "action flag sends no notification; notify_url has no effect"))
    if crisis is not None and crisis.action == "respond" and crisis.audience == "clinician":
        out.append(src.at(("policy", "crisis-detection", "action"), "warning",
                          "a clinician route that answers with crisis resources replaces a clinician's draft; "
                          "consider flag or escalate"))
    guard = pack.policy.prompt_guard
    if guard is not None and guard.client_system_messages == "replace" and guard.system_prompt is None:
        out.append(src.at(("policy", "prompt-guard", "client_system_messages"), "error",
                          "replace needs a system_prompt to put in their place"))
    return out


# Hosts of hosted model APIs: a target here is in the cloud whatever its data_policy claims.
# Decided at lint time from the name alone (no DNS: lint is deterministic and works offline).
CLOUD_API_HOSTS = (
    "api.openai.com", "openai.azure.com", "api.anthropic.com", "googleapis.com", "amazonaws.com",
    "api.mistral.ai", "api.cohere.ai", "api.cohere.com", "api.groq.com", "api.together.xyz",
    "api.together.ai", "openrouter.ai", "api.deepseek.com", "api.fireworks.ai", "api.perplexity.ai",
    "api-inference.huggingface.co", "huggingface.cloud", "api.x.ai", "inference.ai.azure.com",
    "models.inference.ai.azure.com", "cognitiveservices.azure.com", "api.replicate.com",
)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def host_locality(host: str) -> str:
    """`local`, `public` (a public IP or a cloud API host) or `unknown` (a name lint cannot place)."""
    host = host.lower().rstrip(".").strip("[]")
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return "local"
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        if any(host == h or host.endswith("." + h) for h in CLOUD_API_HOSTS):
            return "public"
        return "local" if "." not in host else "unknown"  # one label: a container or LAN name
    return "local" if addr.is_loopback or addr.is_private or addr.is_link_local else "public"


def _check_local(src, loc, url: str, claim: str, attested: bool) -> list[Diagnostic]:
    host = (urlsplit(url).hostname or "").lower()
    where = host_locality(host)
    if where == "public" and not attested:
        return [src.at(loc, "error", f"target declares {claim} but base_url host {host} is public (a public address "
                                     "or a cloud API host): PHI would leave on a false claim; fix the claim, or add "
                                     "data_policy.local_processing_attestation {by, reason} if it is a private endpoint")]
    if where == "unknown" and not attested:
        return [src.at(loc, "warning", f"target declares {claim} but {host!r} is a hostname packgate cannot verify "
                                       "as loopback or private; use an IP address, localhost or a *.internal name")]
    return []


def lint_attestations(loaded: LoadedPack) -> list[dict[str, str]]:
    """The targets whose local claim rests on a `local_processing_attestation` (for the manifest)."""
    return [{"target": t.id, "host": (urlsplit(t.base_url).hostname or "").lower(),
             "by": t.data_policy.local_processing_attestation.by,
             "reason": t.data_policy.local_processing_attestation.reason}
            for t in loaded.pack.providers.targets if t.data_policy.local_processing_attestation is not None]


def _check_regex(src, loc, pattern: str) -> list[Diagnostic]:
    try:
        compile_re2(pattern)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return [src.at(loc, "error", f"invalid RE2 regular expression: {reason}")]
    except Exception:  # the binding raises other types for some inputs
        return [src.at(loc, "error", "invalid RE2 regular expression")]
    return []
