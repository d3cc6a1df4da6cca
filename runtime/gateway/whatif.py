"""What the gateway would do with a request, nothing forwarded: `packgate explain` and `packgate diff`.

Each case runs the gateway's own steps (`inputs.parse`, `inputs.identify`, `scanning.scan_slots`,
`inputs.request_input`; the prompt-guard plan, `scanning.redact_slots` and the upstream body
renderer; `inputs.response_input` and `pipeline.approved_text` for a given answer), and the
decisions come from the real OPA: the pack's bundle, built by the compiler into a temporary
directory, evaluated by `opa eval` (one process per phase for all cases). Python renders; it never
decides: status, code, violations, transforms and targets are OPA's answer as it is.

Findings leave this module as category, policy, detector and span only, never the matched value.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request

from packgate.compiler.build import BuildResult, build_bundle
from packgate.compiler.schema import Pack, PackTest
from packgate.runtime.opa.evaluate import evaluate_each
from packgate.runtime.redaction import RedactionSession
from packgate.runtime.wire.answer import Completion
from packgate.runtime.wire.chat import ParsedChat, Protocol, ollama_body, openai_body
from packgate.runtime.wire.errors import GatewayError

from . import inputs, recorded, safeguarding
from .config import GatewayConfig, Route
from .outcome import Outcome
from .pipeline import approved_text, violations_of
from .scanning import Found, Scanner, redact_slots, scan_slots

__all__ = ["Case", "PackBundle", "build", "explain", "prompt_inputs"]

PATHS = {"openai": "/v1/chat/completions", "ollama": "/api/chat"}
_DEFAULTS = GatewayConfig(routes=[], opa_url="")  # the gateway's default limits


@dataclass
class Case:
    """One request as a client sends it: headers, raw body bytes, optionally the model's answer."""

    name: str
    headers: list[tuple[str, str]]
    body: bytes
    response: str | None = None
    protocol: Protocol = "openai"


@dataclass
class _Work:
    case: Case
    chat: ParsedChat | None = None
    asked: inputs.Asked | None = None
    found: list[list[Found]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    input: dict[str, Any] | None = None
    precheck: dict[str, Any] | None = None  # the input of the gateway's pre-check before a big scan
    error: GatewayError | None = None


def prompt_inputs(pack: Pack, tests: Sequence[PackTest]) -> list[dict[str, Any] | str]:
    """The OPA input of each chat-request pack test (`headers`, `request`, `response`), made by the
    gateway's own steps; or, for a request the gateway refuses before OPA, why (one line). Called by
    the compiler at build time (`testgen.PromptInputs`): what it returns is built into the bundle, so
    nothing here may depend on the clock or a secret."""
    route = Route.from_pack(pack)
    out: list[dict[str, Any] | str] = []
    for test in tests:
        work = _prepare(route, Case(test.name, list((test.headers or {}).items()), orjson.dumps(test.request)))
        if work.error is not None:
            out.append(f"the gateway refuses this request before asking OPA: {work.error.status} {work.error.code} "
                       f"({work.error.message})")
        elif work.asked is None or work.input is None:
            out.append("the request could not be read")
        elif (work.asked.who.user_id or "").startswith(recorded.HASH_PREFIX):
            out.append("X-User-ID must be an identifier without PHI (the gateway would send OPA a keyed hash)")
        elif test.decision == "response":
            completion = Completion(text=test.response or "")
            completion.normalise()
            out.append(inputs.response_input(route, work.asked.who, None, completion)[0])
        else:
            out.append(work.input)
    return out


def build(paths: Sequence[str | Path], out_dir: str | Path, **options: Any) -> BuildResult:
    """`build_bundle` (its `options` as they are) with the pack tests' chat requests run through the
    gateway's steps: how every packgate command and the gateway build, so a bundle is the same
    whoever built it."""
    return build_bundle(paths, out_dir, prompts=prompt_inputs, **options)


class PackBundle:
    """One pack's bundle, built into a temporary directory, and the route the gateway would serve."""

    def __init__(self, pack_path: str | Path) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="packgate-whatif-")
        try:
            self.built: BuildResult = build([pack_path], Path(self._tmp.name) / "bundle")
        except BaseException:
            self._tmp.cleanup()
            raise
        self.pack = self.built.packs[0]
        self.route = Route.from_built(self.pack)

    @property
    def revision(self) -> str:
        return self.built.revision

    def decide(self, phase: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """OPA's `phase` decision for each input, by the real `opa eval` on this bundle (OpaError if none)."""
        if not items:
            return []
        return evaluate_each(self.built.bundle_dir, f"{self.pack.package}.{phase}", list(items))

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> PackBundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _request(case: Case) -> Request:
    raw = [(k.strip().lower().encode("latin-1"), v.strip().encode("latin-1")) for k, v in case.headers]
    if not any(k == b"content-type" for k, _ in raw):
        raw.append((b"content-type", b"application/json"))
    raw.append((b"content-length", str(len(case.body)).encode()))
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": case.body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": PATHS[case.protocol], "headers": raw, "query_string": b"",
             "path_params": {}}
    return Request(scope, receive)


