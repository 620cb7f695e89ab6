"""Learn's examples for Shifts (a team's schedule and its scheduling groups), replayed."""

from __future__ import annotations

import json
import time

import pytest

from tests.emulator.docexamples import ABSENT, Example, check, replay, unified_group, user_id
from tests.emulator.harness import GRAPH_SCOPE, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET, Emulator

PUT_SCHEDULE = "https://learn.microsoft.com/en-us/graph/api/team-put-schedule"
GET_SCHEDULE = "https://learn.microsoft.com/en-us/graph/api/schedule-get"
POST_GROUP = "https://learn.microsoft.com/en-us/graph/api/schedule-post-schedulinggroups"
LIST_GROUPS = "https://learn.microsoft.com/en-us/graph/api/schedule-list-schedulinggroups"
GET_GROUP = "https://learn.microsoft.com/en-us/graph/api/schedulinggroup-get"
PUT_GROUP = "https://learn.microsoft.com/en-us/graph/api/schedulinggroup-put"
DELETE_GROUP = "https://learn.microsoft.com/en-us/graph/api/schedulinggroup-delete"
SETTINGS = {
    "timeClockEnabled": True,
    "openShiftsEnabled": True,
    "swapShiftsRequestsEnabled": True,
    "offerShiftRequestsEnabled": True,
    "timeOffRequestsEnabled": True,
}
ENABLE = Example(
    PUT_SCHEDULE,
    "PUT",
    "/teams/{team}/schedule",
    body={"enabled": True, "timeZone": "America/Chicago"},
    context="teams('{team}')/schedule/$entity",
    props={"enabled": True, "timeZone": "America/Chicago", "id": "{team}", **SETTINGS},
)
CASHIERS = {"displayName": "Cashiers", "isActive": True, "userIds": ["{u1}", "{u2}"]}


def team(emu: Emulator, provision_ms: int = 0) -> dict[str, str]:
    """A team, two users' ids, and schedules provisioned in `provision_ms`."""
    emu.admin("PUT", "faults", json={"scheduleProvisionMs": provision_ms}).raise_for_status()
    gid = unified_group(emu, "shifts-ward", "claire.dubois@northwindhealth.org")
    assert emu.graph("PUT", f"/groups/{gid}/team", json={}).status_code == 201
    return {
        "team": gid,
        "u1": user_id(emu, "nurse001@northwindhealth.org"),
        "u2": user_id(emu, "nurse002@northwindhealth.org"),
    }


def scheduled(emu: Emulator) -> dict[str, str]:
    ids = team(emu)
    assert check(replay(emu, ENABLE, ids), ENABLE, ids) is not None
    return ids


