"""Objects as auditors see them: one record per object, declared or live, in one shape.

A record holds what hcinfra manages and nothing that moves by itself (timestamps,
etags, processing states, absolute policy ranks): exports of an unchanged tenant are
byte-identical. Ranks are places among the site's own groups (see policy_ranks), or,
for the network-wide policy groups, among those groups.

Past Teams' 64 groups per policy type (network/policy_groups.py), the tenant stack
keeps one group per role across the sites and assigns the role's policies to it; the
sites' own role groups then hold none. Each user's effective Teams policies
(`EffectivePolicies`, one record per user) belong to the stack whose assignment should
govern them: the tenant for the network-wide groups, else the first site (in the
network's order) whose own groups give the user that policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hcinfra.audit.snapshot import Calendar, Snapshot, Wanted
from hcinfra.network import catalog, naming
from hcinfra.network.model import Network, PolicySpec
from hcinfra.network.plan import (
    TENANT_POLICIES,
    PatientListPlan,
    SchedulePlan,
    SitePlan,
    VisitsPlan,
    effective_baseline,
    partners_of,
    plan_site,
)
from hcinfra.network.policy_groups import (
    NETWORK,
    Holding,
    PolicyGroups,
    conflicts,
    expected_policies,
    holdings,
    plan_policy_groups,
)
from hcinfra.resources import policy_ranks
from hcinfra.resources.partner_tenant import federation
from hcinfra.resources.partner_tenant.partner import DIRECTIONS, observed
from hcinfra.resources.patient_list.columns import BUILT_IN, PATIENT_COLUMNS, declared, normal
from hcinfra.resources.policy_ranks import Peers
from hcinfra.resources.teams_apps import app_name
from hcinfra.resources.virtual_visits.inputs import duration_seconds

Record = dict[str, Any]
TENANT = "tenant"
# A schedule's settings as Graph names them, from WardSchedule's inputs' names.
SCHEDULE_SETTINGS = {
    "open_shifts_enabled": "openShiftsEnabled",
    "swap_shifts_requests_enabled": "swapShiftsRequestsEnabled",
    "offer_shift_requests_enabled": "offerShiftRequestsEnabled",
    "time_off_requests_enabled": "timeOffRequestsEnabled",
    "time_clock_enabled": "timeClockEnabled",
}
PROVISIONED = "completed"  # a schedule's provisionStatus once Shifts is done, lower-cased
COLUMN_FIELDS = ("display_name", "type", "required", "choices")
# The network-wide policy groups' mailNickname prefix (Teams-Policy-Clinical-Workers).
NETWORK_PREFIX = "teams-policy-"
EFFECTIVE = "EffectivePolicies"  # the record kind of one user's effective Teams policies
GLOBAL = "Global"  # the org-wide default policy instance of every type


@dataclass(frozen=True)
class UserPolicies:
    """What each member's effective Teams policies should be, and whose they are."""

    plan: PolicyGroups
    expected: dict[str, dict[str, str]]  # lower-cased UPN → policy type → policy name
    conflicts: dict[str, list[str]]  # UPN → types two scopes expect differently
    owners: dict[str, dict[str, str]]  # UPN → type → the stack whose assignment governs it
    via: dict[str, dict[str, str]]  # UPN → type → the group that should give it


_CACHE: list[tuple[Network, UserPolicies]] = []


def user_policies(network: Network) -> UserPolicies:
    """The network's policy groups and each member's expected policies (kept for the last
    few networks seen: every stack's records ask, and a large network takes a while)."""
    for known, found in _CACHE:
        if known is network:
            return found
    found = _user_policies(network)
    _CACHE.insert(0, (network, found))
    del _CACHE[4:]
    return found


def policy_plan(network: Network) -> PolicyGroups:
    """plan_policy_groups, once per network."""
    return user_policies(network).plan


