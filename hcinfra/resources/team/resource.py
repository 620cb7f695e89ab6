"""The Team resource: what a Pulumi program declares a team with."""

from __future__ import annotations

from typing import Any

import pulumi

from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.team.provider import TeamProvider

# team_id and group_id are the resource id (see Team), which stays known in previews.
OUTPUTS: tuple[str, ...] = (
    "web_url",
    "internal_id",
    "channel_ids",
    "archived",
)
OUTPUTS += ("owner_ids", "member_ids", "retained", "resolved")


class Team(KindResource):
    """A Microsoft Teams team from a template (a ward, a unit, a hospital), on its own group."""

    outputs = OUTPUTS

    web_url: pulumi.Output[str]
    internal_id: pulumi.Output[str]
    channel_ids: pulumi.Output[dict[str, str]]
    archived: pulumi.Output[bool]
    owner_ids: pulumi.Output[list[str]]
    member_ids: pulumi.Output[list[str]]
    retained: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        display_name: pulumi.Input[str],
        owners: pulumi.Input[list[str]],
        template: pulumi.Input[str] = "standard",
        description: pulumi.Input[str] | None = None,
        mail_nickname: pulumi.Input[str] | None = None,
        visibility: pulumi.Input[str] = "private",
        members: pulumi.Input[list[str]] | None = None,
        channels: pulumi.Input[list[dict[str, str]]] | None = None,
        allow_data_deletion: bool = False,
        timeout_seconds: float = 900,
        poll_interval_seconds: float | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a team; owners and members by userPrincipalName or object id."""
        props: dict[str, Any] = {
            "display_name": display_name,
            "description": description,
            "mail_nickname": mail_nickname,
            "template": template,
            "visibility": visibility,
            "owners": owners,
            "members": members or [],
            "channels": channels or [],
            "allow_data_deletion": allow_data_deletion,
            "timeout_seconds": timeout_seconds,
            "poll_interval_seconds": poll_interval_seconds,
        }
        super().__init__(TeamProvider(), resource_name, props, opts)

    @property
    def team_id(self) -> pulumi.Output[str]:
        """The team's id: the resource id, known even while an update is previewed."""
        return self.id

    @property
    def group_id(self) -> pulumi.Output[str]:
        """The backing Microsoft 365 group's id (the same as the team's)."""
        return self.id
