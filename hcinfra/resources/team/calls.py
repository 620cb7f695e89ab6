"""How Team's provider calls Graph: its retries and its Teams async operations.

Graph answers 404 for a while after a group is made (replication): those calls retry.
Teams makes, archives and unarchives a team asynchronously (202 and a Location naming
an operation): the provider polls it until it succeeds, fails, or the timeout passes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from hcinfra.clients.errors import TenantError
from hcinfra.errors import HcinfraError
from hcinfra.resources.base import KindProvider, until_found
from hcinfra.resources.team.inputs import TeamInputs
from hcinfra.resources.team.view import TeamState, read_team

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

T = TypeVar("T")
Call = Callable[["GraphServiceClient"], Awaitable[T]]
GRAPH = "https://graph.microsoft.com/v1.0"
OPERATION = re.compile(r"operations\('([^']+)'\)")


class TeamOperationError(HcinfraError):
    """A Teams async operation that failed or did not finish in time."""


EMULATED_POLL_MAX = 5.0  # seconds: the emulator's longest pause between operation polls


class TeamCalls(KindProvider):
    """The base of Team's provider: Graph calls, replication retries, operation polls."""

    # -- steps -----------------------------------------------------------------
    def _run(self, action: Call[T], writing: bool = True) -> T:
        graph = self.connection().graph
        return self.call(lambda: graph.run(action), writing=writing)

    def _patient(self, action: Call[T], inputs: TeamInputs, interval: float = 0) -> T:
        """Run, retrying the 404s Graph answers while a new group replicates."""
        retry = interval or self._pace(inputs)[1]
        act = partial(self.connection().graph.run, action)
        return self.call(partial(until_found, act, timeout=inputs.timeout_seconds, interval=retry))

    def _pace(self, inputs: TeamInputs) -> tuple[float, float]:
        """Seconds between operation polls, and between retries of replication 404s."""
        emulated = bool(self.connection().settings.endpoint)
        # Microsoft asks for 30 s or more between polls, and 10 s between 404 retries.
        poll = inputs.poll_interval_seconds or (0.2 if emulated else 30.0)
        return poll, 0.25 if emulated else 10.0

    # -- async operations ------------------------------------------------------
    def _wait(self, tid: str, op_id: str | None, what: str, inputs: TeamInputs) -> None:
        """Poll a Teams async operation until it succeeds, fails, or the timeout passes."""
        poll, status = self._pace(inputs)[0], "notStarted"
        # Against the emulator the pace starts quick and slows down, so that a profile
        # provisioning teams at Microsoft's pace (tens of seconds) costs a few polls.
        grows = bool(self.connection().settings.endpoint) and not inputs.poll_interval_seconds
        deadline = time.monotonic() + inputs.timeout_seconds
        while op_id is not None:
            # Wait before each poll, the first too: an operation accepted a moment ago has
            # not finished, so polling at once would only spend a call.
            time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
            try:
                op = self._run(partial(_operation, tid, str(op_id)))
            except TenantError as err:
                if not err.not_found:
                    raise
                op = {}  # the operation itself may not be readable yet
            if op.get("status"):
                status = str(op["status"])
                if status == "succeeded":
                    return
                if status == "failed":
                    fault = op.get("error") or {}
                    error = f"{fault.get('code')}: {fault.get('message')}" if fault else "no detail"
                    raise TeamOperationError(
                        f"Team {inputs.display_name}: Teams failed {what} (operation {op_id}, "
                        f"{error})"
                    )
            if grows:
                poll = min(poll * 1.5, EMULATED_POLL_MAX)
            if time.monotonic() + poll > deadline:
                raise TeamOperationError(
                    f"Team {inputs.display_name}: Teams did not finish {what} within "
                    f"{inputs.timeout_seconds:g}s (operation {op_id}, last status {status}). "
                    "Nothing is lost: the next `pulumi up` adopts the team once it is ready "
                    "(raise timeout_seconds to wait longer)."
                )

    def _view(self, gid: str, inputs: TeamInputs) -> tuple[TeamState, list[dict[str, Any]]]:
        """The team and its channels (one `$batch`), waiting while Teams cannot show it yet."""
        conn = self.connection()
        try:
            team, channels, _ = self.call(
                partial(
                    until_found,
                    partial(read_team, conn, gid),
                    timeout=inputs.timeout_seconds,
                    interval=self._pace(inputs)[0],
                )
            )
        except TenantError as err:
            if not err.not_found:
                raise
            raise TeamOperationError(
                f"Team {inputs.display_name}: the team of group {gid} was not readable within "
                f"{inputs.timeout_seconds:g}s. The next `pulumi up` adopts it once it is ready."
            ) from None
        return team, channels


async def _post_for_operation(
    tid: str | None, action: str, body: Any, client: GraphServiceClient
) -> str | None:
    """POST an action Teams answers with 202 and a Location; return its operation id."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from kiota_http.middleware.options import HeadersInspectionHandlerOption

    option = HeadersInspectionHandlerOption(inspect_response_headers=True)
    config: RequestConfiguration[Any] = RequestConfiguration(options=[option])
    if action == "teams":
        await client.teams.post(body, config)
    elif action == "archive":
        await client.teams.by_team_id(str(tid)).archive.post(body, config)
    else:
        await client.teams.by_team_id(str(tid)).unarchive.post(config)
    location = next(iter(option.response_headers.get("location") or []), "")
    match = OPERATION.search(location)
    return match.group(1) if match else None


async def _operation(tid: str, op_id: str, client: GraphServiceClient) -> dict[str, Any]:
    """A teamsAsyncOperation as Graph's JSON (status: notStarted … succeeded, failed)."""
    from hcinfra.clients.graph_raw import json_of, unparsed

    builder = client.teams.by_team_id(tid).operations.by_teams_async_operation_id(op_id)
    response: Any = await builder.get(unparsed())
    return json_of(response)