def _prepare(route: Route, case: Case) -> _Work:
    """Steps 1-3 of the gateway: parse, identify, pre-scan; the request decision's input."""
    work = _Work(case)
    request = _request(case)
    try:
        work.chat = asyncio.run(inputs.parse(request, case.protocol, max_header_count=_DEFAULTS.max_header_count,
                                             max_body_bytes=_DEFAULTS.max_body_bytes))
        work.asked = inputs.identify(request, route, work.chat)
    except GatewayError as err:
        work.error = err
        return work
    work.texts = list(work.chat.texts())
    if Scanner(inline_chars=_DEFAULTS.scan_inline_chars).offloads(work.texts):
        work.precheck = {**work.asked.facts(), "findings": []}
    work.found, counts = scan_slots(route.engine, work.texts)
    work.input = inputs.request_input(route, work.chat, work.asked, counts)
    return work


def _findings(found: list[list[Found]]) -> list[dict[str, Any]]:
    """Every finding by slot, values masked: what was found where, never what it says."""
    return [{"slot": i, "category": f[1], "policy": f[0], "detector": f[5], "start": f[2], "end": f[3],
             "chars": f[3] - f[2], "confidence": f[4]}
            for i, fs in enumerate(found) for f in fs]


def _said(decision: dict[str, Any]) -> dict[str, Any]:
    return {k: decision.get(k) for k in ("status", "code", "policy", "message", "param", "verdict")}


def _error(err: GatewayError, stage: str) -> dict[str, Any]:
    return {"status": err.status, "code": err.code, "policy": err.policy, "message": err.message,
            "param": err.param, "verdict": err.verdict, "stage": stage}


def _forwarded(bundle: PackBundle, work: _Work, decision: dict[str, Any], out: Outcome
               ) -> tuple[str, dict[str, Any], RedactionSession]:
    """What the gateway forwards for an allowed request: the prompt-guard plan and OPA's redact
    transforms carried out on the slots, the body rendered for the first target in OPA's order."""
    route, chat = bundle.route, work.chat
    assert chat is not None
    safeguarding.apply_guard(decision, route, chat, out)
    session = RedactionSession()
    transforms = decision.get("transforms") or []
    if any(t.get("action") == "redact" for t in transforms):
        rewritten, _, session = redact_slots(route.engine, work.texts, work.found, transforms, session)
        for i, text in rewritten.items():
            chat.rewrite(i, text)
    target = decision.get("target")
    if not isinstance(target, str) or target not in route.targets:
        raise GatewayError(503, "policy_engine_unavailable", "the policy engine gave no usable decision",
                           verdict="policy_unavailable")
    spec = route.targets[target]
    render = ollama_body if spec.provider == "ollama" else openai_body
    return target, render(chat, spec.model, chat.stream), session


def explain(bundle: PackBundle, cases: Sequence[Case]) -> list[dict[str, Any]]:
    """For each case: findings (masked), OPA's input and full decision, what the model would receive,
    and the answer the gateway would give; with `response`, the response decision on that answer."""
    route = bundle.route
    works = [_prepare(route, c) for c in cases]
    pre = iter(bundle.decide("request", [w.precheck for w in works if w.precheck is not None]))
    prechecks = {id(w): next(pre) for w in works if w.precheck is not None}
    asked = [w for w in works if w.input is not None and prechecks.get(id(w), {}).get("allow") is not False]
    decisions = dict(zip(map(id, asked), bundle.decide("request", [w.input for w in asked])))

    reports, pending = [], []
    for w in works:
        report: dict[str, Any] = {"name": w.case.name, "pack": route.name, "version": route.version,
                                  "revision": bundle.revision, "protocol": w.case.protocol,
                                  "findings": _findings(w.found), "input": w.input, "decision": None,
                                  "violations": [], "model_request": None, "response": None}
        reports.append(report)
        if w.error is not None:
            report["answer"] = _error(w.error, "request")
            continue
        if id(w) in prechecks and id(w) not in decisions:  # refused before the scan, as the gateway does
            report.update(precheck=True, input=w.precheck, decision=prechecks[id(w)],
                          violations=violations_of(prechecks[id(w)]), answer=_said(prechecks[id(w)]))
            continue
        decision = decisions[id(w)]
        report.update(decision=decision, violations=violations_of(decision), answer=_said(decision))
        crisis = decision.get("crisis")
        if isinstance(crisis, dict) and crisis.get("action") == "respond":
            report["answer"] = {**_said(decision), "status": crisis.get("status"), "code": crisis.get("code"),
                                "verdict": crisis.get("verdict"), "message": crisis.get("message")}
            continue
        if decision.get("allow") is not True:
            continue
        out = Outcome(endpoint="explain")
        try:
            target, body, session = _forwarded(bundle, w, decision, out)
        except GatewayError as err:
            report["answer"] = _error(err, "forward")
            continue
        report["answer"]["target"] = target
        report["model_request"] = {"target": target, "provider": route.targets[target].provider, "body": body}
        if w.case.response is not None:
            pending.append((report, w, target, session, decision, out))

    if pending:
        made = []
        for report, w, target, session, decision, out in pending:
            completion = Completion(text=w.case.response or "")
            completion.normalise()
            assert w.asked is not None
            made.append((completion, *inputs.response_input(route, w.asked.who, target, completion)))
        answers = bundle.decide("response", [m[1] for m in made])
        for (report, w, target, session, decision, out), (completion, given, texts, found), resp in zip(
                pending, made, answers):
            section: dict[str, Any] = {"input": given, "decision": resp, "violations": violations_of(resp),
                                       "action": resp.get("action"), "delivered": None}
            report["response"] = section
            report["answer"] = {**_said(resp), "target": target, "action": resp.get("action")}
            if resp.get("action") == "deliver":
                section["delivered"] = approved_text(route, resp, completion, texts, found,
                                                     decision.get("transforms") or [], session, out)
    return reports
