"""WardSchedule's provider against the emulator: provisioning, groups, adoption, drift, retain."""

from __future__ import annotations

import time

import pytest

from hcinfra.clients.errors import PermissionDenied
from hcinfra.resources.ward_schedule import WardScheduleInputs, WardScheduleProvider
from hcinfra.resources.ward_schedule.calls import ScheduleProvisionError
from tests.emulator.docexamples import unified_group, user_id
from tests.emulator.harness import (
    AUDITOR_APP,
    AUDITOR_SECRET,
    GRAPH_SCOPE,
    UNPRIVILEGED_APP,
    UNPRIVILEGED_SECRET,
    Emulator,
)
from tests.resources.conftest import configure_for

MANAGER = "claire.dubois@northwindhealth.org"
NURSES = ["nurse001@northwindhealth.org", "nurse002@northwindhealth.org"]
PHYSICIAN = "physician001@northwindhealth.org"
GROUPS = "/teams/{tid}/schedule/schedulingGroups"


@pytest.fixture
def ward(tenant: Emulator) -> str:
    """A ward's team, made straight through Graph; schedules provision in 0.2 s."""
    faults(tenant, scheduleProvisionMs=200)
    gid = unified_group(tenant, "stm-ward-4", MANAGER)
    r = tenant.graph("PUT", f"/groups/{gid}/team", json={})
    assert r.status_code == 201, r.text
    tenant.admin("DELETE", "requests").raise_for_status()
    return gid


def inputs(team_id: str, **extra) -> dict:
    base = {
        "team_id": team_id,
        "time_zone": "America/Toronto",
        "groups": [
            {"name": "Nurses", "members": NURSES},
            {"name": "Physicians", "members": [PHYSICIAN]},
        ],
    }
    return {**base, **extra}


def checked(p: WardScheduleProvider, raw: dict, olds: dict | None = None) -> dict:
    result = p.check(olds or {}, raw)
    assert result.failures == [], result.failures
    return result.inputs


def faults(emu: Emulator, **config) -> None:
    emu.admin("PUT", "faults", json=config).raise_for_status()


def state(emu: Emulator, kind: str) -> dict:
    return emu.admin("GET", "state").json().get(kind, {})


def groups_of(emu: Emulator, tid: str) -> list[dict]:
    return [g for g in state(emu, "schedulingGroup").values() if g["_teamId"] == tid]


def statuses(emu: Emulator) -> list[tuple[str, str, int]]:
    return [(c["method"], c["route"], c["status"]) for c in emu.requests()["counts"]]


def test_create_enables_waits_for_provisioning_and_makes_the_groups(tenant: Emulator, ward):
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    assert made.id == ward
    schedule = state(tenant, "schedule")[ward]
    assert schedule["enabled"] is True and schedule["timeZone"] == "America/Toronto"
    assert schedule["timeClockEnabled"] is False and schedule["openShiftsEnabled"] is True
    groups = {g["displayName"]: g for g in groups_of(tenant, ward)}
    assert set(groups) == {"Nurses", "Physicians"}
    # Shifts takes user ids: the names were resolved.
    assert sorted(groups["Nurses"]["userIds"]) == sorted(user_id(tenant, n) for n in NURSES)
    assert groups["Physicians"]["userIds"] == [user_id(tenant, PHYSICIAN)]
    assert all(g["isActive"] and g["id"].startswith("TAG_") for g in groups.values())
    outs = made.outs
    assert outs["group_ids"] == {n: g["id"] for n, g in groups.items()}
    assert outs["provision_status"].lower() == "completed" and outs["enabled"] is True
    assert outs["retained"] and outs["member_ids"]["Physicians"] == [user_id(tenant, PHYSICIAN)]
    seen = statuses(tenant)
    assert ("PUT", "/teams/{tid}/schedule", 200) in seen
    # Provisioning takes 0.2 s: the schedule was read until it was completed.
    assert ("GET", "/teams/{tid}/schedule", 200) in seen
    assert ("POST", GROUPS, 201) in seen


