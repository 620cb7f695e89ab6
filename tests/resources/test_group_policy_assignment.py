"""GroupPolicyAssignment's provider against the emulator: ranks, new groups, drift, delete."""

from __future__ import annotations

import pytest

from hcinfra.clients.errors import PermissionDenied, TenantError
from hcinfra.resources.group_policy_assignment import (
    GroupPolicyAssignmentProvider,
    PlacementFailed,
)
from tests.emulator.harness import Emulator

GPA = "/Skype.Policy/groupPolicyAssignments"
CLINICAL = "Healthcare_ClinicalWorker"  # instances of every type, made before each test
INFORMATION = "Healthcare_InformationWorker"


@pytest.fixture(autouse=True)
def _policies(emu: Emulator) -> None:
    emu.make_package_policies(CLINICAL, INFORMATION)


def inputs(group_id: str, **extra) -> dict:
    base = {
        "group_id": group_id,
        "policy_type": "TeamsMessagingPolicy",
        "policy_name": CLINICAL,
        "rank": 1,
    }
    return {**base, **extra}


def checked(p: GroupPolicyAssignmentProvider, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def ranks(emu: Emulator, policy_type: str = "TeamsMessagingPolicy") -> dict[str, tuple]:
    """Group id → (policy name, rank) for one policy type."""
    listed = emu.teams_admin("GET", f"{GPA}?policyType={policy_type}").json()
    return {a["groupId"]: (a["policyName"], a["priority"]) for a in listed}


def test_create_assigns_the_policy_at_the_rank(tenant: Emulator):
    gid = tenant.make_group("ward4-nurses")
    p = GroupPolicyAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    assert made.id == f"{gid}/TeamsMessagingPolicy"
    assert ranks(tenant) == {gid: (CLINICAL, 1)}
    assert made.outs["service_rank"] == 1


def test_a_group_not_yet_visible_to_teams_is_waited_for(tenant: Emulator):
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": "POST /v1.0/groups", "consistencyMs": 2500}]},
    )
    gid = tenant.make_group("ward4-new")
    p = GroupPolicyAssignmentProvider()
    p.create(checked(p, inputs(gid)))
    assert ranks(tenant) == {gid: (CLINICAL, 1)}
    statuses = [(c["method"], c["status"]) for c in tenant.requests()["counts"]]
    assert ("PUT", 404) in statuses and ("PUT", 204) in statuses


