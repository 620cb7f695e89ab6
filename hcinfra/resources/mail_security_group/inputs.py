"""What a MailSecurityGroup declares, checked against Exchange's name, alias and address rules."""

from __future__ import annotations

from pydantic import Field, field_validator

from hcinfra.resources.base import Inputs
from hcinfra.resources.shared_mailbox.inputs import ALIAS, TRIMMED, UNKNOWN, _is_email

NAME_MAX = 64  # Learn, New-DistributionGroup -Name: "can't exceed 64 characters"


class MailSecurityGroupInputs(Inputs):
    """What a MailSecurityGroup declares."""

    name: str = Field(min_length=1, max_length=NAME_MAX, pattern=TRIMMED)
    alias: str = Field(min_length=1, max_length=64)
    primary_smtp_address: str = Field(min_length=3, max_length=320)
    display_name: str | None = Field(None, min_length=1, max_length=256, pattern=TRIMMED)
    members: list[str] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    hidden_from_address_lists: bool = True

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
            raise ValueError(f"'{value}' is not an email address (name@domain)")
        return value

    @field_validator("members", "owners")
    @classmethod
    def _upns(cls, values: list[str]) -> list[str]:
        for v in values:
            if not _is_email(v):
                raise ValueError(f"'{v}' is not a userPrincipalName (members are mailbox users)")
        if len({v.lower() for v in values}) != len(values):
            raise ValueError("each user may appear once")
        return values
