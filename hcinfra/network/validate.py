"""Checks a network file must pass before any tenant call: names, references, clashes, seats."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import ValidationError

from hcinfra.network import catalog
from hcinfra.network.load import Problem, _line_for, format_path
from hcinfra.network.model import Baseline, Network
from hcinfra.network.plan import effective_baseline, plan_site, ranked_roles
from hcinfra.resources.teams_apps import canonical


def semantic_problems(network: Network, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    """Every problem beyond the file's structure, each with its site and field path."""
    problems: list[Problem] = []

    def add(site: str | None, loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(site, format_path(loc), message, _line_for(lines, loc)))

    _check_baseline(network.baseline, ("baseline",), None, add)
    in_baseline = {p.message for p in problems}

    def add_for_site(site: str | None, loc: tuple[Any, ...], message: str) -> None:
        # A site with overrides re-checks its merged baseline: report only what it adds.
        if message not in in_baseline:
            add(site, loc, message)

    codes = Counter(s.code for s in network.sites)
    domains = {d.lower() for d in network.tenant.domains}
    for i, site in enumerate(network.sites):
        here = ("sites", i)
        if codes[site.code] > 1:
            add(site.code, (*here, "code"), f"duplicate site code '{site.code}'")
        if site.mail_domain.lower() not in domains:
            add(
                site.code,
                (*here, "mail_domain"),
                f"'{site.mail_domain}' is not one of the tenant's domains "
                f"({', '.join(network.tenant.domains)})",
            )
        try:
            baseline = effective_baseline(network, site)
        except ValidationError as err:
            for e in err.errors():
                add(site.code, (*here, "overrides", *e["loc"]), e["msg"])
            continue
        _check_overrides(network, i, add)
        _check_baseline(
            baseline,
            (*here, "overrides"),
            site.code,
            add_for_site,
            only_changed=True,
            base=network.baseline,
        )
        roles = {r.key for r in baseline.roles}
        for role in site.members:
            if role not in roles:
                add(site.code, (*here, "members", role), f"unknown role '{role}'")
        for kind, team in (("hospital", baseline.teams.hospital), ("ward", baseline.teams.ward)):
            if team and (kind == "hospital" or site.wards):
                owners = [
                    m
                    for r in baseline.roles
                    if r.key == team.owners_role
                    for m in [*r.members, *site.members.get(r.key, [])]
                ]
                if team.owners_role in roles and not owners:
                    add(
                        site.code,
                        (*here, "members", team.owners_role),
                        f"the {kind} team needs an owner: give role '{team.owners_role}' "
                        "at least one member",
                    )
        wards = Counter(w.strip().lower() for w in site.wards)
        for ward, n in wards.items():
            if n > 1:
                add(site.code, (*here, "wards"), f"ward '{ward}' is listed {n} times")
    if not problems:
        problems += _clashes(network, lines)
        problems += _seats(network, lines)
        problems += _group_assignment_cap(network, lines)
    return problems


def _check_baseline(
    baseline: Baseline,
    at: tuple[Any, ...],
    site: str | None,
    add: Any,
    only_changed: bool = False,
    base: Baseline | None = None,
) -> None:
    if only_changed and base is not None and baseline == base:
        return
    roles = {r.key for r in baseline.roles}
    for key, n in Counter(r.key for r in baseline.roles).items():
        if n > 1:
            add(site, (*at, "roles"), f"duplicate role key '{key}'")
    for i, role in enumerate(baseline.roles):
        for j, lic in enumerate(role.licences):
            if lic.sku not in catalog.SKUS:
                add(
                    site,
                    (*at, "roles", i, "licences", j, "sku"),
                    f"unknown SKU '{lic.sku}'; known: {', '.join(catalog.SKUS)}",
                )
        if role.policy_package and role.policy_package not in catalog.PACKAGES:
            add(
                site,
                (*at, "roles", i, "policy_package"),
                f"unknown policy package '{role.policy_package}'; known: "
                f"{', '.join(catalog.PACKAGES)}",
            )
    for i, mbx in enumerate(baseline.mailboxes):
        for right in ("full_access", "send_as"):
            for ref in getattr(mbx, right):
                if ref not in roles:
                    add(site, (*at, "mailboxes", i, right), f"unknown role '{ref}'")
    for kind in ("hospital", "ward"):
        team = getattr(baseline.teams, kind)
        if team is None:
            continue
        if team.template not in catalog.TEMPLATES:
            add(
                site,
                (*at, "teams", kind, "template"),
                f"unknown template '{team.template}'; known: {', '.join(catalog.TEMPLATES)}",
            )
        if team.owners_role not in roles:
            add(site, (*at, "teams", kind, "owners_role"), f"unknown role '{team.owners_role}'")
    packaged = {r.key for r in baseline.roles if r.policy_package}
    for kind in ("messaging", "app_setup"):
        policy = getattr(baseline.policies, kind)
        if policy is None:
            continue
        for ref in policy.roles:
            if ref not in roles:
                add(site, (*at, "policies", kind, "roles"), f"unknown role '{ref}'")
            elif ref in packaged:
                # A group holds one assignment per policy type; the package has this type.
                add(
                    site,
                    (*at, "policies", kind, "roles"),
                    f"role '{ref}' already gets this policy type from its policy package; "
                    "assign the policy to roles without a package",
                )
        for j, app in enumerate(getattr(policy, "pinned_apps", [])):
            try:
                canonical(app)
            except ValueError as err:
                add(site, (*at, "policies", kind, "pinned_apps", j), str(err))
    ranked = set(ranked_roles(baseline))
    for j, ref in enumerate(baseline.policies.precedence):
        where = (*at, "policies", "precedence", j)
        if ref not in roles:
            add(site, where, f"unknown role '{ref}'")
        elif ref not in ranked:
            add(site, where, f"role '{ref}' holds no Teams policy, so it has no precedence")
        elif baseline.policies.precedence.index(ref) != j:
            add(site, where, f"role '{ref}' is listed twice")


