"""SharedMailbox: an Exchange Online shared mailbox, its sign-in blocked, and who may use it.

Exchange runs through the admin API's InvokeCommand (New-, Get-, Set-, Remove-Mailbox,
Add/Get/Remove-MailboxPermission for FullAccess, Add/Get/Remove-RecipientPermission for
SendAs). The address is the mailbox's key: a create that finds a shared mailbox there
(a retry after a lost response) adopts it, and one that finds any other mailbox refuses
and changes nothing. New-Mailbox leaves the linked Entra user able to sign in, so Graph
blocks it. Grants are tracked by SID, the one identifier Exchange reports for users and
groups alike. Destroy keeps the mailbox unless `allow_data_deletion` is set.

Set-Mailbox changes the display name; the Set-Mailbox hcinfra's emulator implements cannot
rename or readdress a mailbox, so a new name, alias or address replaces it (made first,
then the old one deleted, i.e. retained unless allow_data_deletion).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import pulumi
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.user import User
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult
from pydantic import Field, field_validator

from hcinfra.clients.errors import TenantError
from hcinfra.resources.base import Grants, Inputs, KindProvider, Permissions, log, until_found

# Exchange's alias characters; periods only between them.
ATOM = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
ALIAS = re.compile(rf"^{ATOM}(\.{ATOM})*$")
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
DOMAIN = re.compile(rf"^{LABEL}(\.{LABEL})*\.[A-Za-z]{{2,63}}$")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's preview placeholder
TRIMMED = r"^\S(.*\S)?$"  # no leading or trailing spaces
SELF = "NT AUTHORITY\\SELF"
SHARED = "SharedMailbox"
FULL, SEND_AS = "FullAccess", "SendAs"
# Per right: the cmdlets' noun, the principal parameter, the SID field of their output.
RIGHTS = {
    FULL: ("MailboxPermission", "User", "UserSid"),
    SEND_AS: ("RecipientPermission", "Trustee", "TrusteeSidString"),
}
GRANT_WAIT = 60.0  # a group made in the same run reaches Exchange after a while

EXCHANGE: dict[str, Any] = {
    "exchange": ("Exchange.ManageAsApp",),
    "directory_roles": ("Exchange Administrator",),
}
PERMISSIONS = Permissions(
    read=Grants(graph=("User.Read.All",), **EXCHANGE),
    write=Grants(graph=("User.EnableDisableAccount.All", "User.Read.All"), **EXCHANGE),
)


class MailboxConflict(Exception):
    """The address belongs to a mailbox this resource may not adopt."""


class SharedMailboxInputs(Inputs):
    """What a SharedMailbox declares."""

    name: str = Field(min_length=1, max_length=64, pattern=TRIMMED)
    alias: str = Field(min_length=1, max_length=64)
    primary_smtp_address: str = Field(min_length=3, max_length=320)
    display_name: str | None = Field(None, min_length=1, max_length=256, pattern=TRIMMED)
    full_access: list[str] = Field(default_factory=list)
    send_as: list[str] = Field(default_factory=list)
    auto_mapping: bool = False
    allow_data_deletion: bool = False

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


class SharedMailboxProvider(KindProvider):
    """Dynamic provider of SharedMailbox."""

    kind = "SharedMailbox"
    inputs_model = SharedMailboxInputs
    # Set-Mailbox as emulated cannot rename or readdress a mailbox (see the module doc).
    replace_on = ("name", "alias", "primary_smtp_address")
    permissions = PERMISSIONS

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        base = super().diff(id_, olds, news)
        # Sign-in re-enabled or the mailbox converted behind our back is drift too.
        changes = bool(base.changes) or olds.get("sign_in_blocked") is False
        changes = changes or olds.get("recipient_type_details") not in (None, SHARED)
        # Create the new mailbox first: if that fails, the old one is still managed.
        return DiffResult(changes=changes, replaces=base.replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, SharedMailboxInputs)
        address = inputs.primary_smtp_address
        rec = self.call(partial(self._find, address))
        if rec is None:
            try:
                rec = self.call(partial(self._new, inputs))
            except TenantError as err:
                # A New-Mailbox whose answer was lost and that was sent again meets its
                # own mailbox: adopt it below. Anything else is the real refusal.
                rec = self.call(partial(self._find, address)) if err.status == 400 else None
                if rec is None:
                    raise
                log.info("New-Mailbox refused (%s); %s exists: adopting", err.message, address)
        _adoptable(rec, inputs)
        return CreateResult(rec["Guid"], self._converge(rec, inputs, {}, remap=False))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        rec = self.call(partial(self._find, id_), writing=False)
        if rec is None:
            return ReadResult(None, {})  # removed: the engine drops it from state
        known: dict[str, str] = dict(props.get("resolved") or {})
        by_sid = {sid: name for name, sid in known.items()}
        full = self.call(partial(self._holders, id_, FULL), writing=False)
        send = self.call(partial(self._holders, id_, SEND_AS), writing=False)
        uid = rec["ExternalDirectoryObjectId"]
        try:
            enabled = self.call(partial(self._account_enabled, uid), writing=False)
        except TenantError as err:
            if not err.not_found:
                raise
            enabled = None  # not replicated to Graph yet
        declared = props.get("display_name")
        display = rec.get("DisplayName")
        outs = {
            **props,
            "name": _same(props.get("name"), rec.get("Name")),
            "alias": _same(props.get("alias"), rec.get("Alias")),
            "primary_smtp_address": _same(
                props.get("primary_smtp_address"), rec.get("PrimarySmtpAddress")
            ),
            "display_name": None if declared is None and display == rec.get("Name") else display,
            "full_access": _named(props.get("full_access") or [], full, by_sid),
            "send_as": _named(props.get("send_as") or [], send, by_sid),
            "full_access_sids": sorted(full),
            "send_as_sids": sorted(send),
            "sign_in_blocked": None if enabled is None else not enabled,
            "recipient_type_details": rec.get("RecipientTypeDetails"),
            "mailbox_guid": rec["Guid"],
            "external_directory_object_id": uid,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, SharedMailboxInputs)
        rec = self.call(partial(self._find, id_))
        if rec is None:
            raise MailboxConflict(
                f"shared mailbox {id_} is gone from Exchange; run `pulumi refresh` to drop it"
            )
        remap = bool(olds.get("auto_mapping")) != inputs.auto_mapping
        known: dict[str, str] = dict(olds.get("resolved") or {})
        return UpdateResult(self._converge(rec, inputs, known, remap=remap))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        inputs = self.parse(props, SharedMailboxInputs)
        address = inputs.primary_smtp_address
        if not inputs.allow_data_deletion:
            grants = f"FullAccess: {', '.join(inputs.full_access) or 'none'}; SendAs: " + (
                ", ".join(inputs.send_as) or "none"
            )
            pulumi.log.warn(
                f"SharedMailbox {address} (Guid {id_}) was RETAINED: its mailbox, its content "
                f"and its grants ({grants}) stay in Exchange Online with sign-in blocked, "
                "no longer managed by this stack. To delete it, set allow_data_deletion=True, "
                "run `pulumi up`, then destroy again (Remove-Mailbox: soft-deleted, recoverable "
                "for 30 days), or run Remove-Mailbox yourself."
            )
            return
        exchange = self.connection().exchange
        try:
            self.call(lambda: exchange.invoke("Remove-Mailbox", Identity=id_, Confirm=False))
        except TenantError as err:
            if not err.not_found:
                raise
        pulumi.log.info(
            f"SharedMailbox {address} ({id_}) removed: Exchange keeps it soft-deleted and "
            "recoverable for 30 days (Get-Mailbox -SoftDeletedMailbox)"
        )

    # -- mailbox ---------------------------------------------------------------
    def _find(self, identity: str) -> dict[str, Any] | None:
        try:
            found = self.connection().exchange.invoke("Get-Mailbox", Identity=identity)
        except TenantError as err:
            if err.not_found:
                return None
            raise
        return found[0] if found else None

    def _new(self, inputs: SharedMailboxInputs) -> dict[str, Any]:
        made = self.connection().exchange.invoke(
            "New-Mailbox",
            Shared=True,
            Name=inputs.name,
            Alias=inputs.alias,
            PrimarySmtpAddress=inputs.primary_smtp_address,
            DisplayName=inputs.display_name or inputs.name,
        )
        return made[0]

    def _converge(
        self, rec: dict[str, Any], inputs: SharedMailboxInputs, known: dict[str, str], remap: bool
    ) -> dict[str, Any]:
        guid, uid = rec["Guid"], rec["ExternalDirectoryObjectId"]
        exchange = self.connection().exchange
        display = inputs.display_name or inputs.name
        if rec.get("DisplayName") != display:
            self.call(lambda: exchange.invoke("Set-Mailbox", Identity=guid, DisplayName=display))
        if rec.get("RecipientTypeDetails") != SHARED:  # converted by hand: convert back
            self.call(lambda: exchange.invoke("Set-Mailbox", Identity=guid, Type="Shared"))
        # Exchange writes the linked user first; Graph sees it after replication.
        self.call(partial(until_found, partial(self._block, uid)))
        resolved = self._reconcile(guid, inputs, known, remap)
        return {
            **inputs.model_dump(mode="json"),
            "mailbox_guid": guid,
            "external_directory_object_id": uid,
            "sign_in_blocked": True,
            "recipient_type_details": SHARED,
            "resolved": resolved,
            "full_access_sids": sorted({resolved[p] for p in inputs.full_access}),
            "send_as_sids": sorted({resolved[p] for p in inputs.send_as}),
            "retained": not inputs.allow_data_deletion,
        }

    # -- sign-in ---------------------------------------------------------------
    def _block(self, uid: str) -> None:
        self.connection().graph.run(
            lambda c: c.users.by_user_id(uid).patch(User(account_enabled=False))
        )

    def _account_enabled(self, uid: str) -> bool:
        return self.connection().graph.run(partial(_enabled, uid))

    # -- grants ----------------------------------------------------------------
    def _holders(self, guid: str, right: str) -> dict[str, str]:
        """Explicit grants of one right: SID to the name Exchange shows."""
        noun, who, sid_key = RIGHTS[right]
        rows = self.connection().exchange.invoke(f"Get-{noun}", Identity=guid)
        return {
            str(r[sid_key]): str(r[who])
            for r in rows
            if r.get(who) != SELF
            and right in _rights(r)
            and not _true(r.get("IsInherited"))
            and not _true(r.get("Deny"))
            and r.get("AccessControlType", "Allow") == "Allow"
        }

    def _reconcile(
        self, guid: str, inputs: SharedMailboxInputs, known: dict[str, str], remap: bool
    ) -> dict[str, str]:
        resolved: dict[str, str] = {}
        readded: set[str] = set()
        for right, wanted in ((FULL, inputs.full_access), (SEND_AS, inputs.send_as)):
            have = self.call(partial(self._holders, guid, right))
            grant = partial(self._grant, guid, right, auto_mapping=inputs.auto_mapping)
            for name in wanted:
                sid = known.get(name) or resolved.get(name)
                if sid is None or sid not in have:
                    sid = self.call(partial(until_found, partial(grant, name), timeout=GRANT_WAIT))
                resolved[name] = sid
                if right == FULL and remap and sid in have and sid not in readded:
                    # AutoMapping is fixed when a grant is added: older grants are re-added.
                    readded.add(sid)
                    self.call(partial(self._revoke, guid, right, have[sid]))
                    self.call(partial(grant, name))
            mine = {resolved[name] for name in wanted}
            for sid, shown in have.items():
                if sid not in mine:
                    self.call(partial(self._revoke, guid, right, shown))
        return resolved

    def _grant(self, guid: str, right: str, principal: str, auto_mapping: bool) -> str:
        """Add a grant; its holder's SID (an existing grant is looked up)."""
        noun, who, sid_key = RIGHTS[right]
        exchange = self.connection().exchange
        extra: dict[str, Any] = {"Confirm": False}
        if right == FULL:
            extra = {"InheritanceType": "All", "AutoMapping": auto_mapping}
        rows = exchange.invoke(
            f"Add-{noun}", Identity=guid, AccessRights=[right], **{who: principal}, **extra
        )
        rows = rows or exchange.invoke(f"Get-{noun}", Identity=guid, **{who: principal})
        return str(rows[0][sid_key])

    def _revoke(self, guid: str, right: str, shown: str) -> None:
        noun, who, _ = RIGHTS[right]
        args = {"Identity": guid, who: shown, "AccessRights": [right], "Confirm": False}
        if right == FULL:
            args["InheritanceType"] = "All"
        log.info("removing %s of %s on shared mailbox %s", right, shown, guid)
        try:
            self.connection().exchange.invoke(f"Remove-{noun}", **args)
        except TenantError as err:
            if not err.not_found:
                raise
            # A deleted principal shows as a bare SID that Exchange cannot resolve.
            pulumi.log.warn(f"SharedMailbox {guid}: could not remove {right} of {shown}")


