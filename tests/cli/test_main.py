"""The CLI as a whole (in-process through CliRunner, and `main()` for what only it handles): every
group answers `--help`, usage errors exit 2, failures are one `packgate: ...` line with a defined exit
code, and an unexpected exception is one line that never carries the exception's text."""

from __future__ import annotations

import pytest

from packgate.cli import ExitCode, main
from packgate.runtime import audit

from tests.harness import run_cli

COMMANDS = {
    (): ["lint", "build", "test", "schema", "redact", "gateway", "bundle", "demo", "events", "escalations"],
    ("gateway",): ["run"],
    ("bundle",): ["serve"],
    ("events",): ["tail", "export", "verify", "purge"],
    ("escalations",): ["list", "show", "resolve"],
}


@pytest.mark.parametrize("group", list(COMMANDS), ids=lambda g: " ".join(g) or "packgate")
def test_every_group_lists_its_commands(group: tuple[str, ...]) -> None:
    r = run_cli(*group, "--help")
    assert r.returncode == 0, r.stderr
    for name in COMMANDS[group]:
        assert f" {name} " in r.stdout, (name, r.stdout)


@pytest.mark.parametrize("command", [
    ("lint",), ("build",), ("test",), ("schema",), ("redact",), ("demo",), ("gateway", "run"),
    ("events", "tail"), ("events", "export"), ("events", "verify"), ("events", "purge"),
    ("escalations", "list"), ("escalations", "show"), ("escalations", "resolve"),
])
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    r = run_cli(*command, "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout, r.stderr


@pytest.mark.parametrize("args", [(), ("events",), ("escalations",), ("gateway",)])
def test_a_group_without_a_command_shows_its_help(args: tuple[str, ...]) -> None:
    r = run_cli(*args)
    assert r.returncode == ExitCode.USAGE and "Usage:" in r.stdout + r.stderr


@pytest.mark.parametrize("args", [
    ("nosuch",), ("events", "nosuch"), ("events", "tail", "--limit", "0"), ("events", "export"),
    ("escalations", "resolve", "esc_1", "--outcome", "maybe", "--reason", "x"), ("gateway", "run"),
])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    r = run_cli(*args)
    assert r.returncode == ExitCode.USAGE, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("args, message", [
    (("gateway", "run", "--pack", "p.yaml", "--opa-url", "localhost:8181"), "--opa-url must be an http(s) URL"),
    (("gateway", "run", "--pack", "p.yaml", "--opa-url", "http://127.0.0.1:1", "--decision-log", "console"),
     "--decision-log console configures the embedded OPA"),
    (("events", "purge", "--older-than-days", "30"), "run `packgate events export` first"),
    (("escalations", "show", "esc_x", "--audit-db", "/nonexistent/dir/a.db"), "/nonexistent/dir/a.db"),
])
def test_failures_are_one_line_exit_1(args: tuple[str, ...], message: str) -> None:
    r = run_cli(*args)
    assert r.returncode == ExitCode.FAILURE, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("packgate: ") and message in lines[0], r.stderr


def test_redact_unknown_ner_is_a_usage_error() -> None:
    r = run_cli("redact", "--ner", "bert", input="text")
    assert r.returncode == ExitCode.USAGE
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and r.stderr.startswith("packgate: ")


def test_unexpected_exception_is_one_line_without_its_text(monkeypatch: pytest.MonkeyPatch, tmp_path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The text of an exception nobody anticipated may hold PHI: only its type is shown, exit 70."""
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("patient Jane Roe SSN 123-45-6789")

    monkeypatch.setattr(audit, "verify", boom)
    monkeypatch.delenv("PACKGATE_DEBUG", raising=False)
    monkeypatch.setattr("sys.argv", ["packgate", "events", "verify", "--audit-db", str(tmp_path / "a.db")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert err.strip() == "packgate: internal error (RuntimeError); rerun with PACKGATE_DEBUG=1 for details"
    assert "123-45-6789" not in err and "Traceback" not in err
