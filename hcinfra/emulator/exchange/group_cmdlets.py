"""The DistributionGroup cmdlets the emulator knows, with the parameters Learn lists for them.

Only the parameters hcinfra sends (and the identities and switches that go with them)
exist; any other is refused, as for every cmdlet (docs/emulator.md, Exchange "Evidence").
"""

from __future__ import annotations

from typing import Any

from hcinfra.emulator.exchange.backend import Backend
from hcinfra.emulator.exchange.cmdlets import RESULT_SIZE, Cmdlet, Outcome
from hcinfra.emulator.exchange.groups import KIND, RESTRICTIONS, DistributionGroups
from hcinfra.emulator.exchange.params import Param
from hcinfra.emulator.exchange.permissions import Permissions

MEMBER_UPDATE = "Microsoft.Exchange.Data.Directory.Recipient.MemberUpdateType"
GROUP_TYPE = "Microsoft.Exchange.Data.Directory.Recipient.GroupType"
GROUP_TYPES = ("MailUniversalDistributionGroup", KIND, "RoomList")
BYPASS = Param("BypassSecurityGroupManagerCheck", "bool")
IDENTITY = Param("Identity", required=True)
JOIN = Param("MemberJoinRestriction", "enum", False, RESTRICTIONS, MEMBER_UPDATE)
DEPART = Param("MemberDepartRestriction", "enum", False, RESTRICTIONS, MEMBER_UPDATE)


def _new(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    return Outcome([DistributionGroups(b).new(a)])


def _get(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    groups = DistributionGroups(b)
    found = [groups.find(a["Identity"])] if a.get("Identity") else groups._all()
    views = [groups.view(g) for g in found]
    types = a.get("RecipientTypeDetails")
    views = [v for v in views if not types or v["RecipientTypeDetails"] in types]
    size = a.get("ResultSize", 1000)
    return Outcome(views if size is None else views[:size])


def _set(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    DistributionGroups(b).set(a)
    return Outcome()


def _remove(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    DistributionGroups(b).remove(a)
    return Outcome()


def _members(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    members = DistributionGroups(b).members(a)
    size = a.get("ResultSize", 1000)
    return Outcome(members if size is None else members[:size])


def _update_members(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    DistributionGroups(b).update_members(a)
    return Outcome()


def _add_member(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    out = Outcome()
    DistributionGroups(b).add_member(a, out.warnings)
    return out


def _remove_member(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    DistributionGroups(b).remove_member(a)
    return Outcome()


GROUP_CMDLETS = (
    Cmdlet(
        "New-DistributionGroup",
        (
            Param("Name", required=True),
            Param("Type", "enum", False, ("Distribution", "Security"), GROUP_TYPE),
            Param("DisplayName"),
            Param("Alias"),
            Param("PrimarySmtpAddress", "smtp"),
            Param("ManagedBy", "strings"),
            Param("Members", "strings"),
            Param("RequireSenderAuthenticationEnabled", "bool"),
            JOIN,
            DEPART,
        ),
        _new,
    ),
    Cmdlet(
        "Get-DistributionGroup",
        (
            Param("Identity"),
            Param(
                "RecipientTypeDetails",
                "enums",
                False,
                GROUP_TYPES,
                "Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails[]",
            ),
            RESULT_SIZE,
        ),
        _get,
        mutates=False,
    ),
    Cmdlet(
        "Set-DistributionGroup",
        (
            IDENTITY,
            BYPASS,
            Param("DisplayName"),
            Param("HiddenFromAddressListsEnabled", "bool"),
            Param("RequireSenderAuthenticationEnabled", "bool"),
            JOIN,
            DEPART,
        ),
        _set,
    ),
    Cmdlet("Remove-DistributionGroup", (IDENTITY, BYPASS), _remove),
    Cmdlet("Get-DistributionGroupMember", (IDENTITY, RESULT_SIZE), _members, mutates=False),
    Cmdlet(
        "Update-DistributionGroupMember",
        (IDENTITY, BYPASS, Param("Members", "strings")),
        _update_members,
    ),
    Cmdlet(
        "Add-DistributionGroupMember",
        (IDENTITY, BYPASS, Param("Member", required=True)),
        _add_member,
    ),
    Cmdlet(
        "Remove-DistributionGroupMember",
        (IDENTITY, BYPASS, Param("Member", required=True)),
        _remove_member,
    ),
)
