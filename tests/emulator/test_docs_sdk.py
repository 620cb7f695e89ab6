"""Learn's examples replayed through the real msgraph-sdk, where the SDK exposes the call.

The httpx replays compare headers and raw bodies; these show that the SDK's own request
builders produce the page's requests and that its parsers accept the emulator's answers.
"""

from __future__ import annotations

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.groups.count.count_request_builder import CountRequestBuilder
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.subscribed_skus.subscribed_skus_request_builder import (
    SubscribedSkusRequestBuilder,
)
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from tests.emulator.graphsdk import graph, run
from tests.emulator.harness import Emulator
from tests.emulator.test_docs_groups import CREATE_UNIFIED, UPSERT_CREATE


def body_group(body: dict) -> Group:
    """The page's request body as the SDK's model."""
    return Group(
        description=body.get("description"),
        display_name=body["displayName"],
        group_types=body["groupTypes"],
        mail_enabled=body["mailEnabled"],
        mail_nickname=body["mailNickname"],
        security_enabled=body["securityEnabled"],
    )


def eventual(query: object) -> RequestConfiguration:
    config = RequestConfiguration(query_parameters=query)
    config.headers.add("ConsistencyLevel", "eventual")
    return config


def test_group_post_groups_example_1_through_the_sdk(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-post-groups"""

    async def scenario():
        made = await graph(emu).groups.post(body_group(CREATE_UNIFIED.body))
        assert made.mail == CREATE_UNIFIED.props["mail"] and made.visibility == "Public"
        assert made.group_types == ["Unified"] and made.security_enabled is False

    run(scenario)


def test_group_upsert_example_1_through_the_sdk(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-upsert"""

    async def scenario():
        config = RequestConfiguration()
        config.headers.add("Prefer", "create-if-missing")
        builder = graph(emu).groups_with_unique_name("uniqueName")
        made = await builder.patch(body_group(UPSERT_CREATE.body), config)
        assert made is not None and made.unique_name == "uniqueName"
        assert await builder.patch(body_group(UPSERT_CREATE.body), config) is None  # 204

    run(scenario)


def test_group_list_examples_3_and_4_through_the_sdk(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/group-list"""
    for name in ("ab", "a", "b"):
        emu.make_group(name)

    async def scenario():
        client = graph(emu)
        count = CountRequestBuilder.CountRequestBuilderGetQueryParameters()
        assert await client.groups.count.get(eventual(count)) == 3
        query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            filter="startswith(displayName, 'a')", count=True, top=1, orderby=["displayName"]
        )
        page = await client.groups.get(eventual(query))
        assert page.odata_count == 2 and [g.display_name for g in page.value] == ["a"]
        assert page.odata_next_link
        with pytest.raises(ODataError) as err:
            await client.groups.count.get()
        assert err.value.error.code == "Request_BadRequest"

    run(scenario)


def test_user_list_example_6_search_through_the_sdk(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-list"""

    async def scenario():
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            search='"displayName:clerk"', orderby=["displayName"], count=True
        )
        page = await graph(emu).users.get(eventual(query))
        assert page.odata_count == 50 and page.value[0].display_name == "Unit Clerk 1"

    run(scenario)


def test_subscribedsku_list_select_through_the_sdk(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/subscribedsku-list"""

    async def scenario():
        query = SubscribedSkusRequestBuilder.SubscribedSkusRequestBuilderGetQueryParameters(
            select=["skuId", "skuPartNumber"]
        )
        skus = await graph(emu).subscribed_skus.get(RequestConfiguration(query_parameters=query))
        assert "SPE_F1" in {s.sku_part_number for s in skus.value}
        assert all(s.prepaid_units is None for s in skus.value)
        with pytest.raises(ODataError) as err:
            query.filter = "skuPartNumber eq 'SPE_F1'"
            await graph(emu).subscribed_skus.get(RequestConfiguration(query_parameters=query))
        assert err.value.error.code == "Request_UnsupportedQuery"

    run(scenario)


def test_user_get_example_3_select_through_the_sdk(emu: Emulator):
    """REF: https://learn.microsoft.com/en-us/graph/api/user-get"""
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    async def scenario():
        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["displayName", "givenName", "postalCode", "identities"]
        )
        user = (
            await graph(emu)
            .users.by_user_id("claire.dubois@northwindhealth.org")
            .get(RequestConfiguration(query_parameters=query))
        )
        assert user.display_name == "Claire Dubois" and user.postal_code is None
        [identity] = user.identities
        assert identity.sign_in_type == "userPrincipalName"

    run(scenario)
