"""GroupPolicyAssignment's provider against the emulator: ranks, new groups, drift, delete."""

from __future__ import annotations

import pytest

from hcinfra.clients.errors import PermissionDenied, TenantError
from hcinfra.resources.group_policy_assignment import GroupPolicyAssignmentProvider
from tests.emulator.harness import GRAPH_SCOPE, TEAMS_SCOPE, Emulator

GPA = "/Skype.Policy/groupPolicyAssignments"
CLINICAL = "Healthcare_ClinicalWorker"  # seeded instances of every type
INFORMATION = "Healthcare_InformationWorker"


def make_group(emu: Emulator, nickname: str) -> str:
    body = {
        "displayName": nickname,
        "mailNickname": nickname,
        "mailEnabled": False,
        "securityEnabled": True,
    }
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post("/v1.0/groups", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def teams_call(emu: Emulator, method: str, path: str, **kw):
    with emu.client(headers=emu.headers(TEAMS_SCOPE)) as c:
        return c.request(method, path, **kw)


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
    listed = teams_call(emu, "GET", f"{GPA}?policyType={policy_type}").json()
    return {a["GroupId"]: (a["PolicyName"], a["Rank"]) for a in listed}


def test_create_assigns_the_policy_at_the_rank(tenant: Emulator):
    gid = make_group(tenant, "ward4-nurses")
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
    gid = make_group(tenant, "ward4-new")
    p = GroupPolicyAssignmentProvider()
    p.create(checked(p, inputs(gid)))
    assert ranks(tenant) == {gid: (CLINICAL, 1)}
    statuses = [(c["method"], c["status"]) for c in tenant.requests()["counts"]]
    assert ("PATCH", 404) in statuses and ("PATCH", 200) in statuses


def test_create_after_a_lost_response_is_not_duplicated(tenant: Emulator):
    gid = make_group(tenant, "ward4-nurses")
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": f"PATCH {GPA}/*", "dropResponse": 1, "limit": 1}]},
    )
    p = GroupPolicyAssignmentProvider()
    p.create(checked(p, inputs(gid)))
    assert ranks(tenant) == {gid: (CLINICAL, 1)}
    patches = [c for c in tenant.requests()["counts"] if c["method"] == "PATCH"]
    assert sum(c["count"] for c in patches) == 2  # the lost answer, then the retry


def test_throttling_is_retried_after_retry_after(tenant: Emulator):
    gid = make_group(tenant, "ward4-nurses")
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": f"PATCH {GPA}/*", "throttle": 1, "retryAfter": 1, "limit": 1}]},
    )
    p = GroupPolicyAssignmentProvider()
    p.create(checked(p, inputs(gid)))
    statuses = [(c["method"], c["status"]) for c in tenant.requests()["counts"]]
    assert ("PATCH", 429) in statuses and ("PATCH", 200) in statuses


def test_an_inserted_group_shifts_the_rank_and_update_restores_it(tenant: Emulator):
    ours, theirs = make_group(tenant, "ward4-nurses"), make_group(tenant, "ward5-nurses")
    p = GroupPolicyAssignmentProvider()
    made = p.create(checked(p, inputs(ours)))
    # Someone assigns another group at rank 1: Teams inserts it there and moves ours down.
    path = f"{GPA}/{theirs}/policyTypes/TeamsMessagingPolicy"
    teams_call(tenant, "PATCH", path, json={"PolicyName": INFORMATION, "Rank": 1})
    read = p.read(made.id, made.outs)
    assert read.outs["rank"] == 2 and read.outs["service_rank"] == 2
    diff = p.diff(made.id, read.outs, checked(p, inputs(ours)))
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, checked(p, inputs(ours)))
    assert ranks(tenant) == {ours: (CLINICAL, 1), theirs: (INFORMATION, 2)}


def test_a_rank_past_the_end_means_last_and_is_no_drift_while_last(tenant: Emulator):
    ours, theirs = make_group(tenant, "ward4-nurses"), make_group(tenant, "ward5-nurses")
    p = GroupPolicyAssignmentProvider()
    made = p.create(checked(p, inputs(ours, rank=5)))
    assert ranks(tenant) == {ours: (CLINICAL, 1)}
    read = p.read(made.id, made.outs)
    assert read.outs["rank"] == 5 and read.outs["service_rank"] == 1
    assert p.diff(made.id, read.outs, checked(p, inputs(ours, rank=5))).changes is False
    # Another group added after ours: ours is no longer last, so its position is drift.
    path = f"{GPA}/{theirs}/policyTypes/TeamsMessagingPolicy"
    teams_call(tenant, "PATCH", path, json={"PolicyName": INFORMATION})
    assert p.read(made.id, made.outs).outs["rank"] == 1


def test_a_repointed_assignment_shows_as_drift_and_is_repaired(tenant: Emulator):
    gid = make_group(tenant, "ward4-nurses")
    p = GroupPolicyAssignmentProvider()
    made = p.create(checked(p, inputs(gid)))
    path = f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy"
    teams_call(tenant, "PATCH", path, json={"PolicyName": INFORMATION})
    read = p.read(made.id, made.outs)
    assert read.outs["policy_name"] == INFORMATION
    assert p.diff(made.id, read.outs, checked(p, inputs(gid))).changes
    p.update(made.id, read.outs, checked(p, inputs(gid)))
    assert ranks(tenant) == {gid: (CLINICAL, 1)}


def test_update_and_replace(tenant: Emulator):
    gid = make_group(tenant, "ward4-nurses")
    p = GroupPolicyAssignmentProvider()
    old = checked(p, inputs(gid))
    made = p.create(old)
    new = checked(p, inputs(gid, policy_name=INFORMATION, rank=2))
    assert p.diff(made.id, made.outs, new).replaces == []
    p.update(made.id, made.outs, new)
    assert ranks(tenant) == {gid: (INFORMATION, 1)}  # the only one: rank 2 puts it last
    other = make_group(tenant, "ward5-nurses")
    assert p.diff(made.id, old, checked(p, inputs(other))).replaces == ["group_id"]
    moved = checked(p, inputs(gid, policy_type="TeamsCallingPolicy"))
    assert p.diff(made.id, old, moved).replaces == ["policy_type"]


def test_delete_closes_the_gap_and_a_gone_assignment_reads_as_gone(tenant: Emulator):
    first, second = make_group(tenant, "ward4-nurses"), make_group(tenant, "ward5-nurses")
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
    gid = make_group(tenant, "ward4-nurses")
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
