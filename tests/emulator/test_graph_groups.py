"""Graph groups through the real msgraph-sdk: create, upsert, filter, members, delete, restore."""

from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.reference_create import ReferenceCreate

from tests.emulator.graphsdk import graph, run
from tests.emulator.harness import AUDITOR_APP, AUDITOR_SECRET, GRAPH_SCOPE, Emulator


def security_group(name: str, nick: str, **extra) -> Group:
    return Group(
        display_name=name, mail_nickname=nick, mail_enabled=False, security_enabled=True, **extra
    )


def state_kinds(emu: Emulator, kind: str) -> dict:
    return emu.admin("GET", "state").json().get(kind, {})


def test_create_read_update_delete_restore(emu: Emulator):
    async def scenario():
        client = graph(emu)
        created = await client.groups.post(security_group("STM Clinical Workers", "stm-clin"))
        assert created.id and created.security_enabled and created.mail is None
        fetched = await client.groups.by_group_id(created.id).get()
        assert fetched.display_name == "STM Clinical Workers"
        await client.groups.by_group_id(created.id).patch(Group(description="Nurses of STM"))
        fetched = await client.groups.by_group_id(created.id).get()
        assert fetched.description == "Nurses of STM"
        await client.groups.by_group_id(created.id).delete()
        with pytest.raises(ODataError) as err:
            await client.groups.by_group_id(created.id).get()
        assert err.value.response_status_code == 404
        assert err.value.error.code == "Request_ResourceNotFound"
        deleted = await client.directory.deleted_items.graph_group.get()
        assert [g.id for g in deleted.value] == [created.id]
        await client.directory.deleted_items.by_directory_object_id(created.id).restore.post()
        restored = await client.groups.by_group_id(created.id).get()
        assert restored.description == "Nurses of STM"

    run(scenario)


def test_upsert_by_unique_name_creates_once_then_updates(emu: Emulator):
    async def scenario():
        client = graph(emu)
        config = RequestConfiguration()
        config.headers.add("Prefer", "create-if-missing")
        builder = client.groups_with_unique_name("stm-clinical-workers")
        first = await builder.patch(security_group("STM Clinical", "stm-clinical"), config)
        assert first is not None and first.unique_name == "stm-clinical-workers"
        # A retry after a lost response finds the group it made: 204, no second group.
        again = await builder.patch(security_group("STM Clinical", "stm-clinical"), config)
        assert again is None
        found = await client.groups.get(
            RequestConfiguration(
                query_parameters=GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
                    filter="uniqueName eq 'stm-clinical-workers'"
                )
            )
        )
        assert len(found.value) == 1

    run(scenario)
    assert len(state_kinds(emu, "group")) == 1


def test_update_of_missing_unique_name_without_header_is_404(emu: Emulator):
    async def scenario():
        with pytest.raises(ODataError) as err:
            await graph(emu).groups_with_unique_name("nope").patch(Group(description="x"))
        assert err.value.response_status_code == 404

    run(scenario)
    assert state_kinds(emu, "group") == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"displayName": "x" * 257, "mailNickname": "ok"}, "'displayName'"),
        ({"displayName": "ok", "mailNickname": "has space"}, "'mailNickname'"),
        ({"displayName": "ok", "mailNickname": "a@b"}, "'mailNickname'"),
        ({"displayName": "ok", "mailNickname": "é-accent"}, "'mailNickname'"),
        ({"displayName": "ok", "mailNickname": "n" * 65}, "'mailNickname'"),
        ({"displayName": "ok"}, "A value is required for property 'mailNickname'"),
    ],
)
def test_invalid_groups_are_refused_and_nothing_is_stored(emu: Emulator, body, message):
    payload = {"mailEnabled": False, "securityEnabled": True, **body}
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post("/v1.0/groups", json=payload)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "Request_BadRequest"
    assert message in error["message"]
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert state_kinds(emu, "group") == {}


