"""What a WardSchedule declares: the team, its time zone, its settings and scheduling groups.

REF: https://learn.microsoft.com/en-us/graph/api/resources/schedule
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache
from typing import Any, TypedDict

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from hcinfra.resources.base import Inputs
from hcinfra.resources.directory import GUID

# Where the platform ships no tz database, names are checked for their shape only.
ZONE_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$")
# Shifts' own limit on a group's name is not published: 100 characters is ours.
MAX_GROUP_NAME = 100


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone name, or None."""
    zones = _zones()
    if (name in zones) if zones else bool(ZONE_SHAPE.match(name)):
        return None
    return f"'{name}' is not an IANA time zone name (e.g. America/Toronto)"


class SchedulingGroupArgs(TypedDict, total=False):
    """One scheduling group of a WardSchedule, as the Resource takes it."""

    name: str
    members: list[str]


class SchedulingGroupSpec(Inputs):
    """A scheduling group (usually a role: nurses, physicians) and its members."""

    name: str = Field(min_length=1, max_length=MAX_GROUP_NAME)
    members: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value != value.strip() or not value.strip():
            raise ValueError("no leading or trailing spaces, and not blank")
        return value

    @field_validator("members")
    @classmethod
    def _members(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not (GUID.match(v) or ("@" in v and " " not in v))]
        if bad:
            raise ValueError(f"neither a userPrincipalName nor an object id: {', '.join(bad)}")
        if len({v.lower() for v in values}) != len(values):
            raise ValueError("each member may appear once in a group")
        return values


class WardScheduleInputs(Inputs):
    """What a WardSchedule declares."""

    team_id: str = Field(pattern=GUID.pattern)
    time_zone: str
    groups: list[SchedulingGroupSpec] = Field(default_factory=list)
    open_shifts_enabled: bool = True
    swap_shifts_requests_enabled: bool = True
    offer_shift_requests_enabled: bool = True
    time_off_requests_enabled: bool = True
    time_clock_enabled: bool = False
    allow_data_deletion: bool = False
    timeout_seconds: float = Field(600, gt=0, le=3600)
    poll_interval_seconds: float | None = Field(None, gt=0, le=300)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if problem := zone_problem(value):
            raise ValueError(problem)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _unique_groups(
        cls, data: Any, handler: ModelWrapValidatorHandler[WardScheduleInputs]
    ) -> WardScheduleInputs:
        # Checked on the raw groups, so that a repeated name is reported beside any other
        # problem of the inputs (a field validator would not run once a group is invalid).
        raw = data.get("groups") if isinstance(data, dict) else None
        names = [g.get("name") for g in raw or [] if isinstance(g, dict)]
        low = [n.lower() for n in names if isinstance(n, str) and n]
        twice = sorted({n for n in names if isinstance(n, str) and n and low.count(n.lower()) > 1})
        problem = None
        if twice:
            message = f"group names are case-insensitive and unique: {', '.join(twice)}"
            problem = InitErrorDetails(
                type=PydanticCustomError("value_error", message), loc=("groups",), input=raw
            )
        try:
            model = handler(data)
        except ValidationError as err:
            if problem is None:
                raise
            errors: list[Any] = [*err.errors(), problem]
            raise ValidationError.from_exception_data(err.title, errors) from None
        if problem is not None:
            raise ValidationError.from_exception_data(cls.__name__, [problem])
        return model

    def settings(self) -> dict[str, bool]:
        """The schedule's settings, as Graph names them."""
        return {
            "openShiftsEnabled": self.open_shifts_enabled,
            "swapShiftsRequestsEnabled": self.swap_shifts_requests_enabled,
            "offerShiftRequestsEnabled": self.offer_shift_requests_enabled,
            "timeOffRequestsEnabled": self.time_off_requests_enabled,
            "timeClockEnabled": self.time_clock_enabled,
        }
