"""Adoption of the care kinds: WardSchedule, PatientList, PartnerTenant, VirtualVisits.

As tests/resources/test_adoption.py does for groups: each object is made by hand straight
through Graph (not by hcinfra), adopted under HCINFRA_ADOPT=1 with no write, its outputs
complete; the diff against the declaration is empty when the live object matches it and
one update (no replace) when a setting differs; no match is refused as NOT_FOUND, and two
possible matches as AMBIGUOUS naming both, where the service allows two.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
import yaml

from hcinfra.clients import connection
from hcinfra.resources.adoption import AMBIGUOUS, NOT_FOUND, UNSUPPORTED
from hcinfra.resources.partner_tenant import PartnerTenant, PartnerTenantProvider
from hcinfra.resources.patient_list import PatientList, PatientListProvider
from hcinfra.resources.patient_list.columns import PATIENT_COLUMNS, definition
from hcinfra.resources.virtual_visits import VirtualVisitsProvider
from hcinfra.resources.virtual_visits.resource import VirtualVisits
from hcinfra.resources.ward_schedule import WardSchedule, WardScheduleProvider
from tests.emulator.delegated import delegated_headers
from tests.emulator.docexamples import unified_group, user_id
from tests.emulator.harness import Emulator
from tests.resources.conftest import configure_for
from tests.resources.test_adoption_policies import adopt, checked, declared_outputs, refused

MANAGER = "claire.dubois@northwindhealth.org"
NURSES = ["nurse001@northwindhealth.org", "nurse002@northwindhealth.org"]
PHYSICIAN = "physician001@northwindhealth.org"


def faults(emu: Emulator, **config: object) -> None:
    emu.admin("PUT", "faults", json=config).raise_for_status()


# -- WardSchedule ------------------------------------------------------------------

SCHEDULE = "/teams/{tid}/schedule"


@pytest.fixture
def ward(tenant: Emulator) -> str:
    """A ward's team made straight through Graph; schedules provision at once."""
    faults(tenant, scheduleProvisionMs=0)
    gid = unified_group(tenant, "stm-ward-4", MANAGER)
    r = tenant.graph("PUT", f"/groups/{gid}/team", json={})
    assert r.status_code == 201, r.text
    return gid


def hand_made_schedule(emu: Emulator, tid: str, groups: dict[str, list[str]], **body) -> None:
    """The schedule enabled by hand in Shifts, with its scheduling groups."""
    settings = {"enabled": True, "timeZone": "America/Toronto", "timeClockEnabled": False, **body}
    r = emu.graph("PUT", SCHEDULE.format(tid=tid), json=settings)
    assert r.status_code == 200, r.text
    for name, members in groups.items():
        group = {
            "displayName": name,
            "isActive": True,
            "userIds": [user_id(emu, m) for m in members],
        }
        r = emu.graph("POST", f"{SCHEDULE.format(tid=tid)}/schedulingGroups", json=group)
        assert r.status_code == 201, r.text


def schedule_inputs(tid: str, **extra: object) -> dict:
    return {
        "team_id": tid,
        "time_zone": "America/Toronto",
        "groups": [
            {"name": "Nurses", "members": NURSES},
            {"name": "Physicians", "members": [PHYSICIAN]},
        ],
        **extra,
    }


def test_a_hand_made_ward_schedule_is_adopted_with_no_write(
    tenant: Emulator, ward: str, monkeypatch: pytest.MonkeyPatch
):
    # An undeclared group of the schedule is left alone (it is not the resource's).
    hand_made_schedule(
        tenant, ward, {"Nurses": NURSES, "Physicians": [PHYSICIAN], "Porters": [MANAGER]}
    )
    p = WardScheduleProvider()
    props = checked(p, schedule_inputs(ward))
    made = adopt(p, props, tenant, monkeypatch)
    assert made.id == ward  # the team's id, as a create names it
    declared_outputs(WardSchedule, made.outs)
    assert set(made.outs["group_ids"]) == {"Nurses", "Physicians"}
    assert made.outs["groups"] == props["groups"]
    assert made.outs["enabled"] is True and made.outs["provision_status"] == "Completed"
    assert made.outs["member_ids"]["Physicians"] == [user_id(tenant, PHYSICIAN)]
    assert made.outs["resolved"][NURSES[0]] == user_id(tenant, NURSES[0])
    assert p.diff(ward, made.outs, props).changes is False


