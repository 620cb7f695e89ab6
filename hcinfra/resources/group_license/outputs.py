"""What GroupLicenseAssignment's outputs report, licence processing being asynchronous.

The licences the group has, its licenseProcessingState, the members whose licence from
this group is in error (CountViolation when seats run out) and the SKUs it did not declare.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from hcinfra.resources.group_license.calls import Adds, GroupLicenseCalls, Licences, assigned_after
from hcinfra.resources.group_license.inputs import GroupLicenseInputs
from hcinfra.resources.group_license.skus import Catalog

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient
    from msgraph.generated.models.user import User

QUEUED = "QueuedForProcessing"


class GroupLicenseOutputs(GroupLicenseCalls):
    """The observing steps of GroupLicenseAssignment's provider: state and members in error."""

    def _observed(
        self,
        gid: str,
        group: Licences,
        state: str | None,
        names: dict[str, str],
        mine: set[str],
        errors: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        if errors is None:
            errors = self.call(partial(self._members_in_error, gid, names), writing=False)
        return {
            "assigned": [
                {"sku_id": s, "disabled_plans": sorted(p)} for s, p in sorted(group.items())
            ],
            "license_processing_state": state,
            "members_in_error": errors,
            "unmanaged_skus": sorted(names.get(s, s) for s in group if s not in mine),
        }

    def _members_in_error(self, gid: str, names: dict[str, str]) -> list[dict[str, str]]:
        users = self.connection().graph.run(partial(_members_with_errors, gid))
        out = []
        for user in users:
            for st in user.license_assignment_states or []:
                if st.assigned_by_group == gid and st.state == "Error":
                    sku = str(st.sku_id)
                    out.append(
                        {
                            "user_id": str(user.id),
                            "user_principal_name": str(user.user_principal_name),
                            "sku": names.get(sku, sku),
                            "error": str(st.error),
                        }
                    )
        return out

    def _outputs(
        self,
        inputs: GroupLicenseInputs,
        catalog: Catalog,
        sku_ids: dict[str, str],
        before: tuple[Licences, str | None],
        add: Adds,
        remove: list[str],
    ) -> dict[str, Any]:
        """Outputs from the group as read before the write and what the write changed."""
        gid = inputs.group_id
        current, state = before
        names = {s.sku_id: n for n, s in catalog.items()}
        errors: list[dict[str, str]] | None = None
        if add or remove:
            # assignLicense answered 202: the group is queued for processing, and holds what
            # was read with the write applied. A group that held no licence has no member in
            # error from it; errors of this assignment appear once it is processed (refresh).
            state = QUEUED
            errors = [] if not current else None
        after = assigned_after(current, add, remove)
        return {
            **inputs.model_dump(mode="json"),
            "sku_ids": sku_ids,
            **self._observed(gid, after, state, names, set(sku_ids.values()), errors),
        }


async def _members_with_errors(gid: str, client: GraphServiceClient) -> list[User]:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.groups.item.members_with_license_errors import (
        members_with_license_errors_request_builder as errors_builder,
    )
    from msgraph.generated.models.user import User

    builder = client.groups.by_group_id(gid).members_with_license_errors
    params = errors_builder.MembersWithLicenseErrorsRequestBuilder
    query = params.MembersWithLicenseErrorsRequestBuilderGetQueryParameters(
        select=["id", "userPrincipalName", "licenseAssignmentStates"]
    )
    page = await builder.get(RequestConfiguration(query_parameters=query))
    users: list[User] = []
    while page is not None:
        users += [u for u in page.value or [] if isinstance(u, User)]
        if not page.odata_next_link:
            break
        page = await builder.with_url(page.odata_next_link).get()
    return users