def test_create_after_a_lost_response_is_not_duplicated(tenant: Emulator):
    gid = tenant.make_group("ward4-nurses")
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": f"PUT {GPA}/*", "dropResponse": 1, "limit": 1}]},
    )
    p = GroupPolicyAssignmentProvider()
    p.create(checked(p, inputs(gid)))
    assert ranks(tenant) == {gid: (CLINICAL, 1)}
    # The lost answer, then the retried PUT finds it made (409) and updates it instead.
    statuses = sorted((c["method"], c["status"]) for c in tenant.requests()["counts"])
    assert ("PUT", 409) in statuses and ("PATCH", 204) in statuses


def test_throttling_is_retried_after_retry_after(tenant: Emulator):
    gid = tenant.make_group("ward4-nurses")
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": f"PUT {GPA}/*", "throttle": 1, "retryAfter": 1, "limit": 1}]},
    )
    p = GroupPolicyAssignmentProvider()
    p.create(checked(p, inputs(gid)))
    statuses = [(c["method"], c["status"]) for c in tenant.requests()["counts"]]
    assert ("PUT", 429) in statuses and ("PUT", 204) in statuses


def test_an_inserted_group_shifts_the_rank_and_update_restores_it(tenant: Emulator):
    ours, theirs = tenant.make_group("ward4-nurses"), tenant.make_group("ward5-nurses")
    p = GroupPolicyAssignmentProvider()
    made = p.create(checked(p, inputs(ours)))
    # Someone assigns another group at rank 1: Teams inserts it there and moves ours down.
    path = f"{GPA}/{theirs}/policyTypes/TeamsMessagingPolicy"
    tenant.teams_admin("PUT", path, json={"policyName": INFORMATION, "priority": 1})
    read = p.read(made.id, made.outs)
    assert read.outs["rank"] == 2 and read.outs["service_rank"] == 2
    diff = p.diff(made.id, read.outs, checked(p, inputs(ours)))
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, checked(p, inputs(ours)))
    assert ranks(tenant) == {ours: (CLINICAL, 1), theirs: (INFORMATION, 2)}


def test_a_rank_past_the_end_means_last_and_is_no_drift_while_last(tenant: Emulator):
    ours, theirs = tenant.make_group("ward4-nurses"), tenant.make_group("ward5-nurses")
    p = GroupPolicyAssignmentProvider()
    made = p.create(checked(p, inputs(ours, rank=5)))
    assert ranks(tenant) == {ours: (CLINICAL, 1)}
    read = p.read(made.id, made.outs)
    assert read.outs["rank"] == 5 and read.outs["service_rank"] == 1
    assert p.diff(made.id, read.outs, checked(p, inputs(ours, rank=5))).changes is False
    # Another group added after ours: ours is no longer last, so its position is drift.
    path = f"{GPA}/{theirs}/policyTypes/TeamsMessagingPolicy"
    tenant.teams_admin("PUT", path, json={"policyName": INFORMATION})
    assert p.read(made.id, made.outs).outs["rank"] == 1


def test_a_repointed_assignment_shows_as_drift_and_is_repaired(tenant: Emulator):
    gid = tenant.make_group("ward4-nurses")
    p = GroupPolicyAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    path = f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy"
    tenant.teams_admin("PATCH", path, json={"policyName": INFORMATION})
    read = p.read(made.id, made.outs)
    assert read.outs["policy_name"] == INFORMATION
    assert p.diff(made.id, read.outs, checked(p, inputs(gid))).changes
    p.update(made.id, read.outs, checked(p, inputs(gid)))
    assert ranks(tenant) == {gid: (CLINICAL, 1)}


def test_update_and_replace(tenant: Emulator):
    gid = tenant.make_group("ward4-nurses")
    p = GroupPolicyAssignmentProvider()
    old = checked(p, inputs(gid))
    made = p.create(old)
    new = checked(p, inputs(gid, policy_name=INFORMATION, rank=2))
    assert p.diff(made.id, made.outs, new).replaces == []
    p.update(made.id, made.outs, new)
    assert ranks(tenant) == {gid: (INFORMATION, 1)}  # the only one: rank 2 puts it last
    other = tenant.make_group("ward5-nurses")
    assert p.diff(made.id, old, checked(p, inputs(other))).replaces == ["group_id"]
    moved = checked(p, inputs(gid, policy_type="TeamsCallingPolicy"))
    assert p.diff(made.id, old, moved).replaces == ["policy_type"]


def test_delete_closes_the_gap_and_a_gone_assignment_reads_as_gone(tenant: Emulator):
    first, second = tenant.make_group("ward4-nurses"), tenant.make_group("ward5-nurses")
    p = GroupPolicyAssignmentProvider()
    a = p.create(checked(p, inputs(first)))
    b = p.create(checked(p, inputs(second, rank=2)))
    p.delete(a.id, a.outs)
    assert ranks(tenant) == {second: (CLINICAL, 1)}
    assert p.read(a.id, a.outs).id is None
    p.delete(a.id, a.outs)  # already gone: fine
    # The survivor moved up: refresh reports it, as the service now ranks it.
    assert p.read(b.id, b.outs).outs["rank"] == 2  # declared 2, and last: what 2 means


def test_a_missing_policy_is_refused_by_the_service(tenant: Emulator):
    gid = tenant.make_group("ward4-nurses")
    p = GroupPolicyAssignmentProvider()
    with pytest.raises(TenantError) as err:
        p.create(checked(p, inputs(gid, policy_name="No Such Policy")))
    assert err.value.status == 400 and "does not exist" in err.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"group_id": "ward4-nurses"}, "group_id"),
        ({"rank": 0}, "rank"),
        ({"rank": "first"}, "rank"),
        ({"policy_name": "Global"}, "policy_name"),
        ({"policy_name": "Tag:Ward4"}, "policy_name"),
        ({"policy_name": ""}, "policy_name"),
        ({"policy_type": "TeamsEmergencyPolicy"}, "policy_type"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = GroupPolicyAssignmentProvider()
    result = p.check({}, {**inputs("6c8f2a4e-1b3d-4f5a-9c7e-0d2b4f6a8c1e"), **change})
    assert [f.property for f in result.failures] == [field]
    assert tenant.requests()["total"] == 0


def test_permission_denied_names_the_role(auditor: Emulator):
    p = GroupPolicyAssignmentProvider()
    raw = inputs("6c8f2a4e-1b3d-4f5a-9c7e-0d2b4f6a8c1e")
    with pytest.raises(PermissionDenied) as err:
        p.create(checked(p, raw))
    assert err.value.status == 403
    assert "GroupPolicyAssignment needs the Teams Administrator role" in str(err.value)


# --- ranked among peers ----------------------------------------------------------------------


def order(emu: Emulator, policy_type: str = "TeamsMessagingPolicy") -> list[str]:
    """Group ids holding a type, first rank first."""
    listed = emu.teams_admin("GET", f"{GPA}?policyType={policy_type}").json()
    return [a["groupId"] for a in sorted(listed, key=lambda a: a["priority"])]


def test_peer_ranks_hold_whatever_order_the_assignments_arrive_in(tenant: Emulator):
    """Two sites assign in an interleaved order; each site's groups keep their own order."""
    stm = [tenant.make_group(f"stm-{n}") for n in ("managers", "clinical", "rooms")]
    hsa = [tenant.make_group(f"hsa-{n}") for n in ("managers", "clinical", "rooms")]
    p = GroupPolicyAssignmentProvider()
    made = {}
    # Last first, sites interleaved: absolute ranks would end up in arrival order.
    for site, i in [(hsa, 2), (stm, 2), (stm, 0), (hsa, 1), (stm, 1), (hsa, 0)]:
        peers = [g for g in site if g != site[i]]
        made[site[i]] = p.create(checked(p, inputs(site[i], rank=i + 1, ranked_with=peers)))
    listed = order(tenant)
    for site in (stm, hsa):
        assert sorted(site, key=listed.index) == site, listed
    # Read back, every one is where it was declared: no drift, though positions moved.
    for result in made.values():
        read = p.read(result.id, result.outs)
        assert read.outs["drift"] == "" and read.outs["rank"] == result.outs["rank"]
        assert p.diff(result.id, read.outs, result.outs).changes is False


def test_a_peer_moved_across_is_drift_and_update_puts_it_back(tenant: Emulator):
    first, second = tenant.make_group("stm-managers"), tenant.make_group("stm-clinical")
    stranger = tenant.make_group("other-admins")
    p = GroupPolicyAssignmentProvider()
    a = p.create(checked(p, inputs(first, rank=1, ranked_with=[second])))
    b = p.create(checked(p, inputs(second, rank=2, ranked_with=[first])))
    assert order(tenant) == [first, second]
    # Someone else's group inserted at the top shifts positions, not the relative order.
    tenant.teams_admin(
        "PUT",
        f"{GPA}/{stranger}/policyTypes/TeamsMessagingPolicy",
        json={"policyName": INFORMATION, "priority": 1},
    )
    assert p.read(a.id, a.outs).outs["drift"] == ""
    # Someone moves the second group above the first: both reads report it.
    tenant.teams_admin(
        "PATCH",
        f"{GPA}/{second}/policyTypes/TeamsMessagingPolicy",
        json={"priority": 1},
    )
    read = p.read(b.id, b.outs)
    # Drift names the peer by display name, not by id.
    assert read.outs["rank"] == 1 and "stm-managers" in read.outs["drift"], read.outs
    assert first not in read.outs["drift"]
    diff = p.diff(
        a.id, p.read(a.id, a.outs).outs, checked(p, inputs(first, rank=1, ranked_with=[second]))
    )
    assert diff.changes and diff.replaces == []
    p.update(b.id, read.outs, checked(p, inputs(second, rank=2, ranked_with=[first])))
    assert order(tenant) == [stranger, first, second]


def test_a_group_that_cannot_be_placed_fails_the_step_naming_the_groups(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    from hcinfra.resources import group_policy_assignment

    monkeypatch.setattr(group_policy_assignment, "PLACEMENT_ROUNDS", 3)
    first, second = tenant.make_group("stm-managers"), tenant.make_group("stm-clinical")
    p = GroupPolicyAssignmentProvider()
    p.create(checked(p, inputs(second, rank=2, ranked_with=[first])))
    # Another writer keeps the list as it likes: every read shows ours above its peer.
    stale = [
        {"groupId": g, "policyType": "TeamsMessagingPolicy", "policyName": CLINICAL, "priority": n}
        for n, g in enumerate([second, first], start=1)
    ]
    rule = {"match": f"GET {GPA}", "respond": {"status": 200, "body": stale}}
    tenant.admin("PUT", "faults", json={"rules": [rule]}).raise_for_status()
    with pytest.raises(PlacementFailed) as err:
        p.create(checked(p, inputs(first, rank=1, ranked_with=[second])))
    text = str(err.value)
    assert "stm-managers is still out of its precedence order after 3 placements" in text
    assert "stm-clinical" in text and "run the deployment again" in text
    assert second not in text  # groups by display name


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"ranked_with": ["not-a-guid"]}, "ranked_with"),
        ({"rank": 4, "ranked_with": ["0" * 8 + "-0000-4000-8000-" + "0" * 12]}, "rank"),
    ],
)
def test_bad_peers_fail_check(tenant: Emulator, extra: dict, field: str):
    gid = "11111111-2222-4333-8444-555555555555"
    p = GroupPolicyAssignmentProvider()
    result = p.check({}, inputs(gid, **extra))
    assert result.failures, extra
    assert tenant.requests()["writes"] == 0


def test_a_group_is_not_its_own_peer():
    gid = "11111111-2222-4333-8444-555555555555"
    p = GroupPolicyAssignmentProvider()
    result = p.check({}, inputs(gid, rank=1, ranked_with=[gid.upper()]))
    assert any("itself" in f.reason for f in result.failures)
