"""PartnerTenant's dynamic provider: check, create, read, update and delete.

Create puts the partner's domains on the federation allow list first (it reads the list,
so a domain the tenant blocks fails before anything is written), then creates the
cross-tenant access partner. A create retried after a lost answer meets the partner made
by the first attempt: any refusal of the POST is followed by a read of the partner, and
when it exists it is adopted and PATCHed to the declared settings, so nothing is made
twice. Destroy takes the partner's domains off the allow list and deletes the partner
configuration: a partner removed from the network stops being trusted (its users fall back
to the tenant's default settings), and no user data goes with either. `hcinfra adopt`
takes the partner configuration of the declared tenant id, and reads the federation
settings as they are: a declared domain they do not let in is drift for the next `up`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from hcinfra.clients.errors import TenantError
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.base import KindProvider, until_found
from hcinfra.resources.partner_tenant import federation
from hcinfra.resources.partner_tenant.inputs import PartnerTenantInputs
from hcinfra.resources.partner_tenant.partner import (
    delete_partner,
    desired,
    get_partner,
    observed,
    patch_partner,
    post_partner,
)
from hcinfra.resources.partner_tenant.permissions import PERMISSIONS


class PartnerTenantProvider(KindProvider):
    """Dynamic provider of PartnerTenant."""

    kind = "PartnerTenant"
    inputs_model = PartnerTenantInputs
    replace_on = ("tenant_id",)
    permissions = PERMISSIONS

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, PartnerTenantInputs)
        fed = self._federate(inputs.domains, [])
        adopted = self._create_partner(inputs)
        return CreateResult(inputs.tenant_id, self._outputs(inputs, fed, adopted))

    def find(self, inputs: PartnerTenantInputs) -> tuple[str, list[Candidate]]:
        # Graph keeps one partner configuration per tenant id: one match at most.
        key = f"cross-tenant access partner {inputs.tenant_id}"
        if self._partner(inputs.tenant_id) is None:
            return key, []
        return key, [Candidate(inputs.tenant_id, f"partner configuration {inputs.tenant_id}")]

    def adopted(
        self, id_: str, inputs: PartnerTenantInputs, props: dict[str, Any]
    ) -> dict[str, Any]:
        # The partner existed before: `adopted`, as a create that met it says. The
        # federation settings are read as they are (a domain not let in is drift).
        return super().adopted(id_, inputs, {**inputs.model_dump(mode="json"), "adopted": True})

    def _partner(self, tid: str) -> dict[str, Any] | None:
        """The partner configuration, or None when the tenant is no partner."""
        graph = self.connection().graph
        try:
            doc: dict[str, Any] = self.call(
                lambda: graph.run(partial(get_partner, tid)), writing=False
            )
        except TenantError as err:
            if err.not_found:
                return None
            raise
        return doc

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        doc = self._partner(id_)
        if doc is None:
            return ReadResult(None, {})  # gone: the engine drops it from state
        fed = federation.read(self)
        declared = [str(d) for d in props.get("domains") or []]
        # Drift: a declared domain the list no longer lets in is reported missing, so the
        # next update puts it back. With federation off tenant-wide nothing can be fixed
        # here: the domains stay as declared and `federation_enabled` says why.
        domains = [d for d in declared if fed.federated(d)] if fed.enabled else declared
        outs = {
            **props,
            "tenant_id": id_,
            **observed(doc),
            "domains": domains,
            **_federation_outputs(fed, declared),
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, PartnerTenantInputs)
        dropped = [d for d in olds.get("domains") or [] if d not in inputs.domains]
        fed = self._federate(inputs.domains, dropped)
        graph = self.connection().graph
        props = desired(inputs)
        try:
            self.call(lambda: graph.run(partial(patch_partner, id_, props)))
        except TenantError as err:
            if not err.not_found:
                raise
            self._create_partner(inputs)  # deleted by hand since: made again
        return UpdateResult(self._outputs(inputs, fed, bool(olds.get("adopted"))))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        domains = [str(d) for d in props.get("domains") or []]
        self._federate([], domains)
        graph = self.connection().graph
        try:
            self.call(lambda: graph.run(partial(delete_partner, id_)))
        except TenantError as err:
            if not err.not_found:
                raise
        pulumi.log.info(
            f"{self.kind}: tenant {id_} is no longer a partner: its domains left the Teams "
            "federation allow list and its cross-tenant access settings were deleted (its "
            "users fall back to the default settings; no data was removed)"
        )

    # -- steps -------------------------------------------------------------------------

    def _federate(self, add: list[str], remove: list[str]) -> federation.Federation:
        fed, done = federation.apply(self, add, remove)
        for line in done:
            self.notice(line)
        if add and fed.allowed is None:
            self.notice(
                "the tenant federates with every known domain: the partner's domains need no "
                "allow-list entry, and none was added (that would block everyone else)"
            )
        if add and not fed.enabled:
            self.notice(
                "Teams federation is off tenant-wide (AllowFederatedUsers is false): the "
                "partner's domains are on the list but nobody federates until it is on"
            )
        return fed

    def _create_partner(self, inputs: PartnerTenantInputs) -> bool:
        """Create the partner, or adopt the one that exists; True when adopted."""
        graph = self.connection().graph
        props = desired(inputs)
        tid = inputs.tenant_id
        try:
            self.call(lambda: graph.run(partial(post_partner, tid, props)))
            return False
        except TenantError as refused:
            if refused.status in (401, 403) or refused.status >= 500:
                raise
            # Graph documents no error for a partner that exists: whatever the refusal,
            # a partner that reads back is ours from a lost answer, or one made by hand.
            try:
                self.call(
                    lambda: until_found(lambda: graph.run(partial(get_partner, tid)), timeout=30)
                )
            except TenantError as err:
                if err.not_found:
                    raise refused from None
                raise
        self.notice(f"tenant {tid} was a cross-tenant access partner already: adopted it")
        self.call(lambda: graph.run(partial(patch_partner, tid, props)))
        return True

    def _outputs(
        self, inputs: PartnerTenantInputs, fed: federation.Federation, adopted: bool
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "adopted": adopted,
            **_federation_outputs(fed, inputs.domains),
        }


def _federation_outputs(fed: federation.Federation, domains: list[str]) -> dict[str, Any]:
    return {
        "federation_mode": fed.mode,
        "federation_enabled": fed.enabled,
        "federated_domains": [d for d in domains if fed.enabled and fed.federated(d)],
    }
