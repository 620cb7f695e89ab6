"""`hcinfra adopt` through the real engine: a tenant made by hand is taken into the stacks.

The objects are made straight through the emulator's APIs, as a hospital's IT team made
them before hcinfra; adopt writes nothing to the tenant, and the next preview plans no
create and no replace, only an update where the tenant differs from the file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.sites_harness import Sites
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e

MANAGER = "claire.dubois@northwindhealth.org"
NURSES = ["nurse001@northwindhealth.org", "nurse002@northwindhealth.org"]
# The sample's tenant and one site, with what adopt matches by its natural key.
NETWORK: dict[str, Any] = {
    "tenant": {
        "id": "6f1d2c3b-8a4e-4b7d-9c2a-1e5f7a9b0c41",
        "domains": ["northwindhealth.org", "stm.northwindhealth.org"],
    },
    "baseline": {
        "roles": [
            {"key": "clinical", "name": "Clinical-Workers", "description": "Nurses"},
            {"key": "nurse-managers", "name": "Nurse-Managers", "description": "Managers"},
        ],
    },
    "sites": [
        {
            "code": "STM",
            "name": "Hôpital Saint-Michel",
            "mail_domain": "stm.northwindhealth.org",
            "members": {"clinical": NURSES, "nurse-managers": [MANAGER]},
        }
    ],
}


def hcinfra(sites: Sites, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", *args, "--network", str(sites.network)],
        env=sites.env,
        cwd=sites.folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def user_id(emu: Emulator, upn: str) -> str:
    return str(emu.graph("GET", f"/users/{upn}").json()["id"])


def by_hand(emu: Emulator, name: str, description: str, members: list[str]) -> str:
    """A security group made straight through Graph, as a person would (no uniqueName)."""
    body = {
        "displayName": name,
        "mailNickname": name.lower(),
        "description": description,
        "mailEnabled": False,
        "securityEnabled": True,
        "members@odata.bind": [
            f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id(emu, m)}" for m in members
        ],
    }
    r = emu.graph("POST", "/groups", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def planned(sites: Sites, *only: str) -> dict[str, str]:
    """The preview's planned operations of hcinfra's resources, by resource name."""
    out = sites.folder / "plan.json"
    run = sites.run("preview", *only, "--diff", "--format", "json", "--out", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    return {c["name"]: c["op"] for s in document["stacks"] for c in s["changes"]}


@pytest.fixture
def hand_made(sites: Sites, emu: Emulator) -> dict[str, str]:
    sites.network.write_text(yaml.safe_dump(NETWORK, allow_unicode=True, sort_keys=False))
    return {
        "clinical": by_hand(emu, "STM-Clinical-Workers", "Nurses", NURSES),
        "nurse-managers": by_hand(emu, "STM-Nurse-Managers", "Managers", [MANAGER]),
    }


def test_a_hand_made_tenant_is_adopted_with_no_write(
    sites: Sites, emu: Emulator, hand_made: dict[str, str]
):
    # A dry run reports the matches and keeps nothing.
    mark = emu.requests()["last"]
    dry = hcinfra(sites, "adopt", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "nothing was kept" in dry.stdout and "STM: 2 adopted" in dry.stdout
    assert emu.requests(mark)["writes"] == 0
    assert set(planned(sites).values()) == {"create"}  # still nothing in the stacks

    mark = emu.requests()["last"]
    run = hcinfra(sites, "adopt")
    assert run.returncode == 0, run.stdout + run.stderr
    assert emu.requests(mark)["writes"] == 0
    assert "STM: 2 adopted, 0 already in the state, 0 not matched, 0 ambiguous" in run.stdout
    assert "next: `hcinfra sites preview --diff`" in run.stdout
    # The tenant as declared: the preview plans nothing, and `up` writes nothing.
    assert planned(sites) == {}
    mark = emu.requests()["last"]
    up = sites.run("up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert emu.requests(mark)["writes"] == 0
    groups = emu.admin("GET", "state").json()["group"]
    assert sorted(groups) == sorted(hand_made.values())  # no duplicate was made

    # Adopting again finds everything in the state already and writes nothing.
    again = hcinfra(sites, "adopt")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "STM: 0 adopted, 2 already in the state" in again.stdout


def test_a_differing_object_is_one_update_and_an_unknown_one_a_shadow(
    sites: Sites, emu: Emulator, hand_made: dict[str, str]
):
    emu.graph("PATCH", f"/groups/{hand_made['clinical']}", json={"description": "By hand"})
    shadow = by_hand(emu, "STM-Porters", "Not in the file", [])
    run = hcinfra(sites, "adopt")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "shadows: live, not declared (adopt never deletes)" in run.stdout
    assert f"SecurityGroup STM-Porters ({shadow})" in run.stdout
    assert planned(sites) == {"stm-clinical": "update"}
    assert emu.graph("GET", f"/groups/{shadow}").status_code == 200


def test_an_ambiguous_match_is_refused_naming_both(
    sites: Sites, emu: Emulator, hand_made: dict[str, str]
):
    twin = by_hand(emu, "STM-Clinical-Workers", "A second one", [])
    mark = emu.requests()["last"]
    run = hcinfra(sites, "adopt")
    assert run.returncode == 2, run.stdout + run.stderr
    assert emu.requests(mark)["writes"] == 0
    assert "ambiguous: refused, the candidates named" in run.stdout
    line = next(ln for ln in run.stdout.splitlines() if "SecurityGroup stm-clinical:" in ln)
    assert hand_made["clinical"] in line and twin in line
    # The other group was adopted; the ambiguous one is left for a person to resolve.
    assert "STM: 1 adopted" in run.stdout
    assert planned(sites) == {"stm-clinical": "create"}


def test_a_lost_state_is_rebuilt_by_adopt_with_no_write(sites: Sites, emu: Emulator):
    # The sample network's tenant and one site, deployed; then the state backend is lost.
    up = sites.run("up", "--site", "tenant", "--site", "STM")
    assert up.returncode == 0, up.stdout + up.stderr
    made = emu.admin("GET", "state").json()
    shutil.rmtree(sites.folder / ".pulumi")
    shutil.rmtree(sites.folder / ".state")

    mark = emu.requests()["last"]
    run = hcinfra(sites, "adopt", "--site", "tenant", "--site", "STM")
    assert run.returncode == 0, run.stdout + run.stderr
    assert emu.requests(mark)["writes"] == 0
    tenant = next(ln for ln in run.stdout.splitlines() if ln.startswith("tenant: "))
    site = next(ln for ln in run.stdout.splitlines() if ln.startswith("STM: "))
    # Every kind of both stacks, the care-coordination ones too, is taken back.
    assert tenant.startswith("tenant: 20 adopted, 0 already in the state, 0 not matched"), tenant
    assert site.startswith("STM: 28 adopted, 0 already in the state, 0 not matched"), site
    assert "shadows" not in run.stdout
    # Nothing to change, and the tenant holds what it held: no duplicate, nothing gone.
    assert planned(sites, "--site", "tenant", "--site", "STM") == {}
    after = emu.admin("GET", "state").json()
    for kind in ("group", "mailbox", "team"):
        assert sorted(after.get(kind, {})) == sorted(made.get(kind, {})), kind


def test_a_proposal_of_the_live_tenant_adopts_with_nothing_to_change(
    sites: Sites, emu: Emulator, tmp_path: Path
):
    # The sample's tenant and STM, deployed; then a new project starts from the tenant.
    # The draft proposes no care coordination, visits or partners yet: the sample's are
    # left out here, since a ward schedule's staff are the ward team's members.
    def without_care(data: dict[str, Any]) -> None:
        for block in ("care_coordination", "virtual_visits", "partners"):
            data["baseline"].pop(block)

    sites.edit(without_care)
    up = sites.run("up", "--site", "tenant", "--site", "STM")
    assert up.returncode == 0, up.stdout + up.stderr
    folder = tmp_path / "proposed"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text("name: hcinfra\nruntime: python\n")
    proposed = Sites(folder, sites.env)
    mark = emu.requests()["last"]
    made = subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", "adopt", "--propose", "--out", "network.yaml"],
        env=sites.env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert emu.requests(mark)["writes"] == 0
    check = hcinfra(proposed, "validate")
    assert check.returncode == 0, check.stdout + check.stderr + proposed.network.read_text()

    mark = emu.requests()["last"]
    run = hcinfra(proposed, "adopt")
    assert run.returncode == 0, run.stdout + run.stderr
    assert emu.requests(mark)["writes"] == 0
    assert " 0 not matched, 0 ambiguous, 0 skipped" in run.stdout, run.stdout
    assert planned(proposed) == {}, proposed.network.read_text()