def test_provisioning_that_fails_says_why(tenant: Emulator, ward):
    faults(tenant, scheduleProvisionMs=100, scheduleProvisionError="ShiftsTenantNotEnabled")
    p = WardScheduleProvider()
    with pytest.raises(ScheduleProvisionError) as err:
        p.create(checked(p, inputs(ward)))
    assert "failed to provision" in str(err.value) and "ShiftsTenantNotEnabled" in str(err.value)
    assert groups_of(tenant, ward) == []
    # The cause fixed, the next run's PUT provisions the schedule anew.
    faults(tenant, scheduleProvisionMs=100)
    made = p.create(checked(p, inputs(ward)))
    assert made.outs["provision_status"] == "Completed" and len(groups_of(tenant, ward)) == 2


def test_provisioning_wait_is_bounded_then_the_next_run_finishes(tenant: Emulator, ward):
    faults(tenant, scheduleProvisionMs=3000)
    p = WardScheduleProvider()
    started = time.monotonic()
    with pytest.raises(ScheduleProvisionError) as err:
        p.create(checked(p, inputs(ward, timeout_seconds=0.6)))
    assert time.monotonic() - started < 2.5
    assert "not provisioned within 0.6s" in str(err.value) and "next `pulumi up`" in str(err.value)
    made = p.create(checked(p, inputs(ward, timeout_seconds=30)))
    assert len(state(tenant, "schedule")) == 1 and len(made.outs["group_ids"]) == 2


def test_a_schedule_for_a_team_that_does_not_exist_is_refused(tenant: Emulator):
    faults(tenant, scheduleProvisionMs=0)
    p = WardScheduleProvider()
    missing = "0f0e0d0c-0b0a-4909-8807-060504030201"
    with pytest.raises(Exception) as err:
        p.create(checked(p, inputs(missing, timeout_seconds=0.5)))
    assert "team was not found" in str(err.value)
    assert state(tenant, "schedule") == {}


def test_create_after_a_lost_group_answer_adopts_instead_of_duplicating(tenant: Emulator, ward):
    rule = {"match": "POST /v1.0/teams/*/schedule/schedulingGroups", "dropResponse": 1, "limit": 1}
    faults(tenant, scheduleProvisionMs=0, rules=[rule])
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    names = sorted(g["displayName"] for g in groups_of(tenant, ward))
    assert names == ["Nurses", "Physicians"]
    # The transport's retry met the group its lost request made, and adopted it.
    assert ("POST", GROUPS, 409) in statuses(tenant)
    assert set(made.outs["group_ids"]) == {"Nurses", "Physicians"}


def test_create_run_twice_adopts_everything(tenant: Emulator, ward):
    p = WardScheduleProvider()
    first = p.create(checked(p, inputs(ward)))
    again = p.create(checked(p, inputs(ward)))
    assert first.outs["group_ids"] == again.outs["group_ids"]
    assert len(groups_of(tenant, ward)) == 2
    assert ("POST", GROUPS, 409) not in statuses(tenant)  # found by listing, not by failing


def test_throttled_writes_wait_for_retry_after(tenant: Emulator, ward):
    rule = {
        "match": "POST /v1.0/teams/*/schedule/schedulingGroups",
        "throttle": 1,
        "retryAfter": 1,
        "limit": 1,
    }
    faults(tenant, scheduleProvisionMs=0, rules=[rule])
    p = WardScheduleProvider()
    started = time.monotonic()
    made = p.create(checked(p, inputs(ward)))
    assert time.monotonic() - started >= 1.0  # Retry-After: 1 was honoured
    seen = statuses(tenant)
    assert ("POST", GROUPS, 429) in seen and ("POST", GROUPS, 201) in seen
    assert len(made.outs["group_ids"]) == 2 and len(groups_of(tenant, ward)) == 2


def test_documented_shifts_rates_throttle_with_retry_after(tenant: Emulator, ward):
    # Throttling mode: Shifts deletes are 15 a second per app and tenant.
    faults(tenant, scheduleProvisionMs=0)
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    faults(tenant, scheduleProvisionMs=0, throttling=True)
    path = f"/v1.0{GROUPS.format(tid=ward)}/{made.outs['group_ids']['Nurses']}"
    with tenant.client(headers=tenant.headers(GRAPH_SCOPE)) as c:
        codes = [c.delete(path) for _ in range(40)]
    throttled = [r for r in codes if r.status_code == 429]
    assert throttled and all(r.status_code in (204, 429) for r in codes)
    assert throttled[0].headers["Retry-After"] == "1"
    assert throttled[0].headers["x-ms-throttle-scope"] == "teams-schedule-delete"


