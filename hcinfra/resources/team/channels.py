"""Team's channels: the declared ones are added when missing; none is ever deleted."""

from __future__ import annotations

from functools import partial

import pulumi
from msgraph import GraphServiceClient
from msgraph.generated.models.channel import Channel

from hcinfra.clients.errors import TenantError
from hcinfra.resources.team.calls import TeamCalls
from hcinfra.resources.team.inputs import TeamInputs


class TeamChannels(TeamCalls):
    """The channel steps of Team's provider."""

    # -- channels --------------------------------------------------------------
    def _channels(self, tid: str) -> list[Channel]:
        page = self.connection().graph.run(lambda c: c.teams.by_team_id(tid).channels.get())
        return [c for c in (page.value or []) if c.display_name] if page is not None else []

    def _ensure_channels(self, tid: str, inputs: TeamInputs) -> dict[str, str]:
        have = {str(c.display_name).lower() for c in self.call(partial(self._channels, tid))}
        for spec in inputs.channels:
            if spec.name.lower() in have:
                continue
            ch = Channel(display_name=spec.name, description=spec.description)
            try:
                self._patient(partial(_post_channel, tid, ch), inputs)
            except TenantError as err:
                if not (err.status == 400 and "already existed" in err.message):
                    raise
                pulumi.log.warn(
                    f"Team {inputs.display_name}: Teams keeps the name '{spec.name}' for a "
                    "deleted channel: restore that channel in Teams, or rename it here"
                )
        return {str(c.display_name): str(c.id) for c in self.call(partial(self._channels, tid))}


async def _post_channel(tid: str, channel: Channel, client: GraphServiceClient) -> Channel | None:
    return await client.teams.by_team_id(tid).channels.post(channel)
