"""`hcinfra export`, `drift` and `check` against a site deployed by the real engine.

One deployment (the tenant baseline and STM) serves the whole story, in order:
a fresh deployment shows no drift and passes every control; its export is
byte-stable across runs and across an emulator restart; then drift made behind
hcinfra's back, one case per kind, is found and reported in every format.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.test_faults_recovery import QUICK, sites, tenant_env, workspace
from tests.emulator.harness import Emulator

pytestmark = pytest.mark.e2e

STACKS = ["--site", "tenant", "--site", "STM"]
FORMATS = ("text", "markdown", "json", "html")


def hcinfra(env: dict[str, str], network: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `hcinfra ARGS --network FILE --site tenant --site STM`."""
    return subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", *args, "--network", str(network), *STACKS],
        env=env,
        cwd=network.parent,
        capture_output=True,
        text=True,
        timeout=180,
    )


def findings(env: dict[str, str], network: Path) -> list[dict[str, Any]]:
    """The drift findings as JSON; exit 2 means drift, 0 none."""
    proc = hcinfra(env, network, "drift", "--format", "json")
    assert proc.returncode in (0, 2), proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "hcinfra.drift/v1"
    assert (proc.returncode == 2) == bool(doc["findings"])
    return list(doc["findings"])


def export(env: dict[str, str], network: Path, out: Path) -> dict[str, bytes]:
    """Export into `out`; each file's bytes by name."""
    proc = hcinfra(env, network, "export", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def state_of(emu: Emulator) -> dict[str, Any]:
    return dict(emu.admin("GET", "state").json())


def group_id(emu: Emulator, nickname: str) -> str:
    return next(g["id"] for g in state_of(emu)["group"].values() if g["mailNickname"] == nickname)


def user_id(emu: Emulator, upn: str) -> str:
    r = emu.graph("GET", f"/users/{upn}")
    assert r.is_success, r.text
    return str(r.json()["id"])


def make_drift(emu: Emulator) -> None:
    """One change per kind, made straight through the tenant's APIs."""
    clinical = group_id(emu, "stm-clinical-workers")
    # A changed setting.
    r = emu.graph("PATCH", f"/groups/{clinical}", json={"description": "Changed by hand"})
    assert r.status_code == 204, r.text
    # A removed member.
    nurse = user_id(emu, "nurse001@northwindhealth.org")
    r = emu.graph("DELETE", f"/groups/{clinical}/members/{nurse}/$ref")
    assert r.status_code == 204, r.text
    # An extra pinned app in the clinical app setup policy.
    path = "/Skype.Policy/configurations/TeamsAppSetupPolicy/configuration/Tag:Clinical-Apps"
    policy = emu.teams_admin("GET", path).json()
    pinned = list(policy["PinnedAppBarApps"])
    pinned.append({"Id": "ef56c0de-36fc-4ef8-b417-3d82ba9d073c", "Order": len(pinned) + 1})
    assert emu.teams_admin("PUT", path, json={"PinnedAppBarApps": pinned}).is_success
    # A deleted mailbox permission, and FullAccess given to one user instead.
    emu.exo(
        "Remove-MailboxPermission",
        Identity="info@stm.northwindhealth.org",
        User="STM-Information-Workers-Mail",
        AccessRights=["FullAccess"],
    )
    emu.exo(
        "Add-MailboxPermission",
        Identity="scheduling@stm.northwindhealth.org",
        User="clerk001@northwindhealth.org",
        AccessRights=["FullAccess"],
    )
    # An archived team.
    ward = group_id(emu, "stm-ward-3-nord")
    assert emu.graph("POST", f"/teams/{ward}/archive", json={}).status_code == 202
    # A shadow group, named like the site's but declared nowhere.
    emu.make_group("stm-shadow-nurses")
    # A policy assignment at the wrong rank: clinical moved above the nurse managers.
    assert emu.teams_admin(
        "PATCH",
        f"/Skype.Policy/groupPolicyAssignments/{clinical}/policyTypes/TeamsMessagingPolicy",
        json={"priority": 1},
    ).is_success


OUTSIDER = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"  # a tenant nobody declared
FEDERATION = "/Skype.Policy/configurations/TenantFederationSettings/configuration/Global"


def make_care_drift(emu: Emulator) -> None:
    """One change per care-coordination kind and visit policy, made by hand."""
    ward = group_id(emu, "stm-ward-4-sud")
    # A scheduling group deactivated (Graph's DELETE keeps it, inactive).
    groups = emu.graph("GET", f"/teams/{ward}/schedule/schedulingGroups").json()["value"]
    managers = next(g for g in groups if g["displayName"] == "Nurse managers")
    r = emu.graph("DELETE", f"/teams/{ward}/schedule/schedulingGroups/{managers['id']}")
    assert r.status_code == 204, r.text
    # The Patients list's Patient column no longer required.
    site = emu.graph("GET", f"/groups/{ward}/sites/root").json()["id"]
    lists = emu.graph("GET", f"/sites/{site}/lists").json()["value"]
    lid = next(x["id"] for x in lists if x["displayName"] == "Patients")
    columns = emu.graph("GET", f"/sites/{site}/lists/{lid}/columns").json()["value"]
    patient = next(c for c in columns if c["name"] == "Patient")
    path = f"/sites/{site}/lists/{lid}/columns/{patient['id']}"
    assert emu.graph("PATCH", path, json={"required": False}).is_success
    # A visit service shortened.
    businesses = emu.graph("GET", "/solutions/bookingBusinesses").json()["value"]
    bid = next(b["id"] for b in businesses if b["displayName"] == "STM Virtual Visits")
    base = f"/solutions/bookingBusinesses/{bid}/services"
    service = next(
        x for x in emu.graph("GET", base).json()["value"] if x["displayName"] == "Follow-up visit"
    )
    r = emu.graph("PATCH", f"{base}/{service['id']}", json={"defaultDuration": "PT20M"})
    assert r.status_code == 204, r.text
    # Visits recorded after all.
    path = "/Skype.Policy/configurations/TeamsMeetingPolicy/configuration/Tag:Virtual-Visits"
    assert emu.teams_admin("PUT", path, json={"AllowCloudRecording": True}).is_success
    # A partner nobody declared, and a federation allow list without the declared partner.
    r = emu.graph("POST", "/policies/crossTenantAccessPolicy/partners", json={"tenantId": OUTSIDER})
    assert r.status_code == 201, r.text
    body = {"AllowedDomains": {"AllowList": ["contoso.com"]}}
    assert emu.teams_admin("PUT", FEDERATION, json=body).is_success


def one(found: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    hits = [f for f in found if all(f.get(k) == v for k, v in match.items())]
    assert len(hits) == 1, (match, found)
    return hits[0]


def test_export_drift_and_controls_over_a_deployed_site(
    emulator_factory: Any, pulumi_env: dict[str, str], tmp_path: Path
):
    db = tmp_path / "tenant.db"
    emu = emulator_factory("--state", str(db))
    emu.admin("PUT", "faults", json=QUICK).raise_for_status()
    network = workspace(tmp_path)
    env = tenant_env(pulumi_env, emu)
    up = sites(env, network, "up", *STACKS)
    assert up.returncode == 0, up.stdout + up.stderr

    # A fresh deployment: no drift, every control met, in a handful of requests.
    mark = emu.requests()["last"]
    assert findings(env, network) == []
    used = emu.requests(since=mark)
    assert used["writes"] == 0
    # Four $batch rounds for Graph (the second over two posts: more than 20 reads), one
    # call per Exchange and Teams list and the federation settings (and a token).
    wire = [f"{e['method']} {e['route']}" for e in used["entries"] if not e["batch_item"]]
    assert used["calls"] == len(wire) <= 19, wire
    assert wire.count("POST /$batch") == 5, wire
    assert used["total"] - used["calls"] >= 25, "the per-group reads went through $batch"
    checked = hcinfra(env, network, "check", "--format", "json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    results = json.loads(checked.stdout)["results"]
    # Every control met; the EHR connector, set up by hand, is a manual step (never failed).
    manual = [r for r in results if r["criticality"] == "manual"]
    assert [(r["control_id"], r["requirement_met"]) for r in manual] == [("HC.EHR.1.4", None)]
    assert results and all(r["requirement_met"] for r in results if r not in manual), results
    assert {r["control_id"] for r in results} >= {
        "HC.TEAMS.1.1", "HC.TEAMS.1.2", "HC.TEAMS.1.3", "HC.TEAMS.2.1", "HC.TEAMS.2.2",
        "HC.EXO.1.1", "HC.EXO.1.2", "HC.TEAMS.3.1", "HC.AAD.1.1", "HC.LIC.1.1", "HC.LIC.1.2",
    }  # fmt: skip

    assert {r["control_id"] for r in results} >= {
        "HC.TEAMS.3.2", "HC.TEAMS.3.3", "HC.TEAMS.4.1", "HC.TEAMS.4.2", "HC.AAD.2.1",
        "HC.EHR.1.1", "HC.EHR.1.2", "HC.EHR.1.3", "HC.EHR.1.4",
    }  # fmt: skip

    # Exports of an unchanged tenant are byte-identical, also after a restart.
    first = export(env, network, tmp_path / "export1")
    assert sorted(first) == ["stm.yaml", "tenant.yaml"]
    text = first["stm.yaml"].decode()
    assert "STM-Clinical-Workers" in text and "createdDateTime" not in text
    assert "Hôpital Saint-Michel" in text
    stm = yaml.safe_load(first["stm.yaml"])
    kinds = [o["kind"] for o in stm["objects"]]
    assert (kinds.count("WardSchedule"), kinds.count("PatientList")) == (2, 2)
    assert kinds.count("VirtualVisits") == 1
    visits = next(o for o in stm["objects"] if o["kind"] == "VirtualVisits")
    assert visits["staff"] == {"physician001@northwindhealth.org": {"role": "teamMember"}}
    assert visits["services"]["Follow-up visit"]["duration"] == "PT30M"
    schedule = next(o for o in stm["objects"] if o["name"] == "STM 3 Nord" and "groups" in o)
    assert schedule["provision_status"] == "completed"
    assert "nurse001@northwindhealth.org" in schedule["groups"]["Nurses"]["members"]
    tenant = yaml.safe_load(first["tenant.yaml"])
    partner = next(o for o in tenant["objects"] if o["kind"] == "PartnerTenant")
    assert partner["domains"] == ["fabrikamhealth.org"]
    assert {o["policy_type"] for o in tenant["objects"] if o["kind"] == "TeamsPolicy"} == {
        "TeamsMessagingPolicy", "TeamsAppSetupPolicy", "TeamsMeetingPolicy",
        "TeamsVirtualAppointmentsPolicy",
    }  # fmt: skip
    assert export(env, network, tmp_path / "export2") == first
    assert emu.stop() == 0
    again = emulator_factory("--state", str(db))
    env = tenant_env(pulumi_env, again)
    assert export(env, network, tmp_path / "export3") == first

    # Drift behind hcinfra's back: every case found, with the right category.
    make_drift(again)
    make_care_drift(again)
    found = findings(env, network)
    one(found, kind="WardSchedule", category="missing", field="groups", declared="Nurse managers")
    one(found, kind="PatientList", field="columns.Patient.required", declared=True, actual=False)
    one(found, kind="VirtualVisits", field="services.Follow-up visit.duration", actual="PT20M")
    one(found, kind="TeamsPolicy", field="settings.AllowCloudRecording", actual=True)
    one(found, kind="PartnerTenant", category="shadow", name=OUTSIDER)
    one(found, kind="PartnerTenant", category="missing", field="domains")
    one(found, category="changed", field="description", name="STM-Clinical-Workers")
    one(found, category="missing", field="members", declared="nurse001@northwindhealth.org")
    one(found, category="extra", field="settings.PinnedAppBarApps", actual="Calendar")
    one(found, category="missing", field="full_access", name="info@stm.northwindhealth.org")
    one(found, category="extra", field="full_access", actual="clerk001@northwindhealth.org")
    one(found, category="archived", name="STM 3 Nord")
    one(found, category="shadow", name="stm-shadow-nurses")
    moved = [f for f in found if f["field"] == "policies.TeamsMessagingPolicy.rank"]
    assert {f["name"] for f in moved} == {"STM-Clinical-Workers", "STM-Nurse-Managers"}, found
    # Each names the group it is out of order with by display name, never by id.
    clinical_moved = next(f for f in moved if f["name"] == "STM-Clinical-Workers")
    assert "STM-Nurse-Managers" in str(clinical_moved), clinical_moved
    assert {f["site"] for f in found} == {"STM", "tenant"}
    # The export shows the tenant as it now is: the shadow group, the archived team.
    changed = export(env, network, tmp_path / "export4")
    stm = yaml.safe_load(changed["stm.yaml"])
    assert [o["name"] for o in stm["shadow_objects"]] == ["stm-shadow-nurses"]
    ward = next(o for o in stm["objects"] if o["name"] == "STM 3 Nord")
    assert ward["archived"] is True and ward["id"]
    assert changed["tenant.yaml"] != first["tenant.yaml"]  # the extra pinned app

    # Every format reports every case, and exits 2.
    for fmt in FORMATS:
        proc = hcinfra(env, network, "drift", "--format", fmt)
        assert proc.returncode == 2, proc.stderr
        for needle in (
            "Changed by hand",
            "nurse001@northwindhealth.org",
            "Calendar",
            "STM-Information-Workers",
            "clerk001@northwindhealth.org",
            "STM 3 Nord",
            "stm-shadow-nurses",
            "TeamsMessagingPolicy",
        ):
            assert needle in proc.stdout, (fmt, needle, proc.stdout[:3000])
    html = hcinfra(env, network, "drift", "--format", "html", "--out", str(tmp_path / "d.html"))
    assert html.returncode == 2 and (tmp_path / "d.html").read_text().startswith("<!DOCTYPE html>")

    # The controls catch FullAccess given to a user; the shall failure exits 2.
    checked = hcinfra(env, network, "check", "--format", "markdown")
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert "HC.EXO.1.2" in checked.stdout and "clerk001@northwindhealth.org" in checked.stdout
    # And the care changes: the list's Patient column, recording, the partners.
    checked = hcinfra(env, network, "check", "--format", "json")
    results = json.loads(checked.stdout)["results"]
    failing = {r["control_id"] for r in results if r["requirement_met"] is False}
    assert failing >= {"HC.TEAMS.3.3", "HC.TEAMS.4.2", "HC.AAD.2.1"}, results
    assert "HC.TEAMS.3.2" not in failing  # a deactivated group leaves the schedule provisioned
    partners = next(r for r in results if r["control_id"] == "HC.AAD.2.1")
    assert partners["actual_value"]["undeclared"] == [OUTSIDER]
    assert partners["actual_value"]["other_allowed_domains"] == ["contoso.com"]
