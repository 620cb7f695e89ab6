"""PolicyPackageAssignment against the emulator: app-only, per-type drift, safe delete."""

from __future__ import annotations

import pytest

from hcinfra.clients.errors import PermissionDenied
from hcinfra.network.catalog import PACKAGE_POLICY_TYPES
from hcinfra.resources.policy_package_assignment import (
    PackagePolicyMissing,
    PolicyPackageAssignmentProvider,
)
from tests.emulator.harness import Emulator

GPA = "/Skype.Policy/groupPolicyAssignments"
CLINICAL = "Healthcare_ClinicalWorker"
INFORMATION = "Healthcare_InformationWorker"
TYPES = list(PACKAGE_POLICY_TYPES)


@pytest.fixture(autouse=True)
def _policies(emu: Emulator) -> None:
    # What the tenant baseline declares: each package's policies, under its name.
    emu.make_package_policies()


def assigned(emu: Emulator, gid: str) -> dict[str, tuple]:
    """Policy type → (policy name, rank) of one group."""
    r = emu.teams_admin("GET", f"{GPA}/{gid}")
    return {a["policyType"]: (a["policyName"], a["priority"]) for a in r.json()}


def never_called_the_package_service(emu: Emulator) -> bool:
    return not [c for c in emu.requests()["counts"] if "VerticalPackaging" in c["route"]]


def inputs(gid: str, **extra) -> dict:
    return {"group_id": gid, "package": CLINICAL, "rank": 1, **extra}


def checked(p: PolicyPackageAssignmentProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def test_create_assigns_every_policy_of_the_package(tenant: Emulator):
    gid = tenant.make_group("ward4-clinical")
    p = PolicyPackageAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    assert made.id == f"{gid}/{CLINICAL}"
    assert assigned(tenant, gid) == {t: (CLINICAL, 1) for t in TYPES}
    assert made.outs["package_policies"] == {t: CLINICAL for t in TYPES}
    assert made.outs["policies"] == {t: {"policy_name": CLINICAL, "rank": 1} for t in TYPES}
    assert made.outs["drift"] == {}
    read = p.read(made.id, made.outs)
    assert read.outs["drift"] == {} and read.outs["policies"] == made.outs["policies"]
    assert p.diff(made.id, read.outs, checked(p, inputs(gid))).changes is False
    assert never_called_the_package_service(tenant)


def test_a_package_whose_policies_are_missing_names_the_tenant_baseline(emu: Emulator):
    from tests.resources.conftest import configure_for

    emu.reset()  # a fresh tenant: no package was ever applied, and no baseline deployed
    configure_for(emu)
    gid = emu.make_group("ward4-clinical")
    p = PolicyPackageAssignmentProvider()
    with pytest.raises(PackagePolicyMissing) as err:
        p.create(checked(p, inputs(gid)))
    assert "tenant baseline" in str(err.value) and "does not exist" in str(err.value)
    assert emu.teams_admin("GET", f"{GPA}/{gid}").json() == []
    assert never_called_the_package_service(emu)


def test_an_old_state_with_the_channels_type_is_updated_to_the_five_types(tenant: Emulator):
    gid = tenant.make_group("ward4-clinical")
    tenant.teams_admin(
        "POST", "/Skype.Policy/configurations/TeamsChannelsPolicy", json={"Identity": CLINICAL}
    )
    p = PolicyPackageAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    # Earlier hcinfra versions also assigned the package's TeamsChannelsPolicy.
    tenant.teams_admin(
        "PUT", f"{GPA}/{gid}/policyTypes/TeamsChannelsPolicy", json={"policyName": CLINICAL}
    )
    old = {
        **made.outs,
        "package_policies": {**made.outs["package_policies"], "TeamsChannelsPolicy": CLINICAL},
    }
    diff = p.diff(made.id, old, checked(p, inputs(gid)))
    assert diff.changes and diff.replaces == []
    p.update(made.id, old, checked(p, inputs(gid)))
    assert assigned(tenant, gid) == {t: (CLINICAL, 1) for t in TYPES}


def test_create_after_a_lost_response_is_not_duplicated(tenant: Emulator):
    gid = tenant.make_group("ward4-clinical")
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": f"PUT {GPA}/*", "dropResponse": 1, "limit": 1}]},
    )
    p = PolicyPackageAssignmentProvider()
    p.create(checked(p, inputs(gid)))
    assert assigned(tenant, gid) == {t: (CLINICAL, 1) for t in TYPES}
    listed = tenant.teams_admin("GET", f"{GPA}?policyType=TeamsAppSetupPolicy").json()
    assert len(listed) == 1


def test_drift_is_reported_per_policy_type_and_update_repairs_it(tenant: Emulator):
    gid, other = tenant.make_group("ward4-clinical"), tenant.make_group("ward5-admin")
    p = PolicyPackageAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    # Behind Pulumi's back: re-point one type, remove another, outrank a third.
    path = f"{GPA}/{gid}/policyTypes"
    tenant.teams_admin("PATCH", f"{path}/TeamsMessagingPolicy", json={"policyName": INFORMATION})
    tenant.teams_admin("DELETE", f"{path}/TeamsCallingPolicy")
    tenant.teams_admin(
        "PUT",
        f"{GPA}/{other}/policyTypes/TeamsMeetingPolicy",
        json={"policyName": INFORMATION, "priority": 1},
    )
    read = p.read(made.id, made.outs)
    drift = read.outs["drift"]
    assert set(drift) == {"TeamsMessagingPolicy", "TeamsCallingPolicy", "TeamsMeetingPolicy"}
    assert f"assigned {INFORMATION} instead of {CLINICAL}" in drift["TeamsMessagingPolicy"]
    assert "not assigned" in drift["TeamsCallingPolicy"]
    assert "rank 2 instead of 1" in drift["TeamsMeetingPolicy"]
    assert read.outs["policies"]["TeamsMessagingPolicy"] == {
        "policy_name": INFORMATION,
        "rank": 1,
    }
    assert "TeamsCallingPolicy" not in read.outs["policies"]
    diff = p.diff(made.id, read.outs, checked(p, inputs(gid)))
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, checked(p, inputs(gid)))
    assert assigned(tenant, gid) == {t: (CLINICAL, 1) for t in TYPES}
    assert assigned(tenant, other) == {"TeamsMeetingPolicy": (INFORMATION, 2)}
    assert p.read(made.id, made.outs).outs["drift"] == {}


def test_rank_change_is_an_update_and_package_change_a_replacement(tenant: Emulator):
    gid, first = tenant.make_group("ward4-clinical"), tenant.make_group("ward5-clinical")
    p = PolicyPackageAssignmentProvider()
    p.create(checked(p, inputs(first)))
    made = p.create(checked(p, inputs(gid, rank=2)))
    assert assigned(tenant, gid)["TeamsMessagingPolicy"] == (CLINICAL, 2)
    new = checked(p, inputs(gid, rank=1))
    assert p.diff(made.id, made.outs, new).replaces == []
    p.update(made.id, made.outs, new)
    assert assigned(tenant, gid) == {t: (CLINICAL, 1) for t in TYPES}
    assert assigned(tenant, first) == {t: (CLINICAL, 2) for t in TYPES}
    other = checked(p, inputs(gid, package=INFORMATION))
    assert p.diff(made.id, made.outs, other).replaces == ["package"]


def test_delete_leaves_assignments_someone_repointed(tenant: Emulator):
    gid = tenant.make_group("ward4-clinical")
    p = PolicyPackageAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    path = f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy"
    tenant.teams_admin("PATCH", path, json={"policyName": INFORMATION})
    p.delete(made.id, made.outs)
    assert assigned(tenant, gid) == {"TeamsMessagingPolicy": (INFORMATION, 1)}
    p.delete(made.id, made.outs)  # nothing of the package left: fine


def test_a_package_removed_by_hand_reads_as_gone(tenant: Emulator):
    gid = tenant.make_group("ward4-clinical")
    p = PolicyPackageAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    for t in TYPES:
        tenant.teams_admin("DELETE", f"{GPA}/{gid}/policyTypes/{t}")
    assert p.read(made.id, made.outs).id is None


def test_unknown_package_fails_check_without_calling_the_tenant(tenant: Emulator):
    p = PolicyPackageAssignmentProvider()
    gid = "6c8f2a4e-1b3d-4f5a-9c7e-0d2b4f6a8c1e"
    [failure] = p.check({}, inputs(gid, package="Healthcare_Nurse")).failures
    assert failure.property == "package"
    assert all(name in failure.reason for name in (CLINICAL, INFORMATION, "PatientRoom"))
    [failure] = p.check({}, inputs(gid, package="healthcare_clinicalworker")).failures
    assert f"did you mean {CLINICAL}?" in failure.reason
    assert tenant.requests()["total"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"group_id": "ward4"}, "group_id"),
        ({"rank": 0}, "rank"),
        ({"package": ""}, "package"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = PolicyPackageAssignmentProvider()
    result = p.check({}, {**inputs("6c8f2a4e-1b3d-4f5a-9c7e-0d2b4f6a8c1e"), **change})
    assert [f.property for f in result.failures] == [field]
    assert tenant.requests()["total"] == 0


def test_permission_denied_names_the_role(auditor: Emulator):
    p = PolicyPackageAssignmentProvider()
    raw = checked(p, inputs("6c8f2a4e-1b3d-4f5a-9c7e-0d2b4f6a8c1e"))
    with pytest.raises(PermissionDenied) as err:
        p.create(raw)
    assert err.value.status == 403
    assert "PolicyPackageAssignment needs the Teams Administrator role" in str(err.value)


def test_ranked_with_peers_orders_every_type_of_the_package(tenant: Emulator):
    clinical, rooms = tenant.make_group("stm-clinical"), tenant.make_group("stm-rooms")
    other = tenant.make_group("hsa-clinical")
    p = PolicyPackageAssignmentProvider()
    # The lower-ranked group arrives first, and another site's group in between.
    b = p.create(checked(p, inputs(rooms, package=INFORMATION, rank=2, ranked_with=[clinical])))
    p.create(checked(p, inputs(other)))
    a = p.create(checked(p, inputs(clinical, rank=1, ranked_with=[rooms])))
    for policy_type in TYPES:
        listed = tenant.teams_admin("GET", f"{GPA}?policyType={policy_type}").json()
        ids = [x["groupId"] for x in sorted(listed, key=lambda x: x["priority"])]
        assert ids.index(clinical) < ids.index(rooms), (policy_type, ids)
    for made in (a, b):
        read = p.read(made.id, made.outs)
        assert read.outs["drift"] == {}, read.outs["drift"]
    # One type moved behind the peer: drift names that type only.
    tenant.teams_admin(
        "PATCH", f"{GPA}/{clinical}/policyTypes/TeamsCallingPolicy", json={"priority": 3}
    )
    drift = p.read(a.id, a.outs).outs["drift"]
    assert list(drift) == ["TeamsCallingPolicy"] and "stm-rooms" in drift["TeamsCallingPolicy"]