def test_read_shows_drift_and_update_repairs_it(tenant: Emulator, ward):
    p = WardScheduleProvider()
    raw = checked(p, inputs(ward))
    made = p.create(raw)
    assert p.diff(ward, p.read(ward, made.outs).outs, raw).changes is False
    # By hand: another time zone, a nurse removed, the physicians' group deactivated.
    r = tenant.graph("PUT", f"/teams/{ward}/schedule", json={"enabled": True, "timeZone": "UTC"})
    assert r.status_code == 200, r.text
    nurses, physicians = made.outs["group_ids"]["Nurses"], made.outs["group_ids"]["Physicians"]
    body = {"displayName": "Nurses", "isActive": True, "userIds": [user_id(tenant, NURSES[0])]}
    assert tenant.graph("PUT", f"{GROUPS.format(tid=ward)}/{nurses}", json=body).status_code == 200
    assert tenant.graph("DELETE", f"{GROUPS.format(tid=ward)}/{physicians}").status_code == 204
    read = p.read(ward, made.outs)
    assert read.outs["time_zone"] == "UTC"
    assert read.outs["groups"] == [{"name": "Nurses", "members": [NURSES[0]]}]
    assert p.diff(ward, read.outs, raw).changes is True
    updated = p.update(ward, read.outs, raw)
    assert updated.outs["group_ids"] == made.outs["group_ids"]  # reactivated, not remade
    assert state(tenant, "schedule")[ward]["timeZone"] == "America/Toronto"
    assert all(g["isActive"] for g in groups_of(tenant, ward))
    again = p.read(ward, updated.outs)
    assert p.diff(ward, again.outs, raw).changes is False


def test_a_schedule_disabled_by_hand_is_a_change(tenant: Emulator, ward):
    p = WardScheduleProvider()
    raw = checked(p, inputs(ward))
    made = p.create(raw)
    body = {"enabled": False, "timeZone": "America/Toronto"}
    assert tenant.graph("PUT", f"/teams/{ward}/schedule", json=body).status_code == 200
    read = p.read(ward, made.outs)
    assert read.outs["enabled"] is False and p.diff(ward, read.outs, raw).changes is True
    p.update(ward, read.outs, raw)
    assert state(tenant, "schedule")[ward]["enabled"] is True


def test_update_changes_settings_adds_and_drops_groups(tenant: Emulator, ward):
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    news = checked(
        p,
        inputs(
            ward,
            time_clock_enabled=True,
            swap_shifts_requests_enabled=False,
            groups=[{"name": "Nurses", "members": NURSES}, {"name": "Clerks", "members": []}],
        ),
        made.outs,
    )
    assert p.diff(ward, made.outs, news).replaces == []
    updated = p.update(ward, made.outs, news)
    schedule = state(tenant, "schedule")[ward]
    assert schedule["timeClockEnabled"] is True and schedule["swapShiftsRequestsEnabled"] is False
    groups = {g["displayName"]: g for g in groups_of(tenant, ward)}
    # Physicians is no longer declared: deactivated, kept with its shifts.
    assert groups["Physicians"]["isActive"] is False and groups["Clerks"]["isActive"] is True
    assert set(updated.outs["group_ids"]) == {"Nurses", "Clerks"}


def test_another_team_is_a_replacement(tenant: Emulator, ward):
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    other = "0f0e0d0c-0b0a-4909-8807-060504030201"
    assert p.diff(ward, made.outs, checked(p, inputs(other))).replaces == ["team_id"]


def test_delete_deactivates_the_groups_and_keeps_the_schedule(tenant: Emulator, ward):
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    p.delete(ward, made.outs)
    assert state(tenant, "schedule")[ward]["enabled"] is True
    groups = groups_of(tenant, ward)
    assert len(groups) == 2 and not any(g["isActive"] for g in groups)
    assert ("DELETE", GROUPS + "/{gid}", 204) in statuses(tenant)
    # Declared again, the groups come back: adopted by name and reactivated.
    again = p.create(checked(p, inputs(ward)))
    assert again.outs["group_ids"] == made.outs["group_ids"]
    assert all(g["isActive"] for g in groups_of(tenant, ward))


def test_delete_with_allow_data_deletion_disables_the_schedule(tenant: Emulator, ward):
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward, allow_data_deletion=True)))
    assert made.outs["retained"] == []
    p.delete(ward, made.outs)
    schedule = state(tenant, "schedule")[ward]
    assert schedule["enabled"] is False and schedule["timeZone"] == "America/Toronto"
    # Graph offers no delete of a schedule or a group: they stay, inactive.
    assert len(groups_of(tenant, ward)) == 2


