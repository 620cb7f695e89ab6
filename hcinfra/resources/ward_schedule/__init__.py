"""WardSchedule: the Shifts schedule of a ward's team, with scheduling groups per role.

Create enables the schedule with the ward's time zone (`PUT /teams/{id}/schedule`) and
waits while Shifts provisions it (`provisionStatus`), then makes each declared
scheduling group, or adopts the one of the same name (a retried create, or a group made
by hand): groups are matched by displayName, never duplicated. Members are resolved to
user ids, which Shifts takes. Destroy deactivates the groups (Graph's DELETE marks them
inactive and keeps them) and keeps the schedule; `allow_data_deletion` disables it too.
`hcinfra adopt` takes the team's schedule if it is enabled and provisioned, and the
declared groups by name, writing nothing.

The kind's whole life is in this package: `inputs` (what a schedule declares),
`provider` (create/read/update/delete/diff), `calls` (Graph calls and the provisioning
wait), `permissions` and `resource` (WardSchedule).
"""

from __future__ import annotations

from hcinfra.resources.ward_schedule.inputs import WardScheduleInputs
from hcinfra.resources.ward_schedule.provider import WardScheduleProvider
from hcinfra.resources.ward_schedule.resource import WardSchedule

# The kind's Resource, inputs and provider; its internals are imported from their modules.
__all__ = ["WardSchedule", "WardScheduleInputs", "WardScheduleProvider"]
