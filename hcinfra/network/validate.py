"""Checks a network file must pass before any tenant call: names, references, clashes, seats.

document_problems runs them all and returns every problem at once: the file's
structure section by section (structure.py), unique keys and patterns
(validate_keys.py), every derived name against its service (validate_names.py),
then references, clashes, seats and Teams' caps here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import ValidationError

from hcinfra.network import catalog, validate_keys
from hcinfra.network.load import Problem, _line_for, format_path, yaml_problems
from hcinfra.network.model import ALL_RINGS, KEY, REST_RING, Baseline, Network, RingSpec, Site
from hcinfra.network.plan import (
    TENANT_POLICIES,
    SitePlan,
    effective_baseline,
    plan_site,
    ranked_roles,
)
from hcinfra.network.policy_groups import MAX_MEMBERS, SITE, plan_policy_groups
from hcinfra.network.source import Document
from hcinfra.network.structure import _show as show
from hcinfra.network.structure import check_structure, in_words
from hcinfra.network.validate_care import (
    check_baseline_care,
    check_partners,
    check_site_care,
    site_timezone,
)
from hcinfra.network.validate_names import check_names
from hcinfra.resources.teams_apps import canonical


class Reporter:
    """Collects problems; paths of valid sites are mapped back to their place in the file."""

    def __init__(self, lines: dict[tuple[Any, ...], int], site_index: list[int]) -> None:
        self.lines = lines
        self.site_index = site_index
        self.problems: list[Problem] = []

    def add(self, site: str | None, loc: tuple[Any, ...], message: str) -> None:
        """One problem at a path of the checked network (sites[i] is its i-th valid site)."""
        if len(loc) >= 2 and loc[0] == "sites" and isinstance(loc[1], int):
            loc = ("sites", self.site_index[loc[1]], *loc[2:])
        self.at_file(site, loc, message)

    def at_file(self, site: str | None, loc: tuple[Any, ...], message: str) -> None:
        """One problem at a path of the file as written."""
        self.problems.append(Problem(site, format_path(loc), message, _line_for(self.lines, loc)))


def document_problems(doc: Document) -> tuple[Network | None, list[Problem]]:
    """Every problem of a parsed file: structure, keys, names and semantics, all at once."""
    # `rings` is checked on its own (check_rings): it names sites, and changes no stack.
    structure = check_structure({k: v for k, v in doc.data.items() if k != "rings"})
    rep = Reporter(doc.lines, structure.site_index)
    for site, loc, message in structure.problems:
        rep.at_file(site, loc, message)
    rings = check_rings(doc.data, rep)
    network = structure.network()
    if network is not None:
        network.rings = rings
        semantic_checks(network, rep)
    else:
        domains = structure.tenant.domains if structure.tenant else None
        _site_checks(structure.sites, domains, rep.add)
    return network, yaml_problems(doc) + rep.problems


def semantic_problems(network: Network, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    """Every problem beyond the file's structure, each with its site and field path."""
    rep = Reporter(lines, list(range(len(network.sites))))
    semantic_checks(network, rep)
    return rep.problems


def semantic_checks(network: Network, rep: Reporter) -> None:
    """References, keys, patterns, derived names, clashes, seats and caps."""
    add = rep.add
    validate_keys.baseline_keys(network.baseline, add)
    base_ok = validate_keys.patterns(network.baseline, ("baseline",), None, add)
    _check_baseline(network.baseline, ("baseline",), None, add)
    in_baseline = {p.message for p in rep.problems}

    def add_for_site(site: str | None, loc: tuple[Any, ...], message: str) -> None:
        # A site with overrides re-checks its merged baseline: report only what it adds.
        if message not in in_baseline:
            add(site, loc, message)

    _site_checks(network.sites, network.tenant.domains, add)
    codes = Counter(s.code for s in network.sites)
    plans: dict[str, SitePlan] = {}
    merged = 0
    for i, site in enumerate(network.sites):
        here = ("sites", i)
        if not validate_keys.override_keys(network.baseline, site, i, add):
            continue
        baseline = _merged(network, site, i, add)
        if baseline is None:
            continue
        merged += 1
        site_ok = validate_keys.patterns(baseline, (*here, "overrides"), site.code, add_for_site)
        _check_baseline(
            baseline,
            (*here, "overrides"),
            site.code,
            add_for_site,
            only_changed=True,
            base=network.baseline,
        )
        _check_members(site, i, baseline, add)
        check_site_care(site, i, baseline, add)
        if base_ok and site_ok and codes[site.code] == 1:
            plans[site.code] = plan_site(network, site.code)
            check_names(network, i, plans[site.code], add)
    _clashes(network, plans, rep)
    # These read every site's merged baseline, not its plan: a bad name pattern at one
    # site does not hide them.
    if merged == len(network.sites):
        check_partners(network, add)
        _seats(network, rep)
        _group_assignment_cap(network, rep)


