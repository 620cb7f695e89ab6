"""Read the live tenant for some sites in as few calls as the APIs allow.

Graph: one `$batch` round lists every site's groups (by mailNickname prefix) and the
SKUs, a second fetches members, owners, licence errors and teams for all of them, 20
per batch call, and a third the mailboxes' users. Exchange: one Get-Mailbox, one
Get-RecipientPermission, one Get-MailboxPermission per site mailbox (the cmdlet
takes one identity). Teams admin: one list of every group assignment, and one list
per tenant-wide policy type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hcinfra.clients.connection import Connection
from hcinfra.clients.graph_batch import Answer, GraphBatch
from hcinfra.resources.policy_ranks import ASSIGNMENTS
from hcinfra.resources.teams_apps import TEAMS_APPS, needs_lookup

GROUP_FIELDS = (
    "id,displayName,mailNickname,description,securityEnabled,mailEnabled,groupTypes,"
    "visibility,assignedLicenses,resourceProvisioningOptions"
)
SELF = "NT AUTHORITY\\SELF"


@dataclass
class Snapshot:
    """What the tenant holds for the sites read, keyed for lookup by name."""

    groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # by mailNickname
    members: dict[str, list[str]] = field(default_factory=dict)  # group id → UPNs
    owners: dict[str, list[str]] = field(default_factory=dict)
    licence_errors: dict[str, list[str]] = field(default_factory=dict)
    teams: dict[str, dict[str, Any]] = field(default_factory=dict)  # group id → team
    skus: dict[str, dict[str, Any]] = field(default_factory=dict)  # skuId → SKU
    mailboxes: dict[str, dict[str, Any]] = field(default_factory=dict)  # by address
    full_access: dict[str, list[str]] = field(default_factory=dict)  # mailbox guid → trustees
    send_as: dict[str, list[str]] = field(default_factory=dict)
    sign_in: dict[str, bool] = field(default_factory=dict)  # mailbox guid → accountEnabled
    assignments: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by type
    apps: dict[str, str] = field(default_factory=dict)  # app ids looked up, by name
    requests: int = 0

    def group_by_id(self, group_id: str) -> dict[str, Any] | None:
        """A read group by its id."""
        return next((g for g in self.groups.values() if g["id"] == group_id), None)


def _raise(answer: Answer, what: str) -> None:
    answer.raise_for(what)


def read_snapshot(
    conn: Connection,
    prefixes: list[str],
    policy_types: list[str] | None = None,
    batch: GraphBatch | None = None,
) -> Snapshot:
    """Read the groups, teams and mailboxes named with these prefixes, and the policies."""
    batch = batch or GraphBatch(conn.settings, conn.credential)
    snap = Snapshot()
    calls = 0

    # Round 1: the sites' groups and the tenant's SKUs.
    first = {"skus": "/subscribedSkus"}
    for n, prefix in enumerate(prefixes):
        query = quote(f"startswith(mailNickname,'{prefix}')")
        first[f"groups{n}"] = f"/groups?$filter={query}&$select={GROUP_FIELDS}&$top=999"
    if "TeamsAppSetupPolicy" in (policy_types or []):
        for name in needs_lookup(list(TEAMS_APPS)):
            query = quote(f"displayName eq '{name}'")
            first[f"app{name}"] = f"/appCatalogs/teamsApps?$filter={query}&$select=id"
    answers = batch.get(first)
    for rid, answer in answers.items():
        _raise(answer, f"GET {first[rid]}")
    for sku in answers["skus"].values():
        snap.skus[str(sku["skuId"])] = sku
    for rid, answer in answers.items():
        if rid.startswith("app") and answer.values():
            snap.apps[rid[3:]] = str(answer.values()[0]["id"])
    for n in range(len(prefixes)):
        for g in answers[f"groups{n}"].values():
            snap.groups[str(g.get("mailNickname", "")).lower()] = g

    # Exchange and Teams admin, while Graph's second round is assembled.
    exchange = conn.exchange
    mailboxes = exchange.invoke(
        "Get-Mailbox", RecipientTypeDetails=["SharedMailbox"], ResultSize="Unlimited"
    )
    calls += 1
    for mbx in mailboxes:
        alias = str(mbx.get("Alias", "")).lower()
        if any(alias.startswith(p) for p in prefixes):
            snap.mailboxes[str(mbx.get("PrimarySmtpAddress", "")).lower()] = mbx
    for mbx in snap.mailboxes.values():
        guid = str(mbx.get("Guid"))
        perms = exchange.invoke("Get-MailboxPermission", Identity=guid)
        calls += 1
        snap.full_access[guid] = sorted(
            str(p.get("User"))
            for p in perms
            if "FullAccess" in (p.get("AccessRights") or [])
            and p.get("User") != SELF
            and not p.get("IsInherited")
            and not p.get("Deny")
        )
        snap.send_as[guid] = []
    if snap.mailboxes:
        by_identity = {
            str(m.get("Identity", "")).lower(): str(m.get("Guid")) for m in snap.mailboxes.values()
        }
        by_identity.update(
            {str(m.get("Name", "")).lower(): str(m.get("Guid")) for m in snap.mailboxes.values()}
        )
        for perm in exchange.invoke("Get-RecipientPermission", ResultSize="Unlimited"):
            holder = by_identity.get(str(perm.get("Identity", "")).lower())
            trustee = str(perm.get("Trustee"))
            if holder and trustee != SELF and "SendAs" in (perm.get("AccessRights") or []):
                snap.send_as[holder].append(trustee)
        calls += 1
        for guid in snap.send_as:
            snap.send_as[guid].sort()
    teams = conn.teams
    snap.assignments = list(teams.call("GET", ASSIGNMENTS) or [])
    calls += 1
    for policy_type in policy_types or []:
        path = f"/Skype.Policy/configurations/{policy_type}"
        snap.policies[policy_type] = list(teams.call("GET", path) or [])
        calls += 1

    # Round 2: members, owners, licence errors, teams; and the mailboxes' users.
    second: dict[str, str] = {}
    for g in snap.groups.values():
        gid = g["id"]
        second[f"members/{gid}"] = f"/groups/{gid}/members?$select=id,userPrincipalName&$top=999"
        second[f"owners/{gid}"] = f"/groups/{gid}/owners?$select=id,userPrincipalName&$top=999"
        if g.get("assignedLicenses"):
            second[f"errors/{gid}"] = (
                f"/groups/{gid}/membersWithLicenseErrors?$select=id,userPrincipalName&$top=999"
            )
        if "Team" in (g.get("resourceProvisioningOptions") or []):
            second[f"team/{gid}"] = f"/teams/{gid}"
    for mbx in snap.mailboxes.values():
        uid = mbx.get("ExternalDirectoryObjectId")
        if uid:
            second[f"user/{mbx.get('Guid')}"] = f"/users/{uid}?$select=id,accountEnabled"
    for rid, answer in batch.get(second).items():
        what, _, key = rid.partition("/")
        if what == "team" and answer.status == 404:
            continue  # a group provisioned as a team whose team is not readable yet
        _raise(answer, f"GET {second[rid]}")
        if what == "user":
            snap.sign_in[key] = bool(answer.body.get("accountEnabled"))
        elif what == "team":
            snap.teams[key] = answer.body
        else:
            upns = sorted(
                str(m.get("userPrincipalName") or m.get("id")).lower() for m in answer.values()
            )
            {"members": snap.members, "owners": snap.owners, "errors": snap.licence_errors}[what][
                key
            ] = upns
    snap.requests = calls + batch.calls
    return snap
