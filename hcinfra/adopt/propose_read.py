"""What `hcinfra adopt --propose` reads of the tenant: reads only, in few calls.

Graph: one `$batch` round lists every group, the SKUs and the app-catalogue ids of the
apps Microsoft publishes no id for; a second fetches the members of the security groups
(mail-enabled ones too), and the owners, team and channels of every group with a team,
20 per batch call. Exchange: Get-AcceptedDomain, Get-Mailbox for the shared mailboxes,
one Get-MailboxPermission per shared mailbox (the cmdlet takes one identity) and one
Get-RecipientPermission. Teams admin: the list of every group policy assignment, and the
instances of each tenant-wide policy type a group holds outside a package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hcinfra.clients.connection import Connection
from hcinfra.clients.graph_batch import GraphBatch
from hcinfra.network.plan import TEAMS_POLICY_TYPES
from hcinfra.resources.policy_ranks import ASSIGNMENTS, policy_of
from hcinfra.resources.teams_apps import TEAMS_APPS, needs_lookup

GROUP_FIELDS = (
    "id,displayName,mailNickname,mail,description,securityEnabled,mailEnabled,groupTypes,"
    "visibility,assignedLicenses,resourceProvisioningOptions"
)
PEOPLE = "$select=id,userPrincipalName&$top=999"
SELF = "NT AUTHORITY\\SELF"


@dataclass
class Live:
    """The tenant as read, keyed for lookup."""

    groups: list[dict[str, Any]] = field(default_factory=list)  # every group, by display name
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # group id → objects
    owners: dict[str, list[str]] = field(default_factory=dict)  # group id → UPNs (lower case)
    teams: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # None: unreadable
    channels: dict[str, list[str]] = field(default_factory=dict)  # group id → channel names
    skus: dict[str, dict[str, Any]] = field(default_factory=dict)  # skuId (lower case) → SKU
    apps: dict[str, str] = field(default_factory=dict)  # app ids looked up, by name
    domains: list[dict[str, Any]] = field(default_factory=list)  # Get-AcceptedDomain
    mailboxes: list[dict[str, Any]] = field(default_factory=list)  # shared, by address
    full_access: dict[str, list[str]] = field(default_factory=dict)  # mailbox Guid → trustees
    send_as: dict[str, list[str]] = field(default_factory=dict)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by policy type
    requests: int = 0


def is_unified(doc: dict[str, Any]) -> bool:
    """A Microsoft 365 group."""
    return "Unified" in (doc.get("groupTypes") or [])


def has_team(doc: dict[str, Any]) -> bool:
    """A group provisioned as a team."""
    return "Team" in (doc.get("resourceProvisioningOptions") or [])


def is_security(doc: dict[str, Any]) -> bool:
    """A security group, mail-enabled or not (never a Microsoft 365 group)."""
    return bool(doc.get("securityEnabled")) and not is_unified(doc)


def _rights(row: dict[str, Any]) -> list[str]:
    value = row.get("AccessRights") or []
    return [str(v) for v in value] if isinstance(value, list) else str(value).split(",")


def _granted(row: dict[str, Any], who: str, right: str) -> bool:
    return (
        row.get(who) not in (None, SELF)
        and right in [r.strip() for r in _rights(row)]
        and not row.get("IsInherited")
        and not row.get("Deny")
        and row.get("AccessControlType", "Allow") == "Allow"
    )


def read_live(conn: Connection, batch: GraphBatch | None = None) -> Live:
    """Read what a draft network file is made from; nothing is written."""
    batch = batch or GraphBatch(conn.settings, conn.credential)
    live = Live()
    calls = 0

    # Graph, round 1: every group, the SKUs, the app ids Microsoft does not publish.
    first = {
        "groups": f"/groups?$select={GROUP_FIELDS}&$top=999",
        "skus": "/subscribedSkus",
    }
    for name in needs_lookup(list(TEAMS_APPS)):
        query = quote(f"displayName eq '{name}'")
        first[f"app:{name}"] = f"/appCatalogs/teamsApps?$filter={query}&$select=id"
    answers = batch.get(first)
    for rid in ("groups", "skus"):
        answers[rid].raise_for(f"GET {first[rid]}")
    live.groups = sorted(
        answers["groups"].values(),
        key=lambda g: (str(g.get("displayName") or "").lower(), str(g.get("id"))),
    )
    for sku in answers["skus"].values():
        live.skus[str(sku.get("skuId", "")).lower()] = sku
    for rid, answer in answers.items():
        # An app catalogue the app may not read only leaves those apps shown by id.
        if rid.startswith("app:") and answer.ok and answer.values():
            live.apps[rid[4:]] = str(answer.values()[0]["id"])

    # Exchange: the accepted domains, the shared mailboxes and who holds rights on them.
    exchange = conn.exchange
    live.domains = list(exchange.invoke("Get-AcceptedDomain"))
    live.mailboxes = sorted(
        exchange.invoke(
            "Get-Mailbox", RecipientTypeDetails=["SharedMailbox"], ResultSize="Unlimited"
        ),
        key=lambda m: str(m.get("PrimarySmtpAddress", "")).lower(),
    )
    calls += 2
    for mbx in live.mailboxes:
        guid = str(mbx.get("Guid"))
        rows = exchange.invoke("Get-MailboxPermission", Identity=guid)
        calls += 1
        live.full_access[guid] = sorted(
            {str(r["User"]) for r in rows if _granted(r, "User", "FullAccess")}
        )
        live.send_as[guid] = []
    if live.mailboxes:
        by_identity: dict[str, str] = {}
        for mbx in live.mailboxes:
            for key in ("Identity", "Name", "Alias", "PrimarySmtpAddress", "Guid"):
                if mbx.get(key):
                    by_identity[str(mbx[key]).lower()] = str(mbx.get("Guid"))
        for row in exchange.invoke("Get-RecipientPermission", ResultSize="Unlimited"):
            holder = by_identity.get(str(row.get("Identity", "")).lower())
            if holder and _granted(row, "Trustee", "SendAs"):
                live.send_as[holder].append(str(row["Trustee"]))
        calls += 1
        for guid, trustees in live.send_as.items():
            live.send_as[guid] = sorted(set(trustees))

    # Teams admin: every group assignment, and the tenant-wide policies groups hold.
    teams = conn.teams
    live.assignments = list(teams.call("GET", ASSIGNMENTS) or [])
    calls += 1
    held = {str(a.get("policyType")) for a in live.assignments if policy_of(a)}
    for policy_type in TEAMS_POLICY_TYPES:
        if policy_type in held:
            live.policies[policy_type] = list(
                teams.call("GET", f"/Skype.Policy/configurations/{policy_type}") or []
            )
            calls += 1

    # Graph, round 2: members of the security groups; owners, team and channels of teams.
    second: dict[str, str] = {}
    for g in live.groups:
        gid = str(g["id"])
        if is_security(g):
            second[f"members/{gid}"] = f"/groups/{gid}/members?{PEOPLE}"
        elif is_unified(g) and has_team(g):
            second[f"owners/{gid}"] = f"/groups/{gid}/owners?{PEOPLE}"
            second[f"team/{gid}"] = f"/teams/{gid}"
            second[f"channels/{gid}"] = f"/teams/{gid}/channels"
    for rid, answer in (batch.get(second) if second else {}).items():
        what, _, gid = rid.partition("/")
        if what in ("team", "channels") and answer.status in (403, 404):
            # A team not provisioned yet, or one the app may not read: its template is
            # not known, which the draft says.
            live.teams.setdefault(gid, None)
            continue
        answer.raise_for(f"GET {second[rid]}")
        if what == "members":
            live.members[gid] = answer.values()
        elif what == "owners":
            live.owners[gid] = sorted(
                str(o["userPrincipalName"]).lower()
                for o in answer.values()
                if o.get("userPrincipalName")
            )
        elif what == "team":
            live.teams[gid] = answer.body
        else:
            live.channels[gid] = sorted(str(c.get("displayName")) for c in answer.values())
    live.requests = calls + batch.calls
    return live
