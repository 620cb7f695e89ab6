"""The PartnerTenant resource: a partner hospital's tenant, trusted for Teams."""

from __future__ import annotations

import pulumi

from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.partner_tenant.provider import PartnerTenantProvider


class PartnerTenant(KindResource):
    """A partner organisation: cross-tenant access for shared channels, federated chat."""

    tenant_id: pulumi.Output[str]
    domains: pulumi.Output[list[str]]
    shared_channels: pulumi.Output[bool]
    trust_mfa: pulumi.Output[bool]
    trust_compliant_devices: pulumi.Output[bool]
    adopted: pulumi.Output[bool]
    federation_mode: pulumi.Output[str]
    federation_enabled: pulumi.Output[bool]
    federated_domains: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        tenant_id: pulumi.Input[str],
        domains: pulumi.Input[list[pulumi.Input[str]]],
        shared_channels: pulumi.Input[bool] = True,
        trust_mfa: pulumi.Input[bool] = False,
        trust_compliant_devices: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Trust the tenant `tenant_id` (a GUID) and federate Teams with its `domains`."""
        super().__init__(
            PartnerTenantProvider(),
            resource_name,
            {
                "tenant_id": tenant_id,
                "domains": domains,
                "shared_channels": shared_channels,
                "trust_mfa": trust_mfa,
                "trust_compliant_devices": trust_compliant_devices,
                "adopted": None,
                "federation_mode": None,
                "federation_enabled": None,
                "federated_domains": None,
            },
            opts,
        )
