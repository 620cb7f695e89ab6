"""The draft's tenant-wide Teams policies, their roles and the roles' precedence.

A network file assigns one policy of each tenant-wide type, to roles, and the rest only
through a policy package; so the one most groups hold is chosen and the others noted.
Settings are those that differ from the tenant's Global policy. Graph orders a group's
assignments by rank, which gives the precedence of the roles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import ValidationError

from hcinfra.adopt.propose_scan import Path, RoleGroup, Scan
from hcinfra.network import catalog, naming
from hcinfra.network.plan import TENANT_POLICIES
from hcinfra.resources import policy_ranks
from hcinfra.resources.teams_apps import UnknownApp, canonical
from hcinfra.resources.teams_policy_settings import SETTINGS, service_settings, validate_settings


def build_policies(scan: Scan, codes: list[str]) -> dict[str, Any]:
    """The baseline's tenant-wide policies: the one most groups hold of each type."""
    by_id = {rg.id: (code, key) for code in codes for key, rg in scan.groups[code].items()}
    types = dict((t, k) for k, t in TENANT_POLICIES)
    held: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for code in codes:
        for key, rg in sorted(scan.groups[code].items()):
            package = package_of(scan, rg)
            for policy_type, name in sorted(held_policies(scan, rg).items()):
                if package and policy_type in catalog.PACKAGE_POLICY_TYPES:
                    continue
                if name in catalog.PACKAGES:
                    continue  # a part of a package, noted with the role
                if policy_type not in types:
                    scan.note(
                        f"group '{rg.name}' holds the {policy_type} '{name}': a network "
                        "file assigns that type only through a policy package, not placed"
                    )
                    continue
                held[policy_type][name].append((key, code))
    out: dict[str, Any] = {}
    for kind, policy_type in TENANT_POLICIES:
        names = held.get(policy_type)
        if not names:
            continue
        chosen = min(names, key=lambda n: (-len(names[n]), n))
        for other in sorted(n for n in names if n != chosen):
            holders = ", ".join(naming.group_name(c, scan.role_names[k]) for k, c in names[other])
            scan.note(
                f"the {policy_type} '{other}' ({holders}) is not placed: the baseline "
                f"assigns one {policy_type} ('{chosen}')"
            )
        roles = sorted({k for k, _ in names[chosen]})
        kept = []
        for key in roles:
            if scan.packages.get(key) and policy_type in catalog.PACKAGE_POLICY_TYPES:
                scan.note(
                    f"role '{key}' gets {policy_type} from its package at most sites: "
                    f"'{chosen}' is not assigned to it in the draft"
                )
                continue
            kept.append(key)
            lacking = [c for c in codes if key in scan.groups[c] and (key, c) not in names[chosen]]
            if lacking:
                scan.flag(
                    ("baseline", "policies", kind, "roles"),
                    f"role '{key}' holds '{chosen}' at some sites, not at "
                    f"{', '.join(lacking)}: deploying assigns it there",
                )
        if not kept:
            continue
        spec: dict[str, Any] = {"name": chosen}
        settings, pinned = _settings(scan, policy_type, chosen, ("baseline", "policies", kind))
        if pinned:
            spec["pinned_apps"] = pinned
        if settings:
            spec["settings"] = settings
        spec["roles"] = kept
        out[kind] = spec
    precedence = _precedence(scan, out, by_id)
    if precedence:
        out["precedence"] = precedence
    return out


def held_policies(scan: Scan, rg: RoleGroup) -> dict[str, str]:
    """The policy assigned to the group, by policy type."""
    return {
        str(a.get("policyType")): policy_ranks.policy_of(a)
        for a in scan.live.assignments
        if policy_ranks.group_of(a) == rg.id
    }


def package_of(scan: Scan, rg: RoleGroup) -> str | None:
    """The package the group holds for every one of the package's policy types, or None."""
    held = held_policies(scan, rg)
    return next(
        (
            p
            for p in catalog.PACKAGES
            if all(held.get(t) == p for t in catalog.PACKAGE_POLICY_TYPES)
        ),
        None,
    )


def _settings(
    scan: Scan, policy_type: str, name: str, path: Path
) -> tuple[dict[str, Any], list[str]]:
    """The policy's settings that differ from Global, and its pinned apps."""
    instances = scan.live.policies.get(policy_type, [])
    wanted = {f"tag:{name}".lower(), name.lower()}
    doc = next((p for p in instances if str(p.get("Identity", "")).lower() in wanted), None)
    glob = next((p for p in instances if str(p.get("Identity", "")).lower() == "global"), None)
    if doc is None:
        scan.flag(
            (*path, "name"),
            f"the {policy_type} '{name}' is assigned but could not be read: no settings",
        )
        return {}, []
    shown = service_settings(doc, scan.live.apps)
    default = service_settings(glob, scan.live.apps) if glob else {}
    fields = [f for f in SETTINGS[policy_type].model_fields if f != "Description"]
    settings = {
        f: shown[f] for f in fields if f in shown and (f not in default or default[f] != shown[f])
    }
    pinned: list[str] = []
    if policy_type == "TeamsAppSetupPolicy":
        for app in settings.pop("PinnedAppBarApps", None) or []:
            try:
                pinned.append(canonical(str(app)))
            except UnknownApp:
                scan.note(f"the {policy_type} '{name}' pins the app {app!r}: left out")
        if "AppPresetList" in settings:
            presets = []
            for app in settings["AppPresetList"] or []:
                try:
                    presets.append(canonical(str(app)))
                except UnknownApp:
                    scan.note(f"the {policy_type} '{name}' installs the app {app!r}: left out")
            settings["AppPresetList"] = presets
    try:
        validate_settings(policy_type, settings)
    except ValidationError as err:
        for e in err.errors():
            bad = str(e["loc"][0]) if e["loc"] else ""
            if bad in settings:
                scan.note(
                    f"the {policy_type} '{name}' setting {bad}={settings.pop(bad)!r} is "
                    "not one a network file takes: left out"
                )
    scan.flag(
        (*path, "settings" if settings else "name"),
        "settings are those that differ from the tenant's Global policy"
        if settings
        else "no setting differs from the tenant's Global policy, so none is declared",
    )
    return dict(sorted(settings.items())), pinned


def _precedence(
    scan: Scan, policies: dict[str, Any], by_id: dict[str, tuple[str, str]]
) -> list[str]:
    """The roles ordered by how often their group's assignment ranks first at a site."""
    ranked = sorted(
        {k for k, p in scan.packages.items() if p}
        | {r for kind, spec in policies.items() for r in spec.get("roles", [])}
    )
    if len(ranked) < 2:
        return []
    wins: Counter[tuple[str, str]] = Counter()
    for policy_type in sorted({str(a.get("policyType")) for a in scan.live.assignments}):
        order = [
            by_id[g] for g in policy_ranks.order(scan.live.assignments, policy_type) if g in by_id
        ]
        for i, (code, first) in enumerate(order):
            for other_code, later in order[i + 1 :]:
                if code == other_code and first != later:
                    wins[(first, later)] += 1
    if not wins:
        return []

    def score(role: str) -> int:
        return sum(
            (wins[(role, o)] > wins[(o, role)]) - (wins[(o, role)] > wins[(role, o)])
            for o in ranked
            if o != role
        )

    scan.flag(
        ("baseline", "policies", "precedence"),
        "inferred from the order of the groups' policy assignments (first wins)",
    )
    return sorted(ranked, key=lambda r: (-score(r), r))
