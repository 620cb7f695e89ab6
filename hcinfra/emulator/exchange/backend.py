"""Exchange's rules for mailboxes: New-, Set- and Remove-Mailbox over the tenant's store.

Every check runs before the first write, so a refused cmdlet stores nothing.
A shared mailbox is two objects, as in Microsoft 365: the `exo.mailbox` document and the
Graph user it is linked to (its ExternalDirectoryObjectId).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from hcinfra.emulator.exchange import errors
from hcinfra.emulator.exchange.recipients import (
    ACL,
    DN_TAIL,
    MAILBOX,
    Doc,
    Recipients,
    iso,
    public,
)

ALIAS_CHARS = r"A-Za-z0-9!#$%&'*+\-/=?^_`{|}~"
ALIAS = re.compile(rf"^[{ALIAS_CHARS}]+(\.[{ALIAS_CHARS}]+)*$")
NAME_MAX = 64
DEFAULT_RESULT_SIZE = 1000
TRUNCATED = (
    "By default, only the first 1000 items are returned. Use the ResultSize parameter to "
    'specify the number of items returned. To return all items, specify "-ResultSize '
    'Unlimited". Be aware that, depending on the actual number of items, returning all items '
    "can take a long time and consume a large amount of memory. Also, we don't recommend "
    "storing the results in a variable. Instead, pipe the results to another command or "
    "script to perform batch operations."
)
MAILBOX_TYPES = {
    "Regular": "UserMailbox",
    "Shared": "SharedMailbox",
    "Room": "RoomMailbox",
    "Equipment": "EquipmentMailbox",
}


class Backend(Recipients):
    """Mailbox reads (from Recipients) and the cmdlets that change mailboxes."""

    # Set per request from the fault layer's replication delay, in seconds.
    graph_delay_s = 0.0

    def now_iso(self) -> str:
        """The emulator clock as an ISO 8601 UTC timestamp."""
        return iso(self.service.now())

    # New-Mailbox ----------------------------------------------------------------------

    def new_shared_mailbox(self, args: dict[str, Any]) -> Doc:
        """Create a shared mailbox and its linked Graph user."""
        if not args.get("Shared"):
            raise errors.CmdletError(
                400,
                errors.BINDING,
                "Parameter set cannot be resolved using the specified named parameters.",
            )
        name = str(args["Name"])
        if len(name) > NAME_MAX:
            raise errors.CmdletError(
                400,
                errors.VALIDATION,
                f"The length of the property is too long. The maximum length is {NAME_MAX} "
                f"and the length of the value provided is {len(name)}.",
            )
        alias = args.get("Alias") or re.sub(rf"[^{ALIAS_CHARS}.]", "", name).strip(".")
        if not ALIAS.match(alias):
            raise errors.invalid_alias(alias)
        primary = args.get("PrimarySmtpAddress") or f"{alias}@{self.initial_domain}"
        self.check_domain(primary)
        proxies = self.default_proxies(primary, alias)
        self.check_unique(name, proxies, primary)

        now = self.now_iso()
        user_id = str(uuid.uuid4())
        display = args.get("DisplayName") or name
        self.store.put(
            "user",
            user_id,
            {
                "id": user_id,
                "userPrincipalName": primary,
                "displayName": display,
                "givenName": None,
                "surname": None,
                "mail": primary,
                "mailNickname": alias,
                "proxyAddresses": proxies,
                "otherMails": [],
                "accountEnabled": True,
                "userType": "Member",
                "usageLocation": None,
                "department": None,
                "jobTitle": None,
                "businessPhones": [],
                "mobilePhone": None,
                "officeLocation": None,
                "preferredLanguage": None,
                "createdDateTime": now,
                "assignedLicenses": [],
                "assignedPlans": [],
                "_mailboxType": "SharedMailbox",
                # Exchange writes the user first; Graph reads see it after the replication delay.
                "_exoCreated": True,
                "_visibleAt": self.service.now() + self.graph_delay_s,
            },
        )
        guid = str(uuid.uuid4())
        doc = {
            **self.from_user(self.store.peek("user", user_id)),
            "Identity": name,
            "Id": name,
            "Name": name,
            "DistinguishedName": f"CN={name},OU={self.initial_domain},{DN_TAIL}",
            "Guid": guid,
            "ExchangeGuid": str(uuid.uuid4()),
            "RecipientTypeDetails": "SharedMailbox",
            "_origin": "exchange",
        }
        self.store.put(MAILBOX, guid, doc)
        return self.resolve(guid)

    def check_domain(self, address: str) -> None:
        """Refuse an address outside the tenant's accepted domains."""
        domain = address.rsplit("@", 1)[1].lower()
        if domain not in {d.lower() for d in self.service.tenant.domains}:
            raise errors.not_accepted_domain(domain)

    def check_unique(self, name: str, proxies: list[str], upn: str) -> None:
        """Refuse a Name, address or UPN another recipient already has."""
        taken = self.taken_addresses()
        for proxy in proxies:
            owner = taken.get(proxy.split(":", 1)[1].lower())
            if owner is not None:
                raise errors.proxy_exists(proxy, owner)
        if any(str(u.get("userPrincipalName", "")).lower() == upn.lower() for u in self.users()):
            raise errors.value_exists("UserPrincipalName", upn)
        if any(str(r["Name"]).lower() == name.lower() for r in self.mailboxes()):
            raise errors.name_exists(name)

    # Set-Mailbox ----------------------------------------------------------------------

    def set_mailbox(self, args: dict[str, Any]) -> None:
        """Change a mailbox's settings; the display name and type reach its Graph user."""
        rec = self.resolve(args["Identity"])
        changes: dict[str, Any] = {}
        for flag in (
            "HiddenFromAddressListsEnabled",
            "MessageCopyForSentAsEnabled",
            "MessageCopyForSendOnBehalfEnabled",
        ):
            if flag in args:
                changes[flag] = args[flag]
        if "GrantSendOnBehalfTo" in args:
            changes["_sendOnBehalf"] = self._send_on_behalf(rec, args["GrantSendOnBehalfTo"])
        if "Type" in args:
            changes["RecipientTypeDetails"] = MAILBOX_TYPES[args["Type"]]
        if args.get("DisplayName"):
            changes["DisplayName"] = args["DisplayName"]
        if not changes:
            return
        stored = self.store.get(MAILBOX, rec["Guid"]) or {**rec, "_origin": "graph"}
        stored.update(changes)
        stored["WhenChanged"] = stored["WhenChangedUTC"] = self.now_iso()
        stored.pop("GrantSendOnBehalfTo", None)
        user = self.store.get("user", rec["ExternalDirectoryObjectId"])
        if user is not None:
            if "DisplayName" in changes:
                user["displayName"] = changes["DisplayName"]
            user["_mailboxType"] = stored["RecipientTypeDetails"]
            self.store.put("user", user["id"], user)
        self.store.put(MAILBOX, rec["Guid"], stored)

    def _send_on_behalf(self, rec: Doc, edit: dict[str, list[str]]) -> list[Doc]:
        current = list(rec.get("_sendOnBehalf") or [])
        if "replace" in edit:
            current = []
            adds, removes = edit["replace"], []
        else:
            adds, removes = edit["add"], edit["remove"]
        for ref in (self.principal(i) for i in removes):
            current = [c for c in current if c != ref]
        for ref in (self.principal(i) for i in adds):
            if ref not in current:
                current.append(ref)
        return current

    # Remove-Mailbox -------------------------------------------------------------------

    def remove_mailbox(self, args: dict[str, Any]) -> None:
        """Soft-delete a mailbox (its Graph user goes), or purge it with PermanentlyDelete."""
        identity = args["Identity"]
        purge = bool(args.get("PermanentlyDelete"))
        try:
            rec = self.resolve(identity)
        except errors.CmdletError:
            if not purge:
                raise
            rec = self.resolve(identity, soft_deleted=True)
            self.store.delete(MAILBOX, rec["Guid"])
            self.store.delete(ACL, rec["Guid"])
            return
        if purge:
            self.store.delete(MAILBOX, rec["Guid"])
            self.store.delete(ACL, rec["Guid"])
        else:
            now = self.now_iso()
            snapshot = {**public(rec), "_userId": rec["_userId"], "_origin": "exchange"}
            snapshot.pop("GrantSendOnBehalfTo", None)
            snapshot.update(
                {
                    "_softDeleted": True,
                    "_sendOnBehalf": rec.get("_sendOnBehalf") or [],
                    "IsSoftDeletedByRemove": True,
                    "WhenSoftDeleted": now,
                    "WhenChanged": now,
                    "WhenChangedUTC": now,
                }
            )
            self.store.put(MAILBOX, rec["Guid"], snapshot)
        self.store.delete("user", rec["ExternalDirectoryObjectId"])

    # Get-Mailbox ----------------------------------------------------------------------

    def get_mailboxes(self, args: dict[str, Any], warnings: list[str]) -> list[Doc]:
        """Get-Mailbox: one mailbox by Identity, or all, filtered by type and size."""
        soft = bool(args.get("SoftDeletedMailbox"))
        if args.get("Identity"):
            found = [self.resolve(args["Identity"], soft_deleted=soft)]
        else:
            found = self.soft_deleted() if soft else self.mailboxes()
        types = args.get("RecipientTypeDetails")
        if types:
            found = [r for r in found if r["RecipientTypeDetails"] in types]
        size = args.get("ResultSize", DEFAULT_RESULT_SIZE)
        if size is not None and len(found) > size:
            found = found[:size]
            if "ResultSize" not in args:
                warnings.append(TRUNCATED)
        return [public(r) for r in found]
