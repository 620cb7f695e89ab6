"""Running `hcinfra doctor` against the emulator, in process, with real clients over HTTPS."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hcinfra.doctor.command import doctor_command
from tests.conftest import REPO
from tests.emulator.delegated import operator_env
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator

NETWORK = REPO / "stacks" / "network.yaml"
CREDENTIAL_VARS = (
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_FEDERATED_TOKEN_FILE",
    "HCINFRA_USE_DEFAULT_CREDENTIAL",
)


@dataclass
class Run:
    """One doctor run: its exit code, JSON report (when it ran), stderr and request log."""

    code: int
    report: dict[str, Any] | None
    stderr: str
    log: dict[str, Any]

    def check(self, check_id: str) -> dict[str, Any]:
        """One check of the report, by id."""
        assert self.report is not None, self.stderr
        return next(c for c in self.report["checks"] if c["id"] == check_id)

    def status(self, check_id: str) -> str:
        """One check's status."""
        return str(self.check(check_id)["status"])


Doctor = Callable[..., Run]


@pytest.fixture
def doctor(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Doctor:
    """Run the doctor as an app against the emulator; every run is checked to write nothing."""

    def run(
        network: Path = NETWORK,
        app: str = HCINFRA_APP,
        secret: str = HCINFRA_SECRET,
        signed_in: bool = True,
    ) -> Run:
        for var in CREDENTIAL_VARS:
            monkeypatch.delenv(var, raising=False)
        # The sample's virtual visits take an operator's sign-in (signin.delegated).
        for var, value in operator_env(emu).items():
            if signed_in:
                monkeypatch.setenv(var, value)
            elif var.startswith("HCINFRA_DELEGATED_"):
                monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HCINFRA_ENDPOINT", emu.url)
        monkeypatch.setenv("HCINFRA_CA_BUNDLE", emu.ca)
        monkeypatch.setenv("AZURE_TENANT_ID", emu.tenant_id)
        monkeypatch.setenv("AZURE_CLIENT_ID", app)
        monkeypatch.setenv("AZURE_CLIENT_SECRET", secret)
        since = emu.requests()["last"]
        capsys.readouterr()
        code = doctor_command(str(network), "json", None)
        out, err = capsys.readouterr()
        log = emu.requests(since)
        assert log["writes"] == 0, [e for e in log["entries"] if e["write"]]
        assert secret not in out + err
        return Run(code, json.loads(out) if out.strip() else None, err, log)

    return run


@pytest.fixture
def network_file(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """The sample network, changed by a function, written to a file of its own."""

    def make(change: Callable[[dict[str, Any]], None]) -> Path:
        data = yaml.safe_load(NETWORK.read_text(encoding="utf-8"))
        change(data)
        path = tmp_path / "network.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path

    return make
