"""Compile packs into one OPA bundle: generated Rego per pack, the library, masking, a manifest.

Generated and hand-written Rego never mix: the bundle holds `packgate/packs/<pack>/` (generated
from the YAML, plus the pack's own `*_test.rego` files copied verbatim), `packgate/lib/` (the
hand-written library from `rego/`, with its tests) and `system/log/` (decision-log masking).
Output is byte-for-byte stable for the same input; the manifest revision is a content hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import jinja2

from . import codes, rego_literal, review, signing, specialise, testgen
from .diagnostics import Diagnostic, PackError
from .lint import lint, lint_attestations, lint_despite_schema, lint_rego_files
from .loader import LoadedPack, SchemaError, load_pack
from .toolchain import REPO_ROOT

LIBRARY_DIR = REPO_ROOT / "rego"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["yaml_string"] = rego_literal.string  # JSON strings are valid YAML scalars
TEMPLATES.filters["rego_string"] = rego_literal.string

POLICY_TEMPLATES = {
    "rbac": "rbac.rego.j2",
    "data-routing-policy": "data_routing_policy.rego.j2",
    "hipaa-phi-detector": "detector.rego.j2",
    "pii-detector": "detector.rego.j2",
    "healthcare-compliance": "healthcare_compliance.rego.j2",
    "human-oversight": "human_oversight.rego.j2",
    "audit-logger": "audit_logger.rego.j2",
    "crisis-detection": "crisis_detection.rego.j2",
    "prompt-guard": "prompt_guard.rego.j2",
}


# policy -> template variable -> what the pack's configuration implies (compiler/specialise.py)
SPECIALISED = {
    "rbac": {"rbac": specialise.rbac},
    "data-routing-policy": {"routing": specialise.routing},
    "healthcare-compliance": {"compliance": specialise.compliance},
    "human-oversight": {"oversight": specialise.oversight},
    "hipaa-phi-detector": {"detector": specialise.detector},
    "pii-detector": {"detector": specialise.detector},
}

_NOT_POLICY = {"data_policy": {"local_processing_attestation"}}  # in the manifest, not in Rego


@dataclass
class BuiltPack:
    name: str
    version: str
    package: str
    data_path: str
    loaded: LoadedPack
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class BuildResult:
    bundle_dir: Path
    revision: str
    packs: list[BuiltPack]
    diagnostics: list[Diagnostic]
    tar_path: Path | None = None


def compile_pack(loaded: LoadedPack, prompts: testgen.PromptInputs | None = None) -> BuiltPack:
    """Render one pack's Rego modules and tests (bundle-relative path -> text). `prompts` turns the
    pack's chat-request tests into OPA input (testgen.PromptInputs); such tests need it."""
    pack, src = loaded.pack, loaded.source
    ident = rego_literal.identifier(pack.pack.name)
    package = f"packgate.packs.{ident}"
    base = f"packgate/packs/{ident}"

    def source_at(loc: tuple[Any, ...]) -> str:
        line, _ = src.position(loc, key=True)
        return f"{testgen.pack_file(loaded)}:{line}"

    chain = list(pack.policies.chain)
    context = {
        "package": package,
        "pack": pack.pack,
        "source_at": source_at,
        "literal": rego_literal.literal,
        "has": lambda name: name in chain,
        "chain": chain,
        "pack_info": {"name": pack.pack.name, "version": pack.pack.version, "enabled": pack.pack.enabled},
        "targets": [t.model_dump(mode="json", exclude_none=True, exclude=_NOT_POLICY)
                    for t in pack.providers.targets],
        "codes_of": codes.codes_of,
        "member": rego_literal.member,
    }
    files = {f"{base}/main.rego": _render("main.rego.j2", context)}
    for name in chain:
        config = pack.policy.get(name)
        if config is None or name not in POLICY_TEMPLATES:
            continue  # lint reports it; nothing to generate
        dumped = config.model_dump(mode="json", by_alias=True, exclude_none=True)
        files[f"{base}/{rego_literal.identifier(name)}.rego"] = _render(
            POLICY_TEMPLATES[name],
            {**context, "name": name, "ident": rego_literal.identifier(name), "config": dumped,
             **{key: worked(dumped) for key, worked in SPECIALISED.get(name, {}).items()}},
        )
    for name, text in testgen.render_generated(TEMPLATES, package, loaded).items():
        files[f"{base}/{name}"] = text
    own = testgen.pack_cases(loaded, prompts)
    if pack.tests:
        files[f"{base}/pack_test.rego"] = testgen.render_pack_tests(TEMPLATES, package, loaded, own)
    for extra in sorted(loaded.path.parent.glob(f"{loaded.path.stem}*_test.rego")):
        files[f"{base}/{extra.name}"] = extra.read_text(encoding="utf-8")
    files[f"{base}/REVIEW.md"] = review.render(loaded, files, testgen.cases(loaded), own)
    return BuiltPack(pack.pack.name, pack.pack.version, package, base, loaded, files)


def _render(template: str, context: dict[str, Any]) -> str:
    text = TEMPLATES.get_template(template).render(**context)
    return rego_literal.mark_overlong(text)


def library_files() -> dict[str, str]:
    """The hand-written library (its Rego, tests and `data.json` tables), bundle-relative path -> text."""
    files = {}
    lib = LIBRARY_DIR / "packgate" / "lib"
    for path in sorted([*lib.rglob("*.rego"), *lib.rglob("data.json")]):
        files[path.relative_to(LIBRARY_DIR).as_posix()] = path.read_text(encoding="utf-8")
    return files


