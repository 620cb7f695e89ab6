"""Live records of the care-coordination kinds, the visits calendar and the partners, from
a snapshot as the tenant answers it; and the snapshot's reads of them, in batched rounds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hcinfra.audit.drift import compare_site
from hcinfra.audit.records import (
    Record,
    declared_site,
    declared_tenant,
    duration,
    live_care,
    live_tenant,
    wanted,
)
from hcinfra.audit.snapshot import AuditBatch, Calendar, Snapshot, Wanted, read_snapshot
from hcinfra.clients.errors import TenantError
from hcinfra.clients.graph_batch import Answer
from hcinfra.network import load_network
from hcinfra.network.plan import plan_site
from hcinfra.resources.partner_tenant.federation import Federation
from hcinfra.resources.patient_list.columns import PATIENT_COLUMNS, definition
from tests.conftest import REPO

NETWORK = load_network(REPO / "stacks" / "network.yaml")
PLAN = plan_site(NETWORK, "STM")
FABRIKAM = "0b7e3c2a-4d5f-4e6a-9b8c-7d6e5f4a3b2c"
OUTSIDER = "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
PHYSICIAN = "physician001@northwindhealth.org"
SETTINGS = {
    "openShiftsEnabled": True,
    "swapShiftsRequestsEnabled": True,
    "offerShiftRequestsEnabled": True,
    "timeOffRequestsEnabled": True,
    "timeClockEnabled": False,
}


def uid(upn: str) -> str:
    return f"id-{upn.split('@')[0]}"


def tenant_snapshot() -> Snapshot:
    """What Graph answers for STM's wards and calendar after a fresh deployment."""
    snap = Snapshot()
    for n, schedule in enumerate(PLAN.schedules):
        team = PLAN.team(schedule.team)
        gid = f"team-{n}"
        snap.groups[team.mail_nickname] = {"id": gid, "mailNickname": team.mail_nickname}
        snap.schedules[gid] = {
            "id": gid,
            "enabled": True,
            "timeZone": "America/Toronto",
            "provisionStatus": "Completed",
            **SETTINGS,
        }
        snap.scheduling_groups[gid] = [
            {
                "id": f"g{i}",
                "displayName": g.name,
                "isActive": True,
                "userIds": [uid(m) for m in g.members],
            }
            for i, g in enumerate(schedule.groups)
        ]
        patients = next(pl for pl in PLAN.patient_lists if pl.team == schedule.team)
        columns = [
            {"name": "Title", "displayName": "Title", "text": {}, "required": True},
            {"name": "ID", "displayName": "ID", "number": {}, "readOnly": True},
            {"name": "_Hidden", "displayName": "x", "text": {}, "hidden": True},
            *(definition(c) for c in [*PATIENT_COLUMNS, *patients.columns]),
        ]
        snap.patient_lists[gid] = {
            "id": f"list-{n}",
            "displayName": "Patients",
            "description": patients.description,
            "columns": columns,
        }
    for group in PLAN.groups:
        for m in group.members:
            snap.upns[uid(m)] = m
    assert PLAN.visits
    staff = [
        {"id": f"s{n}", "emailAddress": m["email"], "role": m["role"], "displayName": "x"}
        for n, m in enumerate(PLAN.visits.staff)
    ]
    services = [
        {
            "id": f"v{n}",
            "displayName": s["display_name"],
            "defaultDuration": s["duration"],
            "isLocationOnline": True,
            "smsNotificationsEnabled": s["sms_notifications"],
            "staffMemberIds": [
                next(m["id"] for m in staff if m["emailAddress"] == e) for e in s["staff"]
            ],
        }
        for n, s in enumerate(PLAN.visits.services)
    ]
    business = {
        "id": "stmvirtualvisits@northwindhealth.onmicrosoft.com",
        "displayName": PLAN.visits.display_name,
        "email": PLAN.visits.email,
        "isPublished": True,
        "publicUrl": "https://outlook.office.com/book/x",
    }
    snap.calendars[PLAN.visits.display_name.lower()] = [Calendar(business, services, staff)]
    return snap


