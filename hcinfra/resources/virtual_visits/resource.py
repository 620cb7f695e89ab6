"""The VirtualVisits resource: what a Pulumi program declares a site's visit calendar with."""

from __future__ import annotations

from typing import Any

import pulumi

from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.virtual_visits.provider import VirtualVisitsProvider

# business_id is the resource id, which stays known in previews.
OUTPUTS: tuple[str, ...] = ("public_url", "staff_ids", "service_ids", "retained")
OUTPUTS += ("unmanaged_staff", "unmanaged_services")


class VirtualVisits(KindResource):
    """A site's Bookings calendar for virtual visits: each appointment a Teams meeting."""

    outputs = OUTPUTS

    public_url: pulumi.Output[str | None]
    staff_ids: pulumi.Output[dict[str, str]]
    service_ids: pulumi.Output[dict[str, str]]
    unmanaged_staff: pulumi.Output[list[str]]
    unmanaged_services: pulumi.Output[list[str]]
    retained: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        display_name: pulumi.Input[str],
        services: pulumi.Input[list[dict[str, Any]]] | None = None,
        staff: pulumi.Input[list[dict[str, Any]]] | None = None,
        published: pulumi.Input[bool] = False,
        email: pulumi.Input[str] | None = None,
        phone: pulumi.Input[str] | None = None,
        web_site_url: pulumi.Input[str] | None = None,
        allow_data_deletion: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a calendar; staff by email address, services by name with ISO 8601 durations."""
        props: dict[str, Any] = {
            "display_name": display_name,
            "email": email,
            "phone": phone,
            "web_site_url": web_site_url,
            "services": services or [],
            "staff": staff or [],
            "published": published,
            "allow_data_deletion": allow_data_deletion,
        }
        super().__init__(VirtualVisitsProvider(), resource_name, props, opts)

    @property
    def business_id(self) -> pulumi.Output[str]:
        """The business's id: its mailbox's SMTP address (the resource id)."""
        return self.id
