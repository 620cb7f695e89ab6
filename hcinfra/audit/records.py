"""Objects as auditors see them: one record per object, declared or live, in one shape.

A record holds what hcinfra manages and nothing that moves by itself (timestamps,
etags, processing states, absolute policy ranks): exports of an unchanged tenant are
byte-identical. Ranks are places among the site's own groups (see policy_ranks).
"""

from __future__ import annotations

from typing import Any

from hcinfra.audit.snapshot import Snapshot
from hcinfra.network import catalog, naming
from hcinfra.network.model import Network
from hcinfra.network.plan import SitePlan, effective_baseline, plan_site
from hcinfra.resources import policy_ranks
from hcinfra.resources.policy_ranks import Peers
from hcinfra.resources.teams_apps import app_name

Record = dict[str, Any]
TENANT = "tenant"


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
                "policies": _declared_policies(plan, g.role),
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
    return sorted(records, key=lambda r: (r["kind"], r["name"].lower()))


def declared_tenant(network: Network) -> list[Record]:
    """The tenant-wide Teams policies the baseline declares."""
    declared = network.baseline.policies
    records: list[Record] = []
    if declared.messaging:
        records.append(
            {
                "kind": "TeamsPolicy",
                "name": declared.messaging.name,
                "policy_type": "TeamsMessagingPolicy",
                "settings": dict(sorted(declared.messaging.settings.items())),
            }
        )
    if declared.app_setup:
        settings = dict(declared.app_setup.settings)
        if declared.app_setup.pinned_apps:
            settings["PinnedAppBarApps"] = list(declared.app_setup.pinned_apps)
        records.append(
            {
                "kind": "TeamsPolicy",
                "name": declared.app_setup.name,
                "policy_type": "TeamsAppSetupPolicy",
                "settings": dict(sorted(settings.items())),
            }
        )
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
    key = lambda r: (r["kind"], r["name"].lower())  # noqa: E731
    return sorted(found, key=key), sorted(shadows, key=key)


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


def live_tenant(network: Network, snap: Snapshot) -> list[Record]:
    """The tenant-wide policies the baseline declares, as the tenant holds them."""
    records = []
    for declared in declared_tenant(network):
        identity = f"Tag:{declared['name']}".lower()
        doc = next(
            (
                p
                for p in snap.policies.get(declared["policy_type"], [])
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
                "name": declared["name"],
                "id": doc.get("Identity"),
                "policy_type": declared["policy_type"],
                "settings": settings,
            }
        )
    return records


def _app(value: Any, looked_up: dict[str, str]) -> str:
    ref = value.get("Id") if isinstance(value, dict) else value
    return app_name(str(ref), looked_up)


def baseline_roles(network: Network, code: str) -> dict[str, Any]:
    """The site's effective roles by key (for the controls)."""
    return {r.key: r for r in effective_baseline(network, network.site(code)).roles}
