"""Team: a Microsoft Teams team from a template, on a Microsoft 365 group hcinfra owns.

Idempotency follows Microsoft's pattern: the group is upserted by a uniqueName
derived from its mail nickname, with its owners and members bound in that request,
then the team is made *from* that group (`POST /teams` with `group@odata.bind`, or
`PUT /groups/{id}/team` for the standard template). A retry after a lost
response adopts the group and, on 409, its team. Destroy archives by default:
nothing a ward wrote is lost unless `allow_data_deletion` says so.

The kind's whole life is in this package: `inputs` (what a team declares and the
naming rules), `provider` (create/read/update/delete/diff), `calls` (Graph calls,
replication retries, async-operation polling), `view` (the team, its channels and
people read in one `$batch`), `channels`, `members` (owners and members),
`permissions` (what the app needs granted) and `resource` (Team).
"""

from __future__ import annotations

from hcinfra.resources.team.inputs import TeamInputs
from hcinfra.resources.team.provider import TeamProvider
from hcinfra.resources.team.resource import Team

# The kind's Resource, inputs and provider; its internals are imported from their modules.
__all__ = ["Team", "TeamInputs", "TeamProvider"]
