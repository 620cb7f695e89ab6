"""How GroupLicenseAssignment's provider calls Graph: the group's licences and assignLicense.

SKU names resolve to ids through the catalog (read once per provider process);
`POST /groups/{id}/assignLicense` adds and removes SKUs, and sends nothing when the group
already has what is declared.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

from hcinfra.resources.base import CheckError, KindProvider, log, until_found
from hcinfra.resources.group_license.inputs import GroupLicenseInputs
from hcinfra.resources.group_license.skus import (
    Catalog,
    _fetch_catalog,
    cached_catalog,
    unknown_names,
)

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

    from hcinfra.clients.graph import GraphApi

Licences = dict[str, list[str]]  # skuId to disabled plan ids
Adds = list[tuple[str, list[str]]]


class GroupLicenseCalls(KindProvider):
    """The base of GroupLicenseAssignment's provider: the group's licences, read and set."""

    # -- tenant calls ----------------------------------------------------------
    def _catalog(self, graph: GraphApi | None = None) -> Catalog:
        """The tenant's SKUs, shared by the process (`graph`: another client for a first read)."""
        conn = self.connection()
        api = graph or conn.graph
        fetch = partial(self.call, lambda: api.run(_fetch_catalog), writing=False)
        return cached_catalog(conn.settings.key(), fetch)

    def _resolve(self, inputs: GroupLicenseInputs) -> tuple[Catalog, dict[str, str]]:
        catalog = self._catalog()
        failures = unknown_names(inputs, catalog)
        if failures:
            raise CheckError(failures)
        return catalog, {item.sku: catalog[item.sku].sku_id for item in inputs.skus}

    def _group(self, gid: str) -> Licences:
        """The group's assigned licences: skuId to disabled plan ids."""
        return self._group_state(gid)[0]

    def _group_state(self, gid: str) -> tuple[Licences, str | None]:
        """The group's assigned licences and its licenseProcessingState."""
        group = self.connection().graph.run(partial(_get_group, gid))
        licences = {
            str(lic["skuId"]).lower(): [str(p).lower() for p in lic.get("disabledPlans") or []]
            for lic in group.get("assignedLicenses") or []
            if lic.get("skuId")
        }
        state = group.get("licenseProcessingState") or {}
        return licences, state.get("state")

    def _group_name(self, gid: str) -> str:
        """The group's display name (404: no such group)."""
        return self.connection().graph.run(partial(_get_group_name, gid))

    def _apply(
        self, inputs: GroupLicenseInputs, catalog: Catalog, current: Licences, remove: list[str]
    ) -> Adds:
        """Send what differs from `current`; the SKUs added (none: nothing was sent)."""
        add = []
        for item in inputs.skus:
            sku = catalog[item.sku]
            disabled = [sku.plans[p] for p in item.disabled_plans]
            # Re-sending an unchanged SKU would only queue the group for reprocessing.
            if sku.sku_id not in current or set(current[sku.sku_id]) != set(disabled):
                add.append((sku.sku_id, disabled))
        if add or remove:
            gid = inputs.group_id
            # A group made a moment ago may not be visible yet: Graph answers 404.
            self.call(partial(until_found, partial(self._assign, gid, add, remove)))
        return add

    def _assign(self, gid: str, add: Adds, remove: list[str]) -> None:
        from msgraph.generated.groups.item.assign_license.assign_license_post_request_body import (
            AssignLicensePostRequestBody,
        )
        from msgraph.generated.models.assigned_license import AssignedLicense

        body = AssignLicensePostRequestBody(
            add_licenses=[
                AssignedLicense(sku_id=UUID(s), disabled_plans=[UUID(p) for p in plans])
                for s, plans in add
            ],
            remove_licenses=[UUID(s) for s in remove],
        )
        log.info("assignLicense on group %s: add %s, remove %s", gid, add, remove)
        self.connection().graph.run(partial(_post_assign, gid, body))


def assigned_after(current: Licences, add: Adds, remove: list[str]) -> Licences:
    """The group's licences once an assignLicense is applied: removed go, added replace."""
    after = {s: plans for s, plans in current.items() if s not in remove}
    after.update({s: plans for s, plans in add})
    return after


async def _get_group(gid: str, client: GraphServiceClient) -> dict[str, Any]:
    """The group's licences and processing state, as Graph's JSON (hcinfra.clients.graph_raw)."""
    from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder

    from hcinfra.clients.graph_raw import json_of, unparsed

    query = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
        select=["id", "assignedLicenses", "licenseProcessingState"]
    )
    response: Any = await client.groups.by_group_id(gid).get(unparsed(query=query))
    return json_of(response)


async def _get_group_name(gid: str, client: GraphServiceClient) -> str:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder

    query = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
        select=["id", "displayName"]
    )
    group = await client.groups.by_group_id(gid).get(RequestConfiguration(query_parameters=query))
    return str(group.display_name if group and group.display_name else gid)


async def _post_assign(gid: str, body: Any, client: GraphServiceClient) -> None:
    """assignLicense; its answer (202, the group) is not read."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    response: Any = await client.groups.by_group_id(gid).assign_license.post(body, unparsed())
    json_of(response)
