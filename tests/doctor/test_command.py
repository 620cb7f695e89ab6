"""`hcinfra doctor` as a user runs it: the exit code 1 cases, text output and --out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.doctor.conftest import NETWORK
from tests.emulator.delegated import operator_env
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator


@pytest.fixture(autouse=True)
def signed_in(emu: Emulator) -> None:
    """The operator signed in before a test counts its requests (signin.delegated)."""
    operator_env(emu)


def cli(emu: Emulator, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`hcinfra doctor ARGS` in a process of its own, as the automation app by default."""
    base = {
        "HCINFRA_ENDPOINT": emu.url,
        "HCINFRA_CA_BUNDLE": emu.ca,
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": HCINFRA_APP,
        "AZURE_CLIENT_SECRET": HCINFRA_SECRET,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "HCINFRA_"))}
    return subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", "doctor", *args],
        env={**clean, **base, **operator_env(emu), **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_doctor_bad_network_file_exits_1_before_any_request(emu: Emulator, tmp_path: Path) -> None:
    bad = tmp_path / "network.yaml"
    bad.write_text("tenant:\n  id: not-a-guid\n  domains: []\nbaseline: {}\n", encoding="utf-8")
    since = emu.requests()["last"]
    proc = cli(emu, "--network", str(bad))
    assert proc.returncode == 1
    assert "problem(s)" in proc.stderr and "tenant.id" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert emu.requests(since)["total"] == 0


def test_doctor_missing_network_file_exits_1(emu: Emulator, tmp_path: Path) -> None:
    proc = cli(emu, "--network", str(tmp_path / "nowhere.yaml"))
    assert proc.returncode == 1
    assert "cannot read it" in proc.stderr and "Traceback" not in proc.stderr


def test_doctor_without_a_token_exits_1_naming_why(emu: Emulator) -> None:
    proc = cli(emu, "--network", str(NETWORK), AZURE_CLIENT_SECRET="not-the-secret")
    assert proc.returncode == 1
    assert "no token for any service" in proc.stderr
    assert "AADSTS7000215" in proc.stderr
    assert "Traceback" not in proc.stderr and "not-the-secret" not in proc.stderr
    # One line per service, and azure-identity's own warnings are not repeated.
    assert proc.stderr.count("AADSTS7000215") == 3


def test_doctor_without_settings_exits_1(emu: Emulator) -> None:
    proc = cli(emu, "--network", str(NETWORK), AZURE_CLIENT_ID="")
    assert proc.returncode == 1
    assert "hcinfra:clientId" in proc.stderr and "Traceback" not in proc.stderr


def test_doctor_unreachable_tenant_exits_1(emu: Emulator) -> None:
    proc = cli(emu, "--network", str(NETWORK), HCINFRA_ENDPOINT="https://127.0.0.1:9")
    assert proc.returncode == 1
    assert "no token for any service" in proc.stderr and "Traceback" not in proc.stderr


def test_doctor_text_report_and_out_file(emu: Emulator, tmp_path: Path) -> None:
    since = emu.requests()["last"]
    proc = cli(emu, "--network", str(NETWORK))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert emu.requests(since)["writes"] == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"hcinfra doctor: tenant {emu.tenant_id}")
    assert any(line.split()[:2] == ["OK", "members.resolve"] for line in lines)
    assert any(
        line.split()[:2] == ["WARNING", "contract.teams.group-assignments"] for line in lines
    )
    # The federation probe reads the configuration in the shape the evidence shows: ok.
    assert any(line.split()[:2] == ["OK", "contract.teams.federation"] for line in lines)
    assert any(line.split()[:2] == ["OK", "signin.delegated"] for line in lines)
    assert lines[-1].startswith("17 checks: 16 ok") and "ready to deploy" in lines[-1]
    assert " s — " in lines[-1]

    out = tmp_path / "doctor.json"
    proc = cli(emu, "--network", str(NETWORK), "--format", "json", "--out", str(out))
    assert proc.returncode == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "hcinfra.doctor/v1" and doc["result"] == "ok"
    assert isinstance(doc["seconds"], float)
    # With --out, the summary line still says how it went and how long it took.
    assert proc.stdout.startswith("17 checks:")


def test_doctor_problems_in_text_show_the_fix(emu: Emulator) -> None:
    proc = cli(
        emu,
        "--network",
        str(NETWORK),
        AZURE_CLIENT_ID="0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d",
        AZURE_CLIENT_SECRET="emulator-only-unprivileged-secret",
    )
    assert proc.returncode == 2
    assert "PROBLEM   roles.directory" in proc.stdout
    assert "fix: assign the directory role(s) Exchange Administrator, Teams Administrator" in (
        proc.stdout
    )
    assert "fix the problems above before deploying" in proc.stdout