def check_rings(data: dict[str, Any], rep: Reporter) -> list[RingSpec]:
    """The staged rollout's rings: names well-formed and unique, each ring some sites, each
    site one the file declares and in one ring at most. The rings, as far as they parse."""
    raw = data.get("rings")
    if raw is None:
        return []
    if not isinstance(raw, list):
        rep.at_file(None, ("rings",), f"rings should be a list of rings; got {show(raw)}")
        return []
    sites = data.get("sites")
    known = [
        s["code"].strip()
        for s in (sites if isinstance(sites, list) else [])
        if isinstance(s, dict) and isinstance(s.get("code"), str)
    ]
    rings: list[RingSpec] = []
    named: dict[str, int] = {}  # ring name → its index in the file
    ring_of: dict[str, str] = {}  # site code → the ring that holds it
    for i, item in enumerate(raw):
        at = ("rings", i)
        try:
            ring = RingSpec.model_validate(item)
        except ValidationError as err:
            for e in err.errors():
                rep.at_file(None, (*at, *e["loc"]), in_words(e, RingSpec))
            continue
        rings.append(ring)
        if not KEY.match(ring.name):
            rep.at_file(
                None,
                (*at, "name"),
                "a ring name is 1 to 32 lowercase letters, digits and dashes, starting with a "
                f"letter; got {ring.name!r}",
            )
        elif ring.name in (REST_RING, ALL_RINGS):
            rep.at_file(
                None,
                (*at, "name"),
                f"the ring name {ring.name!r} is reserved ('{REST_RING}' is every site in no "
                f"ring, '{ALL_RINGS}' every stack); choose another",
            )
        elif ring.name in named:
            rep.at_file(
                None,
                (*at, "name"),
                f"duplicate ring name {ring.name!r} (rings[{named[ring.name]}] has it too)",
            )
        else:
            named[ring.name] = i
        if not ring.sites:
            rep.at_file(
                None,
                (*at, "sites"),
                f"ring {ring.name!r} has no sites; give it a site or remove it",
            )
        for j, code in enumerate(ring.sites):
            where = (*at, "sites", j)
            if code not in known:
                near = validate_keys.close(code, known)
                rep.at_file(
                    None,
                    where,
                    f"unknown site {code!r} in ring {ring.name!r}{near}; the network has "
                    f"{', '.join(known) or 'no sites'}",
                )
            elif code in ring_of:
                rep.at_file(
                    code,
                    where,
                    f"site {code!r} is in ring {ring_of[code]!r} already; a site is in one ring "
                    "at most",
                )
            else:
                ring_of[code] = ring.name
    return rings


def _site_checks(sites: list[Site], domains: list[str] | None, add: Any) -> None:
    """What a site can be checked for without the baseline: codes, domains, wards."""
    codes = Counter(s.code for s in sites)
    lowered = {d.lower() for d in domains} if domains is not None else None
    for i, site in enumerate(sites):
        here = ("sites", i)
        if codes[site.code] > 1:
            add(site.code, (*here, "code"), f"duplicate site code '{site.code}'")
        if lowered is not None and site.mail_domain.lower() not in lowered:
            add(
                site.code,
                (*here, "mail_domain"),
                f"'{site.mail_domain}' is not one of the tenant's domains "
                f"({', '.join(domains or [])})",
            )
        validate_keys.wards(site, i, add)
        site_timezone(site, i, add)


def _merged(network: Network, site: Site, index: int, add: Any) -> Baseline | None:
    """The site's effective baseline, or None with its problems at the override paths."""
    try:
        return effective_baseline(network, site)
    except ValidationError as err:
        for e in err.errors():
            loc, new_key = _override_loc(network.baseline, site, tuple(e["loc"]))
            words = in_words(e, Baseline)
            if new_key:
                known = [i.key for i in getattr(network.baseline, loc[0])]
                words = validate_keys.new_key_note(loc[0], new_key, known, words)
            add(site.code, ("sites", index, "overrides", *loc), words)
        return None


def _override_loc(base: Baseline, site: Site, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], str]:
    """A merged-baseline error path as the override path, and the key it adds (or '')."""
    if len(loc) >= 2 and loc[0] in validate_keys.KEYED_LISTS and isinstance(loc[1], int):
        section, merged_index = loc[0], loc[1]
        known = [i.key for i in getattr(base, section)]
        items = getattr(site.overrides, section)
        if merged_index < len(known):
            key = known[merged_index]
            for j, item in enumerate(items):
                if item.get("key") == key:
                    return (section, j, *loc[2:]), ""
        new = [(j, i) for j, i in enumerate(items) if i.get("key") not in known]
        pos = merged_index - len(known)
        if 0 <= pos < len(new):
            j, item = new[pos]
            return (section, j, *loc[2:]), str(item.get("key"))
    return loc, ""