def _check_overrides(network: Network, index: int, add: Any) -> None:
    site = network.sites[index]
    for section in ("roles", "mailboxes"):
        for j, item in enumerate(getattr(site.overrides, section)):
            if "key" not in item:
                add(
                    site.code,
                    ("sites", index, "overrides", section, j, "key"),
                    "an override names the baseline item it changes by its key",
                )


def _clashes(network: Network, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    too_long: list[Problem] = []
    for site in network.sites:
        plan = plan_site(network, site.code)
        for g in plan.groups:
            seen[("group name", g.display_name.lower())].append(site.code)
            seen[("group mailNickname", g.mail_nickname)].append(site.code)
        for m in plan.mailboxes:
            seen[("mail address", m.address)].append(site.code)
            seen[("mailbox alias", m.alias)].append(site.code)
        for mg in plan.mail_groups:
            seen[("mail address", mg.address)].append(site.code)
            seen[("mailbox alias", mg.alias)].append(site.code)
            too_long.extend(_exchange_limits(network, site.code, mg.name, mg.alias, lines))
        for t in plan.teams:
            seen[("team alias", t.mail_nickname)].append(site.code)
    problems = too_long
    for (what, value), sites in sorted(seen.items()):
        if len(sites) < 2:
            continue
        code = sites[-1]
        others = sorted(set(sites[:-1]) - {code})
        owner = f"site {', '.join(others)}" if others else "another of its own objects"
        index = network.codes().index(code)
        problems.append(
            Problem(
                code,
                format_path(("sites", index)),
                f"derives the {what} '{value}', which {owner} derives too",
                _line_for(lines, ("sites", index)),
            )
        )
    return problems


def _exchange_limits(
    network: Network, code: str, name: str, alias: str, lines: dict[tuple[Any, ...], int]
) -> list[Problem]:
    """Exchange's limits on a derived mail-enabled security group: Name and alias ≤ 64."""
    index = network.codes().index(code)
    return [
        Problem(
            code,
            format_path(("sites", index)),
            f"derives the mail-enabled security group {what} '{value}' ({len(value)} "
            "characters); Exchange allows 64: shorten the role's name",
            _line_for(lines, ("sites", index)),
        )
        for what, value in (("name", name), ("alias", alias))
        if len(value) > 64
    ]


def _seats(network: Network, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    pool = network.tenant.licence_pool
    if not pool:
        return []
    wanted: Counter[str] = Counter()
    for site in network.sites:
        for role in effective_baseline(network, site).roles:
            seats = max(role.seats, len(role.members) + len(site.members.get(role.key, [])))
            for lic in role.licences:
                wanted[lic.sku] += seats
    problems = []
    for sku, need in sorted(wanted.items()):
        if sku in pool and need > pool[sku]:
            problems.append(
                Problem(
                    None,
                    f"tenant.licence_pool.{sku}",
                    f"the sites need {need} {sku} seats but the pool has {pool[sku]}",
                    _line_for(lines, ("tenant", "licence_pool", sku)),
                )
            )
    return problems


def _group_assignment_cap(network: Network, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    """Teams takes at most 64 group assignments per policy type, for the whole tenant."""
    held: Counter[str] = Counter()
    for site in network.sites:
        baseline = effective_baseline(network, site)
        for role in baseline.roles:
            if role.policy_package:
                held.update(catalog.PACKAGE_POLICY_TYPES)
        if baseline.policies.messaging:
            held["TeamsMessagingPolicy"] += len(baseline.policies.messaging.roles)
        if baseline.policies.app_setup:
            held["TeamsAppSetupPolicy"] += len(baseline.policies.app_setup.roles)
    cap = catalog.MAX_GROUPS_PER_POLICY_TYPE
    over = {t: n for t, n in sorted(held.items()) if n > cap}
    if not over:
        return []
    counts = ", ".join(f"{t} {n}" for t, n in over.items())
    return [
        Problem(
            None,
            "sites",
            f"{len(network.sites)} sites need more group policy assignments than Teams allows "
            f"({cap} groups per policy type, tenant-wide): {counts}; give fewer roles a "
            "package or policy, or split the sites across tenants",
            _line_for(lines, ("sites",)),
        )
    ]
