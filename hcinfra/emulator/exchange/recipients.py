"""The tenant's recipients as Exchange sees them: mailboxes, and users and groups as principals.

Every visible Graph user is a mailbox. A user with no `exo.mailbox` document is a plain
user mailbox computed from the Graph user; one with a document (a shared mailbox made by
New-Mailbox, or a mailbox Set-Mailbox changed) takes its Exchange settings from it.
A document whose user is gone, or that Remove-Mailbox marked, is a soft-deleted mailbox.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hcinfra.emulator.core.seed import stable_id
from hcinfra.emulator.exchange import errors

Doc = dict[str, Any]
MAILBOX = "exo.mailbox"
ACL = "exo.acl"
DN_TAIL = "OU=Microsoft Exchange Hosted Organizations,DC=CANPR01A012,DC=PROD,DC=OUTLOOK,DC=COM"
SELF = "NT AUTHORITY\\SELF"
SELF_SID = "S-1-5-10"
# Fields a mailbox created from a Graph user keeps in step with that user.
FROM_USER = ("Name", "Alias", "PrimarySmtpAddress", "WindowsEmailAddress", "EmailAddresses")


def iso(seconds: float, z: bool = True) -> str:
    """An emulator timestamp in ISO 8601 (UTC)."""
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if z else moment.isoformat()


def address_of(proxy: str) -> str:
    """The address part of a proxy address such as `SMTP:a@b`, lower-cased."""
    return proxy.split(":", 1)[1].lower() if ":" in proxy else proxy.lower()


def sid_of(object_id: str) -> str:
    """The SID Entra ID derives from an object id (S-1-12-1-…), used for cloud principals."""
    raw = uuid.UUID(object_id).bytes_le
    parts = [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 16, 4)]
    return "S-1-12-1-" + "-".join(str(p) for p in parts)


def public(doc: Doc) -> Doc:
    """A record without its internal (`_`) keys."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


