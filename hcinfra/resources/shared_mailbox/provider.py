"""SharedMailbox's dynamic provider: diff, create, read, update and delete a shared mailbox."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult

from hcinfra.clients.errors import TenantError
from hcinfra.errors import HcinfraError
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.base import until_found
from hcinfra.resources.shared_mailbox.access import FULL, SEND_AS, MailboxAccess, _named
from hcinfra.resources.shared_mailbox.inputs import SharedMailboxInputs
from hcinfra.resources.shared_mailbox.permissions import PERMISSIONS

# The program's process imports this module for the Resource and the provider class, and
# only the provider process calls Graph: the SDK is imported where it is used.
if TYPE_CHECKING:
    from msgraph import GraphServiceClient

SHARED = "SharedMailbox"


class MailboxConflict(HcinfraError):
    """The address belongs to a mailbox this resource may not adopt."""


class SharedMailboxProvider(MailboxAccess):
    """Dynamic provider of SharedMailbox."""

    kind = "SharedMailbox"
    inputs_model = SharedMailboxInputs
    # Set-Mailbox as emulated cannot rename or readdress a mailbox (see the package doc).
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
        # New first, no Get before it: Exchange refuses a taken name or address (400), so a
        # New-Mailbox whose answer was lost and that was sent again, or a retried create,
        # meets its own mailbox and adopts it below. Anything else is the real refusal.
        rec: dict[str, Any] | None
        try:
            rec, fresh = self.call(partial(self._new, inputs)), True
        except TenantError as err:
            rec = self.call(partial(self._find, address)) if err.status == 400 else None
            if rec is None:
                raise
            self.notice(f"mailbox {address} existed already: adopted it ({err.message})")
            fresh = False
        _adoptable(rec, inputs)
        outs = self._converge(rec, inputs, {}, remap=False, fresh=fresh)
        return CreateResult(rec["Guid"], outs)

    def find(self, inputs: SharedMailboxInputs) -> tuple[str, list[Candidate]]:
        # One recipient holds an address, so two candidates cannot be: no ambiguity here.
        address = inputs.primary_smtp_address
        rec = self.call(partial(self._find, address), writing=False)
        key = f"shared mailbox {address}"
        if rec is None:
            return key, []
        # As a retried create does: a person's mailbox, or another name or alias, is refused.
        _adoptable(rec, inputs)
        primary = str(rec.get("PrimarySmtpAddress", ""))
        if primary.lower() != address.lower():
            raise MailboxConflict(
                f"{address} is a secondary address of the shared mailbox {rec.get('Name')}, "
                f"whose primary is {primary}: nothing was changed. Declare {primary} to adopt "
                "it (a new address makes a new mailbox)."
            )
        return key, [Candidate(str(rec["Guid"]), f"shared mailbox {rec.get('DisplayName')}")]

    def adopted(
        self, id_: str, inputs: SharedMailboxInputs, props: dict[str, Any]
    ) -> dict[str, Any]:
        # Grantees as declared: the read maps each holder's key back to its declared name.
        resolved = self.call(partial(self._held_keys, id_, inputs), writing=False)
        made = {
            **inputs.model_dump(mode="json"),
            "resolved": resolved,
            "retained": not inputs.allow_data_deletion,
        }
        result = self.read(id_, made)
        if result.id is None:
            raise MailboxConflict(f"shared mailbox {id_} is gone from Exchange")
        return dict(result.outs or {})

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
            self.notice(
                f"mailbox {address} kept (retained on destroy). Guid {id_}: its mailbox, its "
                f"content and its grants ({grants}) stay in Exchange Online with sign-in blocked, "
                "no longer managed by this stack. To delete it, set allow_data_deletion=True, "
                "run `pulumi up`, then destroy again (Remove-Mailbox: soft-deleted, recoverable "
                "for 30 days), or run Remove-Mailbox yourself."
            )
            return
        try:
            self.call(lambda: self.exchange("Remove-Mailbox", Identity=id_, Confirm=False))
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
            found = self.exchange("Get-Mailbox", Identity=identity)
        except TenantError as err:
            if err.not_found:
                return None
            raise
        return found[0] if found else None

    def _new(self, inputs: SharedMailboxInputs) -> dict[str, Any]:
        made = self.exchange(
            "New-Mailbox",
            Shared=True,
            Name=inputs.name,
            Alias=inputs.alias,
            PrimarySmtpAddress=inputs.primary_smtp_address,
            DisplayName=inputs.display_name or inputs.name,
        )
        return made[0]

    def _converge(
        self,
        rec: dict[str, Any],
        inputs: SharedMailboxInputs,
        known: dict[str, str],
        remap: bool,
        fresh: bool = False,
    ) -> dict[str, Any]:
        """Repair the mailbox, block sign-in, grant; `fresh`: New-Mailbox just made it."""
        guid, uid = rec["Guid"], rec["ExternalDirectoryObjectId"]
        display = inputs.display_name or inputs.name
        if rec.get("DisplayName") != display:
            self.call(lambda: self.exchange("Set-Mailbox", Identity=guid, DisplayName=display))
        if rec.get("RecipientTypeDetails") != SHARED:  # converted by hand: convert back
            self.call(lambda: self.exchange("Set-Mailbox", Identity=guid, Type="Shared"))
        # Exchange writes the linked user first; Graph sees it after replication.
        self.call(partial(until_found, partial(self._block, uid)))
        resolved = self._reconcile(guid, inputs, known, remap, fresh)
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
        from msgraph.generated.models.user import User

        self.connection().graph.run(
            lambda c: c.users.by_user_id(uid).patch(User(account_enabled=False))
        )

    def _account_enabled(self, uid: str) -> bool:
        return self.connection().graph.run(partial(_enabled, uid))


async def _enabled(uid: str, client: GraphServiceClient) -> bool:
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
        select=["id", "accountEnabled"]
    )
    user = await client.users.by_user_id(uid).get(RequestConfiguration(query_parameters=query))
    return bool(user and user.account_enabled)


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


def _same(declared: Any, actual: Any) -> Any:
    """The declared spelling when Exchange holds the same value in another case."""
    if isinstance(declared, str) and isinstance(actual, str) and declared.lower() == actual.lower():
        return declared
    return actual
