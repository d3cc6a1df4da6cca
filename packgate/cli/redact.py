"""`packgate redact`: dry-run the detectors on stdin, or batch-check JSON lines of notes.

Python finds; OPA decides. The pack's detectors scan the text, the counts go to the pack's
`redaction` decision (its bundle built and evaluated with the real `opa eval`), and the transforms
OPA returns are applied. A detector with `action: block` that finds something blocks: the text is
not printed and the exit code is 3. Output never contains raw matched values: findings are
category, policy, detector and span only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from packgate.compiler.toolchain import REPO_ROOT

from .errors import ExitCode, fail, fail_diagnostics

app = typer.Typer()


def _ner(name: Optional[str]):
    """The NER detector for `--ner`, or a clean exit 2 when its packages are not installed."""
    if not name or name == "none":
        return None
    from packgate.runtime.redaction.ner import BACKENDS, NerUnavailable, load

    if name not in BACKENDS:
        fail(f"redact: unknown --ner {name!r}; known: none, {', '.join(BACKENDS)}", ExitCode.USAGE)
    try:
        return load(name)
    except NerUnavailable as exc:
        fail(f"redact: --ner {name}: {exc}", ExitCode.USAGE)


SEED_PACK = REPO_ROOT / "packs" / "behavioral-health-review-route.yaml"


def _engine(pack_path: Path, ner_name: Optional[str] = None):
    from packgate.runtime.redaction import Engine, PatternError

    ner = _ner(ner_name)
    from packgate.compiler import loader
    from packgate.compiler.diagnostics import PackError

    try:
        pack = loader.load_pack(pack_path).pack
    except PackError as exc:
        fail_diagnostics(getattr(exc, "diagnostics", [exc]))
    except OSError as exc:
        fail(f"redact: cannot read {pack_path}: {exc.strerror}")
    try:
        return Engine.from_pack(pack, ner=ner)
    except PatternError as exc:
        fail_diagnostics([f"{pack_path}: {exc}"])


def _decisions(pack_path: Path, counts: list[list[dict]]) -> list[dict]:
    """OPA's redaction decision for each text's finding counts; exit 1 when there is none (fail closed)."""
    from packgate.compiler.diagnostics import PackError
    from packgate.runtime.gateway.whatif import build
    from packgate.runtime.opa import OpaError, redaction_decisions

    try:
        decisions = redaction_decisions(pack_path, counts, build=build)
    except PackError as exc:
        fail_diagnostics(exc.diagnostics)
    except OpaError as exc:
        fail(f"redact: no policy decision: {exc}")
    for d in decisions:
        if (not isinstance(d, dict) or not isinstance(d.get("allow"), bool) or not isinstance(d.get("transforms"), list)
                or (d["allow"] is False and not isinstance(d.get("message"), str))):
            fail("redact: no policy decision: OPA's redaction decision is malformed")
    return decisions


def _blocked(decision: dict) -> dict:
    return {"policy": decision.get("policy"), "code": decision.get("code"), "message": decision.get("message")}


def _finding_dicts(findings) -> list[dict]:
    return [
        {"policy": f.policy, "category": f.category, "start": f.start, "end": f.end,
         "confidence": f.confidence, "detector": f.detector}
        for f in findings
    ]


@app.command("redact")
def redact(
    pack: Annotated[Optional[Path], typer.Option("--pack", help="Policy pack YAML; default: the seed pack.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {text, findings, counts, metadata} as JSON.")] = False,
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help='Read {"id","text"} lines; write {"id","text","findings"} lines.')] = False,
    ner: Annotated[Optional[str], typer.Option(
        "--ner", help="Add an NER backend to the rules: 'spacy' (needs pip install -e '.[eval]'). Default: rules only."
    )] = None,
) -> None:
    """Redact text on stdin as the pack's hipaa-phi-detector / pii-detector decide (exit 3 if one blocks)."""
    from packgate.runtime.redaction import Engine, RedactionSession

    pack_path = pack if pack is not None else SEED_PACK
    engine = _engine(pack_path, ner)
    if jsonl:
        records = []
        for n, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text = rec["text"]
                if not isinstance(text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                fail(f"redact: line {n}: expected a JSON object with a string \"text\"")
            records.append((rec.get("id"), text, engine.scan(text)))
        decisions = _decisions(pack_path, [Engine.count(f) for _, _, f in records]) if records else []
        blocked = 0
        for (rid, text, findings), decision in zip(records, decisions):
            out: dict = {"id": rid, "text": None, "findings": Engine.count(findings)}
            if decision["allow"]:
                out["text"] = engine.redact(text, findings, decision["transforms"], RedactionSession()).text
            else:
                out["blocked"] = _blocked(decision)
                blocked += 1
            sys.stdout.write(json.dumps(out) + "\n")
        if blocked:
            fail(f"redact: {blocked} record(s) blocked by the pack's detectors (text withheld)", ExitCode.BLOCKED)
        return
    text = sys.stdin.read()
    findings = engine.scan(text)
    decision = _decisions(pack_path, [Engine.count(findings)])[0]
    if not decision["allow"]:
        if as_json:
            typer.echo(json.dumps({"text": None, "blocked": _blocked(decision), "findings": _finding_dicts(findings),
                                   "counts": Engine.count(findings)}, indent=2))
        fail(f"redact: blocked: {decision['message']} (text withheld)", ExitCode.BLOCKED)
    result = engine.redact(text, findings, decision["transforms"], RedactionSession())
    if as_json:
        spans = _finding_dicts(findings)
        typer.echo(json.dumps({"text": result.text, "findings": spans, "counts": Engine.count(findings),
                               "metadata": result.metadata}, indent=2))
    else:
        sys.stdout.write(result.text)
