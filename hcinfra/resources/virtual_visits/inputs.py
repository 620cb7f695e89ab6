"""What a VirtualVisits calendar declares, checked before any call to the tenant.

REF: https://learn.microsoft.com/en-us/graph/api/resources/bookingbusiness
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from hcinfra.resources.base import Inputs

# Edm.Duration as Bookings takes it (defaultDuration): days, hours, minutes, seconds.
DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STAFF_LIMIT = 100  # Microsoft Bookings supports at most 100 staff members per calendar
# bookingStaffRole values a clinician can hold (guest and externalGuest are for outsiders;
# unknownFutureValue is the enum's sentinel).
Role = Literal["administrator", "scheduler", "teamMember", "viewer", "guest"]


def duration_seconds(value: str) -> int:
    """Seconds of an ISO 8601 duration (PnDTnHnMnS), or ValueError."""
    match = DURATION.match(value)
    if not match or value in ("P", "PT") or value.endswith("T"):
        raise ValueError(f"'{value}' is not an ISO 8601 duration such as PT30M or PT1H15M")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


class StaffSpec(Inputs):
    """A clinician who gives visits: matched to the calendar's staff by email address."""

    display_name: str = Field(min_length=1, max_length=255)
    email: str
    role: Role = "teamMember"

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError(f"'{value}' is not an email address")
        return value.lower()


class ServiceSpec(Inputs):
    """A kind of visit: matched to the calendar's services by display name."""

    display_name: str = Field(min_length=1, max_length=255)
    duration: str = "PT30M"
    description: str | None = Field(None, max_length=1024)
    online: bool = True  # isLocationOnline: each appointment gets a Teams meeting
    staff: list[str] = Field(default_factory=list)  # staff emails who give it
    sms_notifications: bool = False

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str) -> str:
        seconds = duration_seconds(value)
        if not 0 < seconds <= 24 * 3600:
            raise ValueError(f"'{value}' is not more than 0 and at most a day")
        return value

    @field_validator("staff")
    @classmethod
    def _staff(cls, values: list[str]) -> list[str]:
        return [v.lower() for v in values]


class VirtualVisitsInputs(Inputs):
    """What a VirtualVisits calendar declares."""

    display_name: str = Field(min_length=1, max_length=255)
    email: str | None = None  # the address customers see (not the business's own mailbox)
    phone: str | None = Field(None, max_length=64)
    web_site_url: str | None = None
    services: list[ServiceSpec] = Field(default_factory=list)
    staff: list[StaffSpec] = Field(default_factory=list, max_length=STAFF_LIMIT)
    published: bool = False
    allow_data_deletion: bool = False

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError(f"'{value}' is not an email address")
        return value

    @field_validator("web_site_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"'{value}' is not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> VirtualVisitsInputs:
        problems = []
        emails = [s.email for s in self.staff]
        doubles = sorted({e for e in emails if emails.count(e) > 1})
        if doubles:
            problems.append(f"staff listed twice: {', '.join(doubles)}")
        names = [s.display_name.lower() for s in self.services]
        same = sorted({n for n in names if names.count(n) > 1})
        if same:
            problems.append(
                f"services named twice (names match case-insensitively): {', '.join(same)}"
            )
        for service in self.services:
            unknown = [e for e in service.staff if e not in emails]
            if unknown:
                named = f"service '{service.display_name}'"
                problems.append(f"{named} names staff not declared: {', '.join(unknown)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self
