"""How WardSchedule's provider calls Graph: the schedule, its provisioning, its groups.

`PUT /teams/{id}/schedule` starts provisioning in the background; the schedule is read
until its provisionStatus (compared whatever its case: Learn's example says
"Completed", its enum "completed") says completed or failed, or the timeout passes.
msgraph-sdk leaves two things of the pages out, so the requests here put them back: its
schedulingGroup model never writes `isActive` (the pages send it, and mark it
required), and its item builder offers PATCH where the page documents PUT. The
deprecated MS-APP-ACTS-AS header is not sent: the current pages say application
tokens no longer need it.

REF: https://learn.microsoft.com/en-us/graph/api/team-put-schedule
REF: https://learn.microsoft.com/en-us/graph/api/schedulinggroup-put
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, TypeVar

from hcinfra.errors import HcinfraError
from hcinfra.resources.base import KindProvider
from hcinfra.resources.ward_schedule.inputs import WardScheduleInputs

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

    from hcinfra.clients.connection import Connection
    from hcinfra.clients.graph_batch import Answer, GraphBatch

T = TypeVar("T")
Call = Callable[["GraphServiceClient"], Awaitable[T]]
EMULATED_POLL_MAX = 2.0  # seconds: the longest pause between polls against the emulator


class ScheduleProvisionError(HcinfraError):
    """A schedule Shifts failed to provision, or did not provision in time."""


def status_of(schedule: dict[str, Any]) -> str:
    """The provisionStatus, lower-cased ("" when absent)."""
    return str(schedule.get("provisionStatus") or "").lower()


class WardScheduleCalls(KindProvider):
    """The base of WardSchedule's provider: Graph calls and the provisioning wait."""

    def _run(self, action: Call[T], writing: bool = True) -> T:
        graph = self.connection().graph
        return self.call(lambda: graph.run(action), writing=writing)

    def _enable(self, inputs: WardScheduleInputs, enabled: bool = True) -> dict[str, Any]:
        """PUT the schedule (create, or replace its settings); its JSON."""
        body = {"enabled": enabled, "timeZone": inputs.time_zone, **inputs.settings()}
        return self._run(partial(_put_schedule, inputs.team_id, body))

    def _wait(self, inputs: WardScheduleInputs, schedule: dict[str, Any]) -> dict[str, Any]:
        """Read the schedule until provisioned; raise when it failed or time ran out."""
        emulated = bool(self.connection().settings.endpoint)
        # Learn gives no pace for this poll; 10 s keeps well inside Shifts' 30 reads a second.
        poll = inputs.poll_interval_seconds or (0.1 if emulated else 10.0)
        grows = emulated and not inputs.poll_interval_seconds
        deadline = time.monotonic() + inputs.timeout_seconds
        while True:
            status = status_of(schedule)
            if status == "completed":
                return schedule
            if status == "failed":
                code = schedule.get("provisionStatusCode") or "no provisionStatusCode"
                raise ScheduleProvisionError(
                    f"WardSchedule of team {inputs.team_id}: Shifts failed to provision the "
                    f"schedule ({code}). Fix the cause, then run `pulumi up` again: it asks "
                    "Shifts to provision it anew."
                )
            if time.monotonic() + poll > deadline:
                raise ScheduleProvisionError(
                    f"WardSchedule of team {inputs.team_id}: the schedule was not provisioned "
                    f"within {inputs.timeout_seconds:g}s (provisionStatus "
                    f"{schedule.get('provisionStatus')}). Nothing is lost: the next "
                    "`pulumi up` waits for it again (raise timeout_seconds to wait longer)."
                )
            time.sleep(poll)
            if grows:
                poll = min(poll * 1.5, EMULATED_POLL_MAX)
            schedule = self._run(partial(_get_schedule, inputs.team_id), writing=False)

    def _groups(self, tid: str) -> list[dict[str, Any]]:
        """The schedule's scheduling groups, active and inactive."""
        body = self._run(partial(_list_groups, tid), writing=False)
        return list(body.get("value") or [])

    def _post_group(self, tid: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._run(partial(_post_group, tid, body))

    def _put_group(self, tid: str, gid: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._run(partial(_put_group, tid, gid, body))

    def _deactivate(self, tid: str, gid: str) -> None:
        self._run(partial(_delete_group, tid, gid))

    def _read(self, tid: str) -> tuple[Answer, Answer]:
        """The schedule and its groups, read in one `$batch`."""
        conn = self.connection()
        base = f"/teams/{tid}/schedule"
        answers = self.call(
            lambda: _reader(conn).get({"schedule": base, "groups": f"{base}/schedulingGroups"}),
            writing=False,
        )
        return answers["schedule"], answers["groups"]


@lru_cache(maxsize=8)
def _reader(conn: Connection) -> GraphBatch:
    from hcinfra.clients.graph_batch import GraphBatch

    return GraphBatch(conn.settings, conn.credential)


def _group_model(body: dict[str, Any]) -> Any:
    from msgraph.generated.models.scheduling_group import SchedulingGroup

    # The SDK's model does not write isActive: it goes in as additional data.
    return SchedulingGroup(
        display_name=body["displayName"],
        user_ids=list(body["userIds"]),
        additional_data={"isActive": body["isActive"]},
    )


async def _put_schedule(tid: str, body: dict[str, Any], client: GraphServiceClient) -> Any:
    from msgraph.generated.models.schedule import Schedule

    from hcinfra.clients.graph_raw import json_of, unparsed

    model = Schedule(
        enabled=body["enabled"],
        time_zone=body["timeZone"],
        open_shifts_enabled=body["openShiftsEnabled"],
        swap_shifts_requests_enabled=body["swapShiftsRequestsEnabled"],
        offer_shift_requests_enabled=body["offerShiftRequestsEnabled"],
        time_off_requests_enabled=body["timeOffRequestsEnabled"],
        time_clock_enabled=body["timeClockEnabled"],
    )
    response: Any = await client.teams.by_team_id(tid).schedule.put(model, unparsed())
    return json_of(response)


async def _get_schedule(tid: str, client: GraphServiceClient) -> Any:
    from hcinfra.clients.graph_raw import json_of, unparsed

    response: Any = await client.teams.by_team_id(tid).schedule.get(unparsed())
    return json_of(response)


async def _list_groups(tid: str, client: GraphServiceClient) -> Any:
    from hcinfra.clients.graph_raw import json_of, unparsed

    builder = client.teams.by_team_id(tid).schedule.scheduling_groups
    response: Any = await builder.get(unparsed())
    body = json_of(response)
    items = list(body.get("value") or [])
    while body.get("@odata.nextLink"):
        response = await builder.with_url(str(body["@odata.nextLink"])).get(unparsed())
        body = json_of(response)
        items += list(body.get("value") or [])
    return {"value": items}


async def _post_group(tid: str, body: dict[str, Any], client: GraphServiceClient) -> Any:
    from hcinfra.clients.graph_raw import json_of, unparsed

    builder = client.teams.by_team_id(tid).schedule.scheduling_groups
    response: Any = await builder.post(_group_model(body), unparsed())
    return json_of(response)


async def _put_group(tid: str, gid: str, body: dict[str, Any], client: GraphServiceClient) -> Any:
    """schedulinggroup-put: the whole group, sent with PUT as the page documents."""
    from kiota_abstractions.method import Method
    from msgraph.generated.models.scheduling_group import SchedulingGroup

    from hcinfra.clients.graph_raw import json_of, unparsed

    builder = client.teams.by_team_id(tid).schedule.scheduling_groups.by_scheduling_group_id(gid)
    info = builder.to_patch_request_information(_group_model(body), unparsed())
    info.http_method = Method.PUT
    response: Any = await client.request_adapter.send_async(info, SchedulingGroup, {})
    return json_of(response)


async def _delete_group(tid: str, gid: str, client: GraphServiceClient) -> None:
    """schedulinggroup-delete: marks the group inactive (204); its answer has no body."""
    builder = client.teams.by_team_id(tid).schedule.scheduling_groups.by_scheduling_group_id(gid)
    await builder.delete()
