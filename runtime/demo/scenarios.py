"""`packgate demo`: the real gateway, a real embedded OPA, and a STAND-IN model, on the seed pack.

A fresh machine has no model, so the pack's target is answered by `runtime/standin.py` — clearly a
stand-in: it echoes (or says what it is scripted to say) and records what it received, which is the
point: the walkthrough shows what the "model" was sent. Everything else is production code: the
compiler, OPA deciding every request and response, redaction, enforcement, the audit log. The
scenarios go over real HTTP to the listening gateway, like any client.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from packgate.compiler.toolchain import REPO_ROOT
from packgate.runtime import review
from packgate.runtime.audit import HMAC_ENV
from packgate.runtime.process import GatewayOptions, StartupError, Supervisor, serve_uvloop, terminate_on_sigterm

from .standin import Reply, StandinModel

SEED_NAME = "behavioral-health-review-route.yaml"
VARIANT_NAME = "behavioral-health-cloud-variant"
STANDIN_BANNER = "STAND-IN MODEL — not a real LLM"

# Synthetic patient details (nobody real): each must reach the model only as a marker.
PHI_VALUES = ("Maria Gonzalez", "03/14/1961", "MRN 48213377", "(555) 201-3344")
PHI_PROMPT = ("Summarize for the care team: patient Maria Gonzalez, DOB 03/14/1961, MRN 48213377, "
              "phone (555) 201-3344, reports two weeks of low mood and poor sleep after a job loss.")
PLAIN_PROMPT = "Suggest next steps for a patient reporting two weeks of low mood and poor sleep."
BLOCKED_OUTPUT = "I prescribe 50 mg sertraline daily, starting tonight."


def seed_pack_path() -> Path:
    """`packs/<seed>` in the repo; else `../shared/packs/<seed>` beside the checkout."""
    for base in (REPO_ROOT / "packs", REPO_ROOT.parent / "shared" / "packs", Path.cwd() / "packs"):
        if (base / SEED_NAME).is_file():
            return base / SEED_NAME
    raise StartupError(f"seed pack {SEED_NAME} not found in packs/ or ../shared/packs/")


def write_variant(seed: Path, out_dir: Path) -> Path:
    """The seed pack renamed, whose only target keeps data 30 days and may leave the machine."""
    doc = yaml.safe_load(seed.read_text(encoding="utf-8"))
    doc["pack"]["name"] = VARIANT_NAME
    target = doc["providers"]["targets"][0]
    target["id"] = "cloud-review-model"
    target["data_policy"]["retention_days"] = 30
    target["data_policy"]["local_only_processing"] = False
    path = out_dir / f"{VARIANT_NAME}.yaml"
    path.write_text("# Written by `packgate demo`: a non-compliant variant of the seed pack.\n"
                    + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Scenario:
    name: str
    path: str
    headers: dict[str, str]
    prompt: str
    expect_status: int
    expect_code: str | None          # error code, or "escalated"
    expect_forwarded: bool
    script: str | None = None        # what the stand-in says (None: it echoes)
    checks: list[Callable[[Any], str | None]] = field(default_factory=list)


@dataclass
class Result:
    scenario: Scenario
    status: int
    verdict: str
    policy_code: str
    upstream: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def scenarios() -> list[Scenario]:
    clinician = {"X-User-ID": "dr-okafor", "X-User-Role": "clinician", "X-Tool": "summarize"}
    return [
        Scenario("missing identity", "/v1/chat/completions", {}, PLAIN_PROMPT, 401, "missing_header", False),
        Scenario("role outside the PHI roles", "/v1/chat/completions",
                 {"X-User-ID": "front-desk-2", "X-User-Role": "scheduler"}, PHI_PROMPT, 403, None, False),
        Scenario("clinician PHI summary", "/v1/chat/completions", clinician, PHI_PROMPT, 200,
                 "escalated", True, checks=[_no_raw_phi, _has_markers]),
        Scenario("blocked output", "/v1/chat/completions", clinician, PLAIN_PROMPT, 409,
                 "output_blocked", True, script=BLOCKED_OUTPUT),
        Scenario("non-compliant target", f"/routes/{VARIANT_NAME}/v1/chat/completions", clinician,
                 PLAIN_PROMPT, 409, "no_compliant_provider", False),
    ]


def _no_raw_phi(received: Any) -> str | None:
    leaked = [v for v in PHI_VALUES if v in _sent_text(received)]
    return f"upstream saw raw values: {leaked}" if leaked else None


def _has_markers(received: Any) -> str | None:
    return None if "[" in _sent_text(received) else "no redaction markers reached upstream"


def _sent_text(received: Any) -> str:
    body = getattr(received, "body", None) or {}
    return " ".join(str(m.get("content") or "") for m in body.get("messages", []) if isinstance(m, dict))


async def walk(base_url: str, model: Any) -> list[Result]:
    """Each scenario over HTTP against the listening gateway; returns what happened."""
    results = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        for sc in scenarios():
            model.reset()
            if sc.script is not None:

                model.script(Reply(text=sc.script))
            r = await client.post(sc.path, headers=sc.headers, json={
                "model": "llama3.1:70b", "messages": [{"role": "user", "content": sc.prompt}]})
            results.append(_judge(sc, r, model.received))
    return results


def _judge(sc: Scenario, r: httpx.Response, received: list[Any]) -> Result:
    try:
        body = r.json()
    except ValueError:
        body = {}
    err = body.get("error") if isinstance(body, dict) else None
    problems = []
    if err:
        code, policy = err.get("code"), err.get("policy")
        verdict = {401: "denied", 403: "denied", 409: "blocked", 503: "policy_unavailable"}.get(
            r.status_code, "error")
    else:
        choice = (body.get("choices") or [{}])[0] if isinstance(body, dict) else {}
        escalation = r.headers.get("x-packgate-escalation-id") or body.get("escalation_id")
        if escalation:
            code, policy, verdict = "escalated", "human-oversight", "escalated"
            if choice.get("message", {}).get("content") is not None:
                problems.append("escalated answer has content")
            code = f"escalated\n{escalation}"
        else:
            code, policy, verdict = None, None, "allowed"
    if r.status_code != sc.expect_status:
        problems.append(f"status {r.status_code}, expected {sc.expect_status}")
    if sc.expect_code is not None and (code or "").split("\n")[0] != sc.expect_code:
        problems.append(f"code {code}, expected {sc.expect_code}")
    if bool(received) != sc.expect_forwarded:
        problems.append("forwarded to the model" if received else "never reached the model")
    for check in sc.checks:
        problem = check(received[-1]) if received else "nothing reached the model"
        if problem:
            problems.append(problem)
    if received:
        sent = _sent_text(received[-1])
        upstream = sent if len(sent) <= 140 else sent[:139] + "…"
        if sc.script:
            upstream += f"\n→ stand-in answered: {sc.script!r}"
    else:
        upstream = "nothing (not forwarded)"
    return Result(sc, r.status_code, verdict, f"{policy or '-'} / {code or '-'}", upstream, problems)


def render(console: Console, results: list[Result]) -> None:
    table = Table(title="packgate demo — seed pack decisions (real gateway, real OPA)",
                  caption=f"upstream = the {STANDIN_BANNER}", show_lines=True)
    table.add_column("scenario", max_width=28)
    table.add_column("status", justify="right")
    table.add_column("verdict")
    table.add_column("policy / code", overflow="fold", max_width=34)
    table.add_column("what upstream received", overflow="fold", ratio=1)
    for res in results:
        mark = "[green]✓[/] " if res.ok else "[red]✗[/] "
        name = mark + res.scenario.name + ("" if res.ok else "\n[red]" + "; ".join(res.problems) + "[/]")
        table.add_row(name, str(res.status), res.verdict, res.policy_code, res.upstream)
    console.print(table)


def usage(console: Console, base: str) -> None:
    """Plain lines (no box) so the commands copy-paste cleanly."""
    hdr = '-H "X-User-ID: dr-okafor" -H "X-User-Role: clinician" -H "X-Tool: summarize"'
    body = ('{"model": "llama3.1:70b", "messages": [{"role": "user", '
            '"content": "Summarize: John Smith, MRN 12345678, feels anxious."}]}')
    console.rule("try it yourself")
    console.print(
        f"curl -s {base}/v1/chat/completions -H 'Content-Type: application/json' \\\n"
        f"     {hdr} \\\n     -d '{body}'\n\n"
        "python - <<'EOF'\nfrom openai import OpenAI\n"
        f"client = OpenAI(base_url=\"{base}/v1\", api_key=\"unused\",\n"
        "                default_headers={\"X-User-ID\": \"dr-okafor\", \"X-User-Role\": \"clinician\"})\n"
        "r = client.chat.completions.create(model=\"llama3.1:70b\",\n"
        "    messages=[{\"role\": \"user\", \"content\": \"Suggest next steps for low mood.\"}])\n"
        "print(r.choices[0].finish_reason, r.choices[0].message.content)\nEOF\n\n"
        f"non-compliant route: {base}/routes/{VARIANT_NAME}/v1/chat/completions\n"
        f"answers come from the {STANDIN_BANNER}. Ctrl-C stops the gateway, OPA and the stand-in.",
        markup=False, soft_wrap=True)


def run_demo(port: int = 41002, serve: bool = True, decision_log: bool = False) -> int:
    """Start everything, walk the scenarios, then keep serving (or exit: 0 only if all passed)."""
    plain = Console()
    console = Console(highlight=False, width=None if plain.is_terminal else 150)
    os.environ.setdefault(HMAC_ENV, secrets.token_hex(32))  # demo only: silences the key warning
    os.environ.setdefault(review.KEY_ENV, review.new_key())  # demo only: held drafts die with the demo
    terminate_on_sigterm()
    tmp = Path(tempfile.mkdtemp(prefix="packgate-demo-"))
    model = None
    sup = None
    try:
        seed = seed_pack_path()
        variant = write_variant(seed, tmp)
        model = StandinModel().start()
        audit_db = tmp / "audit.db"
        sup = Supervisor(GatewayOptions(packs=[seed, variant], port=port, audit_db=audit_db,
                                        standin_url=model.url, decision_log=decision_log))
        sup.start()
        outcome: dict[str, int] = {}

        def ready(s: Supervisor) -> None:
            base = f"http://127.0.0.1:{s.bound_port}"
            console.print(Panel.fit(
                f"[bold yellow]{STANDIN_BANNER}[/]: every target of these packs is answered by a "
                f"stand-in at {model.url}\nthat echoes the prompt it received (or a scripted line). "
                "`packgate gateway run` never does this.", border_style="yellow"))
            console.print(f"gateway: {base}  ·  OPA: embedded pid {s.opa.pid if s.opa else '-'} "
                          f"at {s.opa_url}  ·  bundle {s.revision[:12] if s.revision else '-'}  ·  "
                          f"packs: {seed} (root), {variant} (/routes/{VARIANT_NAME})")

            async def go() -> None:
                try:
                    results = await walk(base, model)
                    render(console, results)
                    outcome["failed"] = sum(not r.ok for r in results)
                    if outcome["failed"]:
                        console.print(f"[red]{outcome['failed']} scenario(s) did not get the expected outcome[/]")
                    else:
                        console.print("[green]every scenario got its expected outcome[/]")
                    if serve:
                        console.print(f"audit log: packgate events tail --audit-db {audit_db}")
                        usage(console, base)
                except Exception as exc:  # noqa: BLE001 - one line, never a traceback
                    console.print(f"[red]walkthrough failed: {type(exc).__name__}: {exc}[/]")
                    outcome["failed"] = -1
                if not serve:
                    s.shutdown()

            asyncio.get_running_loop().create_task(go())

        serve_uvloop(sup.serve(ready))
        failed = outcome.get("failed", -1)
        return 0 if failed == 0 else 1
    except StartupError as exc:
        Console(stderr=True, highlight=False).print(f"packgate: {exc}", style="red", markup=False)
        return 1
    finally:
        if sup is not None:
            sup.close()
        if model is not None:
            model.stop()
        shutil.rmtree(tmp, ignore_errors=True)
