"""Adoption of the Teams policy kinds: TeamsPolicy, GroupPolicyAssignment, PolicyPackageAssignment.

As tests/resources/test_adoption.py does for groups: each object is made by hand straight
through the Teams admin service (not by hcinfra), adopted under HCINFRA_ADOPT=1 with no
write, its outputs complete; the diff against the declaration is empty when the live
object matches it and one update (no replace) when a setting differs; no match is
refused as NOT_FOUND. None of these three can match twice: the service keeps one instance
per type and identity, and one assignment per group and policy type.
"""

from __future__ import annotations

from typing import Any

import pytest

from hcinfra.emulator.graph.apps import APPS
from hcinfra.resources.adoption import ENV, NOT_FOUND, NotAdopted
from hcinfra.resources.base import KindProvider
from hcinfra.resources.group_policy_assignment import (
    GroupPolicyAssignment,
    GroupPolicyAssignmentProvider,
)
from hcinfra.resources.healthcare_packages import POLICY_TYPES
from hcinfra.resources.policy_package_assignment import (
    PolicyPackageAssignment,
    PolicyPackageAssignmentProvider,
)
from hcinfra.resources.teams_apps import TEAMS_APPS
from hcinfra.resources.teams_policy import TeamsPolicy, TeamsPolicyProvider
from tests.emulator.harness import Emulator

CFG = "/Skype.Policy/configurations"
GPA = "/Skype.Policy/groupPolicyAssignments"


