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
    # A new tenant holds Global only: a package's instances appear when it is applied.
    assert [i["Identity"] for i in items] == ["Global"]
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


def item(gid: str, ptype: str) -> str:
    return f"{GPA}/{gid}/policyTypes/{ptype}"


def assign(emu: Emulator, gid: str, ptype: str, method: str = "PUT", **body: Any) -> httpx.Response:
    return call(emu, method, item(gid, ptype), json=body)


def listed(emu: Emulator, ptype: str) -> list[dict[str, Any]]:
    r = call(emu, "GET", GPA, params={"policyType": ptype})
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()
    return rows


def policies(emu: Emulator, *names: str, ptype: str = "TeamsMessagingPolicy") -> None:
    for name in names:
        make_policy(emu, ptype, name)


def test_group_assignment_create_read_update_delete(emu: Emulator):
    gid = make_group(emu, "Nurses Ward 3")
    policies(emu, "Nursing", "Clinical")
    policies(emu, "Clinical", ptype="TeamsMeetingPolicy")
    # New-CsGroupPolicyAssignment: PUT {policyName, priority}; no answer body is promised.
    r = assign(emu, gid, "TeamsMessagingPolicy", policyName="Nursing", priority=1)
    assert r.status_code == 204, r.text
    doc = call(emu, "GET", item(gid, "TeamsMessagingPolicy")).json()
    assert set(doc) == {
        "groupId",
        "policyType",
        "policyName",
        "priority",
        "createdTime",
        "createdBy",
    }
    assert doc["groupId"] == gid and doc["policyType"] == "TeamsMessagingPolicy"
    assert doc["policyName"] == "Nursing" and doc["priority"] == 1
    assert doc["createdBy"] == HCINFRA_APP and doc["createdTime"].endswith("Z")

    r = assign(emu, gid, "TeamsMeetingPolicy", policyName="Tag:Clinical", priority=1)
    assert r.status_code == 204
    assert call(emu, "GET", item(gid, "TeamsMeetingPolicy")).json()["policyName"] == "Clinical"
    by_group = call(emu, "GET", f"{GPA}/{gid}").json()
    assert [a["policyType"] for a in by_group] == ["TeamsMeetingPolicy", "TeamsMessagingPolicy"]
    assert listed(emu, "TeamsMessagingPolicy") == [doc]

    # Set-CsGroupPolicyAssignment: PATCH changes the policy, keeping priority and creation.
    r = assign(emu, gid, "TeamsMessagingPolicy", "PATCH", policyName="Clinical")
    assert r.status_code == 204
    assert listed(emu, "TeamsMessagingPolicy") == [{**doc, "policyName": "Clinical"}]

    r = call(emu, "DELETE", item(gid, "TeamsMessagingPolicy"))
    assert r.status_code == 204
    assert_error(call(emu, "GET", item(gid, "TeamsMessagingPolicy")), 404, "NotFound")
    assert_error(call(emu, "DELETE", item(gid, "TeamsMessagingPolicy")), 404, "NotFound")
    assert [a["policyType"] for a in call(emu, "GET", f"{GPA}/{gid}").json()] == [
        "TeamsMeetingPolicy"
    ]


def test_put_on_an_existing_assignment_conflicts_and_patch_needs_one(emu: Emulator):
    gid = make_group(emu, "Radiology")
    policies(emu, "Imaging")
    assert assign(emu, gid, "TeamsMessagingPolicy", policyName="Imaging").status_code == 204
    again = assign(emu, gid, "TeamsMessagingPolicy", policyName="Imaging", priority=1)
    assert_error(again, 409, "Conflict", "groupId")
    other = make_group(emu, "Cardiology")
    assert_error(assign(emu, other, "TeamsMessagingPolicy", "PATCH", priority=1), 404, "NotFound")
    # Grant-Cs<Type>Policy -Group (POST) creates, or replaces what the group holds.
    assert (
        assign(emu, other, "TeamsMessagingPolicy", "POST", policyName="Imaging").status_code == 204
    )
    assert (
        assign(emu, other, "TeamsMessagingPolicy", "POST", policyName="Imaging").status_code == 204
    )
    assert [a["groupId"] for a in listed(emu, "TeamsMessagingPolicy")] == [gid, other]


def test_old_pascal_case_shape_and_verb_are_refused(emu: Emulator):
    # hcinfra once guessed PATCH {PolicyName, Rank}; Microsoft's client sends neither.
    gid = make_group(emu, "Maternity")
    policies(emu, "Obstetrics")
    for body, target in (
        ({"PolicyName": "Obstetrics", "Rank": 1}, "PolicyName"),
        ({"policyName": "Obstetrics", "Rank": 1}, "Rank"),
        ({"policyName": "Obstetrics", "rank": 1}, "rank"),
    ):
        for method in ("PUT", "PATCH", "POST"):
            r = call(emu, method, item(gid, "TeamsMessagingPolicy"), json=body)
            assert_error(r, 400, "BadRequest", target)
    # PATCH never creates, so the old create call fails even with the right keys.
    r = assign(emu, gid, "TeamsMessagingPolicy", "PATCH", policyName="Obstetrics", priority=1)
    assert_error(r, 404, "NotFound")
    assert call(emu, "GET", GPA).json() == []