async def _enabled(uid: str, client: GraphServiceClient) -> bool:
    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
        select=["id", "accountEnabled"]
    )
    user = await client.users.by_user_id(uid).get(RequestConfiguration(query_parameters=query))
    return bool(user and user.account_enabled)


def _is_email(value: str) -> bool:
    local, _, domain = value.rpartition("@")
    return bool(local and len(local) <= 64 and ALIAS.match(local) and DOMAIN.match(domain))


def _adoptable(rec: dict[str, Any], inputs: SharedMailboxInputs) -> None:
    """Refuse to adopt anything but the shared mailbox this resource declares."""
    address = inputs.primary_smtp_address
    kind = rec.get("RecipientTypeDetails")
    if kind != SHARED:
        raise MailboxConflict(
            f"{address} belongs to a {kind} ({rec.get('DisplayName')}, "
            f"{rec.get('UserPrincipalName')}): a SharedMailbox adopts only shared mailboxes, "
            "so nothing was changed. Choose another primary_smtp_address."
        )
    mismatched = [
        f"{field} is '{rec.get(key)}', not '{value}'"
        for field, key, value in (("name", "Name", inputs.name), ("alias", "Alias", inputs.alias))
        if str(rec.get(key, "")).lower() != value.lower()
    ]
    if mismatched:
        raise MailboxConflict(
            f"a shared mailbox already holds {address}, but its {'; '.join(mismatched)}. "
            "Nothing was changed: declare its name and alias to adopt it, or choose another "
            "address (a new name, alias and address make a new mailbox)."
        )


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _rights(row: dict[str, Any]) -> set[str]:
    raw = row.get("AccessRights") or []
    items = raw if isinstance(raw, list) else [raw]
    return {part.strip() for item in items for part in str(item).split(",") if part.strip()}


