"""The permission manifest: one union, and the emulator's automation app holds exactly it."""

from __future__ import annotations

import json
import subprocess
import sys

from hcinfra.emulator.core.seed import Seed
from hcinfra.permissions import kinds, manifest


def test_every_kind_declares_what_it_writes_with():
    assert {k.kind for k in kinds()} == {
        "SecurityGroup",
        "GroupLicenseAssignment",
        "SharedMailbox",
        "MailSecurityGroup",
        "Team",
        "TeamsPolicy",
        "GroupPolicyAssignment",
        "PolicyPackageAssignment",
        "PartnerTenant",
        "WardSchedule",
        "PatientList",
        "VirtualVisits",
    }
    for kind in kinds():
        write = kind.permissions.write
        assert write.graph or write.exchange or write.directory_roles, kind.kind


def test_the_automation_app_in_the_default_seed_is_granted_exactly_the_manifest():
    services = manifest()["services"]
    [app] = [a for a in Seed.default().apps if a.display_name == "hcinfra-automation"]
    assert sorted(app.graph_permissions) == services["graph"]
    assert sorted(app.exchange_permissions) == services["exchange"]
    assert sorted(app.directory_roles) == services["directory_roles"]


def test_a_stronger_permission_stands_for_the_weaker_one():
    graph = manifest()["services"]["graph"]
    # WardSchedule resolves members with User.ReadBasic.All; SecurityGroup's User.Read.All
    # covers it, as GroupMember.ReadWrite.All covers GroupMember.Read.All.
    assert "User.Read.All" in graph and "User.ReadBasic.All" not in graph
    assert "GroupMember.ReadWrite.All" in graph and "GroupMember.Read.All" not in graph
    # Nothing covers Team.ReadBasic.All: it stays.
    assert "Team.ReadBasic.All" in graph


def test_the_audit_reads_effective_teams_policies_with_a_permission_no_kind_declares():
    data = manifest()
    # GET /admin/teams/userConfigurations/{id}: each role member's effective policies.
    assert data["audit"]["read"] == {
        "graph": ["TeamsUserConfiguration.Read.All"],
        "exchange": [],
        "directory_roles": [],
    }
    assert "TeamsUserConfiguration.Read.All" in data["services"]["graph"]
    assert "audit" not in data["kinds"]  # not a resource kind: nothing writes with it
    assert not [k for k in kinds() if "TeamsUserConfiguration.Read.All" in k.permissions.read.graph]


def test_permissions_command_prints_text_and_json():
    text = subprocess.run(
        [sys.executable, "-m", "hcinfra.cli", "permissions"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Exchange.ManageAsApp" in text and "Teams Administrator" in text
    data = json.loads(
        subprocess.run(
            [sys.executable, "-m", "hcinfra.cli", "permissions", "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert "Group.ReadWrite.All" in data["services"]["graph"]
    # A user's permission, listed apart: the bootstrap never grants it to the app.
    assert "Microsoft Graph (delegated permissions" in text
    assert "Bookings.Manage.All (VirtualVisits)" in text
    assert data["delegated"] == {
        "graph": ["Bookings.Manage.All"],
        "kinds": {"VirtualVisits": ["Bookings.Manage.All"]},
    }
    assert data["kinds"]["SharedMailbox"]["write"]["exchange"] == ["Exchange.ManageAsApp"]
    assert "Audit commands (export, drift, check)" in text
    assert "TeamsUserConfiguration.Read.All" in text.splitlines()[-1]
