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

from typing import TYPE_CHECKING

from hcinfra.resources.group_license.inputs import (
    GUID,
    NAME,
    GroupLicenseInputs,
    SkuLicense,
    SkuLicenseArgs,
)
from hcinfra.resources.group_license.permissions import PERMISSIONS
from hcinfra.resources.group_license.provider import GroupLicenseProvider
from hcinfra.resources.group_license.resource import GroupLicenseAssignment
from hcinfra.resources.group_license.skus import UNKNOWN, Sku, unknown_names

if TYPE_CHECKING:
    from hcinfra.resources.group_license.provider import CHECK_POLICY, UNREACHABLE

__all__ = [
    "CHECK_POLICY",
    "GUID",
    "NAME",
    "PERMISSIONS",
    "UNKNOWN",
    "UNREACHABLE",
    "GroupLicenseAssignment",
    "GroupLicenseInputs",
    "GroupLicenseProvider",
    "Sku",
    "SkuLicense",
    "SkuLicenseArgs",
    "unknown_names",
]


def __getattr__(name: str) -> object:
    # Made on first use: they hold client and SDK types the program's process never loads.
    if name in ("CHECK_POLICY", "UNREACHABLE"):
        from hcinfra.resources.group_license import provider

        return getattr(provider, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
