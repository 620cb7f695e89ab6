"""Mail-enabled security groups: New-, Get-, Set-, Remove-DistributionGroup and their members.

REF: https://learn.microsoft.com/powershell/module/exchange/new-distributiongroup
A group made here is one Graph `group` document (mailEnabled and securityEnabled true,
groupTypes []), as a mail-enabled security group made in Exchange shows in Graph, with its
Exchange settings under `_exo`. Graph refuses member changes on it (graph/groups.py).
Only `-Type Security` exists here: distribution groups are not security principals, so
hcinfra has no use for them. Members are mailbox users; nested groups are not modelled.
"""

from __future__ import annotations

import uuid
from typing import Any

from hcinfra.emulator.exchange import errors
from hcinfra.emulator.exchange.backend import ALIAS, NAME_MAX, Backend
from hcinfra.emulator.exchange.recipients import DN_TAIL, Doc, iso
from hcinfra.emulator.graph.groups import DEFAULT

KIND = "MailUniversalSecurityGroup"
# Learn: members may join or leave a security group only when the owners allow it.
RESTRICTIONS = ("Open", "Closed", "ApprovalRequired")
SETTABLE = (
    "DisplayName",
    "HiddenFromAddressListsEnabled",
    "RequireSenderAuthenticationEnabled",
    "MemberJoinRestriction",
    "MemberDepartRestriction",
)
MEMBER_EXISTS = 'The recipient "{0}" is already a member of the group "{1}".'  # unverified
MEMBER_MISSING = 'The recipient "{0}" isn\'t a member of the group "{1}".'  # unverified


