"""The Teams admin service (what the MicrosoftTeams module calls), over HTTPS."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.harness import (
    AUDITOR_APP,
    AUDITOR_SECRET,
    GRAPH_SCOPE,
    HCINFRA_APP,
    TEAMS_SCOPE,
    Emulator,
)

CFG = "/Skype.Policy/configurations"
GPA = "/Skype.Policy/groupPolicyAssignments"
PACKAGES = "/Teams.VerticalPackaging/package"
TYPES = [
    "TeamsMessagingPolicy",
    "TeamsAppSetupPolicy",
    "TeamsMeetingPolicy",
    "TeamsCallingPolicy",
    "TeamsMeetingBroadcastPolicy",
    "TeamsChannelsPolicy",
]
# A Boolean setting of each type and its default, to update and check merges with.
FLAG = {
    "TeamsMessagingPolicy": ("AllowGiphy", True),
    "TeamsAppSetupPolicy": ("AllowSideLoading", True),
    "TeamsMeetingPolicy": ("AllowMeetNow", True),
    "TeamsCallingPolicy": ("AllowPrivateCalling", True),
    "TeamsMeetingBroadcastPolicy": ("AllowBroadcastScheduling", True),
    "TeamsChannelsPolicy": ("AllowOrgWideTeamCreation", True),
}
HEALTHCARE = ["Healthcare_ClinicalWorker", "Healthcare_InformationWorker", "Healthcare_PatientRoom"]
CALENDAR = "ef56c0de-36fc-4ef8-b417-3d82ba9d073c"
CHAT = "86fcd49b-61a2-4701-b771-54728cd291fb"


def call(emu: Emulator, method: str, path: str, **kw: Any) -> httpx.Response:
    """A Teams admin request as hcinfra-automation (Teams Administrator)."""
    with emu.client() as c:
        return c.request(method, path, headers=emu.headers(TEAMS_SCOPE), **kw)


def make_group(emu: Emulator, name: str) -> str:
    """A security group created through Graph; its object id."""
    body = {
        "displayName": name,
        "mailNickname": name.replace(" ", ""),
        "mailEnabled": False,
        "securityEnabled": True,
    }
    with emu.client() as c:
        r = c.post("/v1.0/groups", headers=emu.headers(GRAPH_SCOPE), json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def make_policy(emu: Emulator, ptype: str, name: str, **settings: Any) -> dict[str, Any]:
    r = call(emu, "POST", f"{CFG}/{ptype}", json={"Identity": name, **settings})
    assert r.status_code == 201, r.text
    return dict(r.json())


def assert_error(r: httpx.Response, status: int, code: str, target: str | None = None) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message", "target", "correlationId"}
    assert body["code"] == code and body["message"]
    if target is not None:
        assert body["target"] == target


# -- authentication and authorisation ----------------------------------------------------


def test_no_token_is_401_in_service_shape(emu: Emulator):
    with emu.client() as c:
        r = c.get(f"{CFG}/TeamsMessagingPolicy")
    assert_error(r, 401, "Unauthorized")
    assert "WWW-Authenticate" in r.headers


def test_graph_token_is_wrong_audience(emu: Emulator):
    with emu.client() as c:
        r = c.get(f"{CFG}/TeamsMessagingPolicy", headers=emu.headers(GRAPH_SCOPE))
    assert_error(r, 401, "Unauthorized")


def test_auditor_without_teams_admin_role_is_403(emu: Emulator):
    headers = emu.headers(TEAMS_SCOPE, app=AUDITOR_APP, secret=AUDITOR_SECRET)
    with emu.client() as c:
        reads = c.get(f"{CFG}/TeamsMessagingPolicy", headers=headers)
        writes = c.post(f"{CFG}/TeamsMessagingPolicy", headers=headers, json={"Identity": "Sneaky"})
    assert_error(reads, 403, "Forbidden")
    assert_error(writes, 403, "Forbidden")
    names = [p["Identity"] for p in call(emu, "GET", f"{CFG}/TeamsMessagingPolicy").json()]
    assert "Tag:Sneaky" not in names


# -- policy instances ------------------------------------------------------------------


@pytest.mark.parametrize("ptype", TYPES)
def test_list_is_bare_array_with_global_first(emu: Emulator, ptype: str):
    r = call(emu, "GET", f"{CFG}/{ptype}")
    assert r.status_code == 200
    items = r.json()
    assert isinstance(items, list)
    assert items[0]["Identity"] == "Global"
    assert {f"Tag:{p}" for p in HEALTHCARE} <= {i["Identity"] for i in items}
    flag, default = FLAG[ptype]
    assert items[0][flag] is default


@pytest.mark.parametrize("ptype", TYPES)
def test_create_read_update_delete(emu: Emulator, ptype: str):
    flag, default = FLAG[ptype]
    created = make_policy(emu, ptype, "Ward7")
    assert created["Identity"] == "Tag:Ward7"
    assert created[flag] is default  # missing settings take the type's defaults
    global_doc = call(emu, "GET", f"{CFG}/{ptype}/configuration/Global").json()
    assert {k: v for k, v in created.items() if k != "Identity"} == {
        k: v for k, v in global_doc.items() if k != "Identity"
    }
    for ident in ("Tag:Ward7", "Ward7", "tag:ward7"):
        r = call(emu, "GET", f"{CFG}/{ptype}/configuration/{ident}")
        assert r.status_code == 200 and r.json()["Identity"] == "Tag:Ward7"
    r = call(emu, "PUT", f"{CFG}/{ptype}/configuration/Ward7", json={flag: not default})
    assert r.status_code == 200 and r.json()[flag] is (not default)
    again = call(emu, "GET", f"{CFG}/{ptype}/configuration/Tag:Ward7").json()
    assert again == r.json()
    assert call(emu, "DELETE", f"{CFG}/{ptype}/configuration/Tag:Ward7").status_code == 204
    assert_error(call(emu, "GET", f"{CFG}/{ptype}/configuration/Ward7"), 404, "NotFound")
    assert_error(call(emu, "DELETE", f"{CFG}/{ptype}/configuration/Ward7"), 404, "NotFound")


def test_create_with_settings_normalises_enum_case(emu: Emulator):
    created = make_policy(
        emu,
        "TeamsMessagingPolicy",
        "Tag:Clinicians",
        Description="Nursing staff",
        AllowPriorityMessages=True,
        ReadReceiptsEnabledType="everyone",
        GiphyRatingType="STRICT",
        AllowGiphy=False,
    )
    assert created["Identity"] == "Tag:Clinicians"
    assert created["ReadReceiptsEnabledType"] == "Everyone"
    assert created["GiphyRatingType"] == "Strict"
    assert created["Description"] == "Nursing staff"
    assert created["AllowUserChat"] is True


def test_create_existing_is_conflict(emu: Emulator):
    make_policy(emu, "TeamsMeetingPolicy", "Rounds")
    r = call(emu, "POST", f"{CFG}/TeamsMeetingPolicy", json={"Identity": "Tag:rounds"})
    assert_error(r, 409, "Conflict", "Identity")
    r = call(emu, "POST", f"{CFG}/TeamsMeetingPolicy", json={"Identity": "Global"})
    assert_error(r, 409, "Conflict", "Identity")


def test_create_needs_identity_of_tag_scope(emu: Emulator):
    path = f"{CFG}/TeamsCallingPolicy"
    assert_error(
        call(emu, "POST", path, json={"AllowDelegation": False}), 400, "BadRequest", "Identity"
    )
    assert_error(
        call(emu, "POST", path, json={"Identity": "Site:Lab"}), 400, "BadRequest", "Identity"
    )
    assert_error(call(emu, "POST", path, json={"Identity": "Tag:"}), 400, "BadRequest", "Identity")
    assert_error(
        call(emu, "POST", path, json={"Identity": "Tag:Global"}), 400, "BadRequest", "Identity"
    )
    assert_error(call(emu, "POST", path, json=["Identity"]), 400, "BadRequest")


def test_global_can_be_updated_and_delete_only_resets_it(emu: Emulator):
    path = f"{CFG}/TeamsMessagingPolicy/configuration/Global"
    r = call(emu, "PUT", path, json={"AllowGiphy": False, "ReadReceiptsEnabledType": "None"})
    assert r.status_code == 200 and r.json()["AllowGiphy"] is False
    assert call(emu, "DELETE", path).status_code == 204
    after = call(emu, "GET", path)
    assert after.status_code == 200
    assert after.json()["AllowGiphy"] is True
    assert after.json()["ReadReceiptsEnabledType"] == "UserPreference"


def test_update_refuses_identity_in_body(emu: Emulator):
    make_policy(emu, "TeamsChannelsPolicy", "Students")
    r = call(
        emu,
        "PUT",
        f"{CFG}/TeamsChannelsPolicy/configuration/Students",
        json={"Identity": "Tag:Other", "AllowOrgWideTeamCreation": False},
    )
    assert_error(r, 400, "BadRequest", "Identity")
    doc = call(emu, "GET", f"{CFG}/TeamsChannelsPolicy/configuration/Students").json()
    assert doc["AllowOrgWideTeamCreation"] is True


BAD_SETTINGS = [
    ("TeamsMessagingPolicy", {"AllowGifs": True}, "AllowGifs"),
    ("TeamsMessagingPolicy", {"allowGiphy": False}, "allowGiphy"),
    ("TeamsMessagingPolicy", {"ReadReceiptsEnabledType": "Sometimes"}, "ReadReceiptsEnabledType"),
    ("TeamsMessagingPolicy", {"GiphyRatingType": 2}, "GiphyRatingType"),
    ("TeamsMessagingPolicy", {"AllowUserChat": "false"}, "AllowUserChat"),
    ("TeamsMessagingPolicy", {"AllowUserChat": 0}, "AllowUserChat"),
    ("TeamsMessagingPolicy", {"AllowUserChat": None}, "AllowUserChat"),
    ("TeamsMessagingPolicy", {"Description": 42}, "Description"),
    ("TeamsMessagingPolicy", {"AudioMessageEnabledType": "Everywhere"}, "AudioMessageEnabledType"),
    (
        "TeamsMeetingPolicy",
        {"NewMeetingRecordingExpirationDays": 0},
        "NewMeetingRecordingExpirationDays",
    ),
    (
        "TeamsMeetingPolicy",
        {"NewMeetingRecordingExpirationDays": True},
        "NewMeetingRecordingExpirationDays",
    ),
    ("TeamsMeetingPolicy", {"AutoAdmittedUsers": "Nobody"}, "AutoAdmittedUsers"),
    ("TeamsCallingPolicy", {"AllowVoicemail": True}, "AllowVoicemail"),
    ("TeamsChannelsPolicy", {"Description": "no such setting here"}, "Description"),
    ("TeamsAppSetupPolicy", {"AppPresetList": "Chat"}, "AppPresetList"),
    ("TeamsAppSetupPolicy", {"AppPresetList": [{"AppId": CHAT}]}, "AppPresetList"),
    ("TeamsAppSetupPolicy", {"PinnedAppBarApps": [{"Id": CHAT, "Order": 0}]}, "PinnedAppBarApps"),
    (
        "TeamsAppSetupPolicy",
        {"PinnedAppBarApps": [{"Id": CHAT, "Order": 1}, {"Id": CHAT, "Order": 2}]},
        "PinnedAppBarApps",
    ),
    ("TeamsAppSetupPolicy", {"PinnedMessageBarApps": [{"Id": ""}]}, "PinnedMessageBarApps"),
]


@pytest.mark.parametrize(("ptype", "settings", "target"), BAD_SETTINGS)
def test_bad_setting_on_create_is_400_and_stores_nothing(
    emu: Emulator, ptype: str, settings: dict[str, Any], target: str
):
    before = call(emu, "GET", f"{CFG}/{ptype}").json()
    r = call(emu, "POST", f"{CFG}/{ptype}", json={"Identity": "Broken", **settings})
    assert_error(r, 400, "BadRequest", target)
    assert f"'{target}" in r.json()["message"]
    assert call(emu, "GET", f"{CFG}/{ptype}").json() == before


@pytest.mark.parametrize(("ptype", "settings", "target"), BAD_SETTINGS)
def test_bad_setting_on_update_is_400_and_changes_nothing(
    emu: Emulator, ptype: str, settings: dict[str, Any], target: str
):
    flag, default = FLAG[ptype]
    path = f"{CFG}/{ptype}/configuration/Global"
    before = call(emu, "GET", path).json()
    # A valid change alongside the bad one must not be applied either.
    r = call(emu, "PUT", path, json={flag: not default, **settings})
    assert_error(r, 400, "BadRequest", target)
    assert call(emu, "GET", path).json() == before


def test_unknown_policy_type_is_404(emu: Emulator):
    for method, path, body in (
        ("GET", f"{CFG}/TeamsPizzaPolicy", None),
        ("POST", f"{CFG}/TeamsPizzaPolicy", {"Identity": "X"}),
        ("GET", f"{CFG}/TeamsPizzaPolicy/configuration/Global", None),
        ("PUT", f"{CFG}/TeamsPizzaPolicy/configuration/Global", {"AllowGiphy": False}),
    ):
        assert_error(call(emu, method, path, json=body), 404, "NotFound", "PolicyType")


def test_policy_type_matches_case_insensitively(emu: Emulator):
    r = call(emu, "GET", f"{CFG}/teamsmessagingpolicy/configuration/Global")
    assert r.status_code == 200 and r.json()["Identity"] == "Global"


def test_malformed_json_and_unknown_routes(emu: Emulator):
    with emu.client() as c:
        r = c.post(
            f"{CFG}/TeamsMessagingPolicy",
            headers={**emu.headers(TEAMS_SCOPE), "Content-Type": "application/json"},
            content=b"{not json",
        )
    assert_error(r, 400, "BadRequest")
    assert_error(call(emu, "GET", "/Skype.Policy/nothing/here"), 404, "NotFound")
    assert_error(call(emu, "PATCH", f"{CFG}/TeamsMessagingPolicy"), 405, "MethodNotAllowed")


def test_app_setup_pins_are_ordered_and_default_to_list_position(emu: Emulator):
    created = make_policy(
        emu,
        "TeamsAppSetupPolicy",
        "Kiosk",
        AppPresetList=[{"Id": CALENDAR}],
        PinnedAppBarApps=[{"Id": CHAT, "Order": 2}, {"Id": CALENDAR, "Order": 1}],
        PinnedMessageBarApps=[{"Id": "d2c6f111-ffad-42a0-b65e-ee00425598aa"}],
        AllowUserPinning=False,
    )
    assert created["PinnedAppBarApps"] == [
        {"Id": CALENDAR, "Order": 1},
        {"Id": CHAT, "Order": 2},
    ]
    assert created["PinnedMessageBarApps"] == [
        {"Id": "d2c6f111-ffad-42a0-b65e-ee00425598aa", "Order": 1}
    ]
    assert created["AppPresetList"] == [{"Id": CALENDAR}]
    assert created["AppPresetMeetingList"] == []
    assert created["AllowSideLoading"] is True


# -- group policy assignments ------------------------------------------------------------


def assign(emu: Emulator, gid: str, ptype: str, **body: Any) -> httpx.Response:
    return call(emu, "PATCH", f"{GPA}/{gid}/policyTypes/{ptype}", json=body)


def test_group_assignment_create_read_update_delete(emu: Emulator):
    gid = make_group(emu, "Nurses Ward 3")
    make_policy(emu, "TeamsMessagingPolicy", "Nursing")
    r = assign(emu, gid, "TeamsMessagingPolicy", PolicyName="Nursing", Rank=1)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["GroupId"] == gid and doc["PolicyType"] == "TeamsMessagingPolicy"
    assert doc["PolicyName"] == "Nursing" and doc["Rank"] == 1
    assert doc["CreatedBy"] == HCINFRA_APP and doc["CreatedTime"].endswith("Z")
    assert call(emu, "GET", f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy").json() == doc

    r = assign(emu, gid, "TeamsMeetingPolicy", PolicyName="Tag:Healthcare_ClinicalWorker", Rank=1)
    assert r.status_code == 200 and r.json()["PolicyName"] == "Healthcare_ClinicalWorker"
    by_group = call(emu, "GET", f"{GPA}/{gid}").json()
    assert [a["PolicyType"] for a in by_group] == ["TeamsMeetingPolicy", "TeamsMessagingPolicy"]
    by_type = call(emu, "GET", GPA, params={"policyType": "TeamsMessagingPolicy"}).json()
    assert by_type == [doc]

    # Re-assigning the same group and type updates in place, keeping rank and creation.
    r = assign(emu, gid, "TeamsMessagingPolicy", PolicyName="Healthcare_ClinicalWorker")
    assert r.status_code == 200
    assert {**doc, "PolicyName": "Healthcare_ClinicalWorker"} == r.json()
    assert len(call(emu, "GET", GPA, params={"policyType": "TeamsMessagingPolicy"}).json()) == 1

    r = call(emu, "DELETE", f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy")
    assert r.status_code == 204
    assert_error(call(emu, "GET", f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy"), 404, "NotFound")
    assert_error(
        call(emu, "DELETE", f"{GPA}/{gid}/policyTypes/TeamsMessagingPolicy"), 404, "NotFound"
    )
    assert [a["PolicyType"] for a in call(emu, "GET", f"{GPA}/{gid}").json()] == [
        "TeamsMeetingPolicy"
    ]


def test_rank_taken_by_another_group_inserts_and_renumbers(emu: Emulator):
    # New-CsGroupPolicyAssignment: ranks are positions; taking one moves the rest down.
    a, b, c = (make_group(emu, f"Ward {n}") for n in "ABC")
    ptype = "TeamsCallingPolicy"
    assert assign(emu, a, ptype, PolicyName="Healthcare_ClinicalWorker", Rank=1).json()["Rank"] == 1
    assert assign(emu, b, ptype, PolicyName="Healthcare_PatientRoom", Rank=1).json()["Rank"] == 1
    assert (
        assign(emu, c, ptype, PolicyName="Healthcare_InformationWorker", Rank=10).json()["Rank"]
        == 3
    )

    def order() -> list[tuple[str, int]]:
        rows = call(emu, "GET", GPA, params={"policyType": ptype}).json()
        return [(r["GroupId"], r["Rank"]) for r in rows]

    assert order() == [(b, 1), (a, 2), (c, 3)]
    assign(emu, c, ptype, PolicyName="Healthcare_InformationWorker", Rank=2)
    assert order() == [(b, 1), (c, 2), (a, 3)]
    assert call(emu, "DELETE", f"{GPA}/{b}/policyTypes/{ptype}").status_code == 204
    assert order() == [(c, 1), (a, 2)]
    # Ranks are per policy type: another type starts its own list.
    assert (
        assign(emu, a, "TeamsMeetingPolicy", PolicyName="Healthcare_PatientRoom", Rank=5).json()[
            "Rank"
        ]
        == 1
    )


def test_group_assignment_refusals_store_nothing(emu: Emulator):
    gid = make_group(emu, "Pharmacy")
    ptype = "TeamsMessagingPolicy"
    unknown_group = "00000000-0000-0000-0000-00000000beef"
    assert_error(
        assign(emu, unknown_group, ptype, PolicyName="Healthcare_ClinicalWorker"),
        404,
        "NotFound",
        "GroupId",
    )
    assert_error(
        assign(emu, gid, ptype, PolicyName="NoSuchPolicy", Rank=1), 400, "BadRequest", "PolicyName"
    )
    assert_error(
        assign(emu, gid, ptype, PolicyName="Global", Rank=1), 400, "BadRequest", "PolicyName"
    )
    assert_error(assign(emu, gid, ptype, Rank=1), 400, "BadRequest", "PolicyName")
    for rank in (0, -1, "1", True, 1.5):
        assert_error(
            assign(emu, gid, ptype, PolicyName="Healthcare_ClinicalWorker", Rank=rank),
            400,
            "BadRequest",
            "Rank",
        )
    assert_error(
        assign(emu, gid, ptype, PolicyName="Healthcare_ClinicalWorker", Priority=1),
        400,
        "BadRequest",
        "Priority",
    )
    assert_error(
        assign(emu, gid, "TeamsPizzaPolicy", PolicyName="X"), 404, "NotFound", "PolicyType"
    )
    assert call(emu, "GET", GPA).json() == []
    assert call(emu, "GET", f"{GPA}/{gid}").json() == []
    assert_error(call(emu, "GET", f"{GPA}/{unknown_group}"), 404, "NotFound", "GroupId")
    assert_error(
        call(emu, "GET", GPA, params={"policyType": "TeamsPizzaPolicy"}),
        400,
        "BadRequest",
        "policyType",
    )


def test_policy_assigned_to_a_group_cannot_be_deleted(emu: Emulator):
    gid = make_group(emu, "Emergency")
    make_policy(emu, "TeamsMeetingPolicy", "ER")
    assert assign(emu, gid, "TeamsMeetingPolicy", PolicyName="ER", Rank=1).status_code == 200
    r = call(emu, "DELETE", f"{CFG}/TeamsMeetingPolicy/configuration/Tag:ER")
    assert_error(r, 409, "Conflict")
    assert gid in r.json()["message"]
    assert call(emu, "GET", f"{CFG}/TeamsMeetingPolicy/configuration/ER").status_code == 200
    assert call(emu, "DELETE", f"{GPA}/{gid}/policyTypes/TeamsMeetingPolicy").status_code == 204
    assert call(emu, "DELETE", f"{CFG}/TeamsMeetingPolicy/configuration/ER").status_code == 204


# -- direct user assignments -----------------------------------------------------------


def test_user_assignment(emu: Emulator):
    upn = "nurse001@northwindhealth.org"
    path = f"/Skype.Policy/users/{upn}/policies"
    assert call(emu, "GET", path).json() == []
    r = call(
        emu,
        "PATCH",
        f"{path}/TeamsMessagingPolicy",
        json={"PolicyName": "Healthcare_ClinicalWorker"},
    )
    assert r.status_code == 200
    assert r.json() == {
        "PolicyType": "TeamsMessagingPolicy",
        "PolicyName": "Healthcare_ClinicalWorker",
    }
    call(
        emu,
        "PATCH",
        f"{path}/TeamsAppSetupPolicy",
        json={"PolicyName": "Healthcare_ClinicalWorker"},
    )
    listed = call(emu, "GET", f"/Skype.Policy/users/{upn.upper()}/policies").json()
    assert [p["PolicyType"] for p in listed] == ["TeamsAppSetupPolicy", "TeamsMessagingPolicy"]

    blocked = call(
        emu, "DELETE", f"{CFG}/TeamsMessagingPolicy/configuration/Healthcare_ClinicalWorker"
    )
    assert_error(blocked, 409, "Conflict")

    r = call(emu, "PATCH", f"{path}/TeamsMessagingPolicy", json={"PolicyName": None})
    assert r.status_code == 200 and r.json()["PolicyName"] is None
    assert [p["PolicyType"] for p in call(emu, "GET", path).json()] == ["TeamsAppSetupPolicy"]


def test_user_assignment_refusals(emu: Emulator):
    missing = "/Skype.Policy/users/nobody@northwindhealth.org/policies"
    assert_error(call(emu, "GET", missing), 404, "NotFound")
    assert_error(
        call(
            emu,
            "PATCH",
            f"{missing}/TeamsMessagingPolicy",
            json={"PolicyName": "Healthcare_ClinicalWorker"},
        ),
        404,
        "NotFound",
    )
    path = "/Skype.Policy/users/nurse002@northwindhealth.org/policies/TeamsMessagingPolicy"
    assert_error(
        call(emu, "PATCH", path, json={"PolicyName": "Nope"}), 400, "BadRequest", "PolicyName"
    )
    assert_error(call(emu, "PATCH", path, json={}), 400, "BadRequest", "PolicyName")
    assert (
        call(emu, "GET", "/Skype.Policy/users/nurse002@northwindhealth.org/policies").json() == []
    )


# -- policy packages -------------------------------------------------------------------


def test_healthcare_packages_and_their_policies_exist(emu: Emulator):
    r = call(emu, "GET", PACKAGES)
    assert r.status_code == 200
    packages = {p["Name"]: p for p in r.json()}
    assert set(HEALTHCARE) <= set(packages)
    for name in HEALTHCARE:
        package = packages[name]
        assert package["Description"]
        assert set(package["Policies"]) == set(TYPES)
        for ptype, definition in package["Policies"].items():
            assert definition["Identity"] == name
            instance = call(emu, "GET", f"{CFG}/{ptype}/configuration/Tag:{name}")
            assert instance.status_code == 200, (name, ptype)
            assert {k: v for k, v in instance.json().items() if k != "Identity"} == {
                k: v for k, v in definition.items() if k != "Identity"
            }
        assert call(emu, "GET", f"{PACKAGES}/{name}").json() == package


def test_patient_room_package_locks_the_device_down(emu: Emulator):
    policies = call(emu, "GET", f"{PACKAGES}/Healthcare_PatientRoom").json()["Policies"]
    assert policies["TeamsMessagingPolicy"]["AllowUserChat"] is False
    assert policies["TeamsCallingPolicy"]["AllowPrivateCalling"] is False
    assert policies["TeamsMeetingPolicy"]["AllowMeetNow"] is False
    assert policies["TeamsAppSetupPolicy"]["PinnedAppBarApps"] == [{"Id": CALENDAR, "Order": 1}]
    clinical = call(emu, "GET", f"{PACKAGES}/Healthcare_ClinicalWorker").json()["Policies"]
    assert clinical["TeamsMessagingPolicy"]["AllowPriorityMessages"] is True
    assert clinical["TeamsMessagingPolicy"]["ReadReceiptsEnabledType"] == "Everyone"


def test_unknown_package_is_404(emu: Emulator):
    assert_error(call(emu, "GET", f"{PACKAGES}/Healthcare_Janitor"), 404, "NotFound")


def test_reset_restores_seeded_state(emu: Emulator):
    call(
        emu,
        "PUT",
        f"{CFG}/TeamsMessagingPolicy/configuration/Tag:Healthcare_PatientRoom",
        json={"AllowUserChat": True},
    )
    make_policy(emu, "TeamsMessagingPolicy", "Temporary")
    emu.reset()
    doc = call(emu, "GET", f"{CFG}/TeamsMessagingPolicy/configuration/Healthcare_PatientRoom")
    assert doc.json()["AllowUserChat"] is False
    r = call(emu, "GET", f"{CFG}/TeamsMessagingPolicy/configuration/Temporary")
    assert_error(r, 404, "NotFound")