def new_group(emu: Emulator, ids: dict[str, str]) -> str:
    ex = Example(POST_GROUP, "POST", "/teams/{team}/schedule/schedulingGroups", body=CASHIERS)
    r = replay(emu, ex, ids)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_team_put_schedule_example_starts_provisioning(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-put-schedule"""
    ids = team(emu, provision_ms=600)
    body = check(replay(emu, ENABLE, ids), ENABLE, ids)
    # Provisioning runs in the background: the answer says where it stands.
    assert body["provisionStatus"] in ("NotStarted", "Running")
    assert body["provisionStatusCode"] is None
    time.sleep(0.7)
    ex = Example(
        GET_SCHEDULE, "GET", "/teams/{team}/schedule", props={"provisionStatus": "Completed"}
    )
    check(replay(emu, ex, ids), ex, ids)


def test_schedule_get_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedule-get"""
    ids = scheduled(emu)
    ex = Example(
        GET_SCHEDULE,
        "GET",
        "/teams/{team}/schedule",
        context="teams('{team}')/schedule/$entity",
        props={
            "enabled": True,
            "timeZone": "America/Chicago",
            "provisionStatus": "Completed",
            "provisionStatusCode": None,
            **SETTINGS,
        },
        resp_headers={"Content-Type": "application/json"},
    )
    check(replay(emu, ex, ids), ex, ids)
    # "This method does not support OData query parameters."
    r = emu.graph("GET", f"/teams/{ids['team']}/schedule?$select=enabled")
    assert r.status_code == 400 and r.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_a_failed_provisioning_gives_its_status_code(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedule-get (provisionStatusCode)"""
    ids = team(emu)
    config = {"scheduleProvisionMs": 0, "scheduleProvisionError": "TeamNotLicensed"}
    emu.admin("PUT", "faults", json=config).raise_for_status()
    replay(emu, ENABLE, ids)
    body = emu.graph("GET", f"/teams/{ids['team']}/schedule").json()
    assert body["provisionStatus"] == "Failed" and body["provisionStatusCode"] == "TeamNotLicensed"


def test_put_schedule_validates_its_body(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/resources/schedule (Required)"""
    ids = team(emu)
    path = f"/teams/{ids['team']}/schedule"
    for body, what in [
        ({"enabled": True}, "timeZone"),
        ({"timeZone": "UTC"}, "enabled"),
        ({"enabled": True, "timeZone": "Eastern Standard Time"}, "time zone"),
        ({"enabled": True, "timeZone": "UTC", "openShiftsEnabled": "yes"}, "openShiftsEnabled"),
    ]:
        r = emu.graph("PUT", path, json=body)
        assert r.status_code == 400 and what in r.json()["error"]["message"], r.text
    r = emu.graph("PUT", path, json={"enabled": True, "timeZone": "UTC", "colour": "red"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "BadRequest"
    assert "does not exist on type 'microsoft.graph.schedule'" in r.json()["error"]["message"]


def test_a_schedule_needs_a_team(emu: Emulator):
    """microsoft-graph-docs#9811: Shifts' NotFound nests its own error in the message."""
    r = emu.graph("PUT", "/teams/0f0e0d0c-0b0a-4909-8807-060504030201/schedule", json=ENABLE.body)
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "NotFound"
    inner = json.loads(error["message"])["error"]
    assert inner == {
        "code": "NotFound",
        "message": "Sorry, the team was not found, or you may not have access to it.",
    }


def test_no_route_deletes_a_schedule(emu: Emulator):
    """Learn documents create or replace, get and share: no DELETE of a schedule."""
    ids = scheduled(emu)
    r = emu.graph("DELETE", f"/teams/{ids['team']}/schedule")
    assert r.status_code == 405


def test_schedule_post_schedulinggroups_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedule-post-schedulinggroups"""
    ids = scheduled(emu)
    ex = Example(
        POST_GROUP,
        "POST",
        "/teams/{team}/schedule/schedulingGroups",
        body=CASHIERS,
        status=201,
        context="teams('{team}')/schedule/schedulingGroups/$entity",
        props={"displayName": "Cashiers", "isActive": True, "userIds": ["{u1}", "{u2}"]},
    )
    body = check(replay(emu, ex, ids), ex, ids)
    assert body["id"].startswith("TAG_") and body["createdDateTime"].endswith("Z")
    assert set(body["lastModifiedBy"]) == {"application", "device", "conversation", "user"}


def test_a_scheduling_group_before_provisioning_completes_is_refused(emu: Emulator):
    ids = team(emu, provision_ms=5000)
    replay(emu, ENABLE, ids)
    path = f"/teams/{ids['team']}/schedule/schedulingGroups"
    r = emu.graph("POST", path, json={**CASHIERS, "userIds": [ids["u1"]]})
    assert r.status_code == 404 and "not provisioned" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"isActive": ABSENT}, "isActive"),
        ({"userIds": ABSENT}, "userIds"),
        ({"displayName": ABSENT}, "displayName"),
        ({"userIds": ["nurse001@northwindhealth.org"]}, "object ids"),
        ({"isActive": "true"}, "isActive"),
    ],
)
def test_scheduling_group_bodies_are_checked(emu: Emulator, change, what):
    """REF: https://learn.microsoft.com/en-us/graph/api/resources/schedulinggroup (Required)"""
    ids = scheduled(emu)
    body = {k: v for k, v in {**CASHIERS, **change}.items() if v is not ABSENT}
    ex = Example(POST_GROUP, "POST", "/teams/{team}/schedule/schedulingGroups", body=body)
    r = replay(emu, ex, ids)
    assert r.status_code == 400 and what in r.json()["error"]["message"], r.text


def test_a_second_group_of_the_same_name_is_a_conflict(emu: Emulator):
    """Our choice (unverified): a name is taken once per schedule, whatever its case."""
    ids = scheduled(emu)
    new_group(emu, ids)
    body = {**CASHIERS, "displayName": "cashiers", "userIds": [ids["u1"]]}
    r = emu.graph("POST", f"/teams/{ids['team']}/schedule/schedulingGroups", json=body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "Conflict"


def test_schedule_list_schedulinggroups_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedule-list-schedulinggroups"""
    ids = scheduled(emu)
    gid = new_group(emu, ids)
    ex = Example(
        LIST_GROUPS,
        "GET",
        "/teams/{team}/schedule/schedulingGroups",
        context="teams('{team}')/schedule/schedulingGroups",
        item_keys={
            "createdDateTime",
            "lastModifiedDateTime",
            "displayName",
            "isActive",
            "userIds",
            "lastModifiedBy",
        },
    )
    body = check(replay(emu, ex, ids), ex, ids)
    assert [g["id"] for g in body["value"]] == [gid]


def test_schedulinggroup_get_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-get"""
    ids = scheduled(emu)
    ids["group"] = new_group(emu, ids)
    ex = Example(
        GET_GROUP,
        "GET",
        "/teams/{team}/schedule/schedulingGroups/{group}",
        context="teams('{team}')/schedule/schedulingGroups/$entity",
        props={"id": "{group}", "displayName": "Cashiers", "isActive": True},
    )
    check(replay(emu, ex, ids), ex, ids)
    missing = Example(
        GET_GROUP,
        "GET",
        "/teams/{team}/schedule/schedulingGroups/TAG_x",
        status=404,
        error="NotFound",
    )
    check(replay(emu, missing, ids), missing, ids)


def test_schedulinggroup_put_example_replaces_the_group(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-put"""
    ids = scheduled(emu)
    ids["group"] = new_group(emu, ids)
    ex = Example(
        PUT_GROUP,
        "PUT",
        "/teams/{team}/schedule/schedulingGroups/{group}",
        headers={"Prefer": "return=representation"},
        body={**CASHIERS, "userIds": ["{u2}"], "code": "CashierCode"},
        context="teams('{team}')/schedule/schedulingGroups/$entity",
        props={"id": "{group}", "userIds": ["{u2}"], "code": "CashierCode", "isActive": True},
    )
    check(replay(emu, ex, ids), ex, ids)
    # The whole object: a PUT without userIds is refused, not merged.
    partial = Example(
        PUT_GROUP,
        "PUT",
        "/teams/{team}/schedule/schedulingGroups/{group}",
        body={"displayName": "Cashiers", "isActive": True},
        status=400,
        error="BadRequest",
    )
    check(replay(emu, partial, ids), partial, ids)
    # "If the specified schedulingGroup doesn't exist, this method returns 404 Not found."
    absent = Example(
        PUT_GROUP,
        "PUT",
        "/teams/{team}/schedule/schedulingGroups/TAG_00000000-0000-4000-8000-000000000000",
        body=CASHIERS,
        status=404,
        error="NotFound",
    )
    check(replay(emu, absent, ids), absent, ids)
    # The page documents PUT; PATCH (which msgraph-sdk would send) is not served.
    r = emu.graph(
        "PATCH", f"/teams/{ids['team']}/schedule/schedulingGroups/{ids['group']}", json={}
    )
    assert r.status_code == 405


def test_schedulinggroup_delete_example_marks_it_inactive(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-delete"""
    ids = scheduled(emu)
    ids["group"] = new_group(emu, ids)
    ex = Example(
        DELETE_GROUP, "DELETE", "/teams/{team}/schedule/schedulingGroups/{group}", status=204
    )
    assert check(replay(emu, ex, ids), ex, ids) is None
    # "This method does not remove the schedulingGroup from the schedule."
    body = emu.graph("GET", f"/teams/{ids['team']}/schedule/schedulingGroups/{ids['group']}").json()
    assert body["isActive"] is False and body["displayName"] == "Cashiers"


def test_ms_app_acts_as_is_optional_but_must_name_a_user(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-put (MS-APP-ACTS-AS,
    deprecated, no longer required with application tokens)"""
    ids = scheduled(emu)
    path = f"/teams/{ids['team']}/schedule"
    assert emu.graph("GET", path).status_code == 200
    assert emu.graph("GET", path, headers={"MS-APP-ACTS-AS": ids["u1"]}).status_code == 200
    r = emu.graph("GET", path, headers={"MS-APP-ACTS-AS": "claire.dubois@northwindhealth.org"})
    assert r.status_code == 400


def test_shifts_routes_need_schedule_permissions(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-put-schedule (Application:
    Schedule.ReadWrite.All; schedule-get: Schedule.Read.All)"""
    ids = scheduled(emu)
    headers = emu.headers(GRAPH_SCOPE, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET)
    with emu.client(headers=headers) as c:
        read = c.get(f"/v1.0/teams/{ids['team']}/schedule")
        write = c.put(f"/v1.0/teams/{ids['team']}/schedule", json=ENABLE.body)
    assert read.status_code == write.status_code == 403
    assert "'Schedule.Read.All, Schedule.ReadWrite.All'" in read.json()["error"]["message"]
    assert "'Schedule.ReadWrite.All'" in write.json()["error"]["message"]