def test_priority_taken_by_another_group_inserts_and_renumbers(emu: Emulator):
    # New-CsGroupPolicyAssignment: ranks are positions; taking one moves the rest down.
    a, b, c = (make_group(emu, f"Ward {n}") for n in "ABC")
    ptype = "TeamsCallingPolicy"
    policies(emu, "Day", "Night", "Weekend", ptype=ptype)
    assign(emu, a, ptype, policyName="Day", priority=1)
    assign(emu, b, ptype, policyName="Night", priority=1)
    assign(emu, c, ptype, policyName="Weekend", priority=10)

    def order() -> list[tuple[str, int]]:
        return [(r["groupId"], r["priority"]) for r in listed(emu, ptype)]

    assert order() == [(b, 1), (a, 2), (c, 3)]
    assign(emu, c, ptype, "PATCH", priority=2)
    assert order() == [(b, 1), (c, 2), (a, 3)]
    assert call(emu, "DELETE", item(b, ptype)).status_code == 204
    assert order() == [(c, 1), (a, 2)]
    # No priority means last.
    assign(emu, b, ptype, policyName="Night")
    assert order() == [(c, 1), (a, 2), (b, 3)]
    # Priorities are per policy type: another type starts its own list.
    policies(emu, "Day", ptype="TeamsMeetingPolicy")
    assign(emu, a, "TeamsMeetingPolicy", policyName="Day", priority=5)
    assert [(r["groupId"], r["priority"]) for r in listed(emu, "TeamsMeetingPolicy")] == [(a, 1)]


def test_group_assignment_refusals_store_nothing(emu: Emulator):
    gid = make_group(emu, "Pharmacy")
    ptype = "TeamsMessagingPolicy"
    policies(emu, "Dispensary")
    unknown_group = "00000000-0000-0000-0000-00000000beef"
    assert_error(
        assign(emu, unknown_group, ptype, policyName="Dispensary"), 404, "NotFound", "groupId"
    )
    for name in ("NoSuchPolicy", "Global"):
        r = assign(emu, gid, ptype, policyName=name, priority=1)
        assert_error(r, 400, "BadRequest", "policyName")
    assert_error(assign(emu, gid, ptype, priority=1), 400, "BadRequest", "policyName")
    for priority in (0, -1, "1", True, 1.5):
        r = assign(emu, gid, ptype, policyName="Dispensary", priority=priority)
        assert_error(r, 400, "BadRequest", "priority")
    assert_error(
        assign(emu, gid, "TeamsPizzaPolicy", policyName="X"), 404, "NotFound", "PolicyType"
    )
    assert call(emu, "GET", GPA).json() == []
    assert call(emu, "GET", f"{GPA}/{gid}").json() == []
    assert_error(call(emu, "GET", f"{GPA}/{unknown_group}"), 404, "NotFound", "groupId")
    assert_error(
        call(emu, "GET", GPA, params={"policyType": "TeamsPizzaPolicy"}),
        400,
        "BadRequest",
        "policyType",
    )


def test_at_most_64_groups_per_policy_type(emu: Emulator):
    ptype = "TeamsMeetingBroadcastPolicy"
    policies(emu, "Town-Halls", ptype=ptype)
    groups = [make_group(emu, f"Unit {n}") for n in range(65)]
    for gid in groups[:64]:
        assert assign(emu, gid, ptype, policyName="Town-Halls").status_code == 204
    assert_error(assign(emu, groups[64], ptype, policyName="Town-Halls"), 400, "BadRequest")
    assert len(listed(emu, ptype)) == 64


def test_policy_assigned_to_a_group_cannot_be_deleted(emu: Emulator):
    gid = make_group(emu, "Emergency")
    make_policy(emu, "TeamsMeetingPolicy", "ER")
    assert assign(emu, gid, "TeamsMeetingPolicy", policyName="ER", priority=1).status_code == 204
    r = call(emu, "DELETE", f"{CFG}/TeamsMeetingPolicy/configuration/Tag:ER")
    assert_error(r, 409, "Conflict")
    assert gid in r.json()["message"]
    assert call(emu, "GET", f"{CFG}/TeamsMeetingPolicy/configuration/ER").status_code == 200
    assert call(emu, "DELETE", item(gid, "TeamsMeetingPolicy")).status_code == 204
    assert call(emu, "DELETE", f"{CFG}/TeamsMeetingPolicy/configuration/ER").status_code == 204


# -- direct user assignments -----------------------------------------------------------


def test_user_assignment(emu: Emulator):
    policies(emu, "Healthcare_ClinicalWorker")
    policies(emu, "Healthcare_ClinicalWorker", ptype="TeamsAppSetupPolicy")
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
    policies(emu, "Healthcare_ClinicalWorker")
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


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", PACKAGES),
        ("GET", f"{PACKAGES}/Healthcare_ClinicalWorker"),
        ("POST", f"{PACKAGES}/group"),
        ("POST", f"{PACKAGES}/user"),
    ],
)
def test_package_service_refuses_app_only_tokens(emu: Emulator, method: str, path: str):
    # Learn, "Application-based authentication in Teams PowerShell Module": every cmdlet
    # but a listed few, among them *PolicyPackage*, supports app-only sign-in.
    body = {"GroupId": make_group(emu, "Nurses"), "PackageName": "Healthcare_ClinicalWorker"}
    r = call(emu, method, path, json=body if method == "POST" else None)
    assert_error(r, 403, "Forbidden")
    assert "application-based authentication" in r.json()["message"]
    assert call(emu, "GET", GPA).json() == []
    assert [i["Identity"] for i in call(emu, "GET", f"{CFG}/TeamsMessagingPolicy").json()] == [
        "Global"
    ]


def test_reset_restores_seeded_state(emu: Emulator):
    call(emu, "PUT", f"{CFG}/TeamsMessagingPolicy/configuration/Global", json={"AllowGiphy": False})
    make_policy(emu, "TeamsMessagingPolicy", "Temporary")
    emu.reset()
    doc = call(emu, "GET", f"{CFG}/TeamsMessagingPolicy/configuration/Global")
    assert doc.json()["AllowGiphy"] is True
    r = call(emu, "GET", f"{CFG}/TeamsMessagingPolicy/configuration/Temporary")
    assert_error(r, 404, "NotFound")