def care(records_: list[Record]) -> list[Record]:
    return [r for r in records_ if r["kind"] in ("WardSchedule", "PatientList", "VirtualVisits")]


def test_a_fresh_deployment_reads_back_as_declared() -> None:
    found, shadows = live_care(PLAN, tenant_snapshot())
    assert shadows == []
    assert [r["kind"] for r in found] == [
        "WardSchedule",
        "WardSchedule",
        "PatientList",
        "PatientList",
        "VirtualVisits",
    ]
    assert compare_site("STM", care(declared_site(NETWORK, "STM")), found, []) == []


def test_schedule_records_show_upns_and_keep_inactive_groups_apart() -> None:
    snap = tenant_snapshot()
    groups = snap.scheduling_groups["team-0"]
    groups[1]["isActive"] = False  # Nurse managers, deactivated
    groups.append(
        {
            "id": "g9",
            "displayName": "NURSES",
            "isActive": True,
            "userIds": ["ID-GONE", uid(PHYSICIAN)],
        }
    )
    record = live_care(PLAN, snap)[0][0]
    assert record["provision_status"] == "completed"  # one spelling, whatever Graph's case
    assert record["inactive_groups"] == ["Nurse managers"]
    assert set(record["groups"]) == {"Nurses", "NURSES (2)"}
    # A user no group read names is shown by id, lower-cased.
    assert record["groups"]["NURSES (2)"]["members"] == ["id-gone", PHYSICIAN]


def test_missing_schedules_lists_and_calendars_are_not_records() -> None:
    snap = tenant_snapshot()
    snap.schedules.pop("team-0")  # never made: Graph answered 404
    snap.patient_lists.pop("team-1")
    snap.calendars.clear()
    found, _ = live_care(PLAN, snap)
    assert [(r["kind"], r["name"]) for r in found] == [
        ("WardSchedule", "STM 4 Sud"),
        ("PatientList", "STM 3 Nord: Patients"),
    ]


def test_patient_list_records_leave_sharepoints_own_columns_out() -> None:
    record = next(r for r in live_care(PLAN, tenant_snapshot())[0] if r["kind"] == "PatientList")
    assert "Title" not in record["columns"] and "ID" not in record["columns"]
    assert "_Hidden" not in record["columns"]
    assert record["columns"]["Diagnosis"]["type"] == "note"  # text with allowMultipleLines


def test_visits_records_name_staff_by_email_and_durations_in_one_spelling() -> None:
    snap = tenant_snapshot()
    cal = snap.calendars["stm virtual visits"][0]
    cal.services[0]["defaultDuration"] = "PT0H30M0S"
    cal.staff[0]["emailAddress"] = PHYSICIAN.upper()
    second = Calendar({**cal.business, "id": "stmvirtualvisits2@x"})
    snap.calendars["stm virtual visits"].append(second)
    found, shadows = live_care(PLAN, snap)
    visits = found[-1]
    assert visits["services"]["Follow-up visit"]["duration"] == "PT30M"
    assert visits["services"]["Follow-up visit"]["staff"] == [PHYSICIAN]
    assert visits["staff"] == {PHYSICIAN: {"role": "teamMember"}}
    assert [(s["id"], s["shadow"]) for s in shadows] == [("stmvirtualvisits2@x", True)]


def test_durations() -> None:
    assert [duration(d) for d in ("PT75M", "PT1H15M", "P1DT2H", "PT0S", "bad")] == [
        "PT1H15M",
        "PT1H15M",
        "P1DT2H",
        "PT0S",
        "bad",
    ]


# --- the tenant ---------------------------------------------------------------------------


