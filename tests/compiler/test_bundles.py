"""Every pack in packs/ and the library in rego/ pass the real OPA and Regal toolchain."""

from __future__ import annotations

import json
import re

import pytest

from packgate.compiler.build import build_bundle

from .conftest import PACKS, ROOT, SEED, packgate, run, tool


@pytest.fixture(scope="module", params=PACKS, ids=lambda p: p.stem)
def bundle(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "bundle"
    result = build_bundle([request.param], out)
    return result


def test_generated_bundle_is_strict_clean(bundle):
    proc = run([tool("opa"), "check", "--strict", str(bundle.bundle_dir)])
    assert proc.returncode == 0, proc.stderr


def test_opa_fmt_leaves_generated_rego_unchanged(bundle):
    proc = run([tool("opa"), "fmt", "--list", str(bundle.bundle_dir)])
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout


def test_regal_lint_is_clean_on_the_bundle(bundle):
    proc = run([tool("regal"), "lint", "--format", "json", str(bundle.bundle_dir)])
    report = json.loads(proc.stdout)
    assert report.get("violations", []) == [], json.dumps(report.get("violations"), indent=1)[:2000]
    assert proc.returncode == 0


def test_generated_tests_pass_with_coverage_of_at_least_95_percent(bundle):
    proc = run([tool("opa"), "test", "--coverage", "--format", "json", str(bundle.bundle_dir)])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    report = json.loads(proc.stdout)
    assert report["coverage"] >= 95.0, {k: v.get("coverage") for k, v in report["files"].items()}


def test_entrypoints_are_annotated_with_their_source_line(bundle):
    main = next(p for p in bundle.bundle_dir.rglob("main.rego"))
    text = main.read_text()
    for rule in ("request", "response", "redaction", "info"):
        block = re.search(rf"# METADATA\n((?:#.*\n)+){rule} :=", text)
        assert block, f"{rule} has no METADATA"
        assert "# entrypoint: true" in block.group(1)
        assert re.search(r'#   source: ".+\.yaml:\d+"', block.group(1))


def test_policy_configuration_points_at_its_yaml_line(bundle):
    """The `source` of each policy's config rule is the line of that policy's key in the YAML."""
    loaded = bundle.packs[0].loaded
    yaml_lines = loaded.path.read_text().splitlines()
    for path in bundle.bundle_dir.rglob("*.rego"):
        match = re.search(r'# title: "([a-z-]+) configuration"\n(?:#.*\n)*#   source: ".+:(\d+)"', path.read_text())
        if match:
            name, line = match.group(1), int(match.group(2))
            assert yaml_lines[line - 1].strip().startswith(f"{name}:"), (path.name, line)


def test_manifest_has_content_revision_roots_and_rego_v1(bundle):
    manifest = json.loads((bundle.bundle_dir / ".manifest").read_text())
    assert manifest["rego_version"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["revision"])
    assert bundle.packs[0].data_path in manifest["roots"]
    assert "system/log" in manifest["roots"]


def test_the_library_passes_its_own_tests_and_linters():
    lib = str(ROOT / "rego")
    assert run([tool("opa"), "check", "--strict", lib]).returncode == 0
    fmt = run([tool("opa"), "fmt", "--list", lib])
    assert fmt.stdout == ""
    lint = run([tool("regal"), "lint", lib])
    assert lint.returncode == 0, lint.stdout[-3000:]
    test = run([tool("opa"), "test", lib])
    assert test.returncode == 0, test.stdout[-3000:]
    assert re.search(r"PASS: \d+/\d+", test.stdout)


def test_build_is_byte_for_byte_deterministic(tmp_path):
    a = build_bundle([SEED], tmp_path / "a", tar=True)
    b = build_bundle([SEED], tmp_path / "b", tar=True)
    files_a = {p.relative_to(a.bundle_dir): p.read_bytes() for p in a.bundle_dir.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b.bundle_dir): p.read_bytes() for p in b.bundle_dir.rglob("*") if p.is_file()}
    assert files_a == files_b
    assert a.revision == b.revision
    assert a.tar_path.read_bytes() == b.tar_path.read_bytes()


def test_several_packs_share_one_bundle_with_a_root_each(tmp_path):
    result = build_bundle(PACKS, tmp_path / "all", tar=True)
    manifest = json.loads((result.bundle_dir / ".manifest").read_text())
    assert {p.data_path for p in result.packs} <= set(manifest["roots"])
    proc = run([tool("opa"), "test", str(result.bundle_dir)])
    assert proc.returncode == 0, proc.stdout[-2000:]
    # the tarball is a bundle OPA itself accepts
    proc = run([tool("opa"), "eval", "--bundle", str(result.tar_path), "--format", "json",
                "data.packgate.packs.front_desk_scheduling.info.name"])
    assert json.loads(proc.stdout)["result"][0]["expressions"][0]["value"] == "front-desk-scheduling"


def test_packgate_test_reports_opa_test_results_and_exits_1_on_a_failure(tmp_path, write_pack):
    ok = packgate("test", str(SEED))
    assert ok.returncode == 0 and "PASS:" in ok.stdout
    # a hand-written test beside a pack is included in its bundle - and a failing one fails the run
    pack = write_pack(SEED.read_text(), "route.yaml")
    (pack.parent / "route_extra_test.rego").write_text(
        "package packgate.packs.behavioral_health_review_route_test\n\n"
        "import data.packgate.packs.behavioral_health_review_route as route\n\n"
        'test_hand_written_expectation_that_is_wrong if route.info.name == "some-other-route"\n'
    )
    bad = packgate("test", str(pack))
    assert bad.returncode == 1
    assert "test_hand_written_expectation_that_is_wrong: FAIL" in bad.stdout


def test_packgate_test_coverage_reports_a_percentage():
    proc = packgate("test", "--coverage", str(SEED))
    assert proc.returncode == 0, proc.stderr
    value = float(re.search(r"coverage ([\d.]+)%", proc.stdout).group(1))
    assert value >= 95.0


def test_schema_command_matches_the_committed_schema_file():
    proc = packgate("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert set(schema["required"]) == {"pack", "providers", "policies"}
    assert schema["properties"]["policy"]
    committed = json.loads((ROOT / "docs" / "pack.schema.json").read_text())
    assert committed == schema, "docs/pack.schema.json is stale: run `packgate schema > docs/pack.schema.json`"


def test_seed_pack_is_the_shared_reference_pack_unchanged():
    """packs/ carries the reference pack byte for byte, so `make run` works on it as published."""
    shared = ROOT.parent / "shared" / "packs" / SEED.name
    if not shared.exists():
        pytest.skip("no ../shared beside this checkout")
    assert SEED.read_bytes() == shared.read_bytes()
    result = build_bundle([shared], ROOT / "out" / "shared-reference")
    proc = run([tool("opa"), "test", str(result.bundle_dir)])
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_a_pack_at_a_long_path_still_compiles(tmp_path):
    """METADATA `source:` lines name the pack's path; a long one must not break the comment's YAML."""
    deep = tmp_path.joinpath(*["a-directory-name-long-enough-to-matter"] * 4)
    deep.mkdir(parents=True)
    pack = deep / "front-desk-scheduling.yaml"
    pack.write_text((ROOT / "packs" / "front-desk-scheduling.yaml").read_text())
    proc = packgate("test", str(pack))
    assert proc.returncode == 0, proc.stdout + proc.stderr
