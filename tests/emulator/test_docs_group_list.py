"""Learn's "List groups" examples and the advanced-query rules they rest on, replayed."""

from __future__ import annotations

from tests.emulator.docexamples import ODATA_JSON, Example, check, replay
from tests.emulator.harness import Emulator

LIST = "https://learn.microsoft.com/en-us/graph/api/group-list"
ADVANCED = "https://learn.microsoft.com/en-us/graph/aad-advanced-queries"
EVENTUAL = {"ConsistencyLevel": "eventual"}
DESKLESSPACK = "4b585984-651b-448a-9e53-3b10f069cf7f"  # 20 prepaid seats in the seed


def group(emu: Emulator, name: str, **extra: object) -> str:
    """A group made through Graph; its id."""
    nick = "".join(c for c in name if c.isalnum())
    body = {"displayName": name, "mailNickname": nick, "mailEnabled": False}
    body.update({"securityEnabled": True, **extra})
    r = emu.graph("POST", "/groups", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_group_list_example_1_all_groups(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    group(emu, "Golf Assist", description="Self help community for golf")
    ex = Example(
        LIST, "GET", "/groups", context="groups", resp_headers={"Content-Type": ODATA_JSON}
    )
    body = check(replay(emu, ex), ex)
    assert [g["displayName"] for g in body["value"]] == ["Golf Assist"]
    assert "@odata.count" not in body


def test_group_list_example_2_license_errors_with_count(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    emu.admin("PUT", "faults", json={"licenseProcessingMs": 0}).raise_for_status()
    binds = [
        f"https://graph.microsoft.com/v1.0/users/nurse{n:03}@northwindhealth.org"
        for n in range(1, 21)
    ]
    gid = group(emu, "Contoso Group 1", **{"members@odata.bind": binds})
    extra = {
        "@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/nurse021@northwindhealth.org"
    }
    assert emu.graph("POST", f"/groups/{gid}/members/$ref", json=extra).status_code == 204
    group(emu, "Contoso Group 2")
    licence = {"addLicenses": [{"skuId": DESKLESSPACK, "disabledPlans": []}], "removeLicenses": []}
    assert emu.graph("POST", f"/groups/{gid}/assignLicense", json=licence).status_code == 202
    ex = Example(
        LIST,
        "GET",
        "/groups?$count=true&$filter=hasMembersWithLicenseErrors+eq+true&$select=id,displayName",
        headers=EVENTUAL,
        context="groups(id,displayName)",
        props={"@odata.count": 1},
        item_keys={"displayName"},
    )
    body = check(replay(emu, ex), ex)
    assert body["value"] == [{"id": gid, "displayName": "Contoso Group 1"}]


def test_group_list_example_3_count_only(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    for name in ("Alpha", "Beta", "Gamma"):
        group(emu, name)
    ex = Example(
        LIST, "GET", "/groups/$count", headers=EVENTUAL, resp_headers={"Content-Type": "text/plain"}
    )
    assert check(replay(emu, ex), ex) == "3"


def test_count_segment_without_consistency_level_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    ex = Example(ADVANCED, "GET", "/groups/$count", status=400, error="Request_BadRequest")
    ex.message = "$count is not currently supported."
    check(replay(emu, ex), ex)


def test_count_parameter_without_consistency_level_is_ignored(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    group(emu, "Alpha")
    ex = Example(ADVANCED, "GET", "/groups?$count=true", context="groups")
    assert "@odata.count" not in check(replay(emu, ex), ex)


def test_group_list_example_4_startswith_top_orderby(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    for name in ("ab", "a", "b"):
        group(emu, name)
    ex = Example(
        LIST,
        "GET",
        "/groups?$filter=startswith(displayName, 'a')&$count=true&$top=1&$orderby=displayName",
        headers=EVENTUAL,
        context="groups",
        props={"@odata.count": 2},
    )
    body = check(replay(emu, ex), ex)
    assert [g["displayName"] for g in body["value"]] == ["a"]
    assert "@odata.nextLink" in body


def test_group_list_example_5_search_display_name_or_description(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    group(emu, "SFA Videos")
    group(emu, "Video Production", description="Video Production")
    group(emu, "Pharmacy", description="Medication production")
    group(emu, "Rounds")
    ex = Example(
        LIST,
        "GET",
        '/groups?$search="displayName:Video" OR "description:prod"'
        "&$orderby=displayName&$count=true",
        headers=EVENTUAL,
        context="groups",
        props={"@odata.count": 3},
    )
    body = check(replay(emu, ex), ex)
    assert [g["displayName"] for g in body["value"]] == [
        "Pharmacy",
        "SFA Videos",
        "Video Production",
    ]


def test_search_without_consistency_level_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    ex = Example(ADVANCED, "GET", '/groups?$search="displayName:Video"', status=400)
    ex.error, ex.message = (
        "Request_UnsupportedQuery",
        (
            "Request with $search query parameter only works through MSGraph with a special "
            "request header: 'ConsistencyLevel: eventual'"
        ),
    )
    check(replay(emu, ex), ex)


def test_group_list_example_6_dynamic_security_groups(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    rule = '(user.userType -contains "Guest" and user.accountEnabled -eq true)'
    dynamic = group(
        emu,
        "Guests",
        groupTypes=["DynamicMembership"],
        membershipRule=rule,
        membershipRuleProcessingState="On",
    )
    group(emu, "Static")
    ex = Example(
        LIST,
        "GET",
        "/groups?$filter=mailEnabled eq false and securityEnabled eq true and "
        "NOT(groupTypes/any(s:s eq 'Unified')) and membershipRuleProcessingState eq 'On'"
        "&$count=true&$select=id,membershipRule,membershipRuleProcessingState",
        headers=EVENTUAL,
        context="groups(id,membershipRule,membershipRuleProcessingState)",
        props={"@odata.count": 1},
        item_keys={"membershipRule", "membershipRuleProcessingState"},
    )
    body = check(replay(emu, ex), ex)
    assert body["value"] == [
        {"id": dynamic, "membershipRule": rule, "membershipRuleProcessingState": "On"}
    ]


def test_group_list_example_6_without_advanced_parameters_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries"""
    ex = Example(
        ADVANCED,
        "GET",
        "/groups?$filter=NOT(groupTypes/any(s:s eq 'Unified'))",
        status=400,
        error="Request_UnsupportedQuery",
    )
    ex.message = (
        "Operator 'not' is not supported because the required parameters might be missing. "
        "Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to "
        "https://aka.ms/graph-docs/advanced-queries for more information"
    )
    check(replay(emu, ex), ex)


def test_group_list_example_7_expand_members_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    # $expand is documented but not served: refused, never silently ignored.
    ex = Example(
        LIST,
        "GET",
        "/groups?$select=id,assignedLicenses&$expand=members($select=id,displayName)",
        status=400,
        error="Request_UnsupportedQuery",
    )
    check(replay(emu, ex), ex)


def test_group_list_filter_on_groupTypes_unified(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    group(emu, "Security")
    r = emu.graph(
        "POST",
        "/groups",
        json={
            "displayName": "Unified",
            "mailNickname": "unified",
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
        },
    )
    assert r.status_code == 201
    ex = Example(LIST, "GET", "/groups?$filter=groupTypes/any(c:c+eq+'Unified')", context="groups")
    assert [g["displayName"] for g in check(replay(emu, ex), ex)["value"]] == ["Unified"]


def test_group_list_skip_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    # "`$skip` isn't supported": refused, not ignored.
    for path in ("/groups?$skip=1", "/users?$skip=1"):
        ex = Example(LIST, "GET", path, status=400, error="Request_UnsupportedQuery")
        check(replay(emu, ex), ex)
