"""`packgate init`: each template lints clean, its tests (generated, `tests:` and the Rego test beside
it) pass under the real `opa test`, and its cases file is requests the real gateway decides as the
template's comments say, against the stand-in model."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from packgate.cli import ExitCode
from packgate.compiler.toolchain import find_tool
from packgate.runtime.demo import Reply, StandinModel

from tests.harness import PACKGATE, GatewayProc, run_cli

# template -> case name -> (status, error code or the escalation marker)
EXPECTED = {
    "patient-chat": {
        "a patient asks about an appointment": (200, None),
        "a patient names themself": (200, None),
        "a request without identity": (401, "missing_header"),
        "an answer with a dose": (409, "output_blocked"),
        "a role this pack does not know": (403, "unknown_role"),
    },
    "clinician-drafting": {
        "a clinician drafts a referral letter": (200, "escalated"),
        "a nurse tries to draft a letter": (403, "tool_not_allowed"),
        "a draft with prescribing language": (409, "output_blocked"),
        "a request without identity": (401, "missing_header"),
    },
    "front-desk": {
        "a reminder without patient details": (200, None),
        "a reminder naming the patient": (403, "phi_not_permitted_for_role"),
        "a draft with clinical language": (409, "output_blocked"),
        "front desk asks for a schedule summary": (403, "tool_not_allowed"),
    },
}


def _init(tmp_path: Path, template: str, name: str = "my-pack") -> Path:
    r = run_cli("init", name, "--template", template, "--dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:3] == [f"wrote {tmp_path / f}" for f in
                                          (f"{name}.yaml", f"{name}_test.rego", f"{name}.cases.yaml")]
    return tmp_path / f"{name}.yaml"


@pytest.mark.parametrize("template", sorted(EXPECTED))
def test_template_lints_clean_and_its_tests_pass(tmp_path: Path, template: str) -> None:
    pack = _init(tmp_path, template)
    lint = run_cli("lint", str(pack))
    assert (lint.returncode, lint.stderr) == (0, "1 pack(s) clean\n")
    proc = subprocess.run([*PACKGATE, "test", "-v", str(pack)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ran = [line for line in proc.stdout.splitlines() if ".my_pack_test.test_" in line]
    assert sum("test_rego_" in line for line in ran) == 3  # the Rego test beside the pack was picked up
    assert len(ran) > 3 + 3 and all(": PASS" in line for line in ran)  # with the pack's tests: and the generated ones
    # what a reviewer reads is as clean as the generated Rego: opa fmt and regal leave the bundle alone
    assert run_cli("build", str(pack), "-o", str(tmp_path / "out")).returncode == 0
    for args in (["opa", "fmt", "--list"], ["regal", "lint"]):
        found = find_tool(args[0])
        assert found is not None, f"{args[0]} missing: run `make setup`"
        checked = subprocess.run([str(found), *args[1:], str(tmp_path / "out")], capture_output=True, text=True,
                                 timeout=300)
        assert checked.returncode == 0 and "violations" not in checked.stdout.replace("No violations", ""), \
            checked.stdout + checked.stderr
        assert args[0] != "opa" or checked.stdout == ""  # fmt --list names the files it would change


@pytest.mark.parametrize("template", sorted(EXPECTED))
def test_cases_file_runs_through_the_gateway(tmp_path: Path, template: str, local_model: StandinModel) -> None:
    pack = _init(tmp_path, template)
    cases = yaml.safe_load((tmp_path / "my-pack.cases.yaml").read_text())
    assert {c["name"] for c in cases} == set(EXPECTED[template])
    assert all(set(c) <= {"name", "headers", "body", "response"} for c in cases)
    gw = GatewayProc.cli("--pack", str(pack), "--audit-db", str(tmp_path / "a.db"), "--no-watch",
                         "--upstream-override", local_model.url)
    got = {}
    try:
        with gw.client() as c:
            for case in cases:
                local_model.reset()
                if "response" in case:
                    local_model.script(Reply(text=case["response"]))
                r = c.post("/v1/chat/completions", headers=case["headers"], json=case["body"])
                body = r.json()
                code = body["error"]["code"] if "error" in body else (
                    "escalated" if r.headers.get("x-packgate-escalation-id") else None)
                got[case["name"]] = (r.status_code, code)
                sent = " ".join(str(m.get("content")) for rec in local_model.received for m in rec.body["messages"])
                assert "Gonzalez" not in sent  # the cases' patient details are redacted before any model
    finally:
        gw.stop(signal.SIGTERM)
    assert got == EXPECTED[template]


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "my-pack_test.rego").write_text("# mine\n")
    r = run_cli("init", "my-pack", "--dir", str(tmp_path))
    assert r.returncode == ExitCode.FAILURE
    assert r.stderr == f"packgate: {tmp_path / 'my-pack_test.rego'} already exists; packgate init never overwrites (pick another name or --dir)\n"
    assert not (tmp_path / "my-pack.yaml").exists()
    assert (tmp_path / "my-pack_test.rego").read_text() == "# mine\n"


@pytest.mark.parametrize("name", ["My-Pack", "9lives", "pack.yaml", ""])
def test_init_refuses_a_name_that_is_not_a_pack_name(tmp_path: Path, name: str) -> None:
    r = run_cli("init", name, "--dir", str(tmp_path))
    assert r.returncode == ExitCode.FAILURE and r.stderr.startswith(f"packgate: pack name {name!r} must match")
    assert list(tmp_path.iterdir()) == []
