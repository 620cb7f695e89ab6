"""Learn's examples for deleted items, JSON batching and the Teams app catalog, replayed."""

from __future__ import annotations

from tests.emulator.docexamples import ODATA_JSON, Example, check, replay
from tests.emulator.harness import Emulator

DELETED_LIST = "https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list"
DELETED_GET = "https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-get"
RESTORE = "https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore"
PURGE = "https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-delete"
BATCH = "https://learn.microsoft.com/en-us/graph/json-batching"
APPS = "https://learn.microsoft.com/en-us/graph/api/appcatalogs-list-teamsapps"
EVENTUAL = {"ConsistencyLevel": "eventual"}
SHIFTS = "42f6c1da-a241-483a-a3cc-4f5be9185951"


def deleted_group(emu: Emulator, name: str = "SampleGroup") -> str:
    r = emu.graph(
        "POST",
        "/groups",
        json={
            "displayName": name,
            "mailNickname": "".join(c for c in name.lower() if c.isalnum()),
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"],
        },
    )
    gid = str(r.json()["id"])
    assert emu.graph("DELETE", f"/groups/{gid}").status_code == 204
    return gid


SAMPLE = {
    "displayName": "SampleGroup",
    "groupTypes": ["Unified"],
    "mail": "samplegroup@northwindhealth.onmicrosoft.com",
    "mailEnabled": True,
    "mailNickname": "samplegroup",
    "securityEnabled": False,
    "visibility": "Public",
}


