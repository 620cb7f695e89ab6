"""The GroupLicenseAssignment resource: what a Pulumi program assigns group licences with."""

from __future__ import annotations

from typing import Any

import pulumi

from hcinfra.resources.group_license.inputs import SkuLicenseArgs
from hcinfra.resources.group_license.provider import GroupLicenseProvider
from hcinfra.resources.kind_resource import KindResource


class GroupLicenseAssignment(KindResource):
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
