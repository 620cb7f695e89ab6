"""What a SharedMailbox declares, and Exchange's alias and address rules it is checked against."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from hcinfra.resources.base import Inputs

# Exchange's alias characters; periods only between them.
ATOM = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
ALIAS = re.compile(rf"^{ATOM}(\.{ATOM})*$")
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
DOMAIN = re.compile(rf"^{LABEL}(\.{LABEL})*\.[A-Za-z]{{2,63}}$")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's preview placeholder
TRIMMED = r"^\S(.*\S)?$"  # no leading or trailing spaces


class RecipientInputs(Inputs):
    """An Exchange recipient's name, alias, address and display name, checked by its rules."""

    name: str = Field(min_length=1, max_length=64, pattern=TRIMMED)
    alias: str = Field(min_length=1, max_length=64)
    primary_smtp_address: str = Field(min_length=3, max_length=320)
    display_name: str | None = Field(None, min_length=1, max_length=256, pattern=TRIMMED)

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str) -> str:
        if value != UNKNOWN and not ALIAS.match(value):
            raise ValueError(
                "an alias has letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~, "
                "with periods only between them"
            )
        return value

    @field_validator("primary_smtp_address")
    @classmethod
    def _address(cls, value: str) -> str:
        if value != UNKNOWN and not _is_email(value):
            raise ValueError(f"'{value}' is not an email address (name@domain, e.g. ward4@…)")
        return value


class SharedMailboxInputs(RecipientInputs):
    """What a SharedMailbox declares."""

    full_access: list[str] = Field(default_factory=list)
    send_as: list[str] = Field(default_factory=list)
    auto_mapping: bool = False
    allow_data_deletion: bool = False

    @field_validator("full_access", "send_as")
    @classmethod
    def _principals(cls, values: list[str]) -> list[str]:
        for v in values:
            if not v.strip() or v != v.strip() or len(v) > 256:
                raise ValueError(f"'{v}' is not a UPN, group object id or group display name")
            if "@" in v and not _is_email(v):
                raise ValueError(f"'{v}' is not a userPrincipalName")
        if len({v.lower() for v in values}) != len(values):
            raise ValueError("each principal may appear once")
        return values


def _is_email(value: str) -> bool:
    local, _, domain = value.rpartition("@")
    return bool(local and len(local) <= 64 and ALIAS.match(local) and DOMAIN.match(domain))
