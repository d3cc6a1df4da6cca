"""`packgate lint`, `build`, `test` and `schema`: the compiler's commands (top level, no group name)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from packgate.compiler.build import load_all
from packgate.compiler.diagnostics import PackError, exit_code
from packgate.compiler.schema import json_schema
from packgate.compiler.signing import DEFAULT_KEY_ID, SIGNATURES
from packgate.compiler.toolchain import find_tool

from .errors import ExitCode, fail, fail_diagnostics, print_diagnostics

app = typer.Typer()

Packs = Annotated[list[Path], typer.Argument(help="Pack files.")]


def build_bundle(packs: list[Path], out: Path, **options: Any) -> Any:
    """The compiler's build (`options` as they are), with pack tests' chat requests run through the
    gateway's own steps."""
    from packgate.runtime.gateway.whatif import build

    return build(packs, out, **options)


def opa_binary() -> str:
    """The pinned opa from .tools/bin, else one on PATH."""
    found = find_tool("opa")
    if found is None:
        fail("opa not found; run `make setup` (builds the pinned opa into .tools/bin)")
    return str(found)


@app.command("lint")
def lint_cmd(packs: Packs) -> None:
    """Check packs: schema, semantics, regexes. Exit 0 clean, 1 errors, 2 warnings only."""
    try:
        _, diags = load_all(packs)
    except PackError as exc:
        diags = exc.diagnostics
    print_diagnostics(diags)
    code = exit_code(diags)
    if code == 0:
        typer.echo(f"{len(packs)} pack(s) clean", err=True)
    raise typer.Exit(code)


@app.command("build")
def build_cmd(
    packs: Annotated[list[Path], typer.Argument(help="Pack files; several build into one bundle.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Bundle directory to write.")],
    tar: Annotated[bool, typer.Option("--tar", help="Also write <out>.tar.gz for `opa run --bundle`.")] = False,
    sign: Annotated[Optional[Path], typer.Option(
        "--sign", metavar="KEY", help="Sign with this PEM private key (RSA or EC): writes OPA's .signatures.json.")] = None,
    key_id: Annotated[str, typer.Option(
        "--key-id", help="Key id in the signature and the manifest (OPA's --verification-key-id).")] = DEFAULT_KEY_ID,
    approved_by: Annotated[Optional[str], typer.Option(
        "--approved-by", help="Who approved this build (recorded in the manifest metadata).")] = None,
    ticket: Annotated[Optional[str], typer.Option(
        "--ticket", help="The change ticket reference (recorded in the manifest metadata).")] = None,
) -> None:
    """Compile packs into an OPA bundle directory (and optionally bundle.tar.gz), signed with --sign."""
    started = time.perf_counter()
    try:
        result = build_bundle(packs, out, tar=tar, signing_key=sign, key_id=key_id,
                              approved_by=approved_by, ticket=ticket)
    except PackError as exc:
        fail_diagnostics(exc.diagnostics)
    print_diagnostics(result.diagnostics)
    elapsed = (time.perf_counter() - started) * 1000
    for item in result.packs:
        typer.echo(f"{item.name} {item.version} -> data.{item.package} ({len(item.files)} files)")
    typer.echo(f"bundle {result.bundle_dir} revision {result.revision[:12]} in {elapsed:.0f} ms")
    if sign is not None:
        typer.echo(f"signed {result.bundle_dir / SIGNATURES} (key id {key_id})")
    if result.tar_path:
        typer.echo(f"tarball {result.tar_path}")


@app.command("test")
def test_cmd(
    packs: Packs,
    coverage: Annotated[bool, typer.Option("--coverage", help="Report coverage (opa test --coverage).")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="List every test.")] = False,
) -> None:
    """Build the packs, then run the real `opa test` on the bundle. Exit 1 when a test fails; a failing
    pack test is shown with its line in the pack and what it expected beside what OPA decided."""
    opa = opa_binary()
    with tempfile.TemporaryDirectory(prefix="packgate-test-") as tmp:
        try:
            result = build_bundle(packs, Path(tmp) / "bundle")
        except PackError as exc:
            fail_diagnostics(exc.diagnostics)
        if not coverage:
            raise typer.Exit(_run_tests(opa, result, verbose))
        args = [opa, "test", str(result.bundle_dir), "--coverage", "--format", "json"]
        proc = subprocess.run(args, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.stdout.write(proc.stdout)
            sys.stderr.write(proc.stderr)
            raise typer.Exit(ExitCode.FAILURE)
        report = json.loads(proc.stdout)
        typer.echo(f"coverage {report.get('coverage', 0):.2f}%")
        for name, info in sorted(report.get("files", {}).items()):
            typer.echo(f"  {info.get('coverage', 0):6.2f}%  {name}")


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the pack format (for yaml-language-server and editors)."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))


def _run_tests(opa: str, result: Any, verbose: bool) -> int:
    """`opa test` (its JSON report), printed as opa prints it; failing pack tests side by side."""
    proc = subprocess.run([opa, "test", str(result.bundle_dir), "--format", "json"], capture_output=True, text=True)
    try:
        report = json.loads(proc.stdout)
    except ValueError:  # opa could not run the tests at all (a compile error): its own words
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        return ExitCode.FAILURE
    failed = [r for r in report if r.get("fail") or r.get("error")]
    for r in report if verbose else failed:
        name = f"{r['package']}.{r['name']}"
        typer.echo(f"{name}: {'FAIL' if r in failed else 'PASS'}")
        if r in failed:
            for line in _side_by_side(result, r):
                typer.echo(line)
    typer.echo(f"PASS: {len(report) - len(failed)}/{len(report)}")
    if failed:
        typer.echo(f"FAIL: {len(failed)}/{len(report)}")
    return ExitCode.FAILURE if failed else ExitCode.OK


def _side_by_side(result: Any, failed: dict[str, Any]) -> list[str]:
    """A failing pack test: its line in the pack, then expected and OPA's actual decision, key by key."""
    from packgate.compiler import testgen
    from packgate.runtime.gateway.whatif import prompt_inputs
    from packgate.runtime.opa import OpaError, evaluate_each

    for built in result.packs:
        if failed["package"] != f"data.{built.package}_test":
            continue
        for test, case in zip(built.loaded.pack.tests, testgen.pack_cases(built.loaded, prompt_inputs)):
            if failed["name"] != f"test_{case.ident}":
                continue
            try:
                [decision] = evaluate_each(result.bundle_dir, f"{built.package}.{case.phase}", [case.input])
            except OpaError as exc:
                return [f"  {built.loaded.path}: {test.name!r}: no decision: {exc}"]
            line = case.source.rsplit(":", 1)[1] if case.source else "1"
            want, got = testgen.expected(test), testgen.actual(test, decision)
            width = max([len(k) for k in want] or [0])
            shown = {k: json.dumps(v) for k, v in want.items()}
            column = max([len(v) for v in shown.values()] + [len("expected")])
            out = [f"  {built.loaded.source.file}:{line}: {test.name!r} ({case.phase} decision)",
                   f"    {'':{width}}  {'expected':{column}} | actual"]
            out += [f"    {k:{width}}  {shown[k]:{column}} | {json.dumps(got[k])}" + ("" if v == got[k] else "   <-")
                    for k, v in want.items()]
            return out
    return []