def test_delete_after_the_team_is_gone_is_quiet(tenant: Emulator, ward):
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    assert tenant.graph("DELETE", f"/groups/{ward}").status_code == 204
    p.delete(ward, made.outs)
    assert p.read(ward, made.outs).id is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"team_id": "ward-4"}, "team_id"),
        ({"time_zone": "Eastern Standard Time"}, "time_zone"),
        ({"time_zone": "America/Torontoo"}, "time_zone"),
        ({"groups": [{"name": "", "members": []}]}, "groups.0.name"),
        ({"groups": [{"name": " Nurses", "members": []}]}, "groups.0.name"),
        ({"groups": [{"name": "N" * 101, "members": []}]}, "groups.0.name"),
        ({"groups": [{"name": "Nurses", "members": ["not a user"]}]}, "groups.0.members"),
        (
            {"groups": [{"name": "Nurses", "members": [NURSES[0], NURSES[0].upper()]}]},
            "groups.0.members",
        ),
        ({"groups": [{"name": "Nurses"}, {"name": "nurses"}]}, "groups"),
        ({"groups": [{"name": "Nurses", "role": "x"}]}, "groups.0.role"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"open_shifts_enabled": "sometimes"}, "open_shifts_enabled"),
        ({"enabled": False}, "enabled"),
    ],
)
def test_bad_inputs_fail_check_and_nothing_is_sent(tenant: Emulator, change, field):
    p = WardScheduleProvider()
    since = tenant.requests()["last"]
    result = p.check({}, {**inputs("6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"), **change})
    assert field in [f.property for f in result.failures], result.failures
    assert tenant.requests(since)["entries"] == []


def test_check_lists_every_problem(tenant: Emulator):
    p = WardScheduleProvider()
    result = p.check(
        {},
        {
            "team_id": "ward-4",
            "time_zone": "Mars/Olympus",
            "groups": [{"name": "", "members": ["nobody"]}, {"name": "RN"}, {"name": "rn"}],
            "time_clock_enabled": "sometimes",
        },
    )
    fields = {f.property for f in result.failures}
    # A repeated group name is reported beside the other problems, not instead of them.
    assert {"team_id", "time_zone", "groups.0.name", "groups.0.members", "groups"} <= fields
    assert "time_clock_enabled" in fields


def test_permission_denied_names_the_permission(tenant: Emulator, ward):
    configure_for(tenant, AUDITOR_APP, AUDITOR_SECRET)
    p = WardScheduleProvider()
    with pytest.raises(PermissionDenied) as err:
        p.create(checked(p, inputs(ward)))
    assert "Schedule.ReadWrite.All" in str(err.value) and "WardSchedule" in str(err.value)
    assert state(tenant, "schedule") == {}


def test_a_read_without_schedule_read_names_it(tenant: Emulator, ward):
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    configure_for(tenant, UNPRIVILEGED_APP, UNPRIVILEGED_SECRET)
    with pytest.raises(PermissionDenied) as err:
        p.read(ward, made.outs)
    assert str(err.value).startswith("WardSchedule needs Schedule.Read.All on")
    # The auditor, granted Schedule.Read.All, reads it.
    configure_for(tenant, AUDITOR_APP, AUDITOR_SECRET)
    assert p.read(ward, made.outs).outs["group_ids"] == made.outs["group_ids"]


def test_an_extra_active_group_of_a_declared_name_is_deactivated(tenant: Emulator, ward):
    # Should Graph accept a second group of one name (the emulator answers 409), the next
    # run keeps the one it knows and deactivates the other.
    p = WardScheduleProvider()
    made = p.create(checked(p, inputs(ward)))
    inputs_ = p.parse(made.outs, WardScheduleInputs)
    existing = p._groups(ward)
    twin = {**existing[0], "id": "TAG_00000000-0000-4000-8000-000000000001"}
    since = tenant.requests()["last"]
    ids = p._ensure_groups(inputs_, made.outs["resolved"], [*existing, twin], {}, [])
    assert ids == made.outs["group_ids"]
    deletes = [e["path"] for e in tenant.requests(since)["entries"] if e["method"] == "DELETE"]
    assert deletes == [f"/v1.0/teams/{ward}/schedule/schedulingGroups/{twin['id']}"]
