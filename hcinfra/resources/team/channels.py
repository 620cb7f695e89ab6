"""Team's channels: the declared ones are added when missing; none is ever deleted."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from hcinfra.clients.errors import TenantError
from hcinfra.resources.base import warn
from hcinfra.resources.team.calls import TeamCalls
from hcinfra.resources.team.inputs import TeamInputs

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient
    from msgraph.generated.models.channel import Channel


class TeamChannels(TeamCalls):
    """The channel steps of Team's provider."""

    # -- channels --------------------------------------------------------------
    def _ensure_channels(
        self, tid: str, inputs: TeamInputs, listed: list[dict[str, Any]]
    ) -> dict[str, str]:
        """Add the declared channels `listed` lacks; every channel's id, by name."""
        from msgraph.generated.models.channel import Channel

        ids = {str(c["displayName"]): str(c["id"]) for c in listed}
        have = {name.lower() for name in ids}
        for spec in inputs.channels:
            if spec.name.lower() in have:
                continue
            ch = Channel(display_name=spec.name, description=spec.description)
            try:
                made = self._patient(partial(_post_channel, tid, ch), inputs)
            except TenantError as err:
                if not (err.status == 400 and "already existed" in err.message):
                    raise
                warn(
                    f"Team {inputs.display_name}: Teams keeps the name '{spec.name}' for a "
                    "deleted channel: restore that channel in Teams, or rename it here"
                )
                continue
            # 201 answers with the channel: its id needs no second listing.
            if made.get("id"):
                ids[str(made.get("displayName") or spec.name)] = str(made["id"])
        return ids


async def _post_channel(tid: str, channel: Channel, client: GraphServiceClient) -> dict[str, Any]:
    from hcinfra.clients.graph_raw import json_of, unparsed

    response: Any = await client.teams.by_team_id(tid).channels.post(channel, unparsed())
    return json_of(response)
