"""Teams from the healthcare templates: async create, channels, archive, team from group."""

from __future__ import annotations

import time

import pytest
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from tests.emulator.graphsdk import graph, run
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, GRAPH_SCOPE, Emulator

WARD_CHANNELS = ["General", "Announcements", "Huddles", "Rounds", "Staffing", "Training"]
HOSPITAL_CHANNELS = [
    "General",
    "Announcements",
    "Compliance",
    "Custodial",
    "Human resources",
    "Pharmacy",
]


def owner_id(emu: Emulator, upn: str = "claire.dubois@northwindhealth.org") -> str:
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        return c.get(f"/v1.0/users/{upn}").json()["id"]


def team_body(template: str, owner: str | None, **extra) -> dict:
    body = {
        "template@odata.bind": f"https://graph.microsoft.com/v1.0/teamsTemplates('{template}')",
        "displayName": "STM Ward 3 North",
        "description": "Ward team",
        **extra,
    }
    if owner:
        body["members"] = [
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "roles": ["owner"],
                "user@odata.bind": f"https://graph.microsoft.com/v1.0/users('{owner}')",
            }
        ]
    return body


def wait_for(c, location: str, timeout: float = 10) -> dict:
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        op = c.get(f"/v1.0{location}").json()
        seen.append(op["status"])
        if op["status"] in ("succeeded", "failed"):
            op["seen"] = seen
            return op
        time.sleep(0.05)
    raise AssertionError(f"operation never finished: {seen}")


@pytest.mark.parametrize(
    ("template", "channels"),
    [("healthcareWard", WARD_CHANNELS), ("healthcareHospital", HOSPITAL_CHANNELS)],
)
def test_create_from_template_is_async_and_makes_its_channels(emu: Emulator, template, channels):
    emu.admin("PUT", "faults", json={"teamsOperationMs": 600}).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        body = team_body(template, owner_id(emu), channels=[{"displayName": "Night shift"}])
        r = c.post("/v1.0/teams", json=body)
        assert r.status_code == 202 and r.content == b""
        location = r.headers["Location"]
        team_id = r.headers["Content-Location"].split("'")[1]
        assert location.startswith(f"/teams('{team_id}')/operations('")
        # Until the operation succeeds the team is not readable.
        assert c.get(f"/v1.0/teams/{team_id}").status_code == 404
        op = wait_for(c, location)
        assert op["status"] == "succeeded" and op["targetResourceId"] == team_id
        assert op["seen"][0] in ("notStarted", "inProgress") and "inProgress" in op["seen"]
        team = c.get(f"/v1.0/teams/{team_id}").json()
        assert team["displayName"] == "STM Ward 3 North" and team["isArchived"] is False
        names = [
            ch["displayName"] for ch in c.get(f"/v1.0/teams/{team_id}/channels").json()["value"]
        ]
        assert names == [*channels, "Night shift"]
        group = c.get(f"/v1.0/groups/{team_id}").json()
        assert group["groupTypes"] == ["Unified"] and group["resourceProvisioningOptions"] == [
            "Team"
        ]


def test_app_only_create_without_owner_is_rejected(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post("/v1.0/teams", json=team_body("healthcareWard", None))
        assert r.status_code == 400
        assert "owner" in r.json()["error"]["message"]
        r = c.post("/v1.0/teams", json=team_body("noSuchTemplate", owner_id(emu)))
        assert r.status_code == 400
    assert emu.admin("GET", "state").json().get("team", {}) == {}


def test_channels_archive_and_unarchive(emu: Emulator):
    emu.admin("PUT", "faults", json={"teamsOperationMs": 0}).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post("/v1.0/teams", json=team_body("standard", owner_id(emu)))
        team_id = r.headers["Content-Location"].split("'")[1]
        wait_for(c, r.headers["Location"])
        r = c.post(f"/v1.0/teams/{team_id}/channels", json={"displayName": "Pharmacy"})
        assert r.status_code == 201 and r.json()["id"].startswith("19:")
        r = c.post(f"/v1.0/teams/{team_id}/channels", json={"displayName": "pharmacy"})
        assert r.status_code == 400
        assert (
            r.json()["error"]["message"] == "Channel name already existed, please use other name."
        )
        r = c.post(
            f"/v1.0/teams/{team_id}/archive", json={"shouldSetSpoSiteReadOnlyForMembers": True}
        )
        assert r.status_code == 202 and "operations" in r.headers["Location"]
        assert c.get(f"/v1.0/teams/{team_id}").json()["isArchived"] is True
        assert c.patch(f"/v1.0/teams/{team_id}", json={"description": "x"}).status_code == 403
        assert c.post(f"/v1.0/teams/{team_id}/unarchive").status_code == 202
        assert c.patch(f"/v1.0/teams/{team_id}", json={"description": "x"}).status_code == 204
        assert c.get(f"/v1.0/teams/{team_id}").json()["description"] == "x"


def test_team_from_a_new_group_waits_for_replication(emu: Emulator):
    emu.admin(
        "PUT", "faults", json={"rules": [{"match": "POST /v1.0/groups", "consistencyMs": 300}]}
    ).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        owner = owner_id(emu)
        group = c.post(
            "/v1.0/groups",
            json={
                "displayName": "HSA Ward 2",
                "mailNickname": "hsa-ward-2",
                "mailEnabled": True,
                "securityEnabled": False,
                "groupTypes": ["Unified"],
                "owners@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{owner}"],
            },
        ).json()
        # Right after creation the group is not yet visible: Graph answers 404.
        assert c.put(f"/v1.0/groups/{group['id']}/team", json={}).status_code == 404
        time.sleep(0.35)
        r = c.put(f"/v1.0/groups/{group['id']}/team", json={})
        assert r.status_code == 201 and r.json()["id"] == group["id"]
        assert c.put(f"/v1.0/groups/{group['id']}/team", json={}).status_code == 409


