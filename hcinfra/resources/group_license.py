"""GroupLicenseAssignment: licences a group's members get through group-based licensing.

SKUs and service plans are declared by part number and plan name (SPE_F1, TEAMS1) and
resolved to ids through `GET /subscribedSkus`. `POST /groups/{id}/assignLicense` sets
them: assignment is idempotent (a retry after a lost response sends the same thing), and
only SKUs this resource declared are ever removed; other SKUs of the group are reported
as `unmanaged_skus`. Processing is asynchronous: outputs carry licenseProcessingState and
the members in error (CountViolation when seats run out), refreshed by `pulumi refresh`.
Destroy removes the declared SKUs; no data goes with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any, TypedDict
from uuid import UUID

import httpx
import pulumi
from azure.core.exceptions import AzureError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.groups.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody,
)
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.groups.item.members_with_license_errors import (
    members_with_license_errors_request_builder as errors_builder,
)
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.user import User
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult
from pydantic import Field, field_validator

from hcinfra.clients.connection import MissingSettings
from hcinfra.clients.errors import TenantError
from hcinfra.clients.graph import GraphApi
from hcinfra.clients.retry import RetryPolicy
from hcinfra.resources.base import (
    CheckError,
    Grants,
    Inputs,
    KindProvider,
    Permissions,
    log,
    until_found,
)

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
NAME = re.compile(r"^\S+$")
# Pulumi's placeholder for a value not known during preview.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# A preview must not hang on an unreachable tenant: one quick retry at most.
CHECK_POLICY = RetryPolicy(max_attempts=2, max_total_seconds=15.0)
UNREACHABLE = (MissingSettings, TenantError, AzureError, httpx.HTTPError, OSError)

# subscribedSkus: LicenseAssignment.Read.All is least privileged, but the hcinfra app holds
# Organization.Read.All (also documented) instead. Directory.Read.All reads the group's
# licence properties and the members in error with their licence states.
PERMISSIONS = Permissions(
    read=Grants(graph=("Organization.Read.All", "Directory.Read.All")),
    write=Grants(
        graph=("LicenseAssignment.ReadWrite.All", "Organization.Read.All", "Directory.Read.All")
    ),
)


class SkuLicenseArgs(TypedDict, total=False):
    """One SKU of a GroupLicenseAssignment, as the Resource takes it."""

    sku: str
    disabled_plans: list[str]


class SkuLicense(Inputs):
    """A SKU by part number, with the service plans its users do not get."""

    sku: str = Field(min_length=1, max_length=128, pattern=NAME.pattern)
    disabled_plans: list[str] = Field(default_factory=list)

    @field_validator("disabled_plans")
    @classmethod
    def _plans(cls, values: list[str]) -> list[str]:
        if any(not NAME.match(v) for v in values):
            raise ValueError("service plan names have no spaces (e.g. TEAMS1)")
        if len(set(values)) != len(values):
            raise ValueError("each service plan may appear once")
        return values


class GroupLicenseInputs(Inputs):
    """What a GroupLicenseAssignment declares."""

    group_id: str = Field(pattern=GUID.pattern)
    skus: list[SkuLicense] = Field(min_length=1)

    @field_validator("skus")
    @classmethod
    def _unique(cls, values: list[SkuLicense]) -> list[SkuLicense]:
        names = [v.sku.upper() for v in values]
        dupes = sorted({v.sku for v in values if names.count(v.sku.upper()) > 1})
        if dupes:
            raise ValueError(f"each SKU may appear once; repeated: {', '.join(dupes)}")
        return values


@dataclass(frozen=True)
class Sku:
    """A subscribed SKU: its id and its service plans by name."""

    sku_id: str
    plans: dict[str, str]


async def _fetch_catalog(client: GraphServiceClient) -> dict[str, Sku]:
    page = await client.subscribed_skus.get()
    out = {}
    for sku in (page.value if page else None) or []:
        if sku.sku_part_number and sku.sku_id:
            plans = {
                p.service_plan_name: str(p.service_plan_id)
                for p in sku.service_plans or []
                if p.service_plan_name and p.service_plan_id
            }
            out[sku.sku_part_number] = Sku(str(sku.sku_id), plans)
    return out


def unknown_names(inputs: GroupLicenseInputs, catalog: dict[str, Sku]) -> list[tuple[str, str]]:
    """Every declared SKU or plan the tenant does not know, with the names it does know."""
    failures = []
    for i, item in enumerate(inputs.skus):
        if item.sku == UNKNOWN:
            continue
        sku = catalog.get(item.sku)
        if sku is None:
            failures.append(
                (
                    f"skus.{i}.sku",
                    f"the tenant has no SKU '{item.sku}'; it subscribes to "
                    f"{', '.join(sorted(catalog)) or 'nothing'}",
                )
            )
            continue
        bad = [p for p in item.disabled_plans if p not in sku.plans and p != UNKNOWN]
        if bad:
            failures.append(
                (
                    f"skus.{i}.disabled_plans",
                    f"{item.sku} has no service plan {', '.join(bad)}; its plans are "
                    f"{', '.join(sorted(sku.plans))}",
                )
            )
    return failures


class GroupLicenseProvider(KindProvider):
    """Dynamic provider of GroupLicenseAssignment."""

    kind = "GroupLicenseAssignment"
    inputs_model = GroupLicenseInputs
    replace_on = ("group_id",)
    permissions = PERMISSIONS

    def check_more(self, inputs: GroupLicenseInputs) -> None:
        try:
            conn = self.connection()
            quick = GraphApi(conn.settings, conn.credential, CHECK_POLICY)
            catalog = self.call(lambda: quick.run(_fetch_catalog), writing=False)
        except UNREACHABLE as err:
            # Preview goes on without the tenant; create checks the names again.
            pulumi.log.warn(f"{self.kind}: SKU names not checked against the tenant ({err})")
            return
        failures = unknown_names(inputs, catalog)
        if failures:
            raise CheckError(failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, GroupLicenseInputs)
        catalog, sku_ids = self._resolve(inputs)
        current = self.call(partial(until_found, partial(self._group, inputs.group_id)))
        self._apply(inputs, catalog, current, remove=[])
        return CreateResult(inputs.group_id, self._outputs(inputs, catalog, sku_ids))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            group, state = self.call(partial(self._group_state, id_), writing=False)
        except TenantError as err:
            if err.not_found:
                return ReadResult(None, {})  # gone: the engine drops it from state
            raise
        graph = self.connection().graph
        catalog = self.call(lambda: graph.run(_fetch_catalog), writing=False)
        names = {s.sku_id: n for n, s in catalog.items()}
        declared = self.parse(props, GroupLicenseInputs).skus
        known: dict[str, str] = dict(props.get("sku_ids") or {})
        mine = {known.get(d.sku) or _id_of(catalog, d.sku): d for d in declared}
        mine.pop("", None)
        skus = []
        for sku_id, item in mine.items():
            if sku_id not in group:
                continue  # removed behind our back: drift, which update repairs
            plans = catalog.get(item.sku, Sku(sku_id, {})).plans
            by_id = {v: k for k, v in plans.items()}
            disabled = [by_id.get(p, p) for p in group[sku_id]]
            ordered = [p for p in item.disabled_plans if p in disabled]
            ordered += sorted(p for p in disabled if p not in ordered)
            skus.append({"sku": item.sku, "disabled_plans": ordered})
        outs = {
            **props,
            "group_id": id_,
            "skus": skus,
            **self._observed(id_, group, state, names, set(mine)),
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, GroupLicenseInputs)
        catalog, sku_ids = self._resolve(inputs)
        old_ids: dict[str, str] = dict(olds.get("sku_ids") or {})
        for item in self.parse(olds, GroupLicenseInputs).skus:
            old_ids.setdefault(item.sku, _id_of(catalog, item.sku))
        current = self.call(partial(self._group, inputs.group_id))
        # Only SKUs this resource declared before may go; others belong to someone else.
        dropped = [i for n, i in old_ids.items() if n not in sku_ids and i and i in current]
        self._apply(inputs, catalog, current, remove=dropped)
        return UpdateResult(self._outputs(inputs, catalog, sku_ids))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = self.parse(props, GroupLicenseInputs)
        known: dict[str, str] = dict(props.get("sku_ids") or {})
        try:
            current = self.call(partial(self._group, id_))
            if any(item.sku not in known for item in inputs.skus):
                graph = self.connection().graph
                catalog = self.call(lambda: graph.run(_fetch_catalog))
                for item in inputs.skus:
                    known.setdefault(item.sku, _id_of(catalog, item.sku))
            gone = [i.sku for i in inputs.skus if known.get(i.sku) in current]
            if gone:
                self.call(partial(self._assign, id_, [], [known[n] for n in gone]))
                pulumi.log.info(
                    f"{self.kind}: removed {', '.join(gone)} from group {id_} (a licence "
                    "removal takes no data; other SKUs of the group were left alone)"
                )
        except TenantError as err:
            if not err.not_found:
                raise

    # -- tenant calls ----------------------------------------------------------
    def _resolve(self, inputs: GroupLicenseInputs) -> tuple[dict[str, Sku], dict[str, str]]:
        graph = self.connection().graph
        catalog = self.call(lambda: graph.run(_fetch_catalog))
        failures = unknown_names(inputs, catalog)
        if failures:
            raise CheckError(failures)
        return catalog, {item.sku: catalog[item.sku].sku_id for item in inputs.skus}

    def _group(self, gid: str) -> dict[str, list[str]]:
        """The group's assigned licences: skuId to disabled plan ids."""
        return self._group_state(gid)[0]

    def _group_state(self, gid: str) -> tuple[dict[str, list[str]], str | None]:
        """The group's assigned licences and its licenseProcessingState."""
        group = self.connection().graph.run(partial(_get_group, gid))
        licences = {
            str(lic.sku_id): [str(p) for p in lic.disabled_plans or []]
            for lic in group.assigned_licenses or []
            if lic.sku_id
        }
        state = group.license_processing_state
        return licences, state.state if state else None

    def _apply(
        self,
        inputs: GroupLicenseInputs,
        catalog: dict[str, Sku],
        current: dict[str, list[str]],
        remove: list[str],
    ) -> None:
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

    def _assign(self, gid: str, add: list[tuple[str, list[str]]], remove: list[str]) -> None:
        body = AssignLicensePostRequestBody(
            add_licenses=[
                AssignedLicense(sku_id=UUID(s), disabled_plans=[UUID(p) for p in plans])
                for s, plans in add
            ],
            remove_licenses=[UUID(s) for s in remove],
        )
        log.info("assignLicense on group %s: add %s, remove %s", gid, add, remove)
        self.connection().graph.run(lambda c: c.groups.by_group_id(gid).assign_license.post(body))

    def _observed(
        self,
        gid: str,
        group: dict[str, list[str]],
        state: str | None,
        names: dict[str, str],
        mine: set[str],
    ) -> dict[str, Any]:
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
        self, inputs: GroupLicenseInputs, catalog: dict[str, Sku], sku_ids: dict[str, str]
    ) -> dict[str, Any]:
        gid = inputs.group_id
        group, state = self.call(partial(self._group_state, gid))
        names = {s.sku_id: n for n, s in catalog.items()}
        return {
            **inputs.model_dump(mode="json"),
            "sku_ids": sku_ids,
            **self._observed(gid, group, state, names, set(sku_ids.values())),
        }


