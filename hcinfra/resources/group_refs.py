"""A Microsoft 365 or security group's owners and members, read and changed through Graph.

SecurityGroup and Team both reconcile these the same way: list the ids, add what is
missing, remove what is not declared. The calls are msgraph-sdk coroutines for
`GraphApi.run`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcinfra.clients.errors import TenantError

# The program's process imports this module with the kinds' providers, and only the
# provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient
    from msgraph.generated.models.group import Group
    from msgraph.generated.models.user import User

GRAPH = "https://graph.microsoft.com/v1.0"
# Graph's 400 message for a reference that is already there (adding is then done).
ALREADY = "already exist"


async def ref_ids(gid: str, relation: str, client: GraphServiceClient) -> list[str]:
    """Object ids of a group's `members` or `owners`, every page."""
    builder = getattr(client.groups.by_group_id(gid), relation)
    page = await builder.get()
    ids = [o.id for o in (page.value or []) if o.id]
    while page.odata_next_link:
        page = await builder.with_url(page.odata_next_link).get()
        ids += [o.id for o in (page.value or []) if o.id]
    return ids


async def add_ref(gid: str, relation: str, oid: str, client: GraphServiceClient) -> None:
    """Add an object to a group's `members` or `owners`."""
    from msgraph.generated.models.reference_create import ReferenceCreate

    ref = ReferenceCreate(odata_id=f"{GRAPH}/directoryObjects/{oid}")
    await getattr(client.groups.by_group_id(gid), relation).ref.post(ref)


async def remove_ref(gid: str, relation: str, oid: str, client: GraphServiceClient) -> None:
    """Remove an object from a group's `members` or `owners`."""
    group = client.groups.by_group_id(gid)
    await getattr(group, relation).by_directory_object_id(oid).ref.delete()


async def get_user(name: str, client: GraphServiceClient) -> User | None:
    """A user by id or user principal name."""
    return await client.users.by_user_id(name).get()


def made_but_not_visible(err: TenantError) -> bool:
    """Graph's uniqueName conflict (400): a group of that uniqueName exists, unseen so far.

    A create retried after a lost answer can land inside the replication window: the
    first attempt made the group, which Graph does not show yet. Wait for it and adopt.
    """
    return err.status == 400 and "uniquename" in err.message.lower().replace(" ", "")


def binds_refused(err: TenantError) -> bool:
    """A 400 for the binding lists of an upsert that met an existing group.

    The upsert then updates the group: the emulator refuses binding lists in an update,
    as Graph's update reference lists none; were they taken, members already there
    would answer "already exist". Either way the group exists and is reconciled.
    """
    return err.status == 400 and ("odata.bind" in err.message or ALREADY in err.message)


async def group_id_by_unique(client: GraphServiceClient, key: str) -> str:
    """The id of the group with this uniqueName (404 while it replicates)."""
    return str((await group_json_by_unique(client, key))["id"])


async def bind_members(gid: str, ids: list[str], client: GraphServiceClient) -> None:
    """Add up to 20 members in one `PATCH /groups/{id}` (members@odata.bind)."""
    from msgraph.generated.models.group import Group

    from hcinfra.resources.directory import bind_urls

    patch = Group(additional_data={"members@odata.bind": bind_urls(ids)})
    await client.groups.by_group_id(gid).patch(patch)


async def upsert_group(client: GraphServiceClient, key: str, body: Group) -> str | None:
    """Create the group of this uniqueName, or update it: its id when made, else None.

    `PATCH /groups(uniqueName=…)` with `Prefer: create-if-missing` answers 201 with the
    group it made and 204 when it updated one. The answer is read as JSON, not as a
    model (hcinfra.clients.graph_raw).
    """
    from hcinfra.clients.graph_raw import json_of, unparsed

    config = unparsed({"Prefer": "create-if-missing"})
    response: Any = await client.groups_with_unique_name(key).patch(body, config)
    made = json_of(response)
    return str(made["id"]) if response.status_code == 201 and made.get("id") else None


async def group_json_by_unique(client: GraphServiceClient, key: str) -> dict[str, Any]:
    """The group with this uniqueName, as Graph's JSON (404 while it replicates)."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    response: Any = await client.groups_with_unique_name(key).get(unparsed())
    return json_of(response)


async def groups_by_nickname(nickname: str, client: GraphServiceClient) -> list[dict[str, Any]]:
    """Every group whose mailNickname is `nickname` (Graph compares it in any case).

    For adoption: a group made by hand has no uniqueName, and a mailNickname is unique
    among mail-enabled groups only, so two security groups may share one.
    """
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder

    quoted = nickname.replace("'", "''")
    query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
        filter=f"mailNickname eq '{quoted}'",
        select=[
            "id",
            "displayName",
            "mailNickname",
            "securityEnabled",
            "mailEnabled",
            "groupTypes",
            "resourceProvisioningOptions",
        ],
    )
    page = await client.groups.get(RequestConfiguration(query_parameters=query))
    found: list[Any] = []
    while page is not None:
        found += list(page.value or [])
        if not page.odata_next_link:
            break
        page = await client.groups.with_url(page.odata_next_link).get()
    return [
        {
            "id": g.id,
            "displayName": g.display_name,
            "securityEnabled": bool(g.security_enabled),
            "mailEnabled": bool(g.mail_enabled),
            "unified": "Unified" in (g.group_types or []),
            "team": "Team" in (g.resource_provisioning_options or []),
        }
        for g in found
        if g.id
    ]
