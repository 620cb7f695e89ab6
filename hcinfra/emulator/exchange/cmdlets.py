"""The cmdlets the emulator knows: their parameters and what each one does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hcinfra.emulator.exchange import domains
from hcinfra.emulator.exchange.backend import MAILBOX_TYPES, Backend
from hcinfra.emulator.exchange.params import Param
from hcinfra.emulator.exchange.permissions import Permissions
from hcinfra.emulator.exchange.recipients import Doc, public

MAILBOX_RIGHTS = (
    "ChangeOwner",
    "ChangePermission",
    "DeleteItem",
    "ExternalAccount",
    "FullAccess",
    "ReadPermission",
)
MAILBOX_RIGHTS_TYPE = "Microsoft.Exchange.Management.RecipientTasks.MailboxRights[]"
RECIPIENT_RIGHTS_TYPE = "Microsoft.Exchange.Management.RecipientTasks.RecipientAccessRight[]"
INHERITANCE = ("None", "All", "Descendents", "SelfAndChildren", "Children")
INHERITANCE_TYPE = "System.DirectoryServices.ActiveDirectorySecurityInheritance"
RECIPIENT_TYPE_DETAILS = (
    "UserMailbox",
    "SharedMailbox",
    "RoomMailbox",
    "EquipmentMailbox",
    "SchedulingMailbox",
    "DiscoveryMailbox",
    "LinkedMailbox",
    "LinkedRoomMailbox",
    "TeamMailbox",
    "GroupMailbox",
)
RESULT_SIZE = Param("ResultSize", "resultsize")
MAILBOX_RIGHTS_PARAM = Param("AccessRights", "enums", True, MAILBOX_RIGHTS, MAILBOX_RIGHTS_TYPE)
SEND_AS_PARAM = Param("AccessRights", "enums", True, ("SendAs",), RECIPIENT_RIGHTS_TYPE)


@dataclass
class Outcome:
    """What a cmdlet returns: its output objects and the warnings it wrote."""

    values: list[Doc] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Run = Callable[[Backend, Permissions, dict[str, Any]], Outcome]


@dataclass(frozen=True)
class Cmdlet:
    """A cmdlet's name, parameters, whether it changes state, and its implementation."""

    name: str
    params: tuple[Param, ...]
    run: Run
    mutates: bool = True


def _new_mailbox(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    return Outcome([public(b.new_shared_mailbox(a))])


def _get_mailbox(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    out = Outcome()
    out.values = b.get_mailboxes(a, out.warnings)
    return out


def _set_mailbox(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    b.set_mailbox(a)
    return Outcome()


def _remove_mailbox(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    b.remove_mailbox(a)
    return Outcome()


def _add_mailbox_permission(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    out = Outcome()
    out.values = p.add_mailbox_permission(a, out.warnings)
    return out


def _get_mailbox_permission(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    values = p.get_mailbox_permission(a)
    size = a.get("ResultSize", 1000)
    return Outcome(values if size is None else values[:size])


def _remove_mailbox_permission(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    out = Outcome()
    p.remove_mailbox_permission(a, out.warnings)
    return out


def _add_recipient_permission(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    out = Outcome()
    out.values = p.add_recipient_permission(a, out.warnings)
    return out


def _get_recipient_permission(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    return Outcome(p.get_recipient_permission(a))


def _remove_recipient_permission(b: Backend, p: Permissions, a: dict[str, Any]) -> Outcome:
    out = Outcome()
    p.remove_recipient_permission(a, out.warnings)
    return out


_CMDLETS = (
    Cmdlet(
        "New-Mailbox",
        (
            Param("Name", required=True),
            Param("Shared", "bool"),
            Param("DisplayName"),
            Param("Alias"),
            Param("PrimarySmtpAddress", "smtp"),
        ),
        _new_mailbox,
    ),
    Cmdlet(
        "Get-Mailbox",
        (
            Param("Identity"),
            Param(
                "RecipientTypeDetails",
                "enums",
                False,
                RECIPIENT_TYPE_DETAILS,
                "Microsoft.Exchange.Data.Directory.Recipient.RecipientTypeDetails[]",
            ),
            RESULT_SIZE,
            Param("SoftDeletedMailbox", "bool"),
        ),
        _get_mailbox,
        mutates=False,
    ),
    Cmdlet(
        "Set-Mailbox",
        (
            Param("Identity", required=True),
            Param("DisplayName"),
            Param("HiddenFromAddressListsEnabled", "bool"),
            Param("MessageCopyForSentAsEnabled", "bool"),
            Param("MessageCopyForSendOnBehalfEnabled", "bool"),
            Param("GrantSendOnBehalfTo", "multivalued"),
            Param(
                "Type",
                "enum",
                False,
                tuple(MAILBOX_TYPES),
                "Microsoft.Exchange.Management.RecipientTasks.ConvertibleMailboxSubType",
            ),
        ),
        _set_mailbox,
    ),
    Cmdlet(
        "Remove-Mailbox",
        (Param("Identity", required=True), Param("PermanentlyDelete", "bool")),
        _remove_mailbox,
    ),
    Cmdlet(
        "Add-MailboxPermission",
        (
            Param("Identity", required=True),
            Param("User", required=True),
            MAILBOX_RIGHTS_PARAM,
            Param("AutoMapping", "bool"),
            Param("InheritanceType", "enum", False, INHERITANCE, INHERITANCE_TYPE),
            Param("Deny", "bool"),
        ),
        _add_mailbox_permission,
    ),
    Cmdlet(
        "Get-MailboxPermission",
        (Param("Identity", required=True), Param("User"), RESULT_SIZE),
        _get_mailbox_permission,
        mutates=False,
    ),
    Cmdlet(
        "Remove-MailboxPermission",
        (
            Param("Identity", required=True),
            Param("User", required=True),
            MAILBOX_RIGHTS_PARAM,
            Param("InheritanceType", "enum", False, INHERITANCE, INHERITANCE_TYPE),
            Param("Deny", "bool"),
        ),
        _remove_mailbox_permission,
    ),
    Cmdlet(
        "Add-RecipientPermission",
        (Param("Identity", required=True), Param("Trustee", required=True), SEND_AS_PARAM),
        _add_recipient_permission,
    ),
    Cmdlet(
        "Get-RecipientPermission",
        (
            Param("Identity"),
            Param("Trustee"),
            Param("AccessRights", "enums", False, ("SendAs",), RECIPIENT_RIGHTS_TYPE),
            RESULT_SIZE,
        ),
        _get_recipient_permission,
        mutates=False,
    ),
    Cmdlet(
        "Remove-RecipientPermission",
        (Param("Identity", required=True), Param("Trustee", required=True), SEND_AS_PARAM),
        _remove_recipient_permission,
    ),
    Cmdlet("Get-AcceptedDomain", domains.PARAMS, domains.get_accepted_domain, mutates=False),
)


def _registered() -> tuple[Cmdlet, ...]:
    # One line per cmdlet module; the modules import this one, so they load here.
    from hcinfra.emulator.exchange.group_cmdlets import GROUP_CMDLETS

    return (*_CMDLETS, *GROUP_CMDLETS)


# PowerShell resolves command names case-insensitively.
CMDLETS = {c.name.lower(): c for c in _registered()}