def test_mail_enabled_security_group_is_refused(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post(
            "/v1.0/groups",
            json={
                "displayName": "x",
                "mailNickname": "x",
                "mailEnabled": True,
                "securityEnabled": True,
            },
        )
    assert r.status_code == 400
    assert "mail-enabled groups" in r.json()["error"]["message"]


def test_unknown_property_is_odata_bad_request(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        r = c.post(
            "/v1.0/groups",
            json={
                "displayName": "x",
                "mailNickname": "x",
                "mailEnabled": False,
                "securityEnabled": True,
                "colour": "blue",
            },
        )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BadRequest"
    assert "'colour' does not exist" in r.json()["error"]["message"]


def test_members_add_duplicate_remove(emu: Emulator):
    async def scenario():
        client = graph(emu)
        group = await client.groups.post(security_group("STM Nurses", "stm-nurses"))
        user = await client.users.by_user_id("nurse001@northwindhealth.org").get()
        ref = ReferenceCreate(
            odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{user.id}"
        )
        members = client.groups.by_group_id(group.id).members
        await members.ref.post(ref)
        with pytest.raises(ODataError) as err:
            await members.ref.post(ref)
        assert err.value.response_status_code == 400
        assert err.value.error.code == "Request_BadRequest"
        assert "already exist for the following modified properties: 'members'" in (
            err.value.error.message
        )
        listed = await members.get()
        assert [m.id for m in listed.value] == [user.id]
        await members.by_directory_object_id(user.id).ref.delete()
        assert (await members.get()).value == []
        with pytest.raises(ODataError) as err:
            await members.by_directory_object_id(user.id).ref.delete()
        assert err.value.response_status_code == 404
        bogus = ReferenceCreate(
            odata_id="https://graph.microsoft.com/v1.0/directoryObjects/00000000-0000-0000-0000-000000000001"
        )
        with pytest.raises(ODataError) as err:
            await members.ref.post(bogus)
        assert err.value.response_status_code == 404

    run(scenario)


def test_filter_select_top_and_paging(emu: Emulator):
    async def scenario():
        client = graph(emu)
        for n in range(5):
            await client.groups.post(security_group(f"HSA Ward {n}", f"hsa-ward-{n}"))
        await client.groups.post(security_group("STM Ward 0", "stm-ward-0"))
        params = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter="startswith(displayName,'HSA')", select=["id", "displayName"], top=2
        )
        page = await client.groups.get(RequestConfiguration(query_parameters=params))
        names = [g.display_name for g in page.value]
        while page.odata_next_link:
            page = await client.groups.with_url(page.odata_next_link).get()
            names += [g.display_name for g in page.value]
        assert names == [f"HSA Ward {n}" for n in range(5)]
        eq = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter="mailNickname eq 'stm-ward-0'"
        )
        assert len((await client.groups.get(RequestConfiguration(query_parameters=eq))).value) == 1

    run(scenario)


def test_unsupported_filter_and_bad_select(emu: Emulator):
    with emu.client(headers=emu.headers(GRAPH_SCOPE)) as c:
        # theme has no "Supports $filter" note on the group resource page.
        r = c.get("/v1.0/groups", params={"$filter": "theme eq 'x'"})
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "Request_UnsupportedQuery"
        r = c.get("/v1.0/groups", params={"$filter": "displayName ne 'x'"})
        assert r.status_code == 400
        r = c.get(
            "/v1.0/groups",
            params={"$filter": "displayName ne 'x'", "$count": "true"},
            headers={"ConsistencyLevel": "eventual"},
        )
        assert r.status_code == 200 and "@odata.count" in r.json()
        r = c.get("/v1.0/groups", params={"$select": "colour"})
        assert r.status_code == 400
        r = c.get("/v1.0/groups", params={"$top": "1000"})
        assert r.status_code == 400


def test_reader_app_cannot_write(emu: Emulator):
    async def scenario():
        with pytest.raises(ODataError) as err:
            await graph(emu, AUDITOR_APP, AUDITOR_SECRET).groups.post(security_group("x", "x"))
        assert err.value.response_status_code == 403
        assert err.value.error.code == "Authorization_RequestDenied"
        assert (await graph(emu, AUDITOR_APP, AUDITOR_SECRET).groups.get()).value == []

    run(scenario)
    assert state_kinds(emu, "group") == {}


def test_select_on_an_empty_member_list_is_an_empty_page(emu: Emulator):
    gid = emu.make_group("empty-ward")
    for relation in ("members", "owners"):
        r = emu.graph("GET", f"/groups/{gid}/{relation}?$select=id,userPrincipalName")
        assert r.status_code == 200, r.text
        assert r.json()["value"] == []
    r = emu.graph("GET", f"/groups/{gid}/members?$select=id,notAProperty")
    assert r.status_code == 400 and "notAProperty" in r.text
