"""`packgate explain` and `packgate diff`: what a pack decides, asked of the real OPA, nothing forwarded.

`explain` runs one request (a raw chat body on stdin, headers with `-H`) through the gateway's own
parsing, identity, detectors and OPA decisions (`runtime.gateway.whatif`) and prints what the
gateway would do and why. `diff` runs a set of cases against two versions of a pack and lists the
cases whose outcome changed. Printed text is made terminal-safe (control characters escaped).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from packgate.runtime.audit import safe_json, safe_text

from .errors import ExitCode, fail, fail_diagnostics

app = typer.Typer()

HeaderOpt = Annotated[Optional[list[str]], typer.Option(
    "-H", "--header", help="A request header as 'Name: value' (repeatable), as a client would send it.")]


def _headers(values: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for value in values or []:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip():
            fail(f"explain: -H {value!r}: expected 'Name: value'", ExitCode.USAGE)
        out.append((name.strip(), rest.strip()))
    return out


def open_bundle(pack: Path | str, what: str) -> Any:
    """The pack's bundle for what-if decisions, or a clean failure (diagnostics, no traceback)."""
    from packgate.compiler.diagnostics import PackError
    from packgate.runtime.gateway.whatif import PackBundle

    try:
        return PackBundle(pack)
    except PackError as exc:
        fail_diagnostics(exc.diagnostics)
    except OSError as exc:
        fail(f"{what}: cannot read {pack}: {exc.strerror}")


def run_cases(bundle: Any, cases: list[Any], what: str) -> list[dict[str, Any]]:
    """`whatif.explain` with OPA's failures as one clean line (fail closed: no decision, no report)."""
    from packgate.runtime.gateway.whatif import explain
    from packgate.runtime.opa import OpaError

    try:
        return explain(bundle, cases)
    except OpaError as exc:
        fail(f"{what}: no policy decision: {exc}")


@app.command("explain")
def explain_cmd(
    pack: Annotated[Path, typer.Option("--pack", help="Policy pack YAML.")],
    header: HeaderOpt = None,
    ollama: Annotated[bool, typer.Option("--ollama", help="The body is an Ollama /api/chat request.")] = False,
    response: Annotated[Optional[str], typer.Option(
        "--response", help="Also run the response decision on this model output.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole explanation as JSON.")] = False,
) -> None:
    """What the gateway would do with the chat request on stdin, and why; nothing is forwarded."""
    from packgate.runtime.gateway.whatif import Case

    case = Case("stdin", _headers(header), sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer")
                else sys.stdin.read().encode(), response, "ollama" if ollama else "openai")
    bundle = open_bundle(pack, "explain")
    with bundle:
        report = run_cases(bundle, [case], "explain")[0]
    if as_json:
        typer.echo(json.dumps(json.loads(safe_json(report)), indent=2))
        return
    for line in render(report):
        typer.echo(safe_text(line))


def _violation_lines(violations: list[dict[str, Any]]) -> list[str]:
    return [f"  {i}. {v.get('status')} {v.get('code')} ({v.get('policy')})"
            + (f" param={v.get('param')}" if v.get("param") is not None else "") + f": {v.get('message')}"
            for i, v in enumerate(violations, 1)] or ["  (none)"]


def render(report: dict[str, Any]) -> list[str]:
    """The explanation as a reviewer reads it, top to bottom in the gateway's order."""
    lines = [f"pack {report['pack']} {report['version']}, bundle revision {report['revision']}", ""]
    lines.append("findings (values masked):")
    lines += [f"  {f['category']:<16} {f['policy']:<18} {f['detector']:<12} slot {f['slot']} "
              f"[{f['start']}:{f['end']}] {f['chars']} chars" for f in report["findings"]] or ["  (none)"]
    if report["input"] is not None:
        lines += ["", "OPA input:" + (" (pre-check before a big scan, no findings)" if report.get("precheck") else "")]
        lines += [f"  {key}: {json.dumps(value, sort_keys=True)}" for key, value in sorted(report["input"].items())]
    decision = report["decision"]
    if decision is not None:
        lines += ["", f"request decision: {'allowed' if decision.get('allow') else 'refused'}",
                  "violations (chain order; the first decides):", *_violation_lines(report["violations"])]
        lines.append("transforms:")
        lines += [f"  - {t.get('policy')}: {t.get('action')} {', '.join(t.get('categories') or [])}"
                  for t in decision.get("transforms") or []] or ["  (none)"]
        lines.append(f"target: {decision.get('target')}  (failover order: {', '.join(decision.get('targets') or [])})")
        lines.append("excluded targets:")
        lines += [f"  - {t.get('id')}: " + "; ".join(f"{r.get('code')} ({r.get('message')})" for r in t.get("reasons") or [])
                  for t in decision.get("excluded_targets") or []] or ["  (none)"]
    sent = report["model_request"]
    if sent is not None:
        lines += ["", f"the model would receive ({sent['provider']} target {sent['target']}, model {sent['body'].get('model')}):"]
        for m in sent["body"].get("messages") or []:
            content = m.get("content")
            text = content if isinstance(content, str) else json.dumps(content)
            lines.append(f"  {m.get('role')}: {text}")
    resp = report["response"]
    if resp is not None:
        lines += ["", f"response decision: {resp['action']}", "violations (chain order; the first decides):",
                  *_violation_lines(resp["violations"])]
        lines.append("disclaimers: " + json.dumps((resp["decision"] or {}).get("disclaimers") or []))
        if resp["delivered"] is not None:
            lines += ["delivered text:", *("  " + line for line in resp["delivered"].splitlines())]
    answer = report["answer"]
    lines += ["", f"the gateway answers: {answer.get('status')} {answer.get('code') or ''}".rstrip()
              + (f" ({answer['policy']})" if answer.get("policy") else "")
              + (f" via {answer['target']}" if answer.get("target") else "")]
    if answer.get("message"):
        lines.append(f"  {answer['message']}")
    return lines