def partner_doc(tid: str, allowed: bool = True) -> dict[str, Any]:
    access = "allowed" if allowed else "blocked"
    setting = {
        "usersAndGroups": {
            "accessType": access,
            "targets": [{"target": "AllUsers", "targetType": "user"}],
        },
        "applications": {
            "accessType": access,
            "targets": [{"target": "Office365", "targetType": "application"}],
        },
    }
    return {
        "tenantId": tid,
        "b2bDirectConnectInbound": setting,
        "b2bDirectConnectOutbound": setting,
        "inboundTrust": {
            "isMfaAccepted": False,
            "isCompliantDeviceAccepted": False,
            "isHybridAzureADJoinedDeviceAccepted": False,
        },
    }


def test_partners_declared_undeclared_and_the_federation_settings() -> None:
    snap = Snapshot(
        partners=[partner_doc(OUTSIDER, allowed=False), partner_doc(FABRIKAM.upper())],
        federation=Federation(True, ("fabrikamhealth.org", "contoso.com"), ()),
    )
    found, shadows = live_tenant(NETWORK, snap)
    partner = next(r for r in found if r["kind"] == "PartnerTenant")
    assert partner["name"] == partner["id"] == FABRIKAM
    assert partner["partner"] == "Fabrikam Health"
    assert partner["domains"] == ["fabrikamhealth.org"]
    assert partner["b2b_direct_connect"]["inbound"]["applications"]["accessType"] == "allowed"
    federation = next(r for r in found if r["kind"] == "TeamsFederation")
    assert federation["allowed_domains"] == ["contoso.com", "fabrikamhealth.org"]
    assert federation["mode"] == "allow_list"
    assert [(s["name"], s["shadow"], s["settings"]["shared_channels"]) for s in shadows] == [
        (OUTSIDER, True, False)
    ]
    declared = [r for r in declared_tenant(NETWORK) if r["kind"] == "PartnerTenant"]
    assert compare_site("tenant", declared, found, []) == []


def test_partner_domains_teams_does_not_federate_with() -> None:
    for fed in (Federation(True, ("contoso.com",), ()), Federation(False, None, ())):
        snap = Snapshot(partners=[partner_doc(FABRIKAM)], federation=fed)
        partner = next(r for r in live_tenant(NETWORK, snap)[0] if r["kind"] == "PartnerTenant")
        assert partner["domains"] == []
    snap = Snapshot(partners=[partner_doc(FABRIKAM)], federation=Federation(True, None, ()))
    partner = next(r for r in live_tenant(NETWORK, snap)[0] if r["kind"] == "PartnerTenant")
    assert partner["domains"] == ["fabrikamhealth.org"]  # every known domain federates


def test_unread_partners_are_neither_records_nor_shadows() -> None:
    found, shadows = live_tenant(NETWORK, Snapshot())
    assert shadows == [] and not [r for r in found if r["kind"] != "TeamsPolicy"]


def test_wanted_follows_the_chosen_stacks() -> None:
    assert wanted(NETWORK, ["STM"]) == Wanted(
        schedules=("stm-ward-3-nord", "stm-ward-4-sud"),
        lists={"stm-ward-3-nord": "Patients", "stm-ward-4-sud": "Patients"},
        calendars=("STM Virtual Visits",),
        partners=False,
        # STM's members, whose effective Teams policies its own groups govern.
        users=(
            "claire.dubois@northwindhealth.org",
            "clerk001@northwindhealth.org",
            "manager001@northwindhealth.org",
            "nurse001@northwindhealth.org",
            "nurse002@northwindhealth.org",
            "physician001@northwindhealth.org",
            "room001@northwindhealth.org",
            "room002@northwindhealth.org",
        ),
    )
    # On site groups, the tenant stack governs nobody's Teams policies.
    assert wanted(NETWORK, ["tenant"]) == Wanted(partners=True)


# --- the reads ----------------------------------------------------------------------------


