"""The partner's cross-tenant access configuration in Graph, and what PartnerTenant sets in it.

REF: https://learn.microsoft.com/graph/api/crosstenantaccesspolicy-post-partners
REF: https://learn.microsoft.com/microsoft-365/solutions/collaborate-teams-direct-connect
Shared channels with another organisation need B2B direct connect allowed both ways for
its users and Microsoft's Office 365 applications (Teams among them), which is what
`shared_channels` sets; turned off, both directions are blocked explicitly rather than
left to the default. B2B collaboration (guests) is not declared: it inherits the tenant's
default configuration. Answers are read as JSON (hcinfra.clients.graph_raw).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcinfra.resources.partner_tenant.inputs import PartnerTenantInputs

# The program's process imports this module for the provider class: the SDK is imported
# where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

DIRECTIONS = ("b2bDirectConnectInbound", "b2bDirectConnectOutbound")
ALLOWED = {
    "usersAndGroups": {
        "accessType": "allowed",
        "targets": [{"target": "AllUsers", "targetType": "user"}],
    },
    "applications": {
        "accessType": "allowed",
        "targets": [{"target": "Office365", "targetType": "application"}],
    },
}
BLOCKED = {
    "usersAndGroups": {
        "accessType": "blocked",
        "targets": [{"target": "AllUsers", "targetType": "user"}],
    },
    "applications": {
        "accessType": "blocked",
        "targets": [{"target": "AllApplications", "targetType": "application"}],
    },
}


def desired(inputs: PartnerTenantInputs) -> dict[str, Any]:
    """The partner configuration's declared properties, as Graph's JSON."""
    direct = ALLOWED if inputs.shared_channels else BLOCKED
    return {
        **{d: direct for d in DIRECTIONS},
        "inboundTrust": {
            "isMfaAccepted": inputs.trust_mfa,
            "isCompliantDeviceAccepted": inputs.trust_compliant_devices,
            "isHybridAzureADJoinedDeviceAccepted": False,
        },
    }


def _same_setting(actual: Any, wanted: dict[str, Any]) -> bool:
    if not isinstance(actual, dict):
        return False
    for key, want in wanted.items():
        got = actual.get(key) or {}
        targets = {(t.get("target"), t.get("targetType")) for t in got.get("targets") or []}
        expected = {(t["target"], t["targetType"]) for t in want["targets"]}
        if got.get("accessType") != want["accessType"] or targets != expected:
            return False
    return True


def observed(doc: dict[str, Any]) -> dict[str, bool]:
    """What a partner configuration read back holds, in the kind's terms."""
    trust = doc.get("inboundTrust") or {}
    return {
        "shared_channels": all(_same_setting(doc.get(d), ALLOWED) for d in DIRECTIONS),
        "trust_mfa": trust.get("isMfaAccepted") is True,
        "trust_compliant_devices": trust.get("isCompliantDeviceAccepted") is True,
    }


def _model(tenant_id: str | None, props: dict[str, Any]) -> Any:
    """The msgraph-sdk body for these properties (the SDK serialises only what is set)."""
    from msgraph.generated.models.cross_tenant_access_policy_b2_b_setting import (
        CrossTenantAccessPolicyB2BSetting,
    )
    from msgraph.generated.models.cross_tenant_access_policy_configuration_partner import (
        CrossTenantAccessPolicyConfigurationPartner,
    )
    from msgraph.generated.models.cross_tenant_access_policy_inbound_trust import (
        CrossTenantAccessPolicyInboundTrust,
    )
    from msgraph.generated.models.cross_tenant_access_policy_target import (
        CrossTenantAccessPolicyTarget,
    )
    from msgraph.generated.models.cross_tenant_access_policy_target_configuration import (
        CrossTenantAccessPolicyTargetConfiguration,
    )
    from msgraph.generated.models.cross_tenant_access_policy_target_configuration_access_type import (  # noqa: E501
        CrossTenantAccessPolicyTargetConfigurationAccessType as Access,
    )
    from msgraph.generated.models.cross_tenant_access_policy_target_type import (
        CrossTenantAccessPolicyTargetType as TargetType,
    )

    def config(raw: dict[str, Any]) -> Any:
        return CrossTenantAccessPolicyTargetConfiguration(
            access_type=Access(raw["accessType"]),
            targets=[
                CrossTenantAccessPolicyTarget(
                    target=t["target"], target_type=TargetType(t["targetType"])
                )
                for t in raw["targets"]
            ],
        )

    def setting(raw: dict[str, Any]) -> Any:
        return CrossTenantAccessPolicyB2BSetting(
            users_and_groups=config(raw["usersAndGroups"]),
            applications=config(raw["applications"]),
        )

    trust = props["inboundTrust"]
    return CrossTenantAccessPolicyConfigurationPartner(
        tenant_id=tenant_id,
        b2b_direct_connect_inbound=setting(props["b2bDirectConnectInbound"]),
        b2b_direct_connect_outbound=setting(props["b2bDirectConnectOutbound"]),
        inbound_trust=CrossTenantAccessPolicyInboundTrust(
            is_mfa_accepted=trust["isMfaAccepted"],
            is_compliant_device_accepted=trust["isCompliantDeviceAccepted"],
            is_hybrid_azure_a_d_joined_device_accepted=trust["isHybridAzureADJoinedDeviceAccepted"],
        ),
    )


def _partners(client: GraphServiceClient) -> Any:
    return client.policies.cross_tenant_access_policy.partners


async def post_partner(
    tenant_id: str, props: dict[str, Any], client: GraphServiceClient
) -> dict[str, Any]:
    """POST …/partners: 201 and the partner."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    response: Any = await _partners(client).post(_model(tenant_id, props), unparsed())
    return json_of(response)


async def get_partner(tenant_id: str, client: GraphServiceClient) -> dict[str, Any]:
    """GET …/partners/{tenantId}: the partner, or TenantError 404."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    item = _partners(client).by_cross_tenant_access_policy_configuration_partner_tenant_id(
        tenant_id
    )
    response: Any = await item.get(unparsed())
    return json_of(response)


async def patch_partner(tenant_id: str, props: dict[str, Any], client: GraphServiceClient) -> None:
    """PATCH …/partners/{tenantId}: 204; the properties sent replace theirs."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    item = _partners(client).by_cross_tenant_access_policy_configuration_partner_tenant_id(
        tenant_id
    )
    response: Any = await item.patch(_model(None, props), unparsed())
    json_of(response)


async def delete_partner(tenant_id: str, client: GraphServiceClient) -> None:
    """DELETE …/partners/{tenantId}: 204."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    item = _partners(client).by_cross_tenant_access_policy_configuration_partner_tenant_id(
        tenant_id
    )
    response: Any = await item.delete(unparsed())
    json_of(response)