@pytest.mark.parametrize(
    ("groups", "body"),
    [
        ({"Nurses": NURSES, "Physicians": [PHYSICIAN]}, {"timeClockEnabled": True}),
        ({"Nurses": NURSES[:1], "Physicians": [PHYSICIAN]}, {}),  # a nurse missing
        ({"Nurses": NURSES}, {}),  # the physicians' group missing
    ],
    ids=["setting", "member", "group"],
)
def test_an_adopted_ward_schedule_that_differs_plans_one_update(
    tenant: Emulator,
    ward: str,
    monkeypatch: pytest.MonkeyPatch,
    groups: dict[str, list[str]],
    body: dict,
):
    hand_made_schedule(tenant, ward, groups, **body)
    p = WardScheduleProvider()
    props = checked(p, schedule_inputs(ward))
    made = adopt(p, props, tenant, monkeypatch)
    planned = p.diff(ward, made.outs, props)
    assert planned.changes is True and not planned.replaces


def test_a_team_without_a_usable_schedule_is_refused(
    tenant: Emulator, ward: str, monkeypatch: pytest.MonkeyPatch
):
    # A team has one schedule at most: nothing can match twice.
    p = WardScheduleProvider()
    props = checked(p, schedule_inputs(ward))
    message = refused(p, props, tenant, monkeypatch)
    assert message.startswith(NOT_FOUND) and f"schedule of team {ward}" in message
    # A schedule disabled by hand is not taken either: `up` enables it.
    hand_made_schedule(tenant, ward, {}, enabled=False)
    message = refused(p, props, tenant, monkeypatch)
    assert message.startswith(NOT_FOUND) and "enabled: False" in message
    # Nor one Shifts is still provisioning.
    faults(tenant, scheduleProvisionMs=60_000)
    other = unified_group(tenant, "stm-ward-5", MANAGER)
    assert tenant.graph("PUT", f"/groups/{other}/team", json={}).status_code == 201
    hand_made_schedule(tenant, other, {})
    message = refused(p, checked(p, schedule_inputs(other)), tenant, monkeypatch)
    assert message.startswith(NOT_FOUND) and "provisionStatus NotStarted" in message


# -- PatientList -------------------------------------------------------------------

CODE_STATUS = {
    "name": "CodeStatus",
    "display_name": "Code status",
    "type": "choice",
    "choices": ["Full code", "DNR"],
    "required": True,
}
ALLERGIES = {"name": "Allergies", "type": "note"}
# The two extra columns as an administrator makes them in Graph.
HAND_MADE_COLUMNS = [
    {
        "name": "CodeStatus",
        "displayName": "Code status",
        "required": True,
        "choice": {"choices": ["Full code", "DNR"]},
    },
    {"name": "Allergies", "displayName": "Allergies", "text": {"allowMultipleLines": True}},
]


def team_site(emu: Emulator, gid: str) -> str:
    r = emu.graph("GET", f"/groups/{gid}/sites/root")
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


def hand_made_list(emu: Emulator, gid: str, name: str = "Patients", **body: object) -> str:
    """A list made straight through Graph: the Patients columns (hcinfra's set, as the
    baseline defines them) and the site's two extra ones."""
    columns = [definition(c) for c in PATIENT_COLUMNS] + HAND_MADE_COLUMNS
    doc = {"displayName": name, "columns": columns, "list": {"template": "genericList"}, **body}
    r = emu.graph("POST", f"/sites/{team_site(emu, gid)}/lists", json=doc)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def list_inputs(gid: str, **extra: object) -> dict:
    return {"group_id": gid, "columns": [CODE_STATUS, ALLERGIES], **extra}


