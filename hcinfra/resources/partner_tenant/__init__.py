"""PartnerTenant: a partner hospital trusted for Teams, in two parts.

- Its cross-tenant access partner configuration (Graph): B2B direct connect both ways,
  which Teams shared channels between organisations need, and the inbound trust given.
- Its domains on the Teams federation allow list (Teams admin service), for chat and
  calls, keeping every other entry of the list.

The kind's modules: `inputs` (tenant id, domains, trust), `partner` (the Graph partner
configuration), `federation` (the allow list, read whatever its shape), `provider`,
`permissions` and `resource` (PartnerTenant).
"""

from __future__ import annotations

from hcinfra.resources.partner_tenant.inputs import PartnerTenantInputs
from hcinfra.resources.partner_tenant.provider import PartnerTenantProvider
from hcinfra.resources.partner_tenant.resource import PartnerTenant

# The kind's Resource, inputs and provider; its internals are imported from their modules.
__all__ = ["PartnerTenant", "PartnerTenantInputs", "PartnerTenantProvider"]
