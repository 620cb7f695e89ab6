"""The CLI's one top-level error handler: one line, what to do, exit 1; `--debug` adds the
traceback. No traceback reaches a user from any command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hcinfra import cli
from tests.conftest import REPO

NETWORK = REPO / "stacks" / "network.yaml"


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`hcinfra ARGS` in a process of its own, with no tenant settings unless given."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HCINFRA_"))}
    clean.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", *args],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unexpected_failure_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("the answer had no 'value'")

    monkeypatch.setattr(cli, "_permissions", broken)
    assert cli.main(["permissions"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("hcinfra permissions failed: RuntimeError: the answer had no 'value'.")
    assert "rerun with --debug" in err

    # --debug anywhere on the line shows the traceback, then the same line.
    assert cli.main(["permissions", "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError" in err
    assert err.rstrip().splitlines()[-1].startswith("hcinfra permissions failed:")


def test_emulator_with_a_missing_seed_file(tmp_path: Path) -> None:
    proc = run("emulator", "serve", "--seed", str(tmp_path / "nowhere.yaml"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("hcinfra emulator serve: [Errno 2] No such file or directory")
    assert "check the path" in proc.stderr
    debug = run("--debug", "emulator", "serve", "--seed", str(tmp_path / "nowhere.yaml"))
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_emulator_with_a_faults_file_that_is_not_yaml(tmp_path: Path) -> None:
    faults = tmp_path / "faults.yaml"
    faults.write_text("rules: [unclosed\n", encoding="utf-8")
    proc = run("emulator", "serve", "--faults", str(faults))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert "hcinfra emulator serve failed:" in proc.stderr


def test_sites_up_and_drift_without_settings_send_nothing(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    network = tmp_path / "network.yaml"
    network.write_text(NETWORK.read_text(encoding="utf-8"), encoding="utf-8")
    up = run("sites", "up", "--network", str(network))
    assert up.returncode == 1 and "Traceback" not in up.stderr
    assert "the tenant preflight found problems" in up.stderr
    assert "cannot reach the tenant: set hcinfra:tenantId" in up.stderr
    assert not (tmp_path / ".state").exists() and not (tmp_path / ".pulumi").exists()
    drift = run("drift", "--network", str(network))
    assert drift.returncode == 1 and "Traceback" not in drift.stderr
    assert "cannot reach the tenant" in drift.stderr


def test_validate_and_export_with_unreadable_paths(tmp_path: Path) -> None:
    proc = run("validate", "--network", str(tmp_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "it is a directory, not a file" in proc.stderr
    export = run("export", "--network", str(tmp_path / "nowhere.yaml"), "--out", str(tmp_path))
    assert export.returncode == 1 and "Traceback" not in export.stderr


def test_adopt_says_what_it_needs_in_one_line() -> None:
    bare = run("adopt")
    assert bare.returncode == 1
    assert bare.stderr.strip() == "hcinfra adopt: give --network FILE (or --propose --out FILE)"
    draft = run("adopt", "--propose")
    assert draft.returncode == 1
    assert draft.stderr.strip() == "hcinfra adopt --propose: give --out FILE for the draft"
    assert "Traceback" not in bare.stderr + draft.stderr