class FakeBatch:
    """Answers each round from `answer(url)`, recording the rounds."""

    def __init__(self, answer: Any) -> None:
        self.answer, self.rounds, self.calls = answer, [], 0

    def get(self, requests: dict[str, str]) -> dict[str, Answer]:
        self.rounds.append(dict(requests))
        self.calls += 1
        return {rid: self.answer(url) for rid, url in requests.items()}


class FakeTeams:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def call(self, method: str, path: str) -> Any:
        self.paths.append(path)
        if "TenantFederationSettings" in path:
            return {"Identity": "Global", "AllowedDomains": {}, "BlockedDomains": []}
        return []


class FakeExchange:
    def invoke(self, cmdlet: str, **params: Any) -> list[Any]:
        return []


class FakeConnection:
    def __init__(self) -> None:
        self.teams, self.exchange = FakeTeams(), FakeExchange()


WARD = {"id": "w1", "mailNickname": "stm-ward-3-nord", "resourceProvisioningOptions": ["Team"]}


def graph(url: str) -> Answer:
    if url.startswith("/groups?"):
        return Answer(200, {"value": [WARD]})
    if url == "/solutions/bookingBusinesses":
        return Answer(
            200,
            {
                "value": [
                    {"id": "b@x", "displayName": "STM Virtual Visits"},
                    {"id": "o@x", "displayName": "Other"},
                ]
            },
        )
    if url == "/solutions/bookingBusinesses/b@x":
        return Answer(200, {"id": "b@x", "displayName": "STM Virtual Visits"})
    if url.endswith("/schedule"):
        return Answer(200, {"id": "w1", "provisionStatus": "Completed", "enabled": True})
    if url.endswith("/schedulingGroups"):
        return Answer(200, {"value": [{"id": "g", "isActive": True, "userIds": ["u-9"]}]})
    if "/sites/root" in url:
        return Answer(200, {"id": "host,1,2"})
    if url.startswith("/sites/host,1,2/lists?"):
        return Answer(200, {"value": [{"id": "l1", "displayName": "PATIENTS"}]})
    if url.startswith("/users/u-9"):
        return Answer(200, {"id": "u-9", "userPrincipalName": "Nurse9@x.org"})
    if url.startswith("/sites/host,1,2/lists/l1"):
        return Answer(200, {"id": "l1", "columns": []})
    if url.startswith("/teams/"):
        return Answer(404, {})
    return Answer(200, {"value": []})


def test_the_reads_come_in_four_batched_rounds() -> None:
    conn = FakeConnection()
    batch = FakeBatch(graph)
    want = Wanted(
        schedules=("stm-ward-3-nord",),
        lists={"stm-ward-3-nord": "Patients"},
        calendars=("STM Virtual Visits",),
        partners=True,
    )
    snap = read_snapshot(conn, ["stm-"], [], batch, want)  # type: ignore[arg-type]
    first, second, third, fourth = batch.rounds
    assert {"partners", "businesses"} <= set(first)
    assert set(second) >= {
        "schedule/w1",
        "sgroups/w1",
        "site/w1",
        "business/0",
        "services/0",
        "staff/0",
    }
    assert "b@x" in second["business/0"] and not [u for u in second.values() if "o@x" in u]
    assert set(third) == {"lists/w1", "upn/u-9"}
    assert fourth == {"list/w1": "/sites/host,1,2/lists/l1?$expand=columns"}
    assert snap.upns["u-9"] == "nurse9@x.org"
    assert snap.patient_lists["w1"]["id"] == "l1"
    assert snap.calendars["stm virtual visits"][0].business["id"]
    assert snap.partners == [] and snap.federation and snap.federation.mode == "all_known_domains"
    assert conn.teams.paths[-1].endswith("TenantFederationSettings/configuration/Global")


def test_nothing_more_is_read_when_nothing_more_is_declared() -> None:
    batch = FakeBatch(graph)
    snap = read_snapshot(FakeConnection(), ["stm-"], [], batch)  # type: ignore[arg-type]
    assert len(batch.rounds) == 2
    assert snap.partners is None and snap.federation is None