def _same(declared: Any, actual: Any) -> Any:
    """The declared spelling when Exchange holds the same value in another case."""
    if isinstance(declared, str) and isinstance(actual, str) and declared.lower() == actual.lower():
        return declared
    return actual


def _named(declared: list[str], have: dict[str, str], by_sid: dict[str, str]) -> list[str]:
    """Grant holders as the inputs name them, declared ones first in declared order."""
    names = {by_sid.get(sid, shown) for sid, shown in have.items()}
    ordered = [d for d in declared if d in names]
    return ordered + sorted(names - set(ordered))


class SharedMailbox(Resource):
    """A shared mailbox (a ward's or a unit's), its sign-in blocked; kept on destroy by default."""

    mailbox_guid: pulumi.Output[str]
    external_directory_object_id: pulumi.Output[str]
    sign_in_blocked: pulumi.Output[bool]
    full_access_sids: pulumi.Output[list[str]]
    send_as_sids: pulumi.Output[list[str]]
    retained: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        alias: pulumi.Input[str],
        primary_smtp_address: pulumi.Input[str],
        display_name: pulumi.Input[str] | None = None,
        full_access: pulumi.Input[list[str]] | None = None,
        send_as: pulumi.Input[list[str]] | None = None,
        auto_mapping: bool = False,
        allow_data_deletion: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a shared mailbox; grantees by UPN, or security group object id or name."""
        super().__init__(
            SharedMailboxProvider(),
            resource_name,
            {
                "name": name,
                "alias": alias,
                "primary_smtp_address": primary_smtp_address,
                "display_name": display_name,
                "full_access": full_access or [],
                "send_as": send_as or [],
                "auto_mapping": auto_mapping,
                "allow_data_deletion": allow_data_deletion,
                "mailbox_guid": None,
                "external_directory_object_id": None,
                "sign_in_blocked": None,
                "recipient_type_details": None,
                "resolved": None,
                "full_access_sids": None,
                "send_as_sids": None,
                "retained": None,
            },
            opts,
        )