def test_teams_routes_name_the_missing_permission(emu: Emulator):
    async def scenario():
        client = graph(emu, AUDITOR_APP, AUDITOR_SECRET)
        with pytest.raises(ODataError) as err:
            from msgraph.generated.models.team import Team

            await client.teams.post(Team(display_name="x"))
        assert err.value.response_status_code == 403
        assert err.value.error.code == "Forbidden"
        assert "Team.Create" in err.value.error.message

    run(scenario)


def _unified_group(c, owner: str, nickname: str) -> str:
    return c.post(
        "/v1.0/groups",
        json={
            "displayName": f"Team {nickname}",
            "mailNickname": nickname,
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "visibility": "Private",
            "owners@odata.bind": [f"https://graph.microsoft.com/v1.0/users/{owner}"],
        },
    ).json()["id"]


def test_team_from_a_group_applies_the_template(emu: Emulator):
    emu.admin("PUT", "faults", json={"teamsOperationMs": 0}).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        gid = _unified_group(c, owner_id(emu), "stm-ward-5")
        bind = {"group@odata.bind": f"https://graph.microsoft.com/v1.0/groups('{gid}')"}
        # The template is required and checked, as when no group is given.
        assert c.post("/v1.0/teams", json=bind).status_code == 400
        unknown = {**bind, **team_body("noSuchTemplate", None)}
        del unknown["displayName"], unknown["description"]
        assert c.post("/v1.0/teams", json=unknown).status_code == 400
        named = {**bind, **team_body("healthcareWard", None)}
        assert c.post("/v1.0/teams", json=named).status_code == 400  # displayName inherited
        body = {
            **bind,
            "template@odata.bind": named["template@odata.bind"],
            "channels": [{"displayName": "Night shift", "description": "Nights"}],
        }
        r = c.post("/v1.0/teams", json=body)
        assert r.status_code == 202 and r.headers["Location"].startswith(f"/teams('{gid}')")
        assert wait_for(c, r.headers["Location"])["status"] == "succeeded"
        team = c.get(f"/v1.0/teams/{gid}").json()
        assert team["displayName"] == "Team stm-ward-5" and team["visibility"] == "private"
        assert team["specialization"] == "healthcareStandard"
        names = [ch["displayName"] for ch in c.get(f"/v1.0/teams/{gid}/channels").json()["value"]]
        assert names == [*WARD_CHANNELS, "Night shift"]
        assert c.post("/v1.0/teams", json=body).status_code == 409


def test_team_visibility_is_its_groups(emu: Emulator):
    emu.admin("PUT", "faults", json={"teamsOperationMs": 0}).raise_for_status()
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        gid = _unified_group(c, owner_id(emu), "stm-ward-6")
        assert c.put(f"/v1.0/groups/{gid}/team", json={}).status_code == 201
        assert c.patch(f"/v1.0/teams/{gid}", json={"visibility": "public"}).status_code == 204
        assert c.get(f"/v1.0/groups/{gid}").json()["visibility"] == "Public"
        r = c.patch(f"/v1.0/teams/{gid}", json={"visibility": "hiddenMembership"})
        assert r.status_code == 400
