"""`make demo`'s script: emulator up, `pulumi up` of the dev stack, no changes the second time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hcinfra.engine import Engine
from tests.conftest import REPO

pytestmark = pytest.mark.e2e


def test_demo_deploys_to_the_emulator_then_reports_no_changes(
    engine: Engine, pulumi_env: dict[str, str], tmp_path: Path
):
    env = {
        **pulumi_env,
        "PULUMI_CONFIG_PASSPHRASE": "hcinfra-dev-passphrase",  # Pulumi.dev.yaml's salt
        "HCINFRA_DEMO_STATE": str(tmp_path / "demo-state"),
        "PATH": f"{Path(sys.executable).parent}:{pulumi_env['PATH']}",
    }

    def demo() -> str:
        proc = subprocess.run(
            ["bash", str(REPO / "scripts" / "demo")],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    first = demo()
    assert "+ 2 created" in first
    assert "tenantId        6f1d2c3b-8a4e-4b7d-9c2a-1e5f7a9b0c41" in first
    second = demo()
    assert "2 unchanged" in second and "created" not in second
    # The emulator the script started is gone again.
    running = subprocess.run(["pgrep", "-f", str(tmp_path / "demo-state")], capture_output=True)
    assert running.returncode == 1
