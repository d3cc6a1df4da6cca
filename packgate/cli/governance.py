"""`packgate explain` and `packgate diff`: what a pack decides, asked of the real OPA, nothing forwarded.

`explain` runs one request (a raw chat body on stdin, headers with `-H`) through the gateway's own
parsing, identity, detectors and OPA decisions (`runtime.gateway.whatif`) and prints what the
gateway would do and why. `diff` runs a set of cases against two versions of a pack and lists the
cases whose outcome changed. Printed text is made terminal-safe (control characters escaped).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
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
        lines.append(f"target: {decision.get('target') or '(none)'}  "
                     f"(failover order: {', '.join(decision.get('targets') or []) or 'none'})")
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
    if sent is not None and resp is None:
        lines.append("  (if the model answers: what is delivered depends on the response decision; see --response)")
    return lines


# --- diff -------------------------------------------------------------------------------------------

COMPARED = ("status", "code", "target", "transforms", "disclaimers", "action")
CASE_KEYS = frozenset({"name", "headers", "body", "response", "protocol"})


def _pack_file(spec: str, into: Path) -> Path:
    """A pack given as a file, or as `git:REV:path` (the file at that revision, via `git show`)."""
    if not spec.startswith("git:"):
        return Path(spec)
    rev, sep, path = spec[4:].partition(":")
    if not sep or not rev or not path:
        fail(f"diff: {spec!r}: expected git:REV:path", ExitCode.USAGE)
    try:
        proc = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        fail(f"diff: git show {rev}:{path} did not run: {type(exc).__name__}")
    if proc.returncode != 0:
        why = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        fail(f"diff: git show {rev}:{path} failed: {why}")
    into.mkdir(parents=True, exist_ok=True)
    out = into / Path(path).name  # the same file name: generated sources name it
    out.write_bytes(proc.stdout)
    return out


def load_cases(path: Path) -> list[Any]:
    """A YAML list (or JSON lines) of {name, headers, body, response?, protocol?} as whatif cases."""
    import yaml

    from packgate.runtime.gateway.whatif import Case

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"diff: cannot read {path}: {getattr(exc, 'strerror', None) or type(exc).__name__}")
    try:
        if path.suffix == ".jsonl":
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        fail(f"diff: {where}: not valid {'JSON lines' if path.suffix == '.jsonl' else 'YAML'}")
    if not isinstance(items, list):
        fail(f"diff: {path}: expected a list of cases {{name, headers, body, response?}}")
    cases, names = [], set()
    for n, item in enumerate(items, 1):
        where = f"diff: {path}: case {n}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or "body" not in item:
            fail(f"{where}: expected {{name, headers, body, response?}}")
        if set(item) - CASE_KEYS:
            fail(f"{where} ({item['name']}): unknown key(s) {', '.join(sorted(set(item) - CASE_KEYS))}")
        if item["name"] in names:
            fail(f"{where}: the name {item['name']!r} is used twice")
        names.add(item["name"])
        headers, body, response = item.get("headers") or {}, item["body"], item.get("response")
        if not isinstance(headers, dict) or not all(isinstance(v, (str, int)) for v in headers.values()):
            fail(f"{where} ({item['name']}): headers must be a mapping of name to value")
        if response is not None and not isinstance(response, str):
            fail(f"{where} ({item['name']}): response must be text")
        if item.get("protocol", "openai") not in ("openai", "ollama"):
            fail(f"{where} ({item['name']}): protocol is openai or ollama")
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        cases.append(Case(item["name"], [(str(k), str(v)) for k, v in headers.items()], raw, response,
                          item.get("protocol", "openai")))
    return cases


def _transforms(decision: dict[str, Any]) -> list[str]:
    """An allowed decision's transforms as `policy:action:categories` (a refused one carries none out)."""
    if decision.get("allow") is not True:
        return []
    return [f"{t.get('policy')}:{t.get('action')}:{','.join(t.get('categories') or [])}"
            for t in decision.get("transforms") or [] if isinstance(t, dict)]


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    """What the gateway does with a case, in the fields `diff` compares (all from OPA's decisions)."""
    answer, resp = report["answer"], report["response"] or {}
    return {"status": answer.get("status"), "code": answer.get("code"), "target": answer.get("target"),
            "transforms": _transforms(report["decision"] or {}),
            "disclaimers": (resp.get("decision") or {}).get("disclaimers"), "action": resp.get("action")}


def _test_summary(decision: Any, phase: str) -> dict[str, Any]:
    """The same fields for a pack test's decision (its `phase` only)."""
    d = decision if isinstance(decision, dict) else {}
    forwarded = phase == "request" and d.get("allow") is True
    return {"status": d.get("status"), "code": d.get("code"), "target": d.get("target") if forwarded else None,
            "transforms": _transforms(d), "disclaimers": d.get("disclaimers") if phase == "response" else None,
            "action": d.get("action") if phase == "response" else None}


