"""Read the live tenant for some sites in as few calls as the APIs allow.

Graph: one `$batch` round lists every site's groups (by mailNickname prefix), the SKUs,
the cross-tenant access partners and the Bookings businesses; a second fetches members,
owners, licence errors and teams for all of them, the ward teams' schedules, scheduling
groups and team sites, and the virtual-visit calendars with their services and staff, 20
per batch call; a third lists the ward sites' lists (and looks up scheduling-group members
no site group holds), and reads each wanted user's effective Teams policies
(`GET /admin/teams/userConfigurations/{id}`, one item per user: N users cost N items, at
most ceil(N/20) more posts), looking up by UPN the users no group read names; a fourth
reads each Patients list with its columns, and the effective policies of the users looked
up. Exchange: one
Get-Mailbox, one Get-RecipientPermission, one Get-MailboxPermission per site mailbox (the
cmdlet takes one identity). Teams admin: one list of every group assignment, one list per
tenant-wide policy type, and the federation configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from hcinfra.audit.permissions import USER_CONFIGURATIONS
from hcinfra.clients.connection import Connection
from hcinfra.clients.graph_batch import Answer, GraphBatch
from hcinfra.resources.partner_tenant import federation
from hcinfra.resources.policy_ranks import ASSIGNMENTS
from hcinfra.resources.teams_apps import TEAMS_APPS, needs_lookup
from hcinfra.resources.virtual_visits.calls import BUSINESSES, PREFER

GROUP_FIELDS = (
    "id,displayName,mailNickname,description,securityEnabled,mailEnabled,groupTypes,"
    "visibility,assignedLicenses,resourceProvisioningOptions"
)
SELF = "NT AUTHORITY\\SELF"
PARTNERS = "/policies/crossTenantAccessPolicy/partners"
# A user's effective Teams policies (teamsadministration-teamsuserconfiguration-get).
CONFIGS = "/admin/teams/userConfigurations"


@dataclass(frozen=True)
class Wanted:
    """What the chosen stacks declare beyond groups, mailboxes and policies."""

    schedules: tuple[str, ...] = ()  # mailNicknames of the ward teams with a schedule
    lists: Mapping[str, str] = field(default_factory=dict)  # team mailNickname → list name
    calendars: tuple[str, ...] = ()  # display names of the virtual-visit calendars
    partners: bool = False  # cross-tenant partners and the Teams federation settings
    users: tuple[str, ...] = ()  # UPNs (lower case) whose effective Teams policies to read


@dataclass
class Calendar:
    """A Bookings business as read: the business, its services and its staff."""

    business: dict[str, Any]
    services: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)


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
    schedules: dict[str, dict[str, Any]] = field(default_factory=dict)  # team id → schedule
    scheduling_groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    upns: dict[str, str] = field(default_factory=dict)  # user object id → UPN (lower case)
    sites: dict[str, str] = field(default_factory=dict)  # team id → its SharePoint site id
    patient_lists: dict[str, dict[str, Any]] = field(default_factory=dict)  # team id → list
    calendars: dict[str, list[Calendar]] = field(default_factory=dict)  # by name, lower case
    partners: list[dict[str, Any]] | None = None  # None: not read
    federation: federation.Federation | None = None
    # user object id → effectivePolicyAssignments, for the wanted users read
    effective: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: int = 0

    def group_by_id(self, group_id: str) -> dict[str, Any] | None:
        """A read group by its id."""
        return next((g for g in self.groups.values() if g["id"] == group_id), None)


class AuditBatch(GraphBatch):
    """GraphBatch whose Bookings reads ask for evolvable enum members.

    Bookings shows the staff roles scheduler and teamMember only to a request sent with
    `Prefer: include-unknown-enum-members` (unknownFutureValue otherwise), and a `$batch`
    item carries its own headers: the envelope's are not passed on.
    """

    def item_headers(self, url: str) -> dict[str, str]:
        """The Prefer header on Bookings reads."""
        return dict(PREFER) if url.startswith(BUSINESSES) else {}


def _raise(answer: Answer, what: str) -> None:
    answer.raise_for(what)


def _config(uid: str) -> str:
    return f"{CONFIGS}/{uid}?$select=id,effectivePolicyAssignments"


def _read_config(snap: Snapshot, uid: str, answer: Answer, url: str) -> None:
    """One user's effective policies; a user deleted since is left unread (drift says so)."""
    if answer.status == 404:
        return
    if answer.status == 403:
        _raise(answer, f"GET {url} (effective Teams policies need {USER_CONFIGURATIONS})")
    _raise(answer, f"GET {url}")
    snap.effective[uid] = list(answer.body.get("effectivePolicyAssignments") or [])


