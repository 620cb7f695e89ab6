"""Component structure with Pulumi's mocks: every child parented, names from the network file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from hcinfra.network import load_network
from hcinfra.network.model import Network
from tests.conftest import REPO

NETWORK = load_network(REPO / "stacks" / "network.yaml")


class Mocks(pulumi.runtime.Mocks):
    """Record every resource; give each an id and echo its inputs as outputs."""

    def __init__(self) -> None:
        self.made: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.made.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list]:
        return {}, []


@pytest.fixture
def mocks() -> Mocks:
    # Earlier tests in this process may have closed the loop (asyncio.run); Pulumi's
    # mocks run on the current one.
    asyncio.set_event_loop(asyncio.new_event_loop())
    m = Mocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


@pulumi.runtime.test
def test_hospital_site_children_are_parented_and_named(mocks: Mocks):
    from hcinfra.components import HospitalSite, HospitalSiteArgs

    site = HospitalSite("hsa", HospitalSiteArgs(NETWORK, "HSA"))

    def check(outputs: list[Any]) -> None:
        groups, teams, objects = outputs
        children = [r for r in mocks.made if r.typ != "hcinfra:index:HospitalSite"]
        names = {r.name for r in children}
        assert {
            "hsa-clinical",
            "hsa-clinical-licences",
            "hsa-clinical-package",
            "hsa-mailbox-info",
            "hsa-team-hospital",
            "hsa-team-ward-pediatrie",
            "hsa-nurse-managers-TeamsMessagingPolicy",
            "hsa-virtual-care-TeamsMeetingPolicy",
            "hsa-virtual-care-TeamsVirtualAppointmentsPolicy",
            "hsa-schedule-ward-pediatrie",
            "hsa-patients-ward-pediatrie",
            "hsa-visits",
        } <= names
        group = next(r for r in children if r.name == "hsa-clinical")
        assert group.inputs["display_name"] == "HSA-Clinical-Workers"
        assert group.inputs["mail_nickname"] == "hsa-clinical-workers"
        ward = next(r for r in children if r.name == "hsa-team-ward-pediatrie")
        assert ward.inputs["display_name"] == "HSA Pédiatrie"
        assert ward.inputs["template"] == "healthcareWard"
        assert ward.inputs["owners"] == [
            "marc.tremblay@northwindhealth.org",
            "manager002@northwindhealth.org",
        ]
        # Ward staff on the schedule are members of the ward's team (Shifts schedules
        # team members); the owners are not listed twice.
        assert ward.inputs["members"] == [
            "nurse010@northwindhealth.org",
            "physician010@northwindhealth.org",
        ]
        schedule = next(r for r in children if r.name == "hsa-schedule-ward-pediatrie")
        assert schedule.inputs["team_id"] == "hsa-team-ward-pediatrie-id"
        assert schedule.inputs["time_zone"] == "America/Toronto"
        assert [g["name"] for g in schedule.inputs["groups"]] == ["Nurses", "Nurse managers"]
        assert schedule.inputs["groups"][0]["members"] == ward.inputs["members"]
        patients = next(r for r in children if r.name == "hsa-patients-ward-pediatrie")
        assert patients.inputs["group_id"] == "hsa-team-ward-pediatrie-id"
        assert patients.inputs["description"] == "Patients of Pédiatrie, for rounds"
        assert [c["name"] for c in patients.inputs["columns"]] == ["FallRisk", "CodeStatus"]
        visits = next(r for r in children if r.name == "hsa-visits")
        assert visits.inputs["display_name"] == "HSA Virtual Visits"
        assert visits.inputs["email"] == "visits@hsa.northwindhealth.org"
        assert visits.inputs["staff"] == [
            {
                "display_name": "Physician010",
                "email": "physician010@northwindhealth.org",
                "role": "teamMember",
            }
        ]
        assert [(v["display_name"], v["sms_notifications"]) for v in visits.inputs["services"]] == [
            ("Follow-up visit", True),
            ("Pre-operative consult", False),
        ]
        meeting = next(r for r in children if r.name == "hsa-virtual-care-TeamsMeetingPolicy")
        assert meeting.inputs["policy_name"] == "Virtual-Visits"
        assert meeting.inputs["rank"] == 2  # after the nurse managers, before clinical
        assert groups["clinical"]["name"] == "HSA-Clinical-Workers"
        assert set(teams) == {"hospital", "ward-cardiologie", "ward-pediatrie"}
        assert {o["kind"] for o in objects} == {
            "SecurityGroup",
            "MailSecurityGroup",
            "SharedMailbox",
            "Team",
            "WardSchedule",
            "PatientList",
            "VirtualVisits",
        }

    # The policy assignments register after the groups they name: wait for them too.
    done = pulumi.Output.all(site.groups, site.teams, site.objects, site.policies)
    return done.apply(lambda values: check(values[:3]))


@pulumi.runtime.test
def test_every_child_of_a_site_has_the_site_as_parent(mocks: Mocks):
    from hcinfra.components import HospitalSite, HospitalSiteArgs

    site = HospitalSite("stm", HospitalSiteArgs(NETWORK, "STM"))
    children = list(site._childResources)  # what Pulumi recorded as parented to the site

    def check(urns: list[str]) -> None:
        # 5 groups, 4 licences, 3 packages, 4 policies, 2 mail groups, 2 mailboxes, 3 teams,
        # 2 ward schedules, 2 Patients lists and 1 virtual visits calendar
        assert len(urns) == 28
        # A child's URN carries its parent's type in its type chain, then its kind's.
        site = "hcinfra:index:HospitalSite$pulumi-python:dynamic/hcinfra:"
        kinds = {u.split(site, 1)[1].split("::", 1)[0] for u in urns if site in u}
        assert len([u for u in urns if site in u]) == 28
        assert kinds == {
            "SecurityGroup",
            "GroupLicenseAssignment",
            "PolicyPackageAssignment",
            "GroupPolicyAssignment",
            "MailSecurityGroup",
            "SharedMailbox",
            "Team",
            "WardSchedule",
            "PatientList",
            "VirtualVisits",
        }

    return pulumi.Output.all(*[c.urn for c in children]).apply(check)


@pulumi.runtime.test
def test_tenant_baseline_holds_the_tenant_wide_policies(mocks: Mocks):
    from hcinfra.components import TenantBaseline, TenantBaselineArgs

    baseline = TenantBaseline("tenant", TenantBaselineArgs(NETWORK))

    def check(_: Any) -> None:
        policies = [r for r in mocks.made if r.name.startswith("tenant-")]
        kinds = sorted({c.__class__.__name__ for c in baseline._childResources})
        assert kinds == ["PackagePolicies", "PartnerTenant", "TeamsPolicy"]
        by_name = {r.name: r.inputs for r in policies}
        assert by_name["tenant-messaging"]["policy_type"] == "TeamsMessagingPolicy"
        assert by_name["tenant-messaging"]["settings"]["ReadReceiptsEnabledType"] == "Everyone"
        app = by_name["tenant-app-setup"]["settings"]
        assert app["PinnedAppBarApps"] == ["Lists", "Tasks", "Approvals", "Shifts", "Bookings"]
        # Each package the sample's roles hold: its five policies, named after it (app-only
        # sign-in cannot apply a package, so the baseline declares them).
        for package in ("Healthcare_ClinicalWorker", "Healthcare_PatientRoom"):
            mine = {
                r.inputs["policy_type"]: r.inputs["name"]
                for r in policies
                if r.name.startswith(f"tenant-{package}-")
            }
            assert mine == {
                t: package
                for t in (
                    "TeamsAppSetupPolicy",
                    "TeamsCallingPolicy",
                    "TeamsMeetingBroadcastPolicy",
                    "TeamsMeetingPolicy",
                    "TeamsMessagingPolicy",
                )
            }
        rooms = by_name["tenant-Healthcare_PatientRoom-TeamsMessagingPolicy"]["settings"]
        assert rooms["AllowUserChat"] is False
        # The virtual visits' meeting and SMS policies, and the partner, once for the tenant.
        meeting = by_name["tenant-meeting"]
        assert meeting["policy_type"] == "TeamsMeetingPolicy"
        assert meeting["settings"]["AutoAdmittedUsers"] == "EveryoneInCompanyExcludingGuests"
        assert meeting["settings"]["AllowCloudRecording"] is False
        sms = by_name["tenant-virtual-appointments"]
        assert sms["policy_type"] == "TeamsVirtualAppointmentsPolicy"
        assert sms["settings"] == {"EnableSmsNotifications": True}
        partners = [n for n in by_name if n.startswith("tenant-partner-")]
        assert partners == ["tenant-partner-fabrikam"]
        assert by_name["tenant-partner-fabrikam"]["domains"] == ["fabrikamhealth.org"]

    return pulumi.Output.all(baseline.policies, baseline.package_policies).apply(check)


def network_strategy(tmp_path: Path) -> Network:
    """The sample network with tenant.policy_groups pinned to network."""
    data = yaml.safe_load((REPO / "stacks" / "network.yaml").read_text(encoding="utf-8"))
    data["tenant"]["policy_groups"] = "network"
    path = tmp_path / "network.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_network(path)


@pulumi.runtime.test
def test_network_policy_groups_hold_the_assignments_and_the_sites_none(
    mocks: Mocks, tmp_path: Path
):
    from hcinfra.components import (
        HospitalSite,
        HospitalSiteArgs,
        NetworkPolicyGroups,
        TenantBaseline,
        TenantBaselineArgs,
    )

    network = network_strategy(tmp_path)
    baseline = TenantBaseline("tenant", TenantBaselineArgs(network))
    sites = [HospitalSite(c.lower(), HospitalSiteArgs(network, c)) for c in network.codes()]
    held = [c for c in baseline._childResources if isinstance(c, NetworkPolicyGroups)]
    assert len(held) == 1
    part = held[0]
    kinds = sorted(c.__class__.__name__ for c in part._childResources)
    # One group per role (each holds a package or a policy), the three packaged roles'
    # packages, and the nurse managers' and virtual care's two policies each.
    assert kinds == [
        *["GroupPolicyAssignment"] * 4,
        *["PolicyPackageAssignment"] * 3,
        *["SecurityGroup"] * 5,
    ]
    for code, site in zip(network.codes(), sites, strict=True):
        mine = {c.__class__.__name__ for c in site._childResources}
        assert "SecurityGroup" in mine, code
        assert not mine & {"PolicyPackageAssignment", "GroupPolicyAssignment"}, (code, mine)

    def check(_: Any) -> None:
        made = {r.name: r for r in mocks.made}
        groups = {
            r.name: r
            for r in mocks.made
            if r.name.startswith("tenant-policy-groups-") and "display_name" in r.inputs
        }
        assert sorted(groups) == [
            "tenant-policy-groups-clinical",
            "tenant-policy-groups-information",
            "tenant-policy-groups-nurse-managers",
            "tenant-policy-groups-patient-rooms",
            "tenant-policy-groups-virtual-care",
        ]
        clinical = groups["tenant-policy-groups-clinical"].inputs
        assert clinical["display_name"] == "Teams-Policy-Clinical-Workers"
        assert clinical["mail_nickname"] == "teams-policy-clinical-workers"
        # The union of the three sites' clinical workers, each once, in site order.
        assert clinical["members"] == [
            "nurse001@northwindhealth.org",
            "nurse002@northwindhealth.org",
            "physician001@northwindhealth.org",
            "nurse010@northwindhealth.org",
            "physician010@northwindhealth.org",
            "nurse020@northwindhealth.org",
            "physician020@northwindhealth.org",
        ]
        # Assignments name their network group and rank by the declared precedence.
        package = made["tenant-policy-groups-clinical-package"].inputs
        assert package["group_id"] == "tenant-policy-groups-clinical-id"
        assert package["package"] == "Healthcare_ClinicalWorker"
        assert package["rank"] == 3
        assert package["ranked_with"] == [
            f"tenant-policy-groups-{r}-id"
            for r in ("nurse-managers", "virtual-care", "information", "patient-rooms")
        ]
        meeting = made["tenant-policy-groups-virtual-care-TeamsMeetingPolicy"].inputs
        assert (meeting["policy_name"], meeting["rank"]) == ("Virtual-Visits", 2)
        assert made["tenant-policy-groups-nurse-managers-TeamsMessagingPolicy"].inputs["rank"] == 1
        # Every group and assignment of the tenant stack's is the component's child.
        mine = {r.name for r in mocks.made if r.name.startswith("tenant-policy-groups-")}
        assert mine == {c._name for c in part._childResources}
        # No site assigns a Teams policy of its own.
        site_assignments = [
            r.name
            for r in mocks.made
            if r.typ.endswith(("PolicyPackageAssignment", "GroupPolicyAssignment"))
            and not r.name.startswith("tenant-")
        ]
        assert site_assignments == []

    done = pulumi.Output.all(baseline.policy_groups, *[s.groups for s in sites], part.assignments)
    return done.apply(check)