def _pack_tests(old: Any, new: Any) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Both packs' own `tests:` by name (a test in both runs with each side's own input), decided by both
    bundles: the names, then the old and the new outcomes."""
    from packgate.compiler import testgen
    from packgate.runtime.gateway.whatif import prompt_inputs

    own = [{t.name: c for t, c in zip(b.pack.loaded.pack.tests, testgen.pack_cases(b.pack.loaded, prompt_inputs))}
           for b in (old, new)]
    names = list(dict.fromkeys([*own[1], *own[0]]))
    results = []
    for i, bundle in enumerate((old, new)):
        cases = {n: own[i].get(n) or own[1 - i][n] for n in names}
        decided: dict[str, dict[str, Any]] = {}
        for phase in ("request", "response"):
            picked = [n for n in names if cases[n].phase == phase]
            for n, d in zip(picked, bundle.decide(phase, [cases[n].input for n in picked])):
                decided[n] = _test_summary(d, phase)
        results.append([decided[n] for n in names])
    return names, results[0], results[1]


def _table(changed: list[dict[str, Any]]) -> list[str]:
    rows = [("case", "field", "old", "new")] + [
        (item["name"], field, json.dumps(change["old"]), json.dumps(change["new"]))
        for item in changed for field, change in item["changes"].items()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["  ".join([*(r[i].ljust(widths[i]) for i in range(3)), r[3]]).rstrip() for r in rows]


@app.command("diff")
def diff_cmd(
    old: Annotated[str, typer.Argument(help="The pack as it is: a file, or git:REV:path.")],
    new: Annotated[str, typer.Argument(help="The pack as proposed: a file, or git:REV:path.")],
    cases: Annotated[Path, typer.Option("--cases", help="Requests to compare on: a YAML list (or .jsonl) of "
                                                        "{name, headers, body, response?}.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the changes as JSON.")] = False,
) -> None:
    """Compare what two versions of a pack decide on the same requests and on the packs' own tests.
    Exit 1 when any case changed (status, code, target, transforms, disclaimers or action), else 0."""
    from packgate.runtime.opa import OpaError

    requests = load_cases(cases)
    with tempfile.TemporaryDirectory(prefix="packgate-diff-") as tmp:
        old_path, new_path = _pack_file(old, Path(tmp) / "old"), _pack_file(new, Path(tmp) / "new")
        with open_bundle(old_path, "diff") as before, open_bundle(new_path, "diff") as after:
            was, now = run_cases(before, requests, "diff"), run_cases(after, requests, "diff")
            try:
                names, tests_was, tests_now = _pack_tests(before, after)
            except OpaError as exc:
                fail(f"diff: no policy decision: {exc}")
            sides = {side: {"pack": b.route.name, "version": b.route.version, "revision": b.revision, "source": spec}
                     for side, b, spec in (("old", before, old), ("new", after, new))}
    rows = [(f"case {c.name}", _summary(a), _summary(b)) for c, a, b in zip(requests, was, now)]
    rows += [(f"test {n}", a, b) for n, a, b in zip(names, tests_was, tests_now)]
    changed = [{"name": name, "changes": {k: {"old": a[k], "new": b[k]} for k in COMPARED if a[k] != b[k]}}
               for name, a, b in rows if a != b]
    if as_json:
        typer.echo(json.dumps(json.loads(safe_json({**sides, "changed": changed, "compared": len(rows)})), indent=2))
    else:
        typer.echo(safe_text(f"old: {sides['old']['pack']} {sides['old']['version']} ({old}) revision {sides['old']['revision'][:12]}"))
        typer.echo(safe_text(f"new: {sides['new']['pack']} {sides['new']['version']} ({new}) revision {sides['new']['revision'][:12]}"))
        typer.echo(f"{len(changed)} of {len(rows)} case(s) changed")
        if changed:
            for line in _table(changed):
                typer.echo(safe_text(line))
    raise typer.Exit(ExitCode.FAILURE if changed else ExitCode.OK)


# --- review -----------------------------------------------------------------------------------------


@app.command("review")
def review_cmd(pack: Annotated[Path, typer.Argument(help="Policy pack YAML.")]) -> None:
    """Print the pack's review card (the REVIEW.md `packgate build` writes into the bundle)."""
    from packgate.compiler.build import compile_pack, load_all
    from packgate.compiler.diagnostics import PackError
    from packgate.runtime.gateway.whatif import prompt_inputs

    try:
        [loaded], _ = load_all([pack])
        built = compile_pack(loaded, prompt_inputs)
    except PackError as exc:
        fail_diagnostics(exc.diagnostics)
    sys.stdout.write(next(text for path, text in built.files.items() if path.endswith("/REVIEW.md")))
