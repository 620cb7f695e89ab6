"""One of each resource kind through the real Pulumi CLI: up, quiet preview, update,
drift found by refresh and repaired by up, and a destroy that keeps the data.

VirtualVisits' creates take a signed-in user: the emulator's operator signs in first
(tests/emulator/delegated.py, `operator_env`), and the stack's processes find the sign-in
through HCINFRA_DELEGATED_* and a HOME holding its token cache."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hcinfra.engine import Engine
from tests.emulator.delegated import OPERATOR_APP, delegated_headers, operator_env
from tests.emulator.harness import (
    GRAPH_SCOPE,
    HCINFRA_APP,
    HCINFRA_SECRET,
    TEAMS_SCOPE,
    Emulator,
)

pytestmark = pytest.mark.e2e

PROGRAM = """\
import pulumi
from hcinfra.components import PackagePolicies
from hcinfra.resources import (
    GroupLicenseAssignment, GroupPolicyAssignment, MailSecurityGroup, PatientList,
    PolicyPackageAssignment, SecurityGroup, SharedMailbox, Team, TeamsPolicy, VirtualVisits,
    WardSchedule,
)

cfg = pulumi.Config()
manager = "claire.dubois@northwindhealth.org"
clinical = SecurityGroup(
    "clinical", display_name="E2E-Clinical-Workers", mail_nickname="e2e-clinical-workers",
    description=cfg.get("description") or "Clinical workers",
    members=["nurse001@northwindhealth.org", "nurse002@northwindhealth.org"], owners=[manager],
)
rooms = SecurityGroup(
    "rooms", display_name="E2E-Patient-Rooms", mail_nickname="e2e-patient-rooms",
    members=["room001@northwindhealth.org"], owners=[manager],
)
licence = GroupLicenseAssignment(
    "clinical-f3", group_id=clinical.object_id,
    skus=[{"sku": "SPE_F1", "disabled_plans": ["YAMMER_ENTERPRISE"]}],
)
clinical_mail = MailSecurityGroup(
    "clinical-mail", name="E2E-Clinical-Workers-Mail", alias="e2e-clinical-workers-mail",
    primary_smtp_address="e2e-clinical-workers-mail@northwindhealth.org",
    members=["nurse001@northwindhealth.org", "nurse002@northwindhealth.org"], owners=[manager],
)
mailbox = SharedMailbox(
    "info", name="E2E Info", alias="e2e-info", primary_smtp_address="e2e-info@northwindhealth.org",
    display_name="E2E Info", full_access=[clinical_mail.object_id],
    send_as=[clinical_mail.object_id],
)
ward = Team(
    "ward", display_name="E2E Ward 3", template="healthcareWard", owners=[manager],
    channels=[{"name": "Night shift", "description": "Handover"}],
)
patients = PatientList(
    "patients", group_id=ward.group_id,
    columns=[{"name": "CodeStatus", "type": "choice", "choices": ["Full code", "DNR"]}],
)
schedule = WardSchedule(
    "ward-schedule", team_id=ward.team_id, time_zone="America/Toronto",
    groups=[{"name": "Nurses", "members": ["nurse001@northwindhealth.org"]}],
)
messaging = TeamsPolicy(
    "messaging", policy_type="TeamsMessagingPolicy", name="E2E-Secure-Messaging",
    settings={"AllowPriorityMessages": True, "ReadReceiptsEnabledType": "Everyone"},
)
assignment = GroupPolicyAssignment(
    "clinical-messaging", group_id=clinical.object_id, policy_type="TeamsMessagingPolicy",
    policy_name="E2E-Secure-Messaging", rank=1, opts=pulumi.ResourceOptions(depends_on=[messaging]),
)
# Packages are unsupported app-only: their policies are declared, then assigned per type.
room_policies = PackagePolicies("patient-room", package="Healthcare_PatientRoom")
package = PolicyPackageAssignment(
    "rooms-package", group_id=rooms.object_id, package="Healthcare_PatientRoom", rank=2,
    opts=pulumi.ResourceOptions(depends_on=[room_policies]),
)
# Its creates are delegated-only: made as the operator the test signed in (HCINFRA_DELEGATED_*).
visits = VirtualVisits(
    "visits", display_name="E2E Virtual Visits", email="visits@northwindhealth.org",
    staff=[{"display_name": "Nurse 1", "email": "nurse001@northwindhealth.org"}],
    services=[{"display_name": "Follow-up visit", "duration": "PT30M",
               "staff": ["nurse001@northwindhealth.org"]}],
    published=True,
)
pulumi.export("clinicalId", clinical.object_id)
pulumi.export("teamId", ward.team_id)
pulumi.export("mailboxUser", mailbox.external_directory_object_id)
pulumi.export("visitsId", visits.business_id)
"""


class Stack:
    """A Pulumi project on disk deployed with the real CLI to the emulator."""

    def __init__(self, engine: Engine, env: dict[str, str], folder: Path) -> None:
        self.cli, self.env, self.folder = str(engine.pulumi), env, folder

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [self.cli, *args, "--non-interactive"] if args[0] != "config" else [self.cli, *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if ok:
            assert proc.returncode == 0, f"pulumi {args}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def preview_ops(self) -> dict[str, str]:
        steps = json.loads(self.run("preview", "--json").stdout).get("steps", [])
        return {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in steps if s["op"] != "same"}


@pytest.fixture
def stack(engine: Engine, pulumi_env: dict[str, str], tmp_path: Path, emu: Emulator) -> Stack:
    emu.admin("PUT", "faults", json={"teamsOperationMs": 200, "licenseProcessingMs": 100})
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(
        f"name: e2e-site\nruntime:\n  name: python\n  options:\n"
        f"    virtualenv: {pulumi_env['PULUMI_RUNTIME_VIRTUALENV']}\n"
    )
    (folder / "__main__.py").write_text(PROGRAM)
    # The emulator's operator signed in (its token cache in a temp HOME), for VirtualVisits.
    s = Stack(engine, {**pulumi_env, **operator_env(emu)}, folder)
    s.run("stack", "init", "site")
    for key, value in (
        ("tenantId", emu.tenant_id),
        ("clientId", HCINFRA_APP),
        ("endpoint", emu.url),
        ("caBundle", emu.ca),
    ):
        s.run("config", "set", f"hcinfra:{key}", value)
    s.run("config", "set", "--secret", "hcinfra:clientSecret", HCINFRA_SECRET)
    return s


NURSE = "nurse001@northwindhealth.org"


def calendar(emu: Emulator, business: str) -> dict:
    """The booking business as the emulator holds it."""
    return emu.admin("GET", "state").json()["booking"][business]


def test_every_kind_through_the_engine(stack: Stack, emu: Emulator):
    # 1. up
    stack.run("up", "--yes")
    outputs = json.loads(stack.run("stack", "output", "--json").stdout)
    clinical, team, visits = outputs["clinicalId"], outputs["teamId"], outputs["visitsId"]
    # The visits calendar, its staff and its online service were created as the signed-in
    # operator (delegated-only calls); it was published, and read, by the app.
    booking = calendar(emu, visits)
    assert booking["isPublished"] is True
    assert [m["emailAddress"] for m in booking["staff"]] == [NURSE]
    [service] = booking["services"]
    assert service["displayName"] == "Follow-up visit" and service["isLocationOnline"] is True
    callers: dict[str, set[str]] = {}
    for e in emu.requests()["entries"]:
        if e["method"] == "POST" and e["path"].startswith("/v1.0/solutions"):
            callers.setdefault(e["route"], set()).add(e["app_id"])
    base = "/solutions/bookingBusinesses"
    assert callers[base] == callers[f"{base}/{{bid}}/services"] == {OPERATOR_APP}
    assert callers[f"{base}/{{bid}}/staffMembers"] == {OPERATOR_APP}
    assert callers[f"{base}/{{bid}}/publish"] == {HCINFRA_APP}
    # The package works app-only on a tenant where none was ever applied: its five
    # policies were declared, each assigned to the group, and the package service that
    # refuses app-only tokens was never called.
    routes = {c["route"] for c in emu.requests()["counts"]}
    assert not [r for r in routes if "VerticalPackaging" in r], routes
    rooms = emu.teams_admin("GET", "/Skype.Policy/groupPolicyAssignments").json()
    held = {a["policyType"] for a in rooms if a["policyName"] == "Healthcare_PatientRoom"}
    assert held == {
        "TeamsAppSetupPolicy",
        "TeamsCallingPolicy",
        "TeamsMeetingBroadcastPolicy",
        "TeamsMeetingPolicy",
        "TeamsMessagingPolicy",
    }

    # 2. preview: no changes, and no writes reach the tenant
    mark = emu.requests()["last"]
    stack.run("preview", "--expect-no-changes")
    after = emu.requests(since=mark)
    assert after["writes"] == 0, [e for e in after["entries"] if e["method"] != "GET"]

    # 3. a changed property is an update in place
    stack.run("config", "set", "description", "Clinical workers of E2E")
    assert stack.preview_ops() == {"clinical": "update"}
    stack.run("up", "--yes")
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        assert c.get(f"/v1.0/groups/{clinical}").json()["description"] == (
            "Clinical workers of E2E"
        )

    # 4. drift made behind Pulumi's back: refresh shows it, up repairs it
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        c.patch(f"/v1.0/groups/{clinical}", json={"displayName": "Renamed by hand"})
    with emu.client(headers=emu.headers(TEAMS_SCOPE)) as c:
        c.put(
            "/Skype.Policy/configurations/TeamsMessagingPolicy/configuration/Tag:E2E-Secure-Messaging",
            json={"ReadReceiptsEnabledType": "None"},
        )
    # The calendar unpublished and its visit lengthened by hand (as a Bookings administrator).
    with emu.client(headers=delegated_headers(emu)) as c:
        assert c.post(f"/v1.0{base}/{visits}/unpublish").status_code == 204
        sid = service["id"]
        patched = c.patch(f"/v1.0{base}/{visits}/services/{sid}", json={"defaultDuration": "PT45M"})
        assert patched.is_success, patched.text
    refresh = stack.run("refresh", "--yes", "--diff")
    assert "Renamed by hand" in refresh.stdout
    assert "PT45M" in refresh.stdout
    assert set(stack.preview_ops()) == {"clinical", "messaging", "visits"}
    stack.run("up", "--yes")
    stack.run("preview", "--expect-no-changes")
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        assert c.get(f"/v1.0/groups/{clinical}").json()["displayName"] == "E2E-Clinical-Workers"
    booking = calendar(emu, visits)
    assert booking["isPublished"] is True
    assert [s["defaultDuration"] for s in booking["services"]] == ["PT30M"]

    # 5. destroy keeps the data: the team is archived, the mailbox stays
    destroy = stack.run("destroy", "--yes")
    assert "retain" in destroy.stdout.lower() or "kept" in destroy.stdout.lower()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        assert c.get(f"/v1.0/teams/{team}").json()["isArchived"] is True
        assert c.get(f"/v1.0/groups/{clinical}").status_code == 404
        deleted = c.get("/v1.0/directory/deletedItems/microsoft.graph.group").json()["value"]
        assert clinical in {g["id"] for g in deleted}
    state = emu.admin("GET", "state").json()
    assert any(m["Alias"] == "e2e-info" for m in state["exo.mailbox"].values())
    # The ward's schedule stays, enabled; its scheduling groups are deactivated, not gone.
    assert state["schedule"][team]["enabled"] is True
    groups = [g for g in state["schedulingGroup"].values() if g["_teamId"] == team]
    assert [g["displayName"] for g in groups] == ["Nurses"] and not groups[0]["isActive"]
    # The ward's Patients list stays too, with its columns.
    [kept] = state["spList"].values()
    assert "CodeStatus" in {c["name"] for c in kept["_columns"]}
    # The visits calendar is unpublished, with its staff and service.
    booking = state["booking"][visits]
    assert booking["isPublished"] is False
    assert len(booking["staff"]) == len(booking["services"]) == 1
