"""The SharedMailbox resource: what a Pulumi program declares a shared mailbox with."""

from __future__ import annotations

import pulumi

from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.shared_mailbox.provider import SharedMailboxProvider


class SharedMailbox(KindResource):
    """A shared mailbox (a ward's or a unit's), its sign-in blocked; kept on destroy by default."""

    mailbox_guid: pulumi.Output[str]
    external_directory_object_id: pulumi.Output[str]
    sign_in_blocked: pulumi.Output[bool]
    full_access_sids: pulumi.Output[list[str]]
    send_as_sids: pulumi.Output[list[str]]
    retained: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        alias: pulumi.Input[str],
        primary_smtp_address: pulumi.Input[str],
        display_name: pulumi.Input[str] | None = None,
        full_access: pulumi.Input[list[str]] | None = None,
        send_as: pulumi.Input[list[str]] | None = None,
        auto_mapping: bool = False,
        allow_data_deletion: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a shared mailbox; grantees by UPN, or security group object id or name."""
        super().__init__(
            SharedMailboxProvider(),
            resource_name,
            {
                "name": name,
                "alias": alias,
                "primary_smtp_address": primary_smtp_address,
                "display_name": display_name,
                "full_access": full_access or [],
                "send_as": send_as or [],
                "auto_mapping": auto_mapping,
                "allow_data_deletion": allow_data_deletion,
                "mailbox_guid": None,
                "external_directory_object_id": None,
                "sign_in_blocked": None,
                "recipient_type_details": None,
                "resolved": None,
                "full_access_sids": None,
                "send_as_sids": None,
                "retained": None,
            },
            opts,
        )
