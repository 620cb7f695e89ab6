"""The WardSchedule resource: what a Pulumi program declares a ward's Shifts schedule with."""

from __future__ import annotations

from typing import Any

import pulumi

from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.ward_schedule.inputs import SchedulingGroupArgs
from hcinfra.resources.ward_schedule.provider import WardScheduleProvider

OUTPUTS = ("enabled", "provision_status", "group_ids", "member_ids", "resolved", "retained")


class WardSchedule(KindResource):
    """The Shifts schedule of a ward's team: its time zone, settings and scheduling groups."""

    outputs = OUTPUTS

    enabled: pulumi.Output[bool]
    provision_status: pulumi.Output[str]
    group_ids: pulumi.Output[dict[str, str]]
    member_ids: pulumi.Output[dict[str, list[str]]]
    retained: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        team_id: pulumi.Input[str],
        time_zone: pulumi.Input[str],
        groups: pulumi.Input[list[SchedulingGroupArgs]] | None = None,
        open_shifts_enabled: pulumi.Input[bool] = True,
        swap_shifts_requests_enabled: pulumi.Input[bool] = True,
        offer_shift_requests_enabled: pulumi.Input[bool] = True,
        time_off_requests_enabled: pulumi.Input[bool] = True,
        time_clock_enabled: pulumi.Input[bool] = False,
        allow_data_deletion: bool = False,
        timeout_seconds: float = 600,
        poll_interval_seconds: float | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a team's schedule; group members by userPrincipalName or object id."""
        props: dict[str, Any] = {
            "team_id": team_id,
            "time_zone": time_zone,
            "groups": groups or [],
            "open_shifts_enabled": open_shifts_enabled,
            "swap_shifts_requests_enabled": swap_shifts_requests_enabled,
            "offer_shift_requests_enabled": offer_shift_requests_enabled,
            "time_off_requests_enabled": time_off_requests_enabled,
            "time_clock_enabled": time_clock_enabled,
            "allow_data_deletion": allow_data_deletion,
            "timeout_seconds": timeout_seconds,
            "poll_interval_seconds": poll_interval_seconds,
        }
        super().__init__(WardScheduleProvider(), resource_name, props, opts)
