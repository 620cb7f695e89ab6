"""GroupLicenseAssignment's dynamic provider: check, create, read, update and delete."""

from __future__ import annotations

from functools import cache, partial
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from hcinfra.clients.connection import MissingSettings
from hcinfra.clients.errors import TenantError
from hcinfra.resources.adoption import Candidate, NotAdopted
from hcinfra.resources.base import CheckError, until_found, warn
from hcinfra.resources.group_license.inputs import GroupLicenseInputs
from hcinfra.resources.group_license.outputs import GroupLicenseOutputs
from hcinfra.resources.group_license.permissions import PERMISSIONS
from hcinfra.resources.group_license.skus import Sku, _id_of, unknown_names

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK and the clients are imported where they
# are used, and CHECK_POLICY and UNREACHABLE, which hold their types, are made on first use.
if TYPE_CHECKING:
    from hcinfra.clients.retry import RetryPolicy

    CHECK_POLICY: RetryPolicy
    UNREACHABLE: tuple[type[Exception], ...]


@cache
def _check_policy() -> RetryPolicy:
    from hcinfra.clients.retry import RetryPolicy

    # A preview must not hang on an unreachable tenant: one quick retry at most.
    return RetryPolicy(max_attempts=2, max_total_seconds=15.0)


@cache
def _unreachable() -> tuple[type[Exception], ...]:
    import httpx
    from azure.core.exceptions import AzureError

    return (MissingSettings, TenantError, AzureError, httpx.HTTPError, OSError)


def __getattr__(name: str) -> Any:
    if name == "CHECK_POLICY":
        return _check_policy()
    if name == "UNREACHABLE":
        return _unreachable()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class GroupLicenseProvider(GroupLicenseOutputs):
    """Dynamic provider of GroupLicenseAssignment."""

    kind = "GroupLicenseAssignment"
    inputs_model = GroupLicenseInputs
    replace_on = ("group_id",)
    permissions = PERMISSIONS

    def check_more(self, inputs: GroupLicenseInputs) -> None:
        # Not called for inputs unchanged since the last deploy (KindProvider.check).
        from hcinfra.clients.graph import GraphApi

        unreachable = _unreachable()
        try:
            conn = self.connection()
            catalog = self._catalog(GraphApi(conn.settings, conn.credential, _check_policy()))
        except unreachable as err:
            # Preview goes on without the tenant; create checks the names again.
            warn(f"{self.kind}: SKU names not checked against the tenant ({err})")
            return
        failures = unknown_names(inputs, catalog)
        if failures:
            raise CheckError(failures)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, GroupLicenseInputs)
        catalog, sku_ids = self._resolve(inputs)
        gid = inputs.group_id
        # Read before writing: a retried create sends nothing the group already has, and
        # other SKUs of the group show as unmanaged.
        before = self.call(partial(until_found, partial(self._group_state, gid)))
        add = self._apply(inputs, catalog, before[0], remove=[])
        return CreateResult(gid, self._outputs(inputs, catalog, sku_ids, before, add, []))

    def find(self, inputs: GroupLicenseInputs) -> tuple[str, list[Candidate]]:
        # The assignment is its group's licences: the id is the group's, as create makes it.
        gid = inputs.group_id
        try:
            name = self.call(partial(self._group_name, gid), writing=False)
        except TenantError as err:
            if not err.not_found:
                raise
            return f"licences of group {gid}", []
        return f"licences of group {name}", [Candidate(gid, f"group {name}")]

    def adopted(
        self, id_: str, inputs: GroupLicenseInputs, props: dict[str, Any]
    ) -> dict[str, Any]:
        # SKU ids as create records them: unknown SKU names are refused, as create does.
        _, sku_ids = self._resolve(inputs)
        result = self.read(id_, {**inputs.model_dump(mode="json"), "sku_ids": sku_ids})
        if result.id is None:
            raise NotAdopted(f"the group {id_} is gone")
        return dict(result.outs or {})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        try:
            group, state = self.call(partial(self._group_state, id_), writing=False)
        except TenantError as err:
            if err.not_found:
                return ReadResult(None, {})  # gone: the engine drops it from state
            raise
        catalog = self._catalog()
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
        before = self.call(partial(self._group_state, inputs.group_id))
        # Only SKUs this resource declared before may go; others belong to someone else.
        dropped = [i for n, i in old_ids.items() if n not in sku_ids and i and i in before[0]]
        add = self._apply(inputs, catalog, before[0], remove=dropped)
        return UpdateResult(self._outputs(inputs, catalog, sku_ids, before, add, dropped))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = self.parse(props, GroupLicenseInputs)
        known: dict[str, str] = dict(props.get("sku_ids") or {})
        try:
            current = self.call(partial(self._group, id_))
            if any(item.sku not in known for item in inputs.skus):
                catalog = self._catalog()
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