def checked(p: KindProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def adopt(p: KindProvider, props: dict, emu: Emulator, mp: pytest.MonkeyPatch) -> Any:
    """Create under `hcinfra adopt`; the emulator saw no write."""
    mark = emu.requests()["last"]
    with mp.context() as m:
        m.setenv(ENV, "1")
        made = p.create(props)
    assert emu.requests(mark)["writes"] == 0
    return made


def refused(p: KindProvider, props: dict, emu: Emulator, mp: pytest.MonkeyPatch) -> str:
    """Create under `hcinfra adopt` refused; no write; the refusal's text."""
    mark = emu.requests()["last"]
    with mp.context() as m:
        m.setenv(ENV, "1")
        with pytest.raises(NotAdopted) as err:
            p.create(props)
    assert emu.requests(mark)["writes"] == 0
    return str(err.value)


def declared_outputs(resource: type, outs: dict) -> None:
    """Every output the kind's Resource declares is in the adopted outputs, and set."""
    names = {n for n, t in resource.__annotations__.items() if "Output" in str(t)}
    names |= set(getattr(resource, "outputs", ()))
    missing = sorted(n for n in names if outs.get(n) is None)
    assert not missing, missing


# -- TeamsPolicy -------------------------------------------------------------------

MESSAGING = {
    "policy_type": "TeamsMessagingPolicy",
    "name": "Ward 4 Messaging",
    "settings": {
        "Description": "Clinical chat for ward 4",
        "AllowGiphy": False,
        "ReadReceiptsEnabledType": "Everyone",
    },
}
APP_SETUP = {
    "policy_type": "TeamsAppSetupPolicy",
    "name": "Ward 4 Apps",
    "settings": {"PinnedAppBarApps": ["Activity", "Shifts", "Lists"], "AllowUserPinning": False},
}


def hand_made_policy(emu: Emulator, policy_type: str, body: dict) -> None:
    r = emu.teams_admin("POST", f"{CFG}/{policy_type}", json=body)
    assert r.status_code == 201, r.text


def test_a_hand_made_teams_policy_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    body = {"Identity": "Ward 4 Messaging", "Description": "Clinical chat for ward 4"}
    hand_made_policy(tenant, "TeamsMessagingPolicy", {**body, "AllowGiphy": False})
    tenant.teams_admin(
        "PUT",
        f"{CFG}/TeamsMessagingPolicy/configuration/Tag:Ward 4 Messaging",
        json={"ReadReceiptsEnabledType": "Everyone"},
    ).raise_for_status()
    p = TeamsPolicyProvider()
    props = checked(p, MESSAGING)
    made = adopt(p, props, tenant, monkeypatch)
    assert made.id == "TeamsMessagingPolicy/Tag:Ward 4 Messaging"  # as a create names it
    declared_outputs(TeamsPolicy, made.outs)
    assert made.outs["identity"] == "Tag:Ward 4 Messaging" and made.outs["app_ids"] == {}
    assert made.outs["effective_settings"]["AllowGiphy"] is False
    assert p.diff(made.id, made.outs, props).changes is False


def test_an_adopted_app_setup_policy_reads_its_apps_by_name(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    pinned = [TEAMS_APPS["Activity"], TEAMS_APPS["Shifts"], APPS["Lists"]]
    hand_made_policy(
        tenant,
        "TeamsAppSetupPolicy",
        {
            "Identity": "Ward 4 Apps",
            "AllowUserPinning": False,
            "PinnedAppBarApps": [{"Id": a, "Order": n} for n, a in enumerate(pinned, start=1)],
        },
    )
    p = TeamsPolicyProvider()
    props = checked(p, APP_SETUP)
    made = adopt(p, props, tenant, monkeypatch)
    # Lists has no published id: looked up in the tenant's catalog, as a create does.
    assert made.outs["app_ids"] == {"Lists": APPS["Lists"]}
    assert made.outs["settings"]["PinnedAppBarApps"] == ["Activity", "Shifts", "Lists"]
    assert p.diff(made.id, made.outs, props).changes is False


def test_an_adopted_teams_policy_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    hand_made_policy(
        tenant,
        "TeamsMessagingPolicy",
        {
            "Identity": "Ward 4 Messaging",
            "Description": "Clinical chat for ward 4",
            "AllowGiphy": True,  # the file says False
            "ReadReceiptsEnabledType": "Everyone",
        },
    )
    p = TeamsPolicyProvider()
    props = checked(p, MESSAGING)
    made = adopt(p, props, tenant, monkeypatch)
    assert made.outs["settings"]["AllowGiphy"] is True
    planned = p.diff(made.id, made.outs, props)
    assert planned.changes is True and not planned.replaces


def test_no_live_teams_policy_is_refused(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    # Another type's instance of the same name is not a match.
    hand_made_policy(tenant, "TeamsMeetingPolicy", {"Identity": "Ward 4 Messaging"})
    p = TeamsPolicyProvider()
    message = refused(p, checked(p, MESSAGING), tenant, monkeypatch)
    assert message.startswith(NOT_FOUND) and "TeamsMessagingPolicy Tag:Ward 4 Messaging" in message


# -- GroupPolicyAssignment ---------------------------------------------------------

CLINICAL = "Healthcare_ClinicalWorker"
INFORMATION = "Healthcare_InformationWorker"


@pytest.fixture
def packages(tenant: Emulator) -> Emulator:
    """The tenant baseline's package policies (Tag:Healthcare_…) of every type."""
    tenant.make_package_policies(CLINICAL, INFORMATION)
    return tenant


def hand_assign(emu: Emulator, gid: str, policy_type: str, name: str, rank: int) -> None:
    path = f"{GPA}/{gid}/policyTypes/{policy_type}"
    r = emu.teams_admin("PUT", path, json={"policyName": name, "priority": rank})
    assert r.is_success, r.text


def gpa_inputs(gid: str, **extra: object) -> dict:
    return {
        "group_id": gid,
        "policy_type": "TeamsMessagingPolicy",
        "policy_name": CLINICAL,
        "rank": 1,
        **extra,
    }


def test_a_hand_made_group_policy_assignment_is_adopted_with_no_write(
    packages: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = packages.make_group("ward4-nurses")
    other = packages.make_group("ward4-physicians")
    hand_assign(packages, other, "TeamsMessagingPolicy", INFORMATION, 1)
    hand_assign(packages, gid, "TeamsMessagingPolicy", CLINICAL, 2)
    p = GroupPolicyAssignmentProvider()
    props = checked(p, gpa_inputs(gid, rank=2))
    made = adopt(p, props, packages, monkeypatch)
    assert made.id == f"{gid}/TeamsMessagingPolicy"
    declared_outputs(GroupPolicyAssignment, made.outs)
    assert made.outs["policy_name"] == CLINICAL and made.outs["rank"] == 2
    assert made.outs["service_rank"] == 2 and made.outs["drift"] == ""
    assert p.diff(made.id, made.outs, props).changes is False


@pytest.mark.parametrize(
    ("declared", "live"),
    [
        ({"policy_name": INFORMATION}, (CLINICAL, 1)),  # another policy: an update
        ({"rank": 1}, (CLINICAL, 2)),  # another rank: an update
    ],
    ids=["policy", "rank"],
)
def test_an_adopted_assignment_that_differs_plans_one_update(
    packages: Emulator, monkeypatch: pytest.MonkeyPatch, declared: dict, live: tuple
):
    gid = packages.make_group("ward4-nurses")
    first = packages.make_group("ward4-physicians")
    hand_assign(packages, first, "TeamsMessagingPolicy", INFORMATION, 1)
    name, rank = live
    hand_assign(packages, gid, "TeamsMessagingPolicy", name, rank)
    p = GroupPolicyAssignmentProvider()
    props = checked(p, gpa_inputs(gid, **declared))
    made = adopt(p, props, packages, monkeypatch)
    assert made.id == f"{gid}/TeamsMessagingPolicy"  # the group's assignment of the type
    planned = p.diff(made.id, made.outs, props)
    assert planned.changes is True and not planned.replaces


def test_no_assignment_of_the_type_is_refused(packages: Emulator, monkeypatch: pytest.MonkeyPatch):
    gid = packages.make_group("ward4-nurses")
    # The group's assignment of another type is not a match.
    hand_assign(packages, gid, "TeamsMeetingPolicy", CLINICAL, 1)
    p = GroupPolicyAssignmentProvider()
    message = refused(p, checked(p, gpa_inputs(gid)), packages, monkeypatch)
    assert message.startswith(NOT_FOUND) and gid in message and "TeamsMessagingPolicy" in message


# -- PolicyPackageAssignment -------------------------------------------------------


def hand_applied(emu: Emulator, gid: str, package: str, rank: int, types=POLICY_TYPES) -> None:
    """What Grant-CsGroupPolicyPackageAssignment leaves: each type's policy at one rank."""
    for policy_type in types:
        hand_assign(emu, gid, policy_type, package, rank)


def package_inputs(gid: str, **extra: object) -> dict:
    return {"group_id": gid, "package": CLINICAL, "rank": 1, **extra}


def test_a_hand_applied_policy_package_is_adopted_with_no_write(
    packages: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = packages.make_group("ward4-clinical")
    hand_applied(packages, gid, CLINICAL, 1)
    p = PolicyPackageAssignmentProvider()
    props = checked(p, package_inputs(gid))
    made = adopt(p, props, packages, monkeypatch)
    assert made.id == f"{gid}/{CLINICAL}"
    declared_outputs(PolicyPackageAssignment, made.outs)
    assert made.outs["package_policies"] == {t: CLINICAL for t in POLICY_TYPES}
    assert made.outs["policies"] == {t: {"policy_name": CLINICAL, "rank": 1} for t in POLICY_TYPES}
    assert made.outs["drift"] == {}
    assert p.diff(made.id, made.outs, props).changes is False


def test_an_adopted_package_with_one_type_re_pointed_plans_one_update(
    packages: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = packages.make_group("ward4-clinical")
    hand_applied(packages, gid, CLINICAL, 1)
    path = f"{GPA}/{gid}/policyTypes/TeamsMeetingPolicy"  # re-pointed by hand, later
    assert packages.teams_admin("PATCH", path, json={"policyName": INFORMATION}).is_success
    p = PolicyPackageAssignmentProvider()
    props = checked(p, package_inputs(gid))
    made = adopt(p, props, packages, monkeypatch)
    assert made.outs["drift"] == {
        "TeamsMeetingPolicy": f"assigned {INFORMATION} instead of {CLINICAL}"
    }
    planned = p.diff(made.id, made.outs, props)
    assert planned.changes is True and not planned.replaces


def test_a_package_partly_assigned_is_adopted_and_the_rest_planned(
    packages: Emulator, monkeypatch: pytest.MonkeyPatch
):
    # Some of the types only: the package is there as refresh sees it, the rest is drift.
    gid = packages.make_group("ward4-clinical")
    hand_applied(packages, gid, CLINICAL, 1, types=("TeamsMessagingPolicy", "TeamsCallingPolicy"))
    p = PolicyPackageAssignmentProvider()
    props = checked(p, package_inputs(gid))
    made = adopt(p, props, packages, monkeypatch)
    assert made.id == f"{gid}/{CLINICAL}"
    assert set(made.outs["policies"]) == {"TeamsMessagingPolicy", "TeamsCallingPolicy"}
    assert set(made.outs["drift"]) == set(POLICY_TYPES) - set(made.outs["policies"])
    assert all(v.startswith("not assigned") for v in made.outs["drift"].values())
    planned = p.diff(made.id, made.outs, props)
    assert planned.changes is True and not planned.replaces


def test_a_group_with_none_of_the_package_types_is_refused(
    packages: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = packages.make_group("ward4-clinical")
    other = packages.make_group("ward4-information")
    hand_applied(packages, other, CLINICAL, 1)  # another group's package is not a match
    p = PolicyPackageAssignmentProvider()
    message = refused(p, checked(p, package_inputs(gid)), packages, monkeypatch)
    assert message.startswith(NOT_FOUND) and f"package {CLINICAL} on group {gid}" in message