def _user_policies(network: Network) -> UserPolicies:
    plan = plan_policy_groups(network)
    # The scopes, in the order ownership goes: the network-wide groups, then each site
    # that assigns its own; each with its holdings, members and group names by role.
    scopes: list[tuple[str, list[Holding], dict[str, set[str]], dict[str, str]]] = []
    if plan.strategy == NETWORK and plan.groups:
        scopes.append(
            (
                TENANT,
                plan.holdings,
                {g.role: {m.lower() for m in g.members} for g in plan.groups},
                {g.role: g.display_name for g in plan.groups},
            )
        )
    for site in network.sites:
        if not plan.site_assigns(site.code):
            continue
        baseline = effective_baseline(network, site)
        scopes.append(
            (
                site.code,
                holdings(baseline),
                {
                    r.key: {m.lower() for m in [*r.members, *site.members.get(r.key, [])]}
                    for r in baseline.roles
                },
                {r.key: naming.group_name(site.code, r.name) for r in baseline.roles},
            )
        )
    owners: dict[str, dict[str, str]] = {}
    via: dict[str, dict[str, str]] = {}
    for stack, held, members, names in scopes:
        won: set[tuple[str, str]] = set()
        for h in held:  # by rank: a user's first holding of a type wins in the scope
            for user in members.get(h.role, set()):
                if (user, h.policy_type) in won:
                    continue
                won.add((user, h.policy_type))
                if h.policy_type not in owners.setdefault(user, {}):
                    owners[user][h.policy_type] = stack
                    via.setdefault(user, {})[h.policy_type] = names[h.role]
    return UserPolicies(
        plan,
        expected_policies(network),
        conflicts(network),
        {u: dict(sorted(t.items())) for u, t in sorted(owners.items())},
        via,
    )


def site_prefix(code: str) -> str:
    """The mailNickname and alias prefix of a site's objects."""
    return f"{naming.ascii_slug(code)}-"


def _lower(values: list[str]) -> list[str]:
    return sorted({v.lower() for v in values})


def _declared_policies(plan: SitePlan, role: str) -> dict[str, dict[str, Any]]:
    group = plan.group(role)
    out: dict[str, dict[str, Any]] = {}
    if group.package:
        for policy_type in catalog.PACKAGE_POLICY_TYPES:
            out[policy_type] = {"policy_name": group.package, "rank": group.rank}
    for p in plan.policies:
        if p.role == role:
            out[p.policy_type] = {"policy_name": p.policy_name, "rank": p.rank}
    return dict(sorted(out.items()))


def declared_site(network: Network, code: str) -> list[Record]:
    """Every object the network declares for a site, sorted by kind and name."""
    plan = plan_site(network, code)
    # Past Teams' cap the network-wide groups hold the policies: the site's hold none.
    assigns = policy_plan(network).site_assigns(code)
    # Mailbox rights are held by the roles' mail-enabled security groups (see plan).
    names = {g.role: g.name for g in plan.mail_groups}
    records: list[Record] = [
        {
            "kind": "MailSecurityGroup",
            "name": g.name,
            "mail_nickname": g.alias,
            "members": _lower(g.members),
        }
        for g in plan.mail_groups
    ]
    for g in plan.groups:
        records.append(
            {
                "kind": "SecurityGroup",
                "name": g.display_name,
                "mail_nickname": g.mail_nickname,
                "description": g.description,
                "members": _lower(g.members),
                "owners": _lower(plan.group_owners()),
                "licences": sorted(
                    (
                        {"sku": lic["sku"], "disabled_plans": sorted(lic.get("disabled_plans", []))}
                        for lic in g.licences
                    ),
                    key=lambda lic: lic["sku"],
                ),
                "policies": _declared_policies(plan, g.role) if assigns else {},
            }
        )
    for m in plan.mailboxes:
        records.append(
            {
                "kind": "SharedMailbox",
                "name": m.address.lower(),
                "alias": m.alias,
                "display_name": m.display_name,
                "sign_in_blocked": True,
                "full_access": sorted(names[r] for r in m.full_access),
                "send_as": sorted(names[r] for r in m.send_as),
            }
        )
    for t in plan.teams:
        records.append(
            {
                "kind": "Team",
                "name": t.display_name,
                "mail_nickname": t.mail_nickname,
                "description": t.description,
                "visibility": t.visibility,
                "archived": False,
                "owners": _lower(plan.group(t.owners_role).members),
            }
        )
    records += [declared_schedule(plan, s) for s in plan.schedules]
    records += [declared_patient_list(plan, pl) for pl in plan.patient_lists]
    if plan.visits:
        records.append(declared_visits(plan.visits))
    records += declared_users(network, code)
    return sorted(records, key=lambda r: (r["kind"], r["name"].lower()))


