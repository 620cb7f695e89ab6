"""Learn's examples for teams, their async operations, channels and archiving, replayed."""

from __future__ import annotations

import re

from tests.emulator.docexamples import Example, check, replay, unified_group, user_id
from tests.emulator.harness import Emulator

TEAM_POST = "https://learn.microsoft.com/en-us/graph/api/team-post"
OPERATION = "https://learn.microsoft.com/en-us/graph/api/resources/teamsasyncoperation"
CHANNEL_POST = "https://learn.microsoft.com/en-us/graph/api/channel-post"
CHANNEL_LIST = "https://learn.microsoft.com/en-us/graph/api/channel-list"
ARCHIVE = "https://learn.microsoft.com/en-us/graph/api/team-archive"
UNARCHIVE = "https://learn.microsoft.com/en-us/graph/api/team-unarchive"
STANDARD = "https://graph.microsoft.com/v1.0/teamsTemplates('standard')"
LOCATION = re.compile(r"^/teams\('([0-9a-f-]+)'\)/operations\('([0-9a-f-]+)'\)$")
ACCEPTED = {
    "Location": "/teams('",
    "Content-Location": "/teams('",
    "Content-Type": "application/json",
}
OWNER = {
    "@odata.type": "#microsoft.graph.aadUserConversationMember",
    "roles": ["owner"],
    "user@odata.bind": "https://graph.microsoft.com/v1.0/users('{owner}')",
}
MINIMAL = Example(
    TEAM_POST,
    "POST",
    "/teams",
    body={
        "template@odata.bind": STANDARD,
        "displayName": "My Sample Team",
        "description": "My Sample Team\u2019s Description",
        "members": [OWNER],
    },
    status=202,
    resp_headers=ACCEPTED,
)


def owner(emu: Emulator) -> dict[str, str]:
    emu.admin("PUT", "faults", json={"teamsOperationMs": 0}).raise_for_status()
    return {"owner": user_id(emu, "claire.dubois@northwindhealth.org")}


def new_team(emu: Emulator) -> tuple[str, str]:
    """A team made as the page's application-permission example makes it: (team, operation)."""
    r = replay(emu, MINIMAL, owner(emu))
    assert check(r, MINIMAL) is None
    m = LOCATION.match(r.headers["location"])
    assert m and r.headers["content-location"] == f"/teams('{m[1]}')"
    return m[1], m[2]


