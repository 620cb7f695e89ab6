"""`make demo`: the emulator, the baseline then a site; no changes the second time."""

from __future__ import annotations

import re
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
    # The emulator's operator signed in for VirtualVisits, the code approved by the demo.
    assert "Signed the emulator's operator (admin@northwindhealth.onmicrosoft.com) in" in first
    # `up` previews first, and the preview names each object's kind.
    preview = first[first.index("Previewing update (dev)") : first.index("Updating (dev)")]
    assert re.search(
        r"\+ +pulumi-python:dynamic/hcinfra:SecurityGroup +stm-clinical +create", preview
    )
    assert "pulumi-python:dynamic:Resource" not in first
    # The tenant stack: its stack, component, four policies (messaging, app setup, the
    # visits' meeting and SMS policies), the partner hospital, and three packages
    # (component and five policies each): 25. The dev stack, Hôpital Saint-Michel: its stack,
    # component and 28 objects, among them two mail-enabled security groups for the shared
    # mailboxes' rights, a schedule and a Patients list per ward, and the visits calendar.
    assert first.count("+ 25 created") == 1
    assert first.count("+ 30 created") == 1
    assert re.search(r"^\s*Team\s+STM 3 Nord", first, re.M)  # the table of objects
    assert re.search(r"^\s*WardSchedule\s+STM 3 Nord", first, re.M)
    assert re.search(r"^\s*PatientList\s+STM 4 Sud: Patients", first, re.M)
    assert re.search(r"^\s*VirtualVisits\s+STM Virtual Visits", first, re.M)
    assert "no drift in 2 site(s)" in first  # hcinfra drift, right after the deployment
    assert "HC.EXO.1.1" in first and "FAIL" not in first  # hcinfra check: every control met
    second = demo()
    assert "Signed the emulator's operator" not in second  # its record names this emulator
    assert second.count("25 unchanged") == 1  # the tenant's update
    assert second.count("30 unchanged") == 2  # the site's preview and update
    assert "created" not in second
    # The emulator the script started is gone again.
    running = subprocess.run(["pgrep", "-f", str(tmp_path / "demo-state")], capture_output=True)
    assert running.returncode == 1
