"""SecurityGroup's provider against the emulator: create, adopt, drift, update, delete."""

from __future__ import annotations

import pytest

from hcinfra.clients.errors import PermissionDenied, TenantError
from hcinfra.resources.security_group import SecurityGroupProvider
from tests.emulator.harness import GRAPH_SCOPE, Emulator

NURSE = "nurse001@northwindhealth.org"
MANAGER = "claire.dubois@northwindhealth.org"


def inputs(**extra) -> dict:
    base = {
        "display_name": "STM-Clinical-Workers",
        "mail_nickname": "stm-clinical-workers",
        "description": "Clinical workers of STM",
        "members": [NURSE],
        "owners": [MANAGER],
    }
    return {**base, **extra}


def checked(provider: SecurityGroupProvider, raw: dict) -> dict:
    result = provider.check({}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def groups(emu: Emulator) -> dict:
    return emu.admin("GET", "state").json().get("group", {})


def test_create_resolves_members_and_owners(tenant: Emulator):
    p = SecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    [group] = groups(tenant).values()
    assert made.id == group["id"] and group["uniqueName"] == "stm-clinical-workers"
    assert group["securityEnabled"] is True and group["mailEnabled"] is False
    assert made.outs["member_ids"] == group["_members"]
    assert made.outs["owner_ids"] == group["_owners"]


def test_create_after_a_lost_response_adopts_the_group(tenant: Emulator):
    tenant.admin(
        "PUT",
        "faults",
        json={
            "rules": [{"match": "PATCH /v1.0/groups(uniqueName=*", "dropResponse": 1, "limit": 1}]
        },
    )
    p = SecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    assert len(groups(tenant)) == 1
    assert made.id == next(iter(groups(tenant)))


def test_a_retried_create_inside_the_replication_window_waits_and_adopts(tenant: Emulator):
    # The first upsert's answer is lost and its group stays unseen for a while, so the
    # retry meets Graph's uniqueName conflict (400): made, not yet visible.
    rule = "PATCH /v1.0/groups(uniqueName=*"
    tenant.admin(
        "PUT",
        "faults",
        json={
            "rules": [
                {"match": rule, "dropResponse": 1, "limit": 1},
                {"match": rule, "consistencyMs": 2500},
            ]
        },
    )
    p = SecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    assert list(groups(tenant)) == [made.id]
    statuses = [(c["method"], c["status"]) for c in tenant.requests()["counts"]]
    assert ("PATCH", 400) in statuses  # the conflict was met, and adopted past
    assert made.outs["member_ids"]


def test_eventual_consistency_404s_are_waited_out(tenant: Emulator):
    tenant.admin(
        "PUT",
        "faults",
        json={"rules": [{"match": "PATCH /v1.0/groups(uniqueName=*", "consistencyMs": 2500}]},
    )
    # More members than one create request binds: the rest are added while the new
    # group is still unseen, and its 404s are waited out.
    members = [f"nurse{n:03d}@northwindhealth.org" for n in range(1, 31)]
    p = SecurityGroupProvider()
    made = p.create(checked(p, inputs(members=members)))
    assert len(made.outs["member_ids"]) == 30
    assert len(groups(tenant)[made.id]["_members"]) == 30
    log = tenant.requests()["counts"]
    assert any(c["status"] == 404 for c in log)


def test_throttling_is_retried_after_retry_after(tenant: Emulator):
    tenant.admin(
        "PUT",
        "faults",
        json={
            "rules": [
                {
                    "match": "PATCH /v1.0/groups(uniqueName=*",
                    "throttle": 1,
                    "retryAfter": 1,
                    "limit": 2,
                }
            ]
        },
    )
    p = SecurityGroupProvider()
    p.create(checked(p, inputs()))
    statuses = [(c["route"], c["status"]) for c in tenant.requests()["counts"]]
    assert ("/groups(uniqueName='{unique}')", 429) in statuses
    assert ("/groups(uniqueName='{unique}')", 201) in statuses


def test_read_shows_drift_and_update_repairs_it(tenant: Emulator):
    p = SecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    with tenant.client(headers=tenant.headers(GRAPH_SCOPE)) as c:
        c.patch(f"/v1.0/groups/{made.id}", json={"description": "changed by hand"})
        extra = c.get("/v1.0/users/nurse002@northwindhealth.org").json()["id"]
        c.post(
            f"/v1.0/groups/{made.id}/members/$ref",
            json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{extra}"},
        )
    state = {**made.outs}
    read = p.read(made.id, state)
    assert read.outs["description"] == "changed by hand"
    assert sorted(read.outs["members"]) == sorted([NURSE, extra])
    diff = p.diff(made.id, read.outs, checked(p, inputs()))
    assert diff.changes and diff.replaces == []
    p.update(made.id, read.outs, checked(p, inputs()))
    again = p.read(made.id, state)
    assert again.outs["description"] == "Clinical workers of STM"
    assert again.outs["members"] == [NURSE]


def test_role_assignable_change_is_a_replacement(tenant: Emulator):
    p = SecurityGroupProvider()
    old = checked(p, inputs())
    new = checked(p, inputs(is_assignable_to_role=True))
    diff = p.diff("x", old, new)
    assert diff.replaces == ["is_assignable_to_role"]
    assert p.diff("x", old, old).changes is False


def test_delete_is_a_restorable_soft_delete(tenant: Emulator):
    p = SecurityGroupProvider()
    made = p.create(checked(p, inputs()))
    p.delete(made.id, made.outs)
    assert groups(tenant) == {}
    deleted = tenant.admin("GET", "state").json()["deletedGroup"]
    assert made.id in deleted
    assert p.read(made.id, made.outs).id is None
    p.delete(made.id, made.outs)  # already gone: fine


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mail_nickname": "has space"}, "mail_nickname"),
        ({"mail_nickname": "x" * 65}, "mail_nickname"),
        ({"display_name": ""}, "display_name"),
        ({"members": ["not a user"]}, "members"),
        ({"membership_rule": 'user.department -eq "Nursing"'}, "(inputs)"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = SecurityGroupProvider()
    result = p.check({}, inputs(**change))
    assert result.failures and result.failures[0].property == field
    assert tenant.requests()["total"] == 0


def test_permission_denied_names_the_permission(auditor: Emulator):
    p = SecurityGroupProvider()
    with pytest.raises(PermissionDenied) as err:
        p.create(checked(p, inputs()))
    assert "SecurityGroup needs Group.ReadWrite.All" in str(err.value)


def wire(emu: Emulator) -> list[tuple[str, str]]:
    """The requests on the wire since the last reset: (method, path)."""
    return [(e["method"], e["path"]) for e in emu.requests()["entries"] if not e["batch_item"]]


def test_create_binds_owners_and_members_in_the_create_request(tenant: Emulator):
    p = SecurityGroupProvider()
    members = [f"nurse{n:03d}@northwindhealth.org" for n in range(1, 6)]
    made = p.create(checked(p, inputs(members=members)))
    calls = wire(tenant)
    # Names resolved in one $batch, the group made with every reference bound in the upsert.
    assert [m for m, path in calls if path.endswith("/$batch")] == ["POST"]
    assert not [path for _, path in calls if "$ref" in path or path.startswith("/v1.0/users/")]
    group = groups(tenant)[made.id]
    assert sorted(group["_members"]) == sorted(made.outs["member_ids"]) and len(members) == 5
    assert group["_owners"] == made.outs["owner_ids"]


def test_more_than_twenty_members_go_twenty_a_request_after_the_create(tenant: Emulator):
    p = SecurityGroupProvider()
    members = [f"nurse{n:03d}@northwindhealth.org" for n in range(1, 46)]
    made = p.create(checked(p, inputs(members=members)))
    calls = wire(tenant)
    items = [e for e in tenant.requests()["entries"] if e["batch_item"]]
    patches = [e["path"] for e in items if e["method"] == "PATCH"]
    # 1 owner and 19 members in the upsert, then 20 and 6 by members@odata.bind: two
    # PATCHes in one $batch, after the $batch that resolved the names.
    assert len(patches) == 2 and calls.count(("POST", "/v1.0/$batch")) == 2
    assert not [path for m, path in calls if m == "PATCH" and path.startswith("/v1.0/groups/")]
    assert len(groups(tenant)[made.id]["_members"]) == 45
    assert sorted(made.outs["member_ids"]) == sorted(groups(tenant)[made.id]["_members"])


def test_names_are_resolved_once_per_process(tenant: Emulator):
    p = SecurityGroupProvider()
    p.create(checked(p, inputs()))
    mark = tenant.requests()["last"]
    p.create(checked(p, inputs(display_name="STM-Other", mail_nickname="stm-other")))
    later = tenant.requests(since=mark)["entries"]
    assert not [e for e in later if e["path"].endswith("/$batch") or "/users/" in e["path"]]


def test_an_unknown_member_is_named(tenant: Emulator):
    p = SecurityGroupProvider()
    with pytest.raises(TenantError, match=r"nobody@northwindhealth\.org"):
        p.create(checked(p, inputs(members=["nobody@northwindhealth.org"])))
    assert groups(tenant) == {}
