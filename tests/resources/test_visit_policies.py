"""The meeting policies of virtual visits: TeamsMeetingPolicy's lobby, recording and
transcription settings, and TeamsVirtualAppointmentsPolicy, made and assigned by group."""

from __future__ import annotations

import pytest

from hcinfra.resources.group_policy_assignment import GroupPolicyAssignmentProvider
from hcinfra.resources.teams_policy import TeamsPolicyProvider
from tests.emulator.harness import Emulator

CFG = "/Skype.Policy/configurations"
LOBBY = {
    "AutoAdmittedUsers": "EveryoneInCompanyExcludingGuests",
    "AllowPSTNUsersToBypassLobby": False,
    "AllowAnonymousUsersToJoinMeeting": True,
    "AllowCloudRecording": False,
    "AllowTranscription": False,
    "AllowRecordingStorageOutsideRegion": False,
}
SMS = {
    "policy_type": "TeamsVirtualAppointmentsPolicy",
    "name": "Visit SMS",
    "settings": {"EnableSmsNotifications": False},
}


def checked(p, raw: dict) -> dict:
    result = p.check({}, raw)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def failures(p, raw: dict) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in p.check({}, raw).failures]


def instance(emu: Emulator, policy_type: str, name: str) -> dict:
    r = emu.teams_admin("GET", f"{CFG}/{policy_type}/configuration/Tag:{name}")
    assert r.status_code == 200, r.text
    return r.json()


def test_a_meeting_policy_sends_external_participants_to_the_lobby(tenant: Emulator):
    p = TeamsPolicyProvider()
    raw = {"policy_type": "TeamsMeetingPolicy", "name": "Virtual Visits", "settings": LOBBY}
    p.create(checked(p, raw))
    doc = instance(tenant, "TeamsMeetingPolicy", "Virtual Visits")
    assert {k: doc[k] for k in LOBBY} == LOBBY


@pytest.mark.parametrize(
    "value",
    [
        "EveryoneInCompany",
        "EveryoneInSameAndFederatedCompany",
        "Everyone",
        "OrganizerOnly",
        "EveryoneInCompanyExcludingGuests",
        "InvitedUsers",
    ],
)
def test_every_documented_lobby_value_is_accepted(value: str):
    p = TeamsPolicyProvider()
    raw = {
        "policy_type": "TeamsMeetingPolicy",
        "name": "V",
        "settings": {"AutoAdmittedUsers": value},
    }
    assert failures(p, raw) == []


def test_an_undocumented_lobby_value_is_refused_at_check():
    p = TeamsPolicyProvider()
    settings = {"AutoAdmittedUsers": "Nobody", "AllowCloudRecording": "no"}
    raw = {"policy_type": "TeamsMeetingPolicy", "name": "V", "settings": settings}
    found = failures(p, raw)
    assert any(path == "settings.AutoAdmittedUsers" for path, _ in found)
    assert any(path == "settings.AllowCloudRecording" for path, _ in found)


def test_a_virtual_appointments_policy_sets_sms_notifications(tenant: Emulator):
    p = TeamsPolicyProvider()
    made = p.create(checked(p, SMS))
    assert made.id == "TeamsVirtualAppointmentsPolicy/Tag:Visit SMS"
    assert instance(tenant, "TeamsVirtualAppointmentsPolicy", "Visit SMS") == {
        "Identity": "Tag:Visit SMS",
        "EnableSmsNotifications": False,
    }
    read = p.read(made.id, dict(made.outs))
    assert read.outs["settings"] == {"EnableSmsNotifications": False}
    news = checked(p, {**SMS, "settings": {"EnableSmsNotifications": True}})
    p.update(made.id, dict(made.outs), news)
    assert instance(tenant, "TeamsVirtualAppointmentsPolicy", "Visit SMS")["EnableSmsNotifications"]


def test_a_virtual_appointments_policy_takes_only_its_one_setting():
    p = TeamsPolicyProvider()
    raw = {**SMS, "settings": {"Description": "visits", "EnableSmsNotifications": "yes"}}
    found = failures(p, raw)
    assert any(path == "settings.Description" and "not a setting" in why for path, why in found)
    assert any(path == "settings.EnableSmsNotifications" for path, _ in found)


def test_the_emulator_refuses_unknown_virtual_appointments_settings(tenant: Emulator):
    body = {"Identity": "Loud", "EnableSmsNotifications": True, "Description": "x"}
    r = tenant.teams_admin("POST", f"{CFG}/TeamsVirtualAppointmentsPolicy", json=body)
    assert r.status_code == 400 and r.json()["target"] == "Description"
    listed = tenant.teams_admin("GET", f"{CFG}/TeamsVirtualAppointmentsPolicy").json()
    assert listed == [{"Identity": "Global", "EnableSmsNotifications": True}]


def test_a_virtual_appointments_policy_is_assigned_to_a_group(tenant: Emulator):
    TeamsPolicyProvider().create(checked(TeamsPolicyProvider(), SMS))
    gid = tenant.make_group("visit-clinicians")
    p = GroupPolicyAssignmentProvider()
    raw = {
        "group_id": gid,
        "policy_type": "TeamsVirtualAppointmentsPolicy",
        "policy_name": "Visit SMS",
        "rank": 1,
    }
    made = p.create(checked(p, raw))
    assert made.outs["service_rank"] == 1
    r = tenant.teams_admin(
        "GET",
        f"/Skype.Policy/groupPolicyAssignments/{gid}/policyTypes/TeamsVirtualAppointmentsPolicy",
    )
    assert r.status_code == 200 and r.json()["policyName"] == "Visit SMS"