def test_team_post_example_1_delegated_needs_an_owner_app_only(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    # "When issuing a request with application permissions, a user must be specified".
    body = {k: v for k, v in MINIMAL.body.items() if k != "members"}
    ex = Example(TEAM_POST, "POST", "/teams", body, status=400, error="BadRequest")
    check(replay(emu, ex), ex)


def test_team_post_example_2_application_permissions(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    team, _ = new_team(emu)
    assert emu.graph("GET", f"/teams/{team}").json()["displayName"] == "My Sample Team"


def test_team_post_example_3_tabs_are_not_served(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    tab = {
        "teamsApp@odata.bind": "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps('com.microsoft.teamspace.tab.web')",
        "displayName": "A Pinned Website",
        "configuration": {
            "contentUrl": "https://docs.microsoft.com/microsoftteams/microsoft-teams"
        },
    }
    channel = {"displayName": "Training 🏋️", "isFavoriteByDefault": True, "tabs": [tab]}
    body = {**MINIMAL.body, "visibility": "Private", "channels": [channel]}
    ex = Example(TEAM_POST, "POST", "/teams", body, status=400, error="BadRequest")
    check(replay(emu, ex, owner(emu)), ex)


def test_team_post_example_4_from_a_group(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    ids = owner(emu)
    gid = unified_group(emu, "ward4", ids["owner"])
    ex = Example(
        TEAM_POST,
        "POST",
        "/teams",
        body={
            "template@odata.bind": STANDARD,
            "group@odata.bind": f"https://graph.microsoft.com/v1.0/groups('{gid}')",
        },
        status=202,
        resp_headers={**ACCEPTED, "Location": f"/teams('{gid}')/operations('"},
    )
    r = replay(emu, ex)
    check(r, ex)
    assert r.headers["content-location"] == f"/teams('{gid}')"


def test_team_post_example_5_from_a_group_with_channels_and_settings(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    ids = owner(emu)
    gid = unified_group(emu, "ward5", ids["owner"])
    app = (
        "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps('com.microsoft.teamspace.tab.vsts')"
    )
    ex = Example(
        TEAM_POST,
        "POST",
        "/teams",
        body={
            "template@odata.bind": STANDARD,
            "group@odata.bind": f"https://graph.microsoft.com/v1.0/groups('{gid}')",
            "channels": [
                {"displayName": "Class Announcements 📢", "isFavoriteByDefault": True},
                {"displayName": "Homework 🏋️", "isFavoriteByDefault": True},
            ],
            "memberSettings": {"allowCreateUpdateChannels": False, "allowDeleteChannels": False},
            "installedApps": [{"teamsApp@odata.bind": app}],
        },
        status=202,
        resp_headers=ACCEPTED,
    )
    check(replay(emu, ex), ex)
    names = [c["displayName"] for c in emu.graph("GET", f"/teams/{gid}/channels").json()["value"]]
    assert names == ["General", "Class Announcements 📢", "Homework 🏋️"]


def test_teamsasyncoperation_get(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/resources/teamsasyncoperation"""
    team, op = new_team(emu)
    ex = Example(
        OPERATION,
        "GET",
        "/teams('{team}')/operations('{op}')",
        props={
            "id": op,
            "operationType": "createTeam",
            "status": "succeeded",
            "attemptsCount": 1,
            "targetResourceId": team,
            "targetResourceLocation": f"/teams('{team}')",
            "error": None,
        },
    )
    body = check(replay(emu, ex, {"team": team, "op": op}), ex)
    assert body["createdDateTime"] and body["lastActionDateTime"]


def test_channel_post_example_1_standard_channel(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/channel-post"""
    team, _ = new_team(emu)
    ex = Example(
        CHANNEL_POST,
        "POST",
        "/teams/{team}/channels",
        body={
            "displayName": "Architecture Discussion",
            "description": "This channel is where we debate all future architecture plans",
            "membershipType": "standard",
        },
        status=201,
        context="teams('{team}')/channels/$entity",
        props={"displayName": "Architecture Discussion", "membershipType": "standard"},
    )
    body = check(replay(emu, ex, {"team": team}), ex, {"team": team})
    assert body["id"].startswith("19:") and body["id"].endswith("@thread.tacv2")


def test_channel_post_examples_2_and_3_private_members_and_migration_are_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/channel-post"""
    team, _ = new_team(emu)
    private = {
        "@odata.type": "#Microsoft.Graph.channel",
        "membershipType": "private",
        "displayName": "My First Private Channel",
        "members": [OWNER],
    }
    migration = {
        "@microsoft.graph.channelCreationMode": "migration",
        "displayName": "Import_150958_99z",
        "createdDateTime": "2020-03-14T11:22:17.067Z",
    }
    for body in (private, migration):
        ex = Example(CHANNEL_POST, "POST", "/teams/{team}/channels", body, status=400)
        ex.error = "BadRequest"
        check(replay(emu, ex, {"team": team, "owner": "x"}), ex)


def test_channel_list_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/channel-list"""
    team, _ = new_team(emu)
    ex = Example(CHANNEL_LIST, "GET", "/teams/{team}/channels")
    body = check(replay(emu, ex, {"team": team}), ex)
    assert [c["displayName"] for c in body["value"]] == ["General"]
    assert {"id", "displayName", "description"} <= set(body["value"][0])


def test_channel_list_filter_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/channel-list"""
    team, _ = new_team(emu)
    ex = Example(CHANNEL_LIST, "GET", "/teams/{team}/channels?$filter=displayName eq 'General'")
    ex.status, ex.error = 400, "Request_UnsupportedQuery"
    check(replay(emu, ex, {"team": team}), ex)


def test_team_archive_and_unarchive_examples(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-archive"""
    team, _ = new_team(emu)
    headers = {"Location": f"/teams('{team}')/operations('", "Content-Type": "text/plain"}
    archive = Example(ARCHIVE, "POST", "/teams/{team}/archive", status=202, resp_headers=headers)
    archive.body = {"shouldSetSpoSiteReadOnlyForMembers": True}
    assert check(replay(emu, archive, {"team": team}), archive) is None
    assert emu.graph("GET", f"/teams/{team}").json()["isArchived"] is True
    unarchive = Example(UNARCHIVE, "POST", "/teams/{team}/unarchive", status=202)
    unarchive.resp_headers = headers
    assert check(replay(emu, unarchive, {"team": team}), unarchive) is None
    assert emu.graph("GET", f"/teams/{team}").json()["isArchived"] is False


def test_team_post_examples_6_and_7_other_base_templates_are_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    # Only the standard and healthcare templates are served; educationClass is refused.
    education = "https://graph.microsoft.com/v1.0/teamsTemplates('educationClass')"
    body = {**MINIMAL.body, "template@odata.bind": education, "displayName": "My Class Team"}
    ex = Example(TEAM_POST, "POST", "/teams", body, status=400, error="BadRequest")
    check(replay(emu, ex, owner(emu)), ex)


def test_team_post_example_8_migration_mode_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    body = {
        **MINIMAL.body,
        "@microsoft.graph.teamCreationMode": "migration",
        "createdDateTime": "2020-03-14T11:22:17.067Z",
    }
    ex = Example(TEAM_POST, "POST", "/teams", body, status=400, error="BadRequest")
    check(replay(emu, ex, owner(emu)), ex)


def test_team_post_example_9_owner_by_user_principal_name(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    ids = owner(emu)
    ids["owner"] = "claire.dubois@northwindhealth.org"
    r = replay(emu, MINIMAL, ids)
    assert check(r, MINIMAL) is None and LOCATION.match(r.headers["location"])


def test_team_get_select_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/team-post"""
    team, op = new_team(emu)
    for path in ("/teams/{team}?$select=displayName", "/teams/{team}/operations/{op}?$select=id"):
        ex = Example(TEAM_POST, "GET", path, status=400, error="Request_UnsupportedQuery")
        check(replay(emu, ex, {"team": team, "op": op}), ex)