class Recipients:
    """Reads over the store: Graph's users and groups, and the mailboxes built on them."""

    def __init__(self, service: Any) -> None:
        self.service = service

    @property
    def store(self) -> Any:
        """The tenant's store."""
        return self.service.store

    @property
    def initial_domain(self) -> str:
        """The tenant's initial (onmicrosoft.com) domain."""
        return str(self.service.tenant.domains[0])

    def visible(self, doc: Doc | None) -> bool:
        """False for a missing object, or one not visible yet (Exchange sees its own at once)."""
        if doc is None:
            return False
        return (
            bool(doc.get("_exoCreated")) or float(doc.get("_visibleAt") or 0) <= self.service.now()
        )

    def users(self) -> list[Doc]:
        """Visible Graph users, in store order."""
        return [u for u in self.store.values("user") if self.visible(u)]

    def user(self, user_id: str) -> Doc | None:
        """One visible Graph user."""
        doc = self.store.peek("user", user_id)
        return doc if self.visible(doc) else None

    def security_groups(self) -> list[Doc]:
        """Visible security-enabled groups: the groups Exchange accepts as principals."""
        groups = self.store.values("group")
        return [g for g in groups if self.visible(g) and g.get("securityEnabled")]

    # Mailboxes ------------------------------------------------------------------------

    def from_user(self, user: Doc) -> Doc:
        """The mailbox record a Graph user stands for on its own."""
        uid = str(user["id"])
        upn = str(user.get("userPrincipalName") or "")
        alias = str(user.get("mailNickname") or upn.split("@")[0])
        primary = str(user.get("mail") or upn)
        proxies = self.default_proxies(primary, alias)
        if user.get("proxyAddresses"):
            # Every mailbox also has its alias at the initial domain, whatever Graph lists.
            listed = [str(p) for p in user["proxyAddresses"]]
            held = {address_of(p) for p in listed}
            proxies = listed + [p for p in proxies[1:] if address_of(p) not in held]
        created = str(user.get("createdDateTime") or iso(self.service.now()))
        name = alias
        return {
            "Identity": name,
            "Id": name,
            "Name": name,
            "DisplayName": user.get("displayName") or name,
            "Alias": alias,
            "DistinguishedName": f"CN={name},OU={self.initial_domain},{DN_TAIL}",
            "Guid": stable_id("exo-mailbox", uid),
            "ExchangeGuid": stable_id("exo-exchangeguid", uid),
            "ExternalDirectoryObjectId": uid,
            "UserPrincipalName": upn,
            "PrimarySmtpAddress": primary,
            "WindowsEmailAddress": primary,
            "EmailAddresses": proxies,
            "RecipientType": "UserMailbox",
            "RecipientTypeDetails": user.get("_mailboxType") or "UserMailbox",
            "IsMailboxEnabled": True,
            "AccountDisabled": not user.get("accountEnabled", True),
            "HiddenFromAddressListsEnabled": False,
            "MessageCopyForSentAsEnabled": False,
            "MessageCopyForSendOnBehalfEnabled": False,
            "GrantSendOnBehalfTo": [],
            "IsSoftDeletedByRemove": False,
            "IsInactiveMailbox": False,
            "WhenSoftDeleted": None,
            "WhenCreated": created,
            "WhenCreatedUTC": created,
            "WhenChanged": created,
            "WhenChangedUTC": created,
            "_userId": uid,
            "_sendOnBehalf": [],
        }

    def default_proxies(self, primary: str, alias: str) -> list[str]:
        """SMTP:primary, plus the alias at the initial domain as Exchange adds it."""
        proxies = [f"SMTP:{primary}"]
        moera = f"{alias}@{self.initial_domain}"
        if moera.lower() != primary.lower():
            proxies.append(f"smtp:{moera}")
        return proxies

    def _render(self, stored: Doc | None, user: Doc | None) -> Doc:
        rec = self.from_user(user) if user else {}
        if stored:
            keep = {k: rec[k] for k in FROM_USER if k in rec}
            rec.update(stored)
            if user and stored.get("_origin") == "graph":
                rec.update(keep)
        if user:
            rec["DisplayName"] = user.get("displayName") or rec["Name"]
            rec["UserPrincipalName"] = user.get("userPrincipalName") or ""
            rec["AccountDisabled"] = not user.get("accountEnabled", True)
        rec["GrantSendOnBehalfTo"] = [self.label(r) for r in rec.get("_sendOnBehalf") or []]
        return rec

    def _stored(self) -> dict[str, Doc]:
        return {str(d["_userId"]): d for d in self.store.values(MAILBOX) if d.get("_userId")}

    def mailboxes(self) -> list[Doc]:
        """Active mailbox records, one per visible Graph user."""
        stored = self._stored()
        out = []
        for user in self.users():
            doc = stored.get(str(user["id"]))
            if doc is not None and doc.get("_softDeleted"):
                doc = None
            out.append(self._render(doc, user))
        return out

    def soft_deleted(self) -> list[Doc]:
        """Soft-deleted mailbox records (removed, or their user deleted in Graph)."""
        out = []
        for doc in self.store.values(MAILBOX):
            user = self.store.peek("user", str(doc.get("_userId")))
            if doc.get("_softDeleted") or user is None:
                rec = self._render(doc, None)
                rec["IsSoftDeletedByRemove"] = True
                out.append(rec)
        return out

    def resolve(self, identity: str, soft_deleted: bool = False) -> Doc:
        """The one mailbox an Identity names (name, alias, address, GUID, UPN, DN)."""
        pool = self.soft_deleted() if soft_deleted else self.mailboxes()
        key = identity.strip().lower()
        found = [r for r in pool if key in self.keys(r)]
        if not found:
            raise errors.not_found(identity)
        if len(found) > 1:
            raise errors.ambiguous(identity)
        return found[0]

    @staticmethod
    def keys(rec: Doc) -> set[str]:
        """Every string an Identity may use to name this mailbox, lower-cased."""
        names = [rec.get(k) for k in ("Name", "Alias", "Guid", "ExchangeGuid", "DistinguishedName")]
        names += [rec.get("ExternalDirectoryObjectId"), rec.get("UserPrincipalName")]
        names += [rec.get("PrimarySmtpAddress")]
        keys = {str(n).lower() for n in names if n}
        keys.update(address_of(p) for p in rec.get("EmailAddresses") or [])
        return keys

    # Principals (User, Trustee, GrantSendOnBehalfTo) ----------------------------------

    def principal(self, identity: str) -> Doc:
        """A user or security group named by id, UPN, address, alias or display name."""
        key = identity.strip().lower()
        found: list[Doc] = []
        for user in self.users():
            names = {user.get("id"), user.get("userPrincipalName"), user.get("mail")}
            names.add(user.get("mailNickname"))
            keys = {str(n).lower() for n in names if n}
            keys.update(address_of(p) for p in user.get("proxyAddresses") or [])
            if key in keys:
                found.append({"kind": "user", "id": user["id"]})
        for group in self.security_groups():
            names = {group.get(k) for k in ("id", "displayName", "mail", "mailNickname")}
            if key in {str(n).lower() for n in names if n}:
                found.append({"kind": "group", "id": group["id"]})
        if not found:
            raise errors.not_found(identity)
        if len(found) > 1:
            raise errors.ambiguous(identity)
        chosen = self.store.peek("group", found[0]["id"]) if found[0]["kind"] == "group" else None
        if chosen is not None and not chosen.get("mailEnabled"):
            # Learn: delegates are mail-enabled security groups (docs/emulator.md, Evidence).
            raise errors.not_mail_enabled(str(chosen.get("displayName")))
        return found[0]

    def sid(self, ref: Doc) -> str:
        """A principal's SID: a group's securityIdentifier, else derived from its object id."""
        doc = self.store.peek(ref["kind"], ref["id"])
        if doc is not None and doc.get("securityIdentifier"):
            return str(doc["securityIdentifier"])
        return sid_of(ref["id"])

    def label(self, ref: Doc) -> str:
        """How Exchange prints a principal: a user's UPN, a group's name, else its SID."""
        doc = self.store.peek(ref["kind"], ref["id"])
        if self.visible(doc) and doc is not None:
            if ref["kind"] == "user":
                return str(doc.get("userPrincipalName"))
            return str(doc.get("displayName"))
        return self.sid(ref)

    # Uniqueness -----------------------------------------------------------------------

    def taken_addresses(self) -> dict[str, str]:
        """Every address in use (lower-cased) and the name of the recipient holding it."""
        taken: dict[str, str] = {}
        for rec in self.mailboxes():
            for proxy in rec.get("EmailAddresses") or []:
                taken.setdefault(address_of(proxy), str(rec["Name"]))
        for group in self.store.values("group"):
            if self.visible(group) and group.get("mailEnabled") and group.get("mail"):
                owner = str(group.get("mailNickname") or group.get("displayName"))
                taken.setdefault(str(group["mail"]).lower(), owner)
                for proxy in group.get("proxyAddresses") or []:
                    taken.setdefault(address_of(proxy), owner)
        return taken
