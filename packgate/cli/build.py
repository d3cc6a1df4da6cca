"""`packgate lint`, `build`, `test` and `schema`: the compiler's commands (top level, no group name)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from packgate.compiler.build import build_bundle, load_all
from packgate.compiler.diagnostics import PackError, exit_code
from packgate.compiler.schema import json_schema
from packgate.compiler.signing import DEFAULT_KEY_ID, SIGNATURES
from packgate.compiler.toolchain import find_tool

from .errors import fail, fail_diagnostics, print_diagnostics

app = typer.Typer()

Packs = Annotated[list[Path], typer.Argument(help="Pack files.")]


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
    """Build the packs, then run the real `opa test` on the bundle; its output and exit code pass through."""
    opa = opa_binary()
    with tempfile.TemporaryDirectory(prefix="packgate-test-") as tmp:
        try:
            result = build_bundle(packs, Path(tmp) / "bundle")
        except PackError as exc:
            fail_diagnostics(exc.diagnostics)
        args = [opa, "test", str(result.bundle_dir)]
        if coverage:
            args += ["--coverage", "--format", "json"]
        elif verbose:
            args.append("-v")
        proc = subprocess.run(args, capture_output=coverage, text=True)
        if coverage:
            if proc.returncode != 0:
                sys.stdout.write(proc.stdout)
                sys.stderr.write(proc.stderr)
                raise typer.Exit(proc.returncode)
            report = json.loads(proc.stdout)
            typer.echo(f"coverage {report.get('coverage', 0):.2f}%")
            for name, info in sorted(report.get("files", {}).items()):
                typer.echo(f"  {info.get('coverage', 0):6.2f}%  {name}")
        raise typer.Exit(proc.returncode)


@app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the pack format (for yaml-language-server and editors)."""
    typer.echo(json.dumps(json_schema(), indent=2, sort_keys=True))