def test_a_hand_made_patient_list_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = unified_group(tenant, "stm-ward-3n", MANAGER)
    hand_made_list(tenant, gid, "Rounds")  # another list of the site is no match
    lid = hand_made_list(tenant, gid, "patients")  # the name in another case is
    p = PatientListProvider()
    props = checked(p, list_inputs(gid))
    made = adopt(p, props, tenant, monkeypatch)
    assert made.id == lid  # the list's id, as a create names it
    declared_outputs(PatientList, made.outs)
    assert made.outs["list_id"] == lid and made.outs["site_id"] == team_site(tenant, gid)
    assert made.outs["drifted_columns"] == [] and made.outs["unmanaged_columns"] == []
    assert made.outs["column_names"][-2:] == ["CodeStatus", "Allergies"]
    # Graph v1.0 cannot rename a list: a name in another case is a replacement, and the
    # declaration here names it "Patients" while the live one is "patients".
    assert p.diff(lid, made.outs, props).replaces == ["display_name"]
    same = checked(p, list_inputs(gid, display_name="patients"))
    assert p.diff(lid, adopt(p, same, tenant, monkeypatch).outs, same).changes is False


def test_an_adopted_patient_list_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = unified_group(tenant, "stm-ward-3n", MANAGER)
    hand_made_list(tenant, gid)
    p = PatientListProvider()
    # The file declares one column the list lacks.
    bed_side = {"name": "BedSide", "display_name": "Bed side", "type": "text"}
    props = checked(p, list_inputs(gid, columns=[CODE_STATUS, ALLERGIES, bed_side]))
    made = adopt(p, props, tenant, monkeypatch)
    planned = p.diff(made.id, made.outs, props)
    assert planned.changes is True and not planned.replaces
    # And a list whose extra columns the file does not declare shows them as unmanaged.
    fewer = checked(p, list_inputs(gid, columns=[CODE_STATUS]))
    assert adopt(p, fewer, tenant, monkeypatch).outs["unmanaged_columns"] == ["Allergies"]