def test_directory_deleteditems_list_example_1(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list"""
    gid = deleted_group(emu)
    ex = Example(DELETED_LIST, "GET", "/directory/deletedItems/microsoft.graph.group")
    ex.context = "groups"
    [item] = check(replay(emu, ex), ex)["value"]
    assert item["id"] == gid and {k: item[k] for k in SAMPLE} == SAMPLE


def test_directory_deleteditems_list_example_2_count_and_orderby(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list"""
    first = deleted_group(emu, "Role assignable group")
    emu.admin("POST", "clock", json={"advanceSeconds": 120}).raise_for_status()
    second = deleted_group(emu, "Role assignable group 2")
    ex = Example(
        DELETED_LIST,
        "GET",
        "/directory/deletedItems/microsoft.graph.group?$count=true"
        "&$orderBy=deletedDateTime asc&$select=id,DisplayName,deletedDateTime",
        headers=EVENTUAL,
        context="groups(id,displayName,deletedDateTime)",
        props={"@odata.count": 2},
        item_keys={"displayName", "deletedDateTime"},
    )
    body = check(replay(emu, ex), ex)
    assert [g["id"] for g in body["value"]] == [first, second]


def test_deleted_items_orderby_deleted_date_time_needs_advanced_query(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list"""
    ex = Example(
        DELETED_LIST,
        "GET",
        "/directory/deletedItems/microsoft.graph.group?$orderBy=deletedDateTime asc",
        status=400,
        error="Request_UnsupportedQuery",
    )
    check(replay(emu, ex), ex)


def test_directory_deleteditems_get_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-get"""
    gid = deleted_group(emu)
    ex = Example(DELETED_GET, "GET", "/directory/deletedItems/{id}", props={"id": gid, **SAMPLE})
    ex.context = "directoryObjects/$entity"
    check(replay(emu, ex, {"id": gid}), ex)


def test_directory_deleteditems_restore_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore"""
    gid = deleted_group(emu)
    ex = Example(
        RESTORE,
        "POST",
        "/directory/deletedItems/{id}/restore",
        context="directoryObjects/$entity",
        props={"@odata.type": "#microsoft.graph.group", "id": gid, **SAMPLE},
    )
    check(replay(emu, ex, {"id": gid}), ex)
    assert emu.graph("GET", f"/groups/{gid}").status_code == 200


def test_directory_deleteditems_delete_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-delete"""
    gid = deleted_group(emu)
    ex = Example(PURGE, "DELETE", "/directory/deletedItems/{id}", status=204)
    assert check(replay(emu, ex, {"id": gid}), ex) is None
    assert emu.graph("GET", f"/directory/deletedItems/{gid}").status_code == 404


def test_json_batching_example(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/json-batching"""
    gid = emu.make_group("ward4")
    uid = emu.graph("GET", "/users/claire.dubois@northwindhealth.org").json()["id"]
    requests = [
        {"id": "1", "method": "GET", "url": "/me/memberOf"},
        {"id": "2", "method": "GET", "url": "/me/planner/tasks"},
        {"id": "3", "method": "DELETE", "url": f"/groups/{gid}"},
        {
            "id": "4",
            "url": f"/users/{uid}/getPasswordSingleSignOnCredentials",
            "method": "POST",
            "body": {},
            "headers": {"Content-Type": "application/json"},
        },
        {
            "id": "5",
            "url": "users?$select=id,displayName,userPrincipalName&$filter=city eq null"
            "&$count=true",
            "method": "GET",
            "headers": {"ConsistencyLevel": "eventual"},
        },
    ]
    ex = Example(BATCH, "POST", "/$batch", {"requests": requests})
    ex.headers = {"Accept": "application/json"}
    ex.resp_headers = {"Content-Type": "application/json"}
    body = check(replay(emu, ex), ex)
    answers = {a["id"]: a for a in body["responses"]}
    assert answers["3"]["status"] == 204
    for item in ("1", "2"):  # /me needs a signed-in user: app-only batches get a 400
        assert answers[item]["status"] == 400
    assert 400 <= answers["4"]["status"] < 500  # not served
    five = answers["5"]
    assert five["status"] == 200
    assert five["headers"]["OData-Version"] == "4.0"
    assert five["headers"]["Content-Type"].startswith(ODATA_JSON)
    assert five["body"]["@odata.context"].endswith(
        "/v1.0/$metadata#users(id,displayName,userPrincipalName)"
    )
    # No seeded user has a city: all 283 match, in pages of 100.
    assert five["body"]["@odata.count"] == 283 and len(five["body"]["value"]) == 100


def test_json_batching_depends_on_and_failed_dependency(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/json-batching"""
    requests = [
        {"id": "1", "method": "GET", "url": "/groups/00000000-0000-4000-8000-000000000000"},
        {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/groups"},
    ]
    ex = Example(BATCH, "POST", "/$batch", {"requests": requests})
    answers = {a["id"]: a for a in check(replay(emu, ex), ex)["responses"]}
    assert answers["1"]["status"] == 404 and answers["2"]["status"] == 424


def test_json_batching_limits(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/json-batching"""
    many = [{"id": str(n), "method": "GET", "url": "/groups"} for n in range(21)]
    twice = [{"id": "1", "method": "GET", "url": "/groups"}] * 2
    no_type = [{"id": "1", "method": "POST", "url": "/groups", "body": {}}]
    for requests in (many, twice):
        ex = Example(BATCH, "POST", "/$batch", {"requests": requests}, status=400)
        ex.error = "BadRequest"
        check(replay(emu, ex), ex)
    ex = Example(BATCH, "POST", "/$batch", {"requests": no_type})
    [answer] = check(replay(emu, ex), ex)["responses"]
    assert answer["status"] == 400


def test_appcatalogs_list_teamsapps_examples(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/appcatalogs-list-teamsapps"""
    base = "/appCatalogs/teamsApps?$filter="
    organization = Example(APPS, "GET", base + "distributionMethod eq 'organization'")
    organization.context, organization.props = "appCatalogs/teamsApps", {"value": []}
    check(replay(emu, organization), organization)
    by_id = Example(APPS, "GET", base + f"id eq '{SHIFTS}'", context="appCatalogs/teamsApps")
    [shifts] = check(replay(emu, by_id), by_id)["value"]
    assert shifts["displayName"] == "Shifts" and shifts["distributionMethod"] == "store"
    by_external = Example(
        APPS, "GET", base + "externalId eq 'cf1ba4c7-f94e-4d80-ba90-5594b641a8ee'"
    )
    assert check(replay(emu, by_external), by_external)["value"] == []
    # "Equal, not-equal, and, or, and not" work without advanced query parameters.
    others = Example(APPS, "GET", base + "displayName ne 'Chat' and not(displayName eq 'Teams')")
    names = {a["displayName"] for a in check(replay(emu, others), others)["value"]}
    assert names and not names & {"Chat", "Teams"}


def test_appcatalogs_expand_app_definitions_is_refused(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/appcatalogs-list-teamsapps"""
    ex = Example(
        APPS, "GET", f"/appCatalogs/teamsApps?$filter=id eq '{SHIFTS}'&$expand=appDefinitions"
    )
    ex.status, ex.error = 400, "Request_UnsupportedQuery"
    check(replay(emu, ex), ex)