def declared_users(network: Network, stack: str) -> list[Record]:
    """The effective Teams policies of the users whose policies the stack's assignments
    govern (a user in conflict lists the types two scopes expect differently)."""
    up = user_policies(network)
    out: list[Record] = []
    for upn, types in up.owners.items():
        mine = [t for t, owner in types.items() if owner == stack]
        if not mine:
            continue
        expected = up.expected.get(upn, {})
        record: Record = {
            "kind": EFFECTIVE,
            "name": upn,
            "effective": {
                t: {"policy_name": expected[t], "via": up.via[upn][t]}
                for t in mine
                if t in expected
            },
        }
        clash = [t for t in mine if t in up.conflicts.get(upn, [])]
        if clash:
            record["conflicts"] = clash
        out.append(record)
    return out


def network_groups(network: Network) -> list[Record]:
    """The network-wide policy groups the tenant stack declares: members and policies."""
    plan = policy_plan(network)
    ranks = {g.role: n for n, g in enumerate(plan.groups, start=1)}
    records: list[Record] = []
    for g in plan.groups:
        policies = {
            h.policy_type: {"policy_name": h.policy_name, "rank": ranks[g.role]}
            for h in plan.holdings
            if h.role == g.role
        }
        records.append(
            {
                "kind": "SecurityGroup",
                "name": g.display_name,
                "mail_nickname": g.mail_nickname,
                "description": g.description,
                "members": _lower(g.members),
                "policies": dict(sorted(policies.items())),
            }
        )
    return records


def schedule_name(plan: SitePlan, schedule: SchedulePlan) -> str:
    """A ward schedule's record name: its team's display name."""
    return plan.team(schedule.team).display_name


def list_name(plan: SitePlan, patients: PatientListPlan) -> str:
    """A Patients list's record name: its team's display name, then its own."""
    return f"{plan.team(patients.team).display_name}: {patients.display_name}"


def declared_schedule(plan: SitePlan, schedule: SchedulePlan) -> Record:
    """A ward team's Shifts schedule as the network declares it."""
    return {
        "kind": "WardSchedule",
        "name": schedule_name(plan, schedule),
        "team": plan.team(schedule.team).mail_nickname,
        "enabled": True,
        "provision_status": PROVISIONED,
        "time_zone": schedule.time_zone,
        "settings": dict(sorted((SCHEDULE_SETTINGS[k], v) for k, v in schedule.settings.items())),
        "groups": {g.name: {"members": _lower(g.members)} for g in schedule.groups},
    }


def _column(column: dict[str, Any]) -> dict[str, Any]:
    return {k: column[k] for k in COLUMN_FIELDS}


def declared_patient_list(plan: SitePlan, patients: PatientListPlan) -> Record:
    """A ward team's Patients list: hcinfra's Patients columns and the network's own."""
    columns = [*PATIENT_COLUMNS, *patients.columns]
    return {
        "kind": "PatientList",
        "name": list_name(plan, patients),
        "team": plan.team(patients.team).mail_nickname,
        "display_name": patients.display_name,
        "description": patients.description,
        "columns": {str(c["name"]): _column(normal(c)) for c in columns},
    }


def duration(value: Any) -> str:
    """An ISO 8601 duration in one spelling (PT1H15M, not PT75M or PT1H15M0S)."""
    try:
        total = duration_seconds(str(value))
    except ValueError:
        return str(value)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return ("P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")) if total else "PT0S"


