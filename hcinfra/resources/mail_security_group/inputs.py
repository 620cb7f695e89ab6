"""What a MailSecurityGroup declares, checked against Exchange's name, alias and address rules."""

from __future__ import annotations

from pydantic import Field, field_validator

from hcinfra.resources.shared_mailbox.inputs import TRIMMED, RecipientInputs, _is_email

NAME_MAX = 64  # Learn, New-DistributionGroup -Name: "can't exceed 64 characters"


class MailSecurityGroupInputs(RecipientInputs):
    """What a MailSecurityGroup declares."""

    name: str = Field(min_length=1, max_length=NAME_MAX, pattern=TRIMMED)
    members: list[str] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    hidden_from_address_lists: bool = True

    @field_validator("members", "owners")
    @classmethod
    def _upns(cls, values: list[str]) -> list[str]:
        for v in values:
            if not _is_email(v):
                raise ValueError(f"'{v}' is not a userPrincipalName (members are mailbox users)")
        if len({v.lower() for v in values}) != len(values):
            raise ValueError("each user may appear once")
        return values
