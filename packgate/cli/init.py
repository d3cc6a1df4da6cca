"""`packgate init NAME`: a starting pack from a template, with its tests, that lints clean and passes.

The templates are data files (`packgate/templates/init/<template>/`), not code: a pack, a Rego test
and a cases file, where `@NAME@` is the pack name and `@PACKAGE@` its Rego package identifier.
"""

from __future__ import annotations

import re
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from packgate.compiler.rego_literal import identifier
from packgate.compiler.schema import NAME_PATTERN

from .errors import fail

__all__ = ["Template", "app"]

app = typer.Typer()


class Template(str, Enum):
    patient_chat = "patient-chat"
    clinician_drafting = "clinician-drafting"
    front_desk = "front-desk"


# template file -> the file written beside it: the Rego test's name is the one `packgate test` picks up
_FILES = {"pack.yaml": "{name}.yaml", "pack_test.rego": "{name}_test.rego", "cases.yaml": "{name}.cases.yaml"}


@app.command("init")
def init(
    name: Annotated[str, typer.Argument(help="Pack name: lower-case letters, digits and '-', a letter first.")],
    template: Annotated[Template, typer.Option("--template", "-t", help="What the pack starts as.")] = Template.patient_chat,
    directory: Annotated[Path, typer.Option("--dir", help="Where to write the files.")] = Path("."),
) -> None:
    """Write NAME.yaml (a commented pack with tests:), NAME_test.rego and NAME.cases.yaml."""
    if not re.match(NAME_PATTERN, name):
        fail(f"pack name {name!r} must match {NAME_PATTERN} (lower-case letters, digits, '-'; a letter first)")
    targets = {src: directory / pattern.format(name=name) for src, pattern in _FILES.items()}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing:
        fail(f"{existing[0]} already exists; packgate init never overwrites (pick another name or --dir)")
    source = resources.files("packgate").joinpath("templates", "init", template.value)
    directory.mkdir(parents=True, exist_ok=True)
    for src, dst in targets.items():
        text = source.joinpath(src).read_text(encoding="utf-8")
        dst.write_text(text.replace("@NAME@", name).replace("@PACKAGE@", identifier(name)), encoding="utf-8")
        typer.echo(f"wrote {dst}")
    pack = targets["pack.yaml"]
    typer.echo(f"next: packgate lint {pack} && packgate test {pack}")