def test_bookings_items_ask_for_evolvable_enum_members() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        import json

        body = json.loads(request.content)
        sent.extend(body["requests"])
        return httpx.Response(200, json={"responses": []})

    class Credential:
        def get_token(self, *scopes: str) -> Any:
            return type("T", (), {"token": "t"})()

    settings = type("S", (), {"graph_url": "https://graph.test/v1.0", "verify": True})()
    batch = AuditBatch.__new__(AuditBatch)
    batch.settings, batch.credential, batch.calls = settings, Credential(), 0  # type: ignore[assignment]
    batch.http = httpx.Client(transport=httpx.MockTransport(handler))
    batch._post({"a": "/solutions/bookingBusinesses/b@x/staffMembers", "b": "/groups/x"})
    assert sent[0]["headers"] == {"Prefer": "include-unknown-enum-members"}
    assert "headers" not in sent[1]


def test_effective_policies_are_read_in_round_three_and_looked_up_users_in_round_four() -> None:
    member = {"id": "U-1", "userPrincipalName": "Nurse1@x.org"}
    config = {"effectivePolicyAssignments": [{"policyType": "TeamsMessagingPolicy"}]}

    def answer(url: str) -> Answer:
        if url.startswith("/groups?"):
            return Answer(200, {"value": [{"id": "g1", "mailNickname": "stm-clinical"}]})
        if url.startswith("/groups/g1/members"):
            return Answer(200, {"value": [member]})
        if url.startswith("/users/nurse2@x.org"):
            return Answer(200, {"id": "U-2", "userPrincipalName": "nurse2@x.org"})
        if url.startswith("/users/"):
            return Answer(404, {"error": {"code": "Request_ResourceNotFound"}})
        if url.startswith("/admin/teams/userConfigurations/"):
            return Answer(200, config)
        return Answer(200, {"value": []})

    batch = FakeBatch(answer)
    want = Wanted(users=("nurse1@x.org", "nurse2@x.org", "gone@x.org"))
    snap = read_snapshot(FakeConnection(), ["stm-"], [], batch, want)  # type: ignore[arg-type]
    third, fourth = batch.rounds[2], batch.rounds[3]
    # A member a group read names is read by id at once; the others are looked up first.
    assert third == {
        "config/u-1": "/admin/teams/userConfigurations/u-1?$select=id,effectivePolicyAssignments",
        "uid/nurse2@x.org": "/users/nurse2@x.org?$select=id,userPrincipalName",
        "uid/gone@x.org": "/users/gone@x.org?$select=id,userPrincipalName",
    }
    assert fourth == {
        "config/u-2": "/admin/teams/userConfigurations/u-2?$select=id,effectivePolicyAssignments"
    }
    assert snap.effective == {
        "u-1": config["effectivePolicyAssignments"],
        "u-2": config["effectivePolicyAssignments"],
    }
    assert snap.upns["u-2"] == "nurse2@x.org" and "gone@x.org" not in snap.upns.values()


def test_a_refused_effective_policy_read_names_the_permission() -> None:
    def answer(url: str) -> Answer:
        if url.startswith("/groups?"):
            return Answer(200, {"value": [{"id": "g1", "mailNickname": "stm-clinical"}]})
        if url.startswith("/groups/g1/members"):
            return Answer(200, {"value": [{"id": "u-1", "userPrincipalName": "n@x.org"}]})
        if url.startswith("/admin/teams/"):
            return Answer(403, {"error": {"code": "Forbidden", "message": "Missing role"}})
        return Answer(200, {"value": []})

    want = Wanted(users=("n@x.org",))
    # A refused read fails the command: it must not pass as "no drift".
    with pytest.raises(TenantError, match=r"TeamsUserConfiguration\.Read\.All.*Missing role"):
        read_snapshot(FakeConnection(), ["stm-"], [], FakeBatch(answer), want)  # type: ignore[arg-type]
