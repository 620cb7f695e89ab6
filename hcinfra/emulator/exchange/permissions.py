"""Mailbox permissions (FullAccess and friends) and recipient permissions (SendAs).

The access list of a mailbox is one `exo.acl` document keyed by the mailbox Guid:
`{"fullAccess": [{kind, id, rights, inheritance, deny, autoMapping}], "sendAs": [{kind, id}]}`,
where kind/id name a Graph "user" or "group". Adding an entry that is there, or removing one
that is not, succeeds with a warning, as Exchange does.
"""

from __future__ import annotations

from typing import Any

from hcinfra.emulator.exchange.recipients import ACL, SELF, SELF_SID, Doc, Recipients

ALREADY_THERE = (
    'The appropriate access control entry is already present on the object "{obj}" '
    'for account "{account}".'
)
NOT_THERE = (
    'Can\'t remove the access control entry on the object "{obj}" for account "{account}" '
    "because the ACE doesn't exist on the object."
)


class Permissions:
    """Add/Get/Remove-MailboxPermission and Add/Get/Remove-RecipientPermission."""

    def __init__(self, recipients: Recipients) -> None:
        self.r = recipients

    def _acl(self, guid: str) -> Doc:
        return self.r.store.get(ACL, guid) or {"fullAccess": [], "sendAs": []}

    def _save(self, guid: str, acl: Doc) -> None:
        if acl["fullAccess"] or acl["sendAs"]:
            self.r.store.put(ACL, guid, acl)
        else:
            self.r.store.delete(ACL, guid)

    @staticmethod
    def _ref(entry: Doc) -> Doc:
        return {"kind": entry["kind"], "id": entry["id"]}

    # Mailbox permissions ---------------------------------------------------------------

    def _ace(self, rec: Doc, entry: Doc, rights: list[str]) -> Doc:
        return {
            "Identity": rec["Identity"],
            "User": self.r.label(entry),
            "UserSid": self.r.sid(entry),
            "AccessRights": rights,
            "IsInherited": False,
            "Deny": entry.get("deny", False),
            "InheritanceType": entry.get("inheritance", "All"),
            "IsValid": True,
            "ObjectState": "Unchanged",
        }

    def add_mailbox_permission(self, args: dict[str, Any], warnings: list[str]) -> list[Doc]:
        """Grant rights on a mailbox to a user or security group."""
        rec = self.r.resolve(args["Identity"])
        ref = self.r.principal(args["User"])
        deny = bool(args.get("Deny", False))
        acl = self._acl(rec["Guid"])
        entry = next(
            (e for e in acl["fullAccess"] if self._ref(e) == ref and e["deny"] == deny), None
        )
        rights = list(args["AccessRights"])
        if entry is not None and set(rights) <= set(entry["rights"]):
            warnings.append(
                ALREADY_THERE.format(obj=rec["DistinguishedName"], account=self.r.label(ref))
            )
            return []
        if entry is None:
            entry = {**ref, "rights": [], "deny": deny}
            acl["fullAccess"].append(entry)
        entry["rights"] = entry["rights"] + [x for x in rights if x not in entry["rights"]]
        entry["inheritance"] = args.get("InheritanceType", "All")
        entry["autoMapping"] = bool(args.get("AutoMapping", True))
        self._save(rec["Guid"], acl)
        return [self._ace(rec, entry, rights)]

    def get_mailbox_permission(self, args: dict[str, Any]) -> list[Doc]:
        """The mailbox's access list: NT AUTHORITY\\SELF, then the explicit entries."""
        rec = self.r.resolve(args["Identity"])
        entries = self._acl(rec["Guid"])["fullAccess"]
        aces = [self._ace(rec, e, list(e["rights"])) for e in entries]
        if args.get("User"):
            ref = self.r.principal(args["User"])
            return [a for a, e in zip(aces, entries, strict=True) if self._ref(e) == ref]
        own = {
            "Identity": rec["Identity"],
            "User": SELF,
            "UserSid": SELF_SID,
            "AccessRights": ["FullAccess", "ReadPermission"],
            "IsInherited": False,
            "Deny": False,
            "InheritanceType": "All",
            "IsValid": True,
            "ObjectState": "Unchanged",
        }
        return [own, *aces]

    def remove_mailbox_permission(self, args: dict[str, Any], warnings: list[str]) -> None:
        """Take rights away; an absent entry is only a warning."""
        rec = self.r.resolve(args["Identity"])
        ref = self.r.principal(args["User"])
        deny = bool(args.get("Deny", False))
        acl = self._acl(rec["Guid"])
        rights = set(args["AccessRights"])
        entry = next(
            (e for e in acl["fullAccess"] if self._ref(e) == ref and e["deny"] == deny), None
        )
        if entry is None or not rights & set(entry["rights"]):
            warnings.append(
                NOT_THERE.format(obj=rec["DistinguishedName"], account=self.r.label(ref))
            )
            return
        entry["rights"] = [x for x in entry["rights"] if x not in rights]
        if not entry["rights"]:
            acl["fullAccess"].remove(entry)
        self._save(rec["Guid"], acl)

    # Recipient permissions (SendAs) -----------------------------------------------------

    def _send_as(self, rec: Doc, ref: Doc | None) -> Doc:
        return {
            "Identity": rec["Identity"],
            "Trustee": self.r.label(ref) if ref else SELF,
            "TrusteeSidString": self.r.sid(ref) if ref else SELF_SID,
            "AccessControlType": "Allow",
            "AccessRights": ["SendAs"],
            "IsInherited": False,
            "InheritanceType": "None",
            "IsValid": True,
            "ObjectState": "Unchanged",
        }

    def add_recipient_permission(self, args: dict[str, Any], warnings: list[str]) -> list[Doc]:
        """Grant SendAs on a mailbox to a user or security group."""
        rec = self.r.resolve(args["Identity"])
        ref = self.r.principal(args["Trustee"])
        acl = self._acl(rec["Guid"])
        if ref in acl["sendAs"]:
            warnings.append(
                ALREADY_THERE.format(obj=rec["DistinguishedName"], account=self.r.label(ref))
            )
            return []
        acl["sendAs"].append(ref)
        self._save(rec["Guid"], acl)
        return [self._send_as(rec, ref)]

    def get_recipient_permission(self, args: dict[str, Any]) -> list[Doc]:
        """SendAs entries of one mailbox, or of all, each with NT AUTHORITY\\SELF first."""
        identity = args.get("Identity")
        recs = [self.r.resolve(identity)] if identity else self.r.mailboxes()
        trustee = self.r.principal(args["Trustee"]) if args.get("Trustee") else None
        out: list[Doc] = []
        for rec in recs:
            refs = self._acl(rec["Guid"])["sendAs"]
            if trustee is None:
                out.append(self._send_as(rec, None))
                out.extend(self._send_as(rec, ref) for ref in refs)
            elif trustee in refs:
                out.append(self._send_as(rec, trustee))
        size = args.get("ResultSize", 1000)
        return out if size is None else out[:size]

    def remove_recipient_permission(self, args: dict[str, Any], warnings: list[str]) -> None:
        """Take SendAs away; an absent entry is only a warning."""
        rec = self.r.resolve(args["Identity"])
        ref = self.r.principal(args["Trustee"])
        acl = self._acl(rec["Guid"])
        if ref not in acl["sendAs"]:
            warnings.append(
                NOT_THERE.format(obj=rec["DistinguishedName"], account=self.r.label(ref))
            )
            return
        acl["sendAs"].remove(ref)
        self._save(rec["Guid"], acl)