def test_no_patient_list_on_the_site_or_no_site_is_refused(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    # SharePoint keeps list titles unique on a site (409 nameAlreadyExists, whatever the
    # case): two lists of the name cannot exist, so AMBIGUOUS is not tested here.
    gid = unified_group(tenant, "stm-ward-3n", MANAGER)
    p = PatientListProvider()
    message = refused(p, checked(p, list_inputs(gid)), tenant, monkeypatch)
    assert message.startswith(NOT_FOUND) and f"list 'Patients' of group {gid}" in message
    security = tenant.make_group("stm-clinical-sg")  # a security group has no site
    message = refused(p, checked(p, list_inputs(security)), tenant, monkeypatch)
    assert message.startswith(NOT_FOUND)


def test_a_library_of_the_declared_name_is_not_adopted(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    gid = unified_group(tenant, "stm-ward-3n", MANAGER)
    sid = team_site(tenant, gid)
    # The site answers that its "Patients" is a document library.
    library = {"id": "b57af081-936c-4803-a120-d94887b03864", "displayName": "Patients"}
    body = {"value": [{**library, "list": {"template": "documentLibrary"}}]}
    rule = {"match": f"GET /v1.0/sites/{sid}/lists", "respond": {"status": 200, "body": body}}
    faults(tenant, rules=[rule])
    p = PatientListProvider()
    message = refused(p, checked(p, list_inputs(gid)), tenant, monkeypatch)
    assert UNSUPPORTED in message and "is a documentLibrary" in message


# -- PartnerTenant -----------------------------------------------------------------

PARTNER = "3d0f5dec-5d3d-455c-8016-e2af1ae4d31a"
XTAP = "/policies/crossTenantAccessPolicy/partners"
FED = "/Skype.Policy/configurations/TenantFederationSettings/configuration/Global"
DIRECT = {  # B2B direct connect for all users and Office 365, as Entra's portal sets it
    "usersAndGroups": {
        "accessType": "allowed",
        "targets": [{"target": "AllUsers", "targetType": "user"}],
    },
    "applications": {
        "accessType": "allowed",
        "targets": [{"target": "Office365", "targetType": "application"}],
    },
}


def hand_made_partner(emu: Emulator, tid: str = PARTNER, **body: object) -> None:
    doc = {
        "tenantId": tid,
        "b2bDirectConnectInbound": DIRECT,
        "b2bDirectConnectOutbound": DIRECT,
        "inboundTrust": {"isMfaAccepted": True, "isCompliantDeviceAccepted": False},
        **body,
    }
    r = emu.graph("POST", XTAP, json=doc)
    assert r.status_code == 201, r.text


def allow_only(emu: Emulator, *domains: str) -> None:
    r = emu.teams_admin("PUT", FED, json={"AllowedDomains": {"AllowList": list(domains)}})
    assert r.status_code == 204, r.text


def partner_inputs(**extra: object) -> dict:
    return {"tenant_id": PARTNER, "domains": ["partnerhealth.org"], "trust_mfa": True, **extra}


def test_a_hand_made_partner_tenant_is_adopted_with_no_write(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch
):
    hand_made_partner(tenant)
    allow_only(tenant, "fabrikam.com", "partnerhealth.org")
    p = PartnerTenantProvider()
    props = checked(p, partner_inputs())
    made = adopt(p, props, tenant, monkeypatch)
    assert made.id == PARTNER  # the tenant id, as a create names it
    declared_outputs(PartnerTenant, made.outs)
    assert made.outs["adopted"] is True and made.outs["federation_mode"] == "allow_list"
    assert made.outs["federated_domains"] == ["partnerhealth.org"]
    assert made.outs["shared_channels"] is True and made.outs["trust_mfa"] is True
    assert p.diff(PARTNER, made.outs, props).changes is False


@pytest.mark.parametrize(
    ("partner", "allowed"),
    [
        ({"b2bDirectConnectOutbound": None}, ("partnerhealth.org",)),  # no shared channels
        ({}, ("fabrikam.com",)),  # the partner's domain is not let in
    ],
    ids=["direct-connect", "domain"],
)
def test_an_adopted_partner_that_differs_plans_one_update(
    tenant: Emulator, monkeypatch: pytest.MonkeyPatch, partner: dict, allowed: tuple
):
    hand_made_partner(tenant, **partner)
    allow_only(tenant, *allowed)
    p = PartnerTenantProvider()
    props = checked(p, partner_inputs())
    made = adopt(p, props, tenant, monkeypatch)
    planned = p.diff(PARTNER, made.outs, props)
    assert planned.changes is True and not planned.replaces


def test_a_tenant_that_is_no_partner_is_refused(tenant: Emulator, monkeypatch: pytest.MonkeyPatch):
    # Graph keeps one configuration per partner tenant id: nothing can match twice.
    hand_made_partner(tenant, "5e1f6ab2-7c3d-4e8f-9a0b-1c2d3e4f5a6b")  # another partner
    p = PartnerTenantProvider()
    message = refused(p, checked(p, partner_inputs()), tenant, monkeypatch)
    assert message.startswith(NOT_FOUND) and PARTNER in message


# -- VirtualVisits -----------------------------------------------------------------

VISITS = "STM Virtual Visits"
DOCTOR = "physician001@northwindhealth.org"
BUSINESSES = "/v1.0/solutions/bookingBusinesses"
# An app granted Bookings.Read.All and nothing else: what adopting a calendar needs.
READER_APP = "2b3c4d5e-6f70-4a8b-9c0d-1e2f3a4b5c6d"
READER_SECRET = "emulator-only-bookings-reader-secret"


@pytest.fixture
def bookings_reader(emu: Emulator) -> Iterator[Emulator]:
    """The default seed plus READER_APP, the providers signed in as it (app-only, and
    no delegated sign-in configured); the default seed again afterwards."""
    seed = yaml.safe_load(
        resources.files("hcinfra.emulator").joinpath("seeds/default.yaml").read_text()
    )
    original = yaml.safe_dump(seed)
    seed["apps"].append(
        {
            "clientId": READER_APP,
            "displayName": "bookings-reader",
            "clientSecret": READER_SECRET,
            "graphPermissions": ["Bookings.Read.All"],
        }
    )
    emu.admin("POST", "seed", content=yaml.safe_dump(seed)).raise_for_status()
    configure_for(emu, READER_APP, READER_SECRET)
    try:
        yield emu
    finally:
        connection.configure({})
        emu.admin("POST", "seed", content=original).raise_for_status()


def hand_made_business(emu: Emulator, name: str = VISITS, duration: str = "PT30M") -> str:
    """A calendar made in Bookings by a signed-in administrator: staff, a service, published."""
    with emu.client(headers=delegated_headers(emu)) as c:
        r = c.post(BUSINESSES, json={"displayName": name, "email": "visits@stm.org"})
        assert r.status_code == 201, r.text
        bid = str(r.json()["id"])
        doctor = {"displayName": "Physician 1", "emailAddress": DOCTOR, "role": "teamMember"}
        r = c.post(f"{BUSINESSES}/{bid}/staffMembers", json=doctor)
        assert r.status_code == 201, r.text
        service = {
            "displayName": "Follow-up visit",
            "defaultDuration": duration,
            "isLocationOnline": True,
            "smsNotificationsEnabled": False,
            "staffMemberIds": [r.json()["id"]],
        }
        r = c.post(f"{BUSINESSES}/{bid}/services", json=service)
        assert r.status_code == 201, r.text
        assert c.post(f"{BUSINESSES}/{bid}/publish").status_code == 204
    return bid


def visits_inputs(**extra: object) -> dict:
    return {
        "display_name": VISITS,
        "email": "visits@stm.org",
        "staff": [{"display_name": "Physician 1", "email": DOCTOR, "role": "teamMember"}],
        "services": [{"display_name": "Follow-up visit", "duration": "PT30M", "staff": [DOCTOR]}],
        "published": True,
        **extra,
    }


def test_a_hand_made_calendar_is_adopted_app_only_with_bookings_read(
    bookings_reader: Emulator, monkeypatch: pytest.MonkeyPatch
):
    emu = bookings_reader
    bid = hand_made_business(emu)
    p = VirtualVisitsProvider()
    props = checked(p, visits_inputs())
    mark = emu.requests()["last"]
    made = adopt(p, props, emu, monkeypatch)
    assert made.id == bid  # the business's mailbox address, as a create names it
    declared_outputs(VirtualVisits, made.outs)
    assert made.outs["business_id"] == bid and made.outs["public_url"]
    assert list(made.outs["staff_ids"]) == [DOCTOR]
    assert list(made.outs["service_ids"]) == ["Follow-up visit"]
    assert made.outs["unmanaged_staff"] == [] and made.outs["unmanaged_services"] == []
    assert made.outs["retained"]
    # Every Bookings call was the read-only app's own (no signed-in user's token).
    callers = {e["app_id"] for e in emu.requests(mark)["entries"] if "/solutions/" in e["path"]}
    assert callers == {READER_APP}
    assert p.diff(bid, made.outs, props).changes is False


def test_an_adopted_calendar_that_differs_plans_one_update(
    bookings_reader: Emulator, monkeypatch: pytest.MonkeyPatch
):
    bid = hand_made_business(bookings_reader, duration="PT45M")
    p = VirtualVisitsProvider()
    props = checked(p, visits_inputs())
    made = adopt(p, props, bookings_reader, monkeypatch)
    assert made.id == bid and made.outs["services"][0]["duration"] == "PT45M"
    planned = p.diff(bid, made.outs, props)
    assert planned.changes is True and not planned.replaces


def test_no_calendar_and_two_calendars_of_the_name_are_refused(
    bookings_reader: Emulator, monkeypatch: pytest.MonkeyPatch
):
    emu = bookings_reader
    hand_made_business(emu, "STM Outpatient Visits")  # another name is no match
    p = VirtualVisitsProvider()
    props = checked(p, visits_inputs())
    message = refused(p, props, emu, monkeypatch)
    assert message.startswith(NOT_FOUND) and VISITS in message
    # Bookings gives a repeated name a mailbox of its own: two calendars can match.
    first, second = hand_made_business(emu), hand_made_business(emu, VISITS.upper())
    message = refused(p, props, emu, monkeypatch)
    assert message.startswith(AMBIGUOUS) and first in message and second in message
