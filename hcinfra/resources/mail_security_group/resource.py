"""The MailSecurityGroup resource: what a Pulumi program declares the group with."""

from __future__ import annotations

import pulumi

from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.mail_security_group.provider import MailSecurityGroupProvider


class MailSecurityGroup(KindResource):
    """A mail-enabled security group made in Exchange, to hold FullAccess and SendAs."""

    group_guid: pulumi.Output[str]
    object_id: pulumi.Output[str]  # its Entra object id, which grants name it by

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        alias: pulumi.Input[str],
        primary_smtp_address: pulumi.Input[str],
        display_name: pulumi.Input[str] | None = None,
        members: pulumi.Input[list[str]] | None = None,
        owners: pulumi.Input[list[str]] | None = None,
        hidden_from_address_lists: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a mail-enabled security group; members and owners by UPN."""
        super().__init__(
            MailSecurityGroupProvider(),
            resource_name,
            {
                "name": name,
                "alias": alias,
                "primary_smtp_address": primary_smtp_address,
                "display_name": display_name,
                "members": members or [],
                "owners": owners or [],
                "hidden_from_address_lists": hidden_from_address_lists,
                "group_guid": None,
                "object_id": None,
                "hidden": None,
                "join_restriction": None,
                "depart": None,
            },
            opts,
        )