def declared_visits(visits: VisitsPlan) -> Record:
    """A site's virtual-visits calendar as the network declares it."""
    return {
        "kind": "VirtualVisits",
        "name": visits.display_name,
        "email": visits.email.lower(),
        "published": visits.published,
        "services": {
            s["display_name"]: {
                "duration": duration(s["duration"]),
                "online": True,
                "staff": _lower(s["staff"]),
                "sms_notifications": bool(s["sms_notifications"]),
            }
            for s in visits.services
        },
        "staff": {m["email"].lower(): {"role": m["role"]} for m in visits.staff},
    }


def _policy(spec: PolicySpec, policy_type: str, settings: dict[str, Any]) -> Record:
    return {
        "kind": "TeamsPolicy",
        "name": spec.name,
        "policy_type": policy_type,
        "settings": dict(sorted(settings.items())),
    }


def declared_tenant(network: Network) -> list[Record]:
    """The tenant-wide Teams policies the baseline declares, the partner hospitals, and
    past Teams' cap the network-wide policy groups and the effective policies they give."""
    declared = network.baseline.policies
    records: list[Record] = []
    for key, policy_type in TENANT_POLICIES:
        spec = getattr(declared, key)
        if spec is None:
            continue
        settings = dict(spec.settings)
        if key == "app_setup" and declared.app_setup and declared.app_setup.pinned_apps:
            settings["PinnedAppBarApps"] = list(declared.app_setup.pinned_apps)
        records.append(_policy(spec, policy_type, settings))
    for spec, _sites in partners_of(network).values():
        records.append(
            {
                "kind": "PartnerTenant",
                "name": spec.tenant_id.lower(),
                "partner": spec.name,
                "settings": {
                    "shared_channels": spec.shared_channels,
                    "trust_compliant_devices": spec.trust_compliant_devices,
                    "trust_mfa": spec.trust_mfa,
                },
                "domains": _lower(spec.domains),
            }
        )
    records += network_groups(network)
    records += declared_users(network, TENANT)
    return records


# -- live ----------------------------------------------------------------------------


def _sku_name(snap: Snapshot, sku_id: str) -> str:
    return str((snap.skus.get(sku_id) or {}).get("skuPartNumber") or sku_id)


def _plan_name(snap: Snapshot, sku_id: str, plan_id: str) -> str:
    for plan in (snap.skus.get(sku_id) or {}).get("servicePlans") or []:
        if str(plan.get("servicePlanId")) == plan_id:
            return str(plan.get("servicePlanName"))
    return plan_id


