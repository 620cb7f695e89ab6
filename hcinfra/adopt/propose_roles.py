"""The draft's roles: one a role name, its licences and policy package, and the seat pool.

A role is in the baseline when any site has its group (the baseline gives every site
one); a site whose group has other licences or another package gets an override. The
licence pool is declared only where the seats bought cover every licensed member.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from hcinfra.adopt.propose_policies import held_policies, package_of
from hcinfra.adopt.propose_scan import RoleGroup, Scan, baseline_fields, changed_fields
from hcinfra.network import catalog, naming


def _licences(scan: Scan, rg: RoleGroup) -> list[dict[str, Any]]:
    """The group's licences as a network file names them; what it cannot name is noted."""
    out = []
    for lic in rg.doc.get("assignedLicenses") or []:
        sku = scan.live.skus.get(str(lic.get("skuId", "")).lower()) or {}
        part = str(sku.get("skuPartNumber") or lic.get("skuId"))
        if part not in catalog.SKUS:
            scan.note(
                f"group '{rg.name}' is licensed with {part}, which a network file cannot "
                f"name (known: {', '.join(catalog.SKUS)}): left out"
            )
            continue
        plans = {
            str(p.get("servicePlanId", "")).lower(): str(p.get("servicePlanName"))
            for p in sku.get("servicePlans") or []
        }
        disabled = []
        for pid in lic.get("disabledPlans") or []:
            plan = plans.get(str(pid).lower())
            if plan is None or plan not in catalog.SERVICE_PLANS[part]:
                scan.note(
                    f"group '{rg.name}': the disabled plan {plan or pid} is not a plan "
                    f"of {part} a network file knows: left out"
                )
                continue
            disabled.append(plan)
        entry: dict[str, Any] = {"sku": part}
        if disabled:
            entry["disabled_plans"] = sorted(set(disabled))
        out.append(entry)
    return sorted(out, key=lambda e: str(e["sku"]))


def _package(scan: Scan, rg: RoleGroup) -> str | None:
    """The group's package when it holds all of its policy types; a partial one noted."""
    found = package_of(scan, rg)
    if found:
        return found
    held = held_policies(scan, rg)
    for package in catalog.PACKAGES:
        partial = sorted(t for t, n in held.items() if n == package)
        if partial:
            scan.note(
                f"group '{rg.name}' holds {package} for {', '.join(partial)} only, not "
                "for all of the package's policy types: not declared as its package"
            )
    return None


def build_roles(scan: Scan, codes: list[str]) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """The baseline's roles, and each site's role overrides where its group differs."""
    per_site: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # key → code → fields
    for code in codes:
        for key, rg in scan.groups[code].items():
            per_site[key][code] = {
                "name": rg.role_name,
                "description": rg.doc.get("description") or None,
                "licences": _licences(scan, rg),
                "policy_package": _package(scan, rg),
            }
            _group_names(scan, code, key, rg)
    roles = []
    overrides: dict[str, list[Any]] = defaultdict(list)
    for key in sorted(per_site):
        sites = per_site[key]
        base = baseline_fields(sites)
        scan.packages[key] = base["policy_package"]
        role: dict[str, Any] = {"key": key, "name": base["name"]}
        for f in ("description", "licences", "policy_package"):
            if base[f]:
                role[f] = base[f]
        roles.append(role)
        for code, fields in sorted(sites.items()):
            changed = changed_fields(fields, base)
            if changed:
                overrides[code].append({"key": key, **changed})
        missing = [c for c in codes if c not in sites]
        if missing:
            scan.flag(
                ("baseline", "roles", key),
                f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no group of "
                "this role: the baseline gives every site one, so deploying makes it "
                "(empty)",
            )
    return roles, overrides


def _group_names(scan: Scan, code: str, key: str, rg: RoleGroup) -> None:
    """Flag a group whose name or mailNickname is not the one hcinfra derives."""
    path = ("sites", code, "members", key)
    derived = naming.group_name(code, rg.role_name)
    nickname = naming.group_nickname(code, rg.role_name)
    live_nick = str(rg.doc.get("mailNickname") or "")
    if rg.name != derived:
        scan.flag(path, f"the live group '{rg.name}' would be renamed '{derived}'")
    if live_nick.lower() != nickname:
        scan.flag(
            path,
            f"the live group's mailNickname is '{live_nick}', not '{nickname}' as hcinfra "
            "names it: adopt finds a group by its mailNickname, so it would not find "
            "this one",
        )
    if not rg.members:
        scan.flag(path, f"the live group '{rg.name}' has no members")


def licence_pool(scan: Scan) -> dict[str, int]:
    """The seats bought per SKU, where they cover the members the groups license."""
    need: Counter[str] = Counter()
    for groups in scan.groups.values():
        for rg in groups.values():
            for lic in _licence_parts(scan, rg):
                need[lic] += len(rg.members)
    by_part = {str(s.get("skuPartNumber")): s for s in scan.live.skus.values()}
    pool = {}
    for part in sorted(need):
        enabled = (by_part.get(part, {}).get("prepaidUnits") or {}).get("enabled")
        if not isinstance(enabled, int):
            continue
        if need[part] > enabled:
            scan.note(
                f"the groups hold {need[part]} members licensed with {part} but the tenant "
                f"has {enabled} seats: the licence pool leaves {part} out"
            )
            continue
        pool[part] = enabled
    return pool


def _licence_parts(scan: Scan, rg: RoleGroup) -> list[str]:
    """The group's SKUs a network file names, without notes (the pool counts seats)."""
    parts = []
    for lic in rg.doc.get("assignedLicenses") or []:
        sku = scan.live.skus.get(str(lic.get("skuId", "")).lower()) or {}
        part = str(sku.get("skuPartNumber") or "")
        if part in catalog.SKUS:
            parts.append(part)
    return parts
