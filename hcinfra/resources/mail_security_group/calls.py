"""The DistributionGroup cmdlets a MailSecurityGroup runs, one method each.

REF: https://learn.microsoft.com/powershell/module/exchange/new-distributiongroup
REF: https://learn.microsoft.com/powershell/module/exchange/update-distributiongroupmember
"""

from __future__ import annotations

from typing import Any

from hcinfra.clients.errors import TenantError
from hcinfra.resources.base import KindProvider
from hcinfra.resources.mail_security_group.inputs import MailSecurityGroupInputs

KIND = "MailUniversalSecurityGroup"
AMBIGUOUS = "ManagementObjectAmbiguousException"
CLOSED = "Closed"
# The app is never in a group's ManagedBy: every change needs this switch.
BYPASS = {"BypassSecurityGroupManagerCheck": True}


class GroupCalls(KindProvider):
    """The base of MailSecurityGroup's provider: its cmdlets."""

    def _find(self, identity: str) -> dict[str, Any] | None:
        try:
            found = self.exchange("Get-DistributionGroup", Identity=identity)
        except TenantError as err:
            if err.not_found:
                return None
            raise
        return found[0] if found else None

    def _by_alias(self, alias: str) -> list[dict[str, Any]]:
        """The groups an Identity of `alias` names; every group when it names several.

        An Identity matches a name, an address or a GUID as well as an alias, so another
        group may share the string: Exchange then refuses it as ambiguous (400).
        """
        try:
            return self.exchange("Get-DistributionGroup", Identity=alias)
        except TenantError as err:
            if err.not_found:
                return []
            if not (AMBIGUOUS in err.exception or "matches multiple entries" in err.message):
                raise
        return self.exchange("Get-DistributionGroup", ResultSize="Unlimited")

    def _new(self, inputs: MailSecurityGroupInputs) -> dict[str, Any]:
        """The group, made with its members; its answer is the group (no Get needed after).

        New-DistributionGroup has no HiddenFromAddressListsEnabled: `_settle` hides it.
        """
        extra: dict[str, Any] = {"ManagedBy": inputs.owners} if inputs.owners else {}
        made = self.exchange(
            "New-DistributionGroup",
            Type="Security",
            Name=inputs.name,
            Alias=inputs.alias,
            PrimarySmtpAddress=inputs.primary_smtp_address,
            DisplayName=inputs.display_name or inputs.name,
            Members=inputs.members,
            MemberJoinRestriction=CLOSED,
            MemberDepartRestriction=CLOSED,
            **extra,
        )
        return made[0]

    def _settle(self, rec: dict[str, Any], inputs: MailSecurityGroupInputs) -> None:
        """Set what differs: display name, address-list visibility, closed membership."""
        wanted = {
            "DisplayName": inputs.display_name or inputs.name,
            "HiddenFromAddressListsEnabled": inputs.hidden_from_address_lists,
            "MemberJoinRestriction": CLOSED,
            "MemberDepartRestriction": CLOSED,
        }
        changed = {k: v for k, v in wanted.items() if rec.get(k) != v}
        if changed:
            self.call(
                lambda: self.exchange(
                    "Set-DistributionGroup", Identity=rec["Guid"], **BYPASS, **changed
                )
            )

    def _members(self, guid: str) -> list[str]:
        rows = self.exchange("Get-DistributionGroupMember", Identity=guid, ResultSize="Unlimited")
        # WindowsLiveID is a mailbox user's UPN; PrimarySmtpAddress for any other recipient.
        return sorted(
            str(r.get("WindowsLiveID") or r.get("PrimarySmtpAddress")).lower() for r in rows
        )

    def _set_members(self, guid: str, members: list[str]) -> None:
        self.exchange(
            "Update-DistributionGroupMember",
            Identity=guid,
            Members=members,
            **BYPASS,
            Confirm=False,
        )

    def _remove(self, guid: str) -> None:
        self.exchange("Remove-DistributionGroup", Identity=guid, **BYPASS, Confirm=False)
