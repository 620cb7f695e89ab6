"""What a Team declares, and the Teams naming rules its inputs are checked against."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from hcinfra.resources.base import Inputs
from hcinfra.resources.security_group import GUID, NICKNAME, NICKNAME_FORBIDDEN

CHANNEL_FORBIDDEN = set("~#%&*{}+/\\:<>?|'\"")
# Channels each built-in template makes (every team, custom ones too, has General).
TEMPLATE_CHANNELS: dict[str, list[str]] = {
    "standard": ["General"],
    "healthcareWard": ["General", "Announcements", "Huddles", "Rounds", "Staffing", "Training"],
    "healthcareHospital": (
        ["General", "Announcements", "Compliance", "Custodial", "Human resources", "Pharmacy"]
    ),
}


def derive_nickname(display_name: str) -> str:
    """A mail nickname from a display name: lowercase ASCII letters, digits and hyphens."""
    plain = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-").lower()[:64].strip("-")


def channel_name_problem(name: str) -> str | None:
    """Why Teams would refuse a channel name, or None."""
    if not name.strip() or len(name) > 50:
        return f"'{name}' is not 1 to 50 characters"
    if set(name) & CHANNEL_FORBIDDEN or ".." in name:
        return f"'{name}' has a character Teams refuses (~ # % & * {{ }} + / \\ : < > ? | ' \")"
    if name.startswith(("_", ".")) or name.endswith("."):
        return f"'{name}' starts with _ or . or ends with ."
    return None


def template_channels(template: str | None) -> list[str]:
    """Channels a template makes; of a custom template only General is known."""
    return TEMPLATE_CHANNELS.get(template or "", ["General"])


class ChannelSpec(Inputs):
    """A standard channel the team should have besides its template's."""

    name: str
    description: str | None = Field(None, max_length=1024)


class TeamInputs(Inputs):
    """What a Team declares."""

    display_name: str = Field(min_length=1, max_length=256)
    description: str | None = Field(None, max_length=1024)
    mail_nickname: str
    template: str = "standard"
    visibility: Literal["private", "public"] = "private"
    owners: list[str]
    members: list[str] = Field(default_factory=list)
    channels: list[ChannelSpec] = Field(default_factory=list)
    allow_data_deletion: bool = False
    timeout_seconds: float = Field(900, gt=0, le=3600)
    poll_interval_seconds: float | None = Field(None, gt=0, le=300)

    @model_validator(mode="before")
    @classmethod
    def _default_nickname(cls, data: Any) -> Any:
        name = data.get("display_name") if isinstance(data, dict) else None
        if isinstance(name, str) and not data.get("mail_nickname"):
            return {**data, "mail_nickname": derive_nickname(name)}
        return data

    @field_validator("mail_nickname")
    @classmethod
    def _nickname(cls, value: str) -> str:
        if not value:
            raise ValueError("display_name has no ASCII letter or digit to derive it from: set it")
        if len(value) > 64 or not NICKNAME.match(value) or set(value) & NICKNAME_FORBIDDEN:
            raise ValueError('1-64 ASCII characters, no spaces nor @ ( ) \\ [ ] " ; : < > ,')
        return value

    @field_validator("template")
    @classmethod
    def _template(cls, value: str) -> str:
        if value not in TEMPLATE_CHANNELS and not GUID.match(value):
            raise ValueError(
                f"unknown template '{value}': use standard, healthcareWard, healthcareHospital "
                "or a custom template's id (a GUID)"
            )
        return value

    @field_validator("owners", "members")
    @classmethod
    def _users(cls, values: list[str], info: ValidationInfo) -> list[str]:
        if info.field_name == "owners" and not values:
            raise ValueError("a team needs at least one owner (app-only creation requires one)")
        bad = [v for v in values if not (GUID.match(v) or ("@" in v and " " not in v))]
        if bad:
            raise ValueError(f"neither a userPrincipalName nor an object id: {', '.join(bad)}")
        if len({v.lower() for v in values}) != len(values):
            raise ValueError("each user may appear once")
        owners = {o.lower() for o in info.data.get("owners") or []}
        both = [v for v in values if info.field_name == "members" and v.lower() in owners]
        if both:
            raise ValueError(f"owners are members already; list them once: {', '.join(both)}")
        return values

    @field_validator("channels")
    @classmethod
    def _channels(cls, values: list[ChannelSpec], info: ValidationInfo) -> list[ChannelSpec]:
        template = info.data.get("template")
        made, seen, problems = {n.lower() for n in template_channels(template)}, set(), []
        for ch in values:
            if problem := channel_name_problem(ch.name):
                problems.append(problem)
            elif ch.name.lower() in made:
                problems.append(f"'{ch.name}' is made by the {template or 'team'} template")
            elif ch.name.lower() in seen:
                problems.append(f"'{ch.name}' appears twice (names are case-insensitive)")
            seen.add(ch.name.lower())
        if problems:
            raise ValueError("; ".join(problems))
        return values

    @property
    def key(self) -> str:
        """The backing group's uniqueName, so a retried create finds what it made."""
        return f"team-{self.mail_nickname}"
