"""GroupLicenseAssignment: licences a group's members get through group-based licensing.

SKUs and service plans are declared by part number and plan name (SPE_F1, TEAMS1) and
resolved to ids through `GET /subscribedSkus`, read once per provider process.
`POST /groups/{id}/assignLicense` sets them: assignment is idempotent (a retry after a
lost response sends the same thing), and only SKUs this resource declared are ever
removed; other SKUs of the group are reported as `unmanaged_skus`. Processing is
asynchronous: outputs carry licenseProcessingState and the members in error
(CountViolation when seats run out), refreshed by `pulumi refresh`. Destroy removes the
declared SKUs; no data goes with them.

The kind's whole life is in this package: `inputs` (what an assignment declares and the
name rules), `provider` (check/create/read/update/delete), `skus` (the tenant's SKU
catalog and the names checked against it), `calls` (the group's licences, read and set
with assignLicense), `outputs` (processing state and members in error), `permissions`
(what the app needs granted) and `resource` (GroupLicenseAssignment).
"""

from __future__ import annotations

from hcinfra.resources.group_license.inputs import GroupLicenseInputs
from hcinfra.resources.group_license.provider import GroupLicenseProvider
from hcinfra.resources.group_license.resource import GroupLicenseAssignment

# The kind's Resource, inputs and provider; its internals are imported from their modules.
__all__ = ["GroupLicenseAssignment", "GroupLicenseInputs", "GroupLicenseProvider"]