def _business(bid: str, *rest: str) -> str:
    return "/".join([BUSINESSES, quote(bid, safe="@"), *rest])


def read_snapshot(
    conn: Connection,
    prefixes: list[str],
    policy_types: list[str] | None = None,
    batch: GraphBatch | None = None,
    wanted: Wanted | None = None,
) -> Snapshot:
    """Read the groups, teams and mailboxes named with these prefixes, and the policies."""
    batch = batch or AuditBatch(conn.settings, conn.credential)
    wanted = wanted or Wanted()
    snap = Snapshot()
    calls = 0

    # Round 1: the sites' groups, the tenant's SKUs, partners and Bookings businesses.
    first = {"skus": "/subscribedSkus"}
    for n, prefix in enumerate(prefixes):
        query = quote(f"startswith(mailNickname,'{prefix}')")
        first[f"groups{n}"] = f"/groups?$filter={query}&$select={GROUP_FIELDS}&$top=999"
    if "TeamsAppSetupPolicy" in (policy_types or []):
        for name in needs_lookup(list(TEAMS_APPS)):
            query = quote(f"displayName eq '{name}'")
            first[f"app{name}"] = f"/appCatalogs/teamsApps?$filter={query}&$select=id"
    if wanted.partners:
        first["partners"] = PARTNERS
    if wanted.calendars:
        first["businesses"] = BUSINESSES
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
    if wanted.partners:
        snap.partners = answers["partners"].values()
    names = {c.lower() for c in wanted.calendars}
    businesses = [
        b
        for b in (answers["businesses"].values() if wanted.calendars else [])
        if str(b.get("displayName", "")).lower() in names
    ]

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
    if wanted.partners:
        snap.federation = federation.parse(teams.call("GET", federation.CONFIG))
        calls += 1

    # Round 2: members, owners, licence errors, teams; the mailboxes' users; the wards'
    # schedules and sites; the calendars.
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
    for nickname in wanted.schedules:
        team = snap.groups.get(nickname.lower())
        if team:
            second[f"schedule/{team['id']}"] = f"/teams/{team['id']}/schedule"
            second[f"sgroups/{team['id']}"] = f"/teams/{team['id']}/schedule/schedulingGroups"
    for nickname in wanted.lists:
        team = snap.groups.get(nickname.lower())
        if team:
            second[f"site/{team['id']}"] = f"/groups/{team['id']}/sites/root?$select=id"
    for n, b in enumerate(businesses):
        bid = str(b["id"])
        second[f"business/{n}"] = _business(bid)
        second[f"services/{n}"] = _business(bid, "services")
        second[f"staff/{n}"] = _business(bid, "staffMembers")
    found: dict[int, Calendar] = {}
    for rid, answer in batch.get(second).items():
        what, _, key = rid.partition("/")
        if what in ("team", "schedule", "sgroups", "site") and answer.status == 404:
            # A team not readable yet, a schedule never made (or not provisioned: its
            # groups answer 404 then), a site not provisioned yet: absent, as drift says.
            continue
        _raise(answer, f"GET {second[rid]}")
        if what == "user":
            snap.sign_in[key] = bool(answer.body.get("accountEnabled"))
        elif what == "team":
            snap.teams[key] = answer.body
        elif what == "schedule":
            snap.schedules[key] = answer.body
        elif what == "sgroups":
            snap.scheduling_groups[key] = answer.values()
        elif what == "site":
            snap.sites[key] = str(answer.body["id"])
        elif what == "business":
            found.setdefault(int(key), Calendar({})).business = answer.body
        elif what == "services":
            found.setdefault(int(key), Calendar({})).services = answer.values()
        elif what == "staff":
            found.setdefault(int(key), Calendar({})).staff = answer.values()
        else:
            for m in answer.values():
                if m.get("id") and m.get("userPrincipalName"):
                    snap.upns[str(m["id"]).lower()] = str(m["userPrincipalName"]).lower()
            upns = sorted(
                str(m.get("userPrincipalName") or m.get("id")).lower() for m in answer.values()
            )
            {"members": snap.members, "owners": snap.owners, "errors": snap.licence_errors}[what][
                key
            ] = upns
    for n in sorted(found):
        cal = found[n]
        name = str(cal.business.get("displayName", "")).lower()
        snap.calendars.setdefault(name, []).append(cal)
    for cals in snap.calendars.values():
        cals.sort(key=lambda c: str(c.business.get("id", "")).lower())

    # Round 3: the ward sites' lists; scheduling-group members no site group holds.
    third: dict[str, str] = {}
    for gid, sid in snap.sites.items():
        third[f"lists/{gid}"] = f"/sites/{sid}/lists?$select=id,displayName,list&$top=999"
    unknown = {
        str(u).lower()
        for groups in snap.scheduling_groups.values()
        for g in groups
        for u in g.get("userIds") or []
    } - set(snap.upns)
    for uid in sorted(unknown):
        third[f"upn/{uid}"] = f"/users/{uid}?$select=id,userPrincipalName"
    # The wanted users' effective policies: by id when a group read named them, else
    # their id first (round 4 then reads their policies).
    ids = {upn: uid for uid, upn in snap.upns.items()}
    for upn in wanted.users:
        uid = ids.get(upn.lower())
        if uid:
            third[f"config/{uid}"] = _config(uid)
        else:
            third[f"uid/{upn.lower()}"] = (
                f"/users/{quote(upn, safe='@')}?$select=id,userPrincipalName"
            )
    wanted_lists = {
        snap.groups[n.lower()]["id"]: name
        for n, name in wanted.lists.items()
        if n.lower() in snap.groups
    }
    fourth: dict[str, str] = {}
    for rid, answer in (batch.get(third) if third else {}).items():
        what, _, key = rid.partition("/")
        if what == "upn":
            if answer.ok and answer.body.get("userPrincipalName"):
                snap.upns[key] = str(answer.body["userPrincipalName"]).lower()
            continue  # a user deleted since: shown by id
        if what == "config":
            _read_config(snap, key, answer, third[rid])
            continue
        if what == "uid":
            if answer.status == 404:
                continue  # no such user: drift says the declared user is missing
            _raise(answer, f"GET {third[rid]}")
            uid = str(answer.body["id"]).lower()
            snap.upns[uid] = key
            fourth[f"config/{uid}"] = _config(uid)
            continue
        _raise(answer, f"GET {third[rid]}")
        name = str(wanted_lists.get(key, "")).lower()
        match = [lst for lst in answer.values() if str(lst.get("displayName", "")).lower() == name]
        if match:
            lid = str(sorted(match, key=lambda lst: str(lst.get("id")))[0]["id"])
            fourth[f"list/{key}"] = f"/sites/{snap.sites[key]}/lists/{lid}?$expand=columns"

    # Round 4: each Patients list with its columns; the looked-up users' policies.
    for rid, answer in (batch.get(fourth) if fourth else {}).items():
        what, _, key = rid.partition("/")
        if what == "config":
            _read_config(snap, key, answer, fourth[rid])
            continue
        if answer.status == 404:
            continue  # deleted between the rounds
        _raise(answer, f"GET {fourth[rid]}")
        snap.patient_lists[key] = answer.body
    snap.requests = calls + batch.calls
    return snap