def _check_members(site: Site, index: int, baseline: Baseline, add: Any) -> None:
    here = ("sites", index)
    roles = {r.key for r in baseline.roles}
    for role in site.members:
        if role not in roles:
            add(
                site.code,
                (*here, "members", role),
                f"unknown role '{role}'{validate_keys.close(role, sorted(roles))}",
            )
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
    for i, role in enumerate(baseline.roles):
        for j, lic in enumerate(role.licences):
            where = (*at, "roles", i, "licences", j)
            if lic.sku not in catalog.SKUS:
                add(
                    site,
                    (*where, "sku"),
                    f"unknown SKU '{lic.sku}'; known: {', '.join(catalog.SKUS)}",
                )
                continue
            plans = catalog.SERVICE_PLANS[lic.sku]
            for k, plan in enumerate(lic.disabled_plans):
                if plan not in plans:
                    near = validate_keys.close(plan, sorted(plans))
                    add(
                        site,
                        (*where, "disabled_plans", k),
                        f"service plan {plan!r} is not part of {lic.sku}{near or '; its plans: '}"
                        f"{'' if near else ', '.join(sorted(plans)[:12]) + ', …'}",
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
    for kind, policy_type in TENANT_POLICIES:
        policy = getattr(baseline.policies, kind)
        if policy is None:
            continue
        for ref in policy.roles:
            if ref not in roles:
                add(site, (*at, "policies", kind, "roles"), f"unknown role '{ref}'")
            elif ref in packaged and policy_type in catalog.PACKAGE_POLICY_TYPES:
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
    check_baseline_care(baseline, at, site, add)


def _clashes(network: Network, plans: dict[str, SitePlan], rep: Reporter) -> None:
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    shown: dict[tuple[str, str], str] = {}  # names compared in any case, shown as written
    for code, plan in plans.items():
        for g in plan.groups:
            shown.setdefault(("group name", g.display_name.lower()), g.display_name)
            seen[("group name", g.display_name.lower())].append(code)
            seen[("group mailNickname", g.mail_nickname)].append(code)
        for m in plan.mailboxes:
            seen[("mail address", m.address)].append(code)
            seen[("mailbox alias", m.alias)].append(code)
        for mg in plan.mail_groups:
            seen[("mail address", mg.address)].append(code)
            seen[("mailbox alias", mg.alias)].append(code)
        for t in plan.teams:
            seen[("team alias", t.mail_nickname)].append(code)
        if plan.visits:
            key = ("Bookings calendar name", plan.visits.display_name.lower())
            shown.setdefault(key, plan.visits.display_name)
            seen[key].append(code)
    for (what, value), sites in sorted(seen.items()):
        if len(sites) < 2:
            continue
        code = sites[-1]
        others = sorted(set(sites[:-1]) - {code})
        if not others and what == "team alias":
            continue  # two of a site's wards: the wards check names the ward
        if len(others) > 1:
            owner = f"sites {', '.join(others[:-1])} and {others[-1]}"
        else:
            owner = f"site {others[0]}" if others else "another of its own objects"
        rep.add(
            code,
            ("sites", network.codes().index(code)),
            f"derives the {what} '{shown.get((what, value), value)}', which {owner} derives too",
        )


def _seats(network: Network, rep: Reporter) -> None:
    pool = network.tenant.licence_pool
    if not pool:
        return
    wanted: Counter[str] = Counter()
    for site in network.sites:
        for role in effective_baseline(network, site).roles:
            seats = max(role.seats, len(role.members) + len(site.members.get(role.key, [])))
            for lic in role.licences:
                wanted[lic.sku] += seats
    for sku, need in sorted(wanted.items()):
        if sku in pool and need > pool[sku]:
            rep.add(
                None,
                ("tenant", "licence_pool", sku),
                f"the sites need {need} {sku} seats but the pool has {pool[sku]}",
            )


def _group_assignment_cap(network: Network, rep: Reporter) -> None:
    """Teams takes at most 64 groups per policy type tenant-wide, and 100,000 members a group."""
    plan = plan_policy_groups(network)
    cap = catalog.MAX_GROUPS_PER_POLICY_TYPE
    over = plan.over_cap()
    if over:
        counts = ", ".join(f"{t} {n}" for t, n in sorted(over.items()))
        if plan.strategy == SITE:
            hint = (
                "set tenant.policy_groups to auto or network, so that one network-wide "
                "group per role holds each policy"
            )
        else:
            hint = (
                f"sites {', '.join(plan.own_groups)} override the baseline's Teams policies "
                "and keep their own groups; give fewer of them overrides, or split the "
                "sites across tenants"
                if plan.own_groups
                else "give fewer roles a package or policy"
            )
        rep.add(
            None,
            ("tenant", "policy_groups"),
            f"{len(network.sites)} sites with {plan.strategy} policy groups need more group "
            f"policy assignments than Teams allows ({cap} groups per policy type, "
            f"tenant-wide): {counts}; {hint}",
        )
    for g in plan.groups:
        if len(g.members) > MAX_MEMBERS:
            rep.add(
                None,
                ("baseline", "roles", g.role),
                f"the network-wide policy group {g.display_name} would hold {len(g.members)} "
                f"members; Teams group policy assignment works for groups of up to "
                f"{MAX_MEMBERS}",
            )