def _id_of(catalog: dict[str, Sku], name: str) -> str:
    sku = catalog.get(name)
    return sku.sku_id if sku else ""


async def _get_group(gid: str, client: GraphServiceClient) -> Any:
    query = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
        select=["id", "assignedLicenses", "licenseProcessingState"]
    )
    group = await client.groups.by_group_id(gid).get(RequestConfiguration(query_parameters=query))
    assert group is not None
    return group


async def _members_with_errors(gid: str, client: GraphServiceClient) -> list[User]:
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


class GroupLicenseAssignment(Resource):
    """Group-based licences: every member of the group gets the SKUs, minus disabled plans."""

    group_id: pulumi.Output[str]
    skus: pulumi.Output[list[dict[str, Any]]]
    assigned: pulumi.Output[list[dict[str, Any]]]
    license_processing_state: pulumi.Output[str]
    members_in_error: pulumi.Output[list[dict[str, str]]]
    unmanaged_skus: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        group_id: pulumi.Input[str],
        skus: pulumi.Input[list[SkuLicenseArgs]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Assign SKUs (by part number, e.g. SPE_F1) to a group, by the group's object id."""
        super().__init__(
            GroupLicenseProvider(),
            resource_name,
            {
                "group_id": group_id,
                "skus": skus,
                "sku_ids": None,
                "assigned": None,
                "license_processing_state": None,
                "members_in_error": None,
                "unmanaged_skus": None,
            },
            opts,
        )
