"""`packgate redact`: dry-run the detectors on stdin, or batch-check JSON lines of notes.

Output never contains raw matched values: findings are category, policy, detector and span only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

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


def _engine(pack_path: Optional[Path], ner_name: Optional[str] = None):
    from packgate.runtime.redaction import Engine, PatternError

    ner = _ner(ner_name)
    if pack_path is None:
        return Engine.default(ner=ner), None
    from packgate.compiler import loader
    from packgate.compiler.diagnostics import PackError

    try:
        pack = loader.load_pack(pack_path).pack
    except PackError as exc:
        fail_diagnostics(getattr(exc, "diagnostics", [exc]))
    except OSError as exc:
        fail(f"redact: cannot read {pack_path}: {exc.strerror}")
    try:
        return Engine.from_pack(pack, ner=ner), pack
    except PatternError as exc:
        fail_diagnostics([f"{pack_path}: {exc}"])


def _finding_dicts(findings) -> list[dict]:
    return [
        {"policy": f.policy, "category": f.category, "start": f.start, "end": f.end,
         "confidence": f.confidence, "detector": f.detector}
        for f in findings
    ]


@app.command("redact")
def redact(
    pack: Annotated[Optional[Path], typer.Option(
        "--pack", help="Policy pack YAML; default: the seed pack's detectors.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {text, findings, counts, metadata} as JSON.")] = False,
    jsonl: Annotated[bool, typer.Option(
        "--jsonl", help='Read {"id","text"} lines; write {"id","text","findings"} lines.')] = False,
    ner: Annotated[Optional[str], typer.Option(
        "--ner", help="Add an NER backend to the rules: 'spacy' (needs pip install -e '.[eval]'). Default: rules only."
    )] = None,
) -> None:
    """Redact text on stdin with a pack's hipaa-phi-detector / pii-detector settings."""
    from packgate.runtime.redaction import Engine, RedactionSession

    engine, pack_obj = _engine(pack, ner)
    if jsonl:
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
            findings = engine.scan(text)
            result = engine.redact(text, findings, engine.transforms_for(findings, pack_obj), RedactionSession())
            sys.stdout.write(json.dumps({"id": rec.get("id"), "text": result.text,
                                         "findings": Engine.count(findings)}) + "\n")
        return
    text = sys.stdin.read()
    findings = engine.scan(text)
    result = engine.redact(text, findings, engine.transforms_for(findings, pack_obj), RedactionSession())
    if as_json:
        spans = _finding_dicts(findings)
        typer.echo(json.dumps({"text": result.text, "findings": spans, "counts": Engine.count(findings),
                               "metadata": result.metadata}, indent=2))
    else:
        sys.stdout.write(result.text)