def _live_policies(
    snap: Snapshot, group_id: str, ranked_ids: list[str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    mine = [a for a in snap.assignments if policy_ranks.group_of(a) == group_id]
    for a in mine:
        policy_type = str(a.get("policyType"))
        entry: dict[str, Any] = {"policy_name": policy_ranks.policy_of(a)}
        if group_id in ranked_ids:
            at = ranked_ids.index(group_id)
            peers = Peers.of([g for g in ranked_ids if g != group_id], at + 1)
            ids = policy_ranks.order(snap.assignments, policy_type)
            entry["rank"] = policy_ranks.relative_rank(ids, group_id, peers)
            # By display name: an auditor reads "out of order with STM-Nurse-Managers".
            entry["misplaced"] = sorted(
                str((snap.group_by_id(g) or {}).get("displayName") or g)
                for g in policy_ranks.misplaced(ids, group_id, peers)
            )
        out[policy_type] = entry
    return dict(sorted(out.items()))


def live_site(network: Network, code: str, snap: Snapshot) -> tuple[list[Record], list[Record]]:
    """The site's declared objects as the tenant holds them, and its shadow objects."""
    plan = plan_site(network, code)
    found: list[Record] = []
    known: set[str] = set()
    ranked_ids = [
        snap.groups[plan.group(r).mail_nickname]["id"].lower()
        for r in plan.ranked
        if plan.group(r).mail_nickname in snap.groups
    ]
    for g in plan.groups:
        known.add(g.mail_nickname)
        doc = snap.groups.get(g.mail_nickname)
        if doc:
            found.append(group_record(snap, doc, ranked_ids))
    for t in plan.teams:
        known.add(t.mail_nickname)
        doc = snap.groups.get(t.mail_nickname)
        if doc:
            found.append(team_record(snap, doc))
    for mg in plan.mail_groups:
        known.add(mg.alias)
        doc = snap.groups.get(mg.alias)
        if doc:
            found.append(mail_group_record(snap, doc))
    aliases = set()
    for m in plan.mailboxes:
        aliases.add(m.alias.lower())
        mbx = snap.mailboxes.get(m.address.lower())
        if mbx:
            found.append(mailbox_record(snap, mbx))
    prefix = site_prefix(code)
    shadows: list[Record] = []
    for nickname, doc in snap.groups.items():
        if nickname.startswith(prefix) and nickname not in known:
            is_team = "Team" in (doc.get("resourceProvisioningOptions") or [])
            record = (
                team_record(snap, doc)
                if is_team
                else mail_group_record(snap, doc)
                if doc.get("mailEnabled")
                else group_record(snap, doc, [])
            )
            shadows.append({**record, "shadow": True})
    for mbx in snap.mailboxes.values():
        alias = str(mbx.get("Alias", "")).lower()
        if alias.startswith(prefix) and alias not in aliases:
            shadows.append({**mailbox_record(snap, mbx), "shadow": True})
    care, care_shadows = live_care(plan, snap)
    found += care
    shadows += care_shadows
    found += live_users(network, code, snap)
    key = lambda r: (r["kind"], r["name"].lower())  # noqa: E731
    return sorted(found, key=key), sorted(shadows, key=key)


def live_network_groups(network: Network, snap: Snapshot) -> dict[str, Record]:
    """The network-wide policy groups as the tenant holds them, by role (those read)."""
    plan = policy_plan(network)
    ranked_ids = [
        str(snap.groups[g.mail_nickname]["id"]).lower()
        for g in plan.groups
        if g.mail_nickname in snap.groups
    ]
    return {
        g.role: group_record(snap, snap.groups[g.mail_nickname], ranked_ids)
        for g in plan.groups
        if g.mail_nickname in snap.groups
    }


def _effective_entry(entry: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """One effectivePolicyAssignment: the policy, how it reaches the user, and from where."""
    doc = entry.get("policyAssignment") or {}
    name = str(doc.get("displayName") or "")
    name = name[4:] if name.lower().startswith("tag:") else name
    group = str(doc.get("groupId") or "").lower()
    kind = str(doc.get("assignmentType") or "").lower() or None
    if not group and name.lower() == GLOBAL.lower():
        kind = "default"  # the org-wide default: no assignment reaches the user
    out: dict[str, Any] = {"policy_name": name, "assignment": kind}
    if group:
        out["via"] = names.get(group, group)
    return out


def live_users(network: Network, stack: str, snap: Snapshot) -> list[Record]:
    """The effective Teams policies of the stack's users as Teams resolves them: the
    declared types (and those in conflict) only; a user not read is absent."""
    ids = {upn: uid for uid, upn in snap.upns.items()}
    names = {
        str(g["id"]).lower(): str(g.get("displayName") or g["id"]) for g in snap.groups.values()
    }
    out: list[Record] = []
    for want in declared_users(network, stack):
        uid = ids.get(want["name"])
        entries = snap.effective.get(uid or "")
        if uid is None or entries is None:
            continue
        types = {t.lower(): t for t in [*want["effective"], *want.get("conflicts", [])]}
        effective = {
            types[str(e.get("policyType")).lower()]: _effective_entry(e, names)
            for e in entries
            if str(e.get("policyType")).lower() in types
        }
        out.append(
            {
                "kind": EFFECTIVE,
                "name": want["name"],
                "id": uid,
                "effective": dict(sorted(effective.items())),
            }
        )
    return out


def live_care(plan: SitePlan, snap: Snapshot) -> tuple[list[Record], list[Record]]:
    """The site's ward schedules, Patients lists and visits calendar as the tenant holds
    them; a second calendar of the declared name is a shadow."""
    found: list[Record] = []
    shadows: list[Record] = []
    for s in plan.schedules:
        team = snap.groups.get(plan.team(s.team).mail_nickname)
        if team and team["id"] in snap.schedules:
            found.append(schedule_record(snap, schedule_name(plan, s), team))
    for pl in plan.patient_lists:
        team = snap.groups.get(plan.team(pl.team).mail_nickname)
        if team and team["id"] in snap.patient_lists:
            found.append(patient_list_record(snap, list_name(plan, pl), team))
    if plan.visits:
        cals = snap.calendars.get(plan.visits.display_name.lower()) or []
        if cals:
            found.append(visits_record(cals[0]))
        shadows += [{**visits_record(c), "shadow": True} for c in cals[1:]]
    return found, shadows


def schedule_record(snap: Snapshot, name: str, team: dict[str, Any]) -> Record:
    """A ward team's schedule as Shifts holds it; inactive scheduling groups apart."""
    tid = str(team["id"])
    doc = snap.schedules[tid]
    groups: dict[str, dict[str, Any]] = {}
    inactive: list[str] = []
    for g in sorted(snap.scheduling_groups.get(tid) or [], key=lambda g: str(g.get("id"))):
        label = str(g.get("displayName"))
        if not g.get("isActive"):
            inactive.append(label)
            continue
        # Two active groups of one name (Graph may accept both): the second shows apart.
        taken = {k.lower() for k in groups}
        n, key = 1, label
        while key.lower() in taken:
            n += 1
            key = f"{label} ({n})"
        ids = [str(u).lower() for u in g.get("userIds") or []]
        groups[key] = {"members": sorted({snap.upns.get(u, u) for u in ids})}
    return {
        "kind": "WardSchedule",
        "name": name,
        "id": tid.lower(),
        "team": team.get("mailNickname"),
        "enabled": doc.get("enabled"),
        "provision_status": str(doc.get("provisionStatus") or "").lower() or None,
        "time_zone": doc.get("timeZone"),
        "settings": {k: doc.get(k) for k in sorted(SCHEDULE_SETTINGS.values())},
        "groups": dict(sorted(groups.items())),
        "inactive_groups": sorted(inactive),
    }


def patient_list_record(snap: Snapshot, name: str, team: dict[str, Any]) -> Record:
    """A ward team's Patients list as SharePoint holds it: the columns a user can edit."""
    doc = snap.patient_lists[str(team["id"])]
    columns = {
        str(c.get("name")): _column(declared(c))
        for c in doc.get("columns") or []
        if not c.get("readOnly")
        and not c.get("hidden")
        and str(c.get("name")).lower() not in BUILT_IN
    }
    return {
        "kind": "PatientList",
        "name": name,
        "id": str(doc.get("id")),
        "team": team.get("mailNickname"),
        "display_name": doc.get("displayName"),
        "description": doc.get("description") or None,
        "columns": dict(sorted(columns.items())),
    }


def visits_record(cal: Calendar) -> Record:
    """A Bookings calendar, its services and its staff (by email) as Bookings holds them."""
    business = cal.business
    emails = {str(m.get("id")): str(m.get("emailAddress", "")).lower() for m in cal.staff}
    services = {
        str(s.get("displayName")): {
            "duration": duration(s.get("defaultDuration")),
            "online": bool(s.get("isLocationOnline")),
            "staff": sorted(emails.get(str(i), str(i)) for i in s.get("staffMemberIds") or []),
            "sms_notifications": bool(s.get("smsNotificationsEnabled")),
        }
        for s in cal.services
    }
    staff = {
        str(m.get("emailAddress", "")).lower(): {"role": m.get("role")}
        for m in cal.staff
        if m.get("emailAddress")
    }
    return {
        "kind": "VirtualVisits",
        "name": business.get("displayName"),
        "id": str(business.get("id", "")).lower(),
        "email": str(business.get("email") or "").lower() or None,
        "published": bool(business.get("isPublished")),
        "services": dict(sorted(services.items())),
        "staff": dict(sorted(staff.items())),
    }


def group_record(snap: Snapshot, doc: dict[str, Any], ranked_ids: list[str]) -> Record:
    """A security group as the tenant holds it."""
    gid = str(doc["id"]).lower()
    licences = [
        {
            "sku": _sku_name(snap, str(lic.get("skuId"))),
            "disabled_plans": sorted(
                _plan_name(snap, str(lic.get("skuId")), str(p))
                for p in lic.get("disabledPlans") or []
            ),
        }
        for lic in doc.get("assignedLicenses") or []
    ]
    return {
        "kind": "SecurityGroup",
        "name": doc.get("displayName"),
        "id": gid,
        "mail_nickname": doc.get("mailNickname"),
        "description": doc.get("description"),
        "members": snap.members.get(doc["id"], []),
        "owners": snap.owners.get(doc["id"], []),
        "licences": sorted(licences, key=lambda lic: lic["sku"]),
        "licence_errors": snap.licence_errors.get(doc["id"], []),
        "policies": _live_policies(snap, gid, ranked_ids),
    }


def mail_group_record(snap: Snapshot, doc: dict[str, Any]) -> Record:
    """A mail-enabled security group, as Graph shows it (read-only there)."""
    return {
        "kind": "MailSecurityGroup",
        "name": doc.get("displayName"),
        "id": str(doc["id"]).lower(),
        "mail_nickname": doc.get("mailNickname"),
        "members": snap.members.get(doc["id"], []),
    }


def team_record(snap: Snapshot, doc: dict[str, Any]) -> Record:
    """A team (and its group) as the tenant holds it."""
    team = snap.teams.get(doc["id"]) or {}
    return {
        "kind": "Team",
        "name": doc.get("displayName"),
        "id": str(doc["id"]).lower(),
        "mail_nickname": doc.get("mailNickname"),
        "description": doc.get("description"),
        "visibility": str(doc.get("visibility") or team.get("visibility") or "").lower(),
        "archived": bool(team.get("isArchived")),
        "owners": snap.owners.get(doc["id"], []),
        "members": snap.members.get(doc["id"], []),
    }


def mailbox_record(snap: Snapshot, mbx: dict[str, Any]) -> Record:
    """A shared mailbox and its permissions as the tenant holds them."""
    guid = str(mbx.get("Guid"))
    enabled = snap.sign_in.get(guid)
    return {
        "kind": "SharedMailbox",
        "name": str(mbx.get("PrimarySmtpAddress", "")).lower(),
        "id": guid,
        "alias": mbx.get("Alias"),
        "display_name": mbx.get("DisplayName"),
        "type": mbx.get("RecipientTypeDetails"),
        "sign_in_blocked": None if enabled is None else not enabled,
        "full_access": snap.full_access.get(guid, []),
        "send_as": snap.send_as.get(guid, []),
    }


def live_tenant(network: Network, snap: Snapshot) -> tuple[list[Record], list[Record]]:
    """The tenant-wide policies and partners the network declares, as the tenant holds them;
    the Teams federation settings; and the partner configurations nobody declared."""
    records = []
    declared = declared_tenant(network)
    for policy in (r for r in declared if r["kind"] == "TeamsPolicy"):
        identity = f"Tag:{policy['name']}".lower()
        doc = next(
            (
                p
                for p in snap.policies.get(policy["policy_type"], [])
                if str(p.get("Identity", "")).lower() == identity
            ),
            None,
        )
        if doc is None:
            continue
        settings = {
            k: v
            for k, v in sorted(doc.items())
            if k not in ("Identity", "Description", "DataSource", "Key", "XsAnyElements")
        }
        for key in ("PinnedAppBarApps",):
            if isinstance(settings.get(key), list):
                pinned = sorted(
                    settings[key], key=lambda v: v.get("Order", 0) if isinstance(v, dict) else 0
                )
                settings[key] = [_app(v, snap.apps) for v in pinned]
        records.append(
            {
                "kind": "TeamsPolicy",
                "name": policy["name"],
                "id": doc.get("Identity"),
                "policy_type": policy["policy_type"],
                "settings": settings,
            }
        )
    shadows: list[Record] = []
    # The network-wide policy groups, and groups named like them that nobody declares
    # (left behind by a role removed, or by a return to site groups).
    held = live_network_groups(network, snap)
    records += held.values()
    known = {str(r["mail_nickname"]) for r in declared if r["kind"] == "SecurityGroup"}
    for nickname, doc in sorted(snap.groups.items()):
        if nickname.startswith(NETWORK_PREFIX) and nickname not in known:
            shadows.append({**group_record(snap, doc, []), "shadow": True})
    if snap.partners is not None:
        partners = {r["name"]: r for r in declared if r["kind"] == "PartnerTenant"}
        for doc in sorted(snap.partners, key=lambda d: str(d.get("tenantId")).lower()):
            tid = str(doc.get("tenantId")).lower()
            want = partners.get(tid)
            record = partner_record(doc, want, snap.federation)
            if want:
                records.append(record)
            else:
                shadows.append({**record, "shadow": True})
    if snap.federation is not None:
        records.append(federation_record(snap.federation))
    records += live_users(network, TENANT, snap)
    return records, shadows


def _setting(raw: Any) -> Any:
    """A B2B setting with its targets sorted, so that exports do not depend on their order."""
    if not isinstance(raw, dict):
        return raw
    out = {}
    for key, value in sorted(raw.items()):
        if isinstance(value, dict) and isinstance(value.get("targets"), list):
            targets = sorted(value["targets"], key=lambda t: (str(t.get("target")), str(t)))
            value = {**value, "targets": targets}
        out[key] = value
    return out


def partner_record(
    doc: dict[str, Any], want: Record | None, fed: federation.Federation | None
) -> Record:
    """A cross-tenant access partner and, when declared, its domains Teams federates with."""
    tid = str(doc.get("tenantId")).lower()
    record: Record = {
        "kind": "PartnerTenant",
        "name": tid,
        "id": tid,
        "settings": dict(sorted(observed(doc).items())),
        "b2b_direct_connect": {
            d.removeprefix("b2bDirectConnect").lower(): _setting(doc.get(d)) for d in DIRECTIONS
        },
        "inbound_trust": doc.get("inboundTrust"),
    }
    if want is not None:
        record["partner"] = want["partner"]
        declared_domains = list(want["domains"])
        record["domains"] = (
            [d for d in declared_domains if fed.federated(d)] if fed and fed.enabled else []
        )
    return record


def federation_record(fed: federation.Federation) -> Record:
    """The tenant's Teams federation settings: on or off, the allow list, the block list."""
    return {
        "kind": "TeamsFederation",
        "name": "Global",
        "enabled": fed.enabled,
        "mode": fed.mode,
        "allowed_domains": None if fed.allowed is None else sorted(set(fed.allowed)),
        "blocked_domains": sorted(set(fed.blocked)),
    }


def wanted(network: Network, codes: list[str]) -> Wanted:
    """What the chosen stacks declare beyond groups, mailboxes and policies, for the reads."""
    plans = [plan_site(network, c) for c in codes if c != TENANT]
    up = user_policies(network)
    chosen = set(codes)
    return Wanted(
        users=tuple(u for u, types in up.owners.items() if chosen & set(types.values())),
        schedules=tuple(p.team(s.team).mail_nickname for p in plans for s in p.schedules),
        lists={
            p.team(pl.team).mail_nickname: pl.display_name for p in plans for pl in p.patient_lists
        },
        calendars=tuple(p.visits.display_name for p in plans if p.visits),
        partners=TENANT in codes,
    )


def _app(value: Any, looked_up: dict[str, str]) -> str:
    ref = value.get("Id") if isinstance(value, dict) else value
    return app_name(str(ref), looked_up)


def baseline_roles(network: Network, code: str) -> dict[str, Any]:
    """The site's effective roles by key (for the controls)."""
    return {r.key: r for r in effective_baseline(network, network.site(code)).roles}