class DistributionGroups:
    """The mail-enabled security groups of the tenant, over the Graph group store."""

    def __init__(self, backend: Backend) -> None:
        self.b = backend

    @property
    def store(self) -> Any:
        """The tenant's store."""
        return self.b.store

    def _all(self) -> list[Doc]:
        return [g for g in self.store.values("group") if g.get("_exo") and self.b.visible(g)]

    def find(self, identity: str) -> Doc:
        """The one group an Identity names (name, alias, address, display name, GUID, id)."""
        key = identity.strip().lower()
        found = [g for g in self._all() if key in _keys(g)]
        if not found:
            raise errors.not_found(identity)
        if len(found) > 1:
            raise errors.ambiguous(identity)
        return found[0]

    def view(self, g: Doc) -> Doc:
        """The group as Get-DistributionGroup prints it."""
        exo = g["_exo"]
        managers = [self.b.user(u) for u in exo["managedBy"]]
        return {
            "Identity": exo["Name"],
            "Id": exo["Name"],
            "Name": exo["Name"],
            "DisplayName": g["displayName"],
            "Alias": g["mailNickname"],
            "PrimarySmtpAddress": g["mail"],
            "WindowsEmailAddress": g["mail"],
            "EmailAddresses": list(g["proxyAddresses"]),
            "DistinguishedName": f"CN={exo['Name']},OU={self.b.initial_domain},{DN_TAIL}",
            "Guid": exo["Guid"],
            "ExternalDirectoryObjectId": g["id"],
            "RecipientType": KIND,
            "RecipientTypeDetails": KIND,
            "GroupType": "Universal, SecurityEnabled",
            "ManagedBy": [str(m["userPrincipalName"]) for m in managers if m],
            **{k: exo[k] for k in SETTABLE if k != "DisplayName"},
            "WhenCreated": g["createdDateTime"],
            "WhenCreatedUTC": g["createdDateTime"],
        }

    # New-DistributionGroup ---------------------------------------------------------------

    def new(self, args: dict[str, Any]) -> Doc:
        """Create a mail-enabled security group; every check runs before the first write."""
        if args.get("Type") != "Security":
            raise errors.invalid_operation(
                "The emulator makes mail-enabled security groups only: pass -Type Security."
            )
        name = str(args["Name"])
        if len(name) > NAME_MAX:
            raise errors.CmdletError(
                400,
                errors.VALIDATION,
                f"The length of the property is too long. The maximum length is {NAME_MAX} "
                f"and the length of the value provided is {len(name)}.",
            )
        alias = str(args.get("Alias") or name.replace(" ", ""))
        if not ALIAS.match(alias):
            raise errors.invalid_alias(alias)
        primary = str(args.get("PrimarySmtpAddress") or f"{alias}@{self.b.initial_domain}")
        self.b.check_domain(primary)
        proxies = self.b.default_proxies(primary, alias)
        self.b.check_unique(name, proxies, primary)
        if any(g["_exo"]["Name"].lower() == name.lower() for g in self._all()):
            raise errors.name_exists(name)
        managers = [
            self.b.resolve(m)["ExternalDirectoryObjectId"] for m in args.get("ManagedBy", [])
        ]
        members = self._member_ids(args.get("Members", []))
        now = self.b.service.now()
        gid = str(uuid.uuid4())
        doc: Doc = {k: None for k in DEFAULT}
        doc.update(
            {
                "id": gid,
                "displayName": args.get("DisplayName") or name,
                "mailNickname": alias,
                "mailEnabled": True,
                "securityEnabled": True,
                "groupTypes": [],
                "mail": primary,
                "proxyAddresses": proxies,
                "createdDateTime": iso(now),
                "renewedDateTime": iso(now),
                "creationOptions": [],
                "resourceBehaviorOptions": [],
                "resourceProvisioningOptions": [],
                "securityIdentifier": f"S-1-12-1-{uuid.UUID(gid).int % 4294967296}",
                "onPremisesProvisioningErrors": [],
                "serviceProvisioningErrors": [],
                "assignedLicenses": [],
                "_members": members,
                "_owners": list(managers),
                "_exoCreated": True,  # Exchange sees its own group at once, Graph later
                "_visibleAt": now + self.b.graph_delay_s,
                "_exo": {
                    "Name": name,
                    "Guid": str(uuid.uuid4()),
                    "managedBy": managers,
                    "HiddenFromAddressListsEnabled": False,
                    "RequireSenderAuthenticationEnabled": args.get(
                        "RequireSenderAuthenticationEnabled", True
                    ),
                    "MemberJoinRestriction": args.get("MemberJoinRestriction", "Closed"),
                    "MemberDepartRestriction": args.get("MemberDepartRestriction", "Closed"),
                },
            }
        )
        self.store.put("group", gid, doc)
        return self.view(doc)

    # Set-/Remove-DistributionGroup -------------------------------------------------------

    def set(self, args: dict[str, Any]) -> None:
        """Change the group's settings (display name, hiding, restrictions)."""
        g = self._writable(args)
        for key in SETTABLE:
            if key in args:
                if key == "DisplayName":
                    g["displayName"] = args[key]
                else:
                    g["_exo"][key] = args[key]
        self.store.put("group", g["id"], g)

    def remove(self, args: dict[str, Any]) -> None:
        """Delete the group (it does not go to Graph's deleted items)."""
        g = self._writable(args)
        self.store.delete("group", g["id"])

    # Members -----------------------------------------------------------------------------

    def members(self, args: dict[str, Any]) -> list[Doc]:
        """Get-DistributionGroupMember: the members as recipients."""
        g = self.find(args["Identity"])
        out = []
        for uid in g["_members"]:
            user = self.b.user(uid)
            if user is None:
                continue
            rec = self.b.from_user(user)
            out.append(
                {
                    **{k: rec[k] for k in ("Identity", "Name", "DisplayName", "Alias", "Guid")},
                    **{k: rec[k] for k in ("PrimarySmtpAddress", "ExternalDirectoryObjectId")},
                    "RecipientType": "UserMailbox",
                    "RecipientTypeDetails": rec["RecipientTypeDetails"],
                    "WindowsLiveID": rec["UserPrincipalName"],
                }
            )
        return out

    def update_members(self, args: dict[str, Any]) -> None:
        """Update-DistributionGroupMember: the members become exactly these."""
        g = self._writable(args)
        g["_members"] = self._member_ids(args.get("Members", []))
        self.store.put("group", g["id"], g)

    def add_member(self, args: dict[str, Any], warnings: list[str]) -> None:
        """Add-DistributionGroupMember: one member; an existing one is refused, as Exchange does."""
        g = self._writable(args)
        [uid] = self._member_ids([args["Member"]])
        if uid in g["_members"]:
            raise errors.CmdletError(
                400,
                ("", "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException"),
                MEMBER_EXISTS.format(args["Member"], g["displayName"]),
            )
        g["_members"].append(uid)
        self.store.put("group", g["id"], g)

    def remove_member(self, args: dict[str, Any]) -> None:
        """Remove-DistributionGroupMember: one member; an absent one is refused."""
        g = self._writable(args)
        [uid] = self._member_ids([args["Member"]])
        if uid not in g["_members"]:
            raise errors.CmdletError(
                400,
                ("", "Microsoft.Exchange.Management.Tasks.MemberNotFoundException"),
                MEMBER_MISSING.format(args["Member"], g["displayName"]),
            )
        g["_members"].remove(uid)
        self.store.put("group", g["id"], g)

    def _member_ids(self, identities: list[str]) -> list[str]:
        ids: list[str] = []
        for identity in identities:
            uid = str(self.b.resolve(identity)["ExternalDirectoryObjectId"])
            if uid not in ids:
                ids.append(uid)
        return ids

    def _writable(self, args: dict[str, Any]) -> Doc:
        # An app is never in ManagedBy: Learn says a non-owner needs this switch.
        if not args.get("BypassSecurityGroupManagerCheck"):
            raise errors.not_group_manager()
        return self.find(args["Identity"])


def _keys(g: Doc) -> set[str]:
    names = [g["_exo"]["Name"], g["_exo"]["Guid"], g["id"], g["displayName"], g["mailNickname"]]
    keys = {str(n).lower() for n in names if n}
    keys.update(str(p).split(":", 1)[-1].lower() for p in g.get("proxyAddresses") or [])
    return keys
