"""How PatientList's provider calls Graph: the team's site, its lists, a list's columns.

Every answer is read as JSON (hcinfra.clients.graph_raw); request bodies are plain JSON in
the SDK models' additional data, so no columnDefinition model is loaded either.

REF: https://learn.microsoft.com/en-us/graph/api/site-get
REF: https://learn.microsoft.com/en-us/graph/api/list-create
REF: https://learn.microsoft.com/en-us/graph/api/list-get
REF: https://learn.microsoft.com/en-us/graph/api/list-post-columns
REF: https://learn.microsoft.com/en-us/graph/api/columndefinition-update
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient


async def get_team_site(gid: str, client: GraphServiceClient) -> dict[str, Any]:
    """The group's root site (its team site): id and webUrl."""
    from msgraph.generated.groups.item.sites.item.site_item_request_builder import (
        SiteItemRequestBuilder,
    )

    from hcinfra.clients.graph_raw import json_of, unparsed

    query = SiteItemRequestBuilder.SiteItemRequestBuilderGetQueryParameters(select=["id", "webUrl"])
    builder = client.groups.by_group_id(gid).sites.by_site_id("root")
    return json_of(await builder.get(unparsed(query=query)))


async def list_lists(sid: str, client: GraphServiceClient) -> list[dict[str, Any]]:
    """Every list of a site (id, displayName, webUrl, list facet), every page."""
    from msgraph.generated.sites.item.lists.lists_request_builder import ListsRequestBuilder

    from hcinfra.clients.graph_raw import json_of, unparsed

    query = ListsRequestBuilder.ListsRequestBuilderGetQueryParameters(
        select=["id", "displayName", "webUrl", "list"]
    )
    builder = client.sites.by_site_id(sid).lists
    page = json_of(await builder.get(unparsed(query=query)))
    found = list(page.get("value") or [])
    while page.get("@odata.nextLink"):
        page = json_of(await builder.with_url(str(page["@odata.nextLink"])).get(unparsed()))
        found += page.get("value") or []
    return found


async def create_list(sid: str, body: dict[str, Any], client: GraphServiceClient) -> dict[str, Any]:
    """POST a list (201 and the list)."""
    from msgraph.generated.models.list_ import List_

    from hcinfra.clients.graph_raw import json_of, unparsed

    model = List_(additional_data=body)
    return json_of(await client.sites.by_site_id(sid).lists.post(model, unparsed()))


async def get_list(sid: str, lid: str, client: GraphServiceClient) -> dict[str, Any]:
    """A list with its columns (`$expand=columns`)."""
    from msgraph.generated.sites.item.lists.item.list_item_request_builder import (
        ListItemRequestBuilder,
    )

    from hcinfra.clients.graph_raw import json_of, unparsed

    query = ListItemRequestBuilder.ListItemRequestBuilderGetQueryParameters(expand=["columns"])
    builder = client.sites.by_site_id(sid).lists.by_list_id(lid)
    return json_of(await builder.get(unparsed(query=query)))


async def add_column(
    sid: str, lid: str, body: dict[str, Any], client: GraphServiceClient
) -> dict[str, Any]:
    """POST a columnDefinition to a list (201 and the column)."""
    from msgraph.generated.models.column_definition import ColumnDefinition

    from hcinfra.clients.graph_raw import json_of, unparsed

    model = ColumnDefinition(additional_data=body)
    builder = client.sites.by_site_id(sid).lists.by_list_id(lid).columns
    return json_of(await builder.post(model, unparsed()))


async def update_column(
    sid: str, lid: str, cid: str, body: dict[str, Any], client: GraphServiceClient
) -> dict[str, Any]:
    """PATCH a list's column (200 and the column)."""
    from msgraph.generated.models.column_definition import ColumnDefinition

    from hcinfra.clients.graph_raw import json_of, unparsed

    model = ColumnDefinition(additional_data=body)
    builder = client.sites.by_site_id(sid).lists.by_list_id(lid).columns
    return json_of(await builder.by_column_definition_id(cid).patch(model, unparsed()))


async def delete_list(sid: str, lid: str, client: GraphServiceClient) -> None:
    """DELETE a list (204), its items with it."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    builder = client.sites.by_site_id(sid).lists.by_list_id(lid)
    response: Any = await builder.delete(unparsed())  # type: ignore[func-returns-value]
    json_of(response)