def assemble(built: Sequence[BuiltPack], record: dict[str, Any] | None = None) -> dict[str, str]:
    """All bundle files including `.manifest`, whose revision hashes everything else.

    `record` (approval, signer: see `manifest_record`) goes into the manifest's metadata only, so
    the same packs give the same revision whoever approved or signed them.
    """
    files: dict[str, str] = {}
    for item in built:
        files.update(item.files)
    files.update(library_files())
    files["system/log/mask.rego"] = TEMPLATES.get_template("mask.rego.j2").render()
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    manifest = {
        "revision": digest.hexdigest(),
        "roots": sorted([p for b in built for p in (b.data_path, f"{b.data_path}_test")] + ["packgate/lib", "system/log"]),
        "rego_version": 1,
        "metadata": {"packs": {b.name: _pack_record(b) for b in built}, **(record or {})},
    }
    files[".manifest"] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files


def _pack_record(b: BuiltPack) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": b.version, "package": b.package, "source_sha256": b.loaded.sha256}
    attested = lint_attestations(b.loaded)
    if attested:
        entry["attestations"] = attested
    return entry


def load_all(pack_paths: Sequence[str | Path]) -> tuple[list[LoadedPack], list[Diagnostic]]:
    """Load and lint every pack; raise PackError with all errors of all packs."""
    loaded, diags = [], []
    for path in pack_paths:
        try:
            item = load_pack(path)
        except SchemaError as exc:  # the file parsed: its semantic problems are reported in the same run
            diags.extend(exc.diagnostics)
            diags.extend(lint_despite_schema(exc))
            continue
        except PackError as exc:
            diags.extend(exc.diagnostics)
            continue
        diags.extend(lint(item))
        loaded.append(item)
    diags.extend(lint_rego_files(loaded))
    names: dict[str, LoadedPack] = {}
    for item in loaded:
        if item.pack.pack.name in names:
            diags.append(item.source.at(("pack", "name"), "error",
                                        f"pack name {item.pack.pack.name!r} is also used by {names[item.pack.pack.name].source.file}"))
        names.setdefault(item.pack.pack.name, item)
    if any(d.severity == "error" for d in diags):
        raise PackError(diags)
    return loaded, sorted(diags)


def build_bundle(pack_paths: Sequence[str | Path], out_dir: str | Path, *, tar: bool = False,
                 prompts: testgen.PromptInputs | None = None,
                 signing_key: str | Path | None = None, key_id: str = signing.DEFAULT_KEY_ID,
                 approved_by: str | None = None, ticket: str | None = None) -> BuildResult:
    """Load, lint, render and write one bundle for all packs. Raises PackError on any error.

    With `signing_key`, the bundle is signed (`.signatures.json`, see `signing.sign_bundle`) and the
    manifest names the key id; `approved_by` and `ticket` are recorded in the manifest's metadata.
    """
    if signing_key is not None:
        signing.key_algorithm(signing_key, private=True)  # a bad key stops before anything is written
    loaded, diags = load_all(pack_paths)
    if not loaded:
        raise PackError([Diagnostic("<args>", 1, 1, "error", "no pack given")])
    built = [compile_pack(item, prompts) for item in loaded]
    record = signing.manifest_record(approved_by=approved_by, ticket=ticket,
                                     key_id=key_id if signing_key is not None else None)
    files = assemble(built, record)
    out = Path(out_dir)
    if signing_key is None:
        write_tree(out, files)
    else:
        files[signing.SIGNATURES] = write_signed(out, files, signing_key, key_id)
    revision = json.loads(files[".manifest"])["revision"]
    tar_path = write_tar(out.parent / f"{out.name}.tar.gz", files) if tar else None
    return BuildResult(out, revision, built, diags, tar_path)


def write_tree(out: Path, files: dict[str, str]) -> None:
    """Replace `out` with exactly these files (refuses to wipe a directory that isn't a bundle)."""
    if out.exists():
        if not out.is_dir() or (any(out.iterdir()) and not (out / ".manifest").exists()):
            raise PackError([Diagnostic(str(out), 1, 1, "error", "output exists and is not a packgate bundle; choose another -o")])
        shutil.rmtree(out)
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_signed(out: Path, files: dict[str, str], key: str | Path, key_id: str) -> str:
    """Write and sign the bundle beside `out`, then swap it in: a gateway watching `out` never sees
    it unsigned. Returns the `.signatures.json` text."""
    staging = out.with_name(f".{out.name}.signing")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        write_tree(staging, files)
        signed = signing.sign_bundle(staging, key, key_id=key_id).path.read_text(encoding="utf-8")
        write_tree(out, {})  # removes the old bundle (and refuses to remove anything else)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    staging.rename(out)
    return signed


def write_tar(path: Path, files: dict[str, str]) -> Path:
    """A reproducible bundle.tar.gz: sorted entries, zero mtimes and owners, no gzip timestamp."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for rel in sorted(files):
            data = files[rel].encode("utf-8")
            info = tarfile.TarInfo(f"/{rel}")
            info.size, info.mtime, info.mode, info.uid, info.gid = len(data), 0, 0o644, 0, 0
            tf.addfile(info, io.BytesIO(data))
    import gzip

    path.write_bytes(gzip.compress(raw.getvalue(), mtime=0))
    return path
