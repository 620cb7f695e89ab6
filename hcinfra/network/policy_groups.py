"""Which groups hold the network's Teams policies: each site's role groups, or one
network-wide group per role.

Teams takes at most 64 groups per policy type in a tenant (New-CsGroupPolicyAssignment),
and a group assignment reaches only the group's direct members. With site groups, each
site ranks about four groups per type, so a tenant holds about 16 sites. With
network-wide groups, the tenant stack keeps one group per role whose direct members are
the union of the sites' members of that role, and each type holds one assignment per
role whatever the number of sites. A site whose own policy settings differ from the
baseline's (a site override of packages, policies or precedence) keeps its own groups.

`tenant.policy_groups` picks: `site`, `network`, or `auto` (the default), which keeps
site groups while the network-wide groups would still fit beside them in every type, so
that moving to network-wide groups never needs a gap: the tenant stack assigns the
network groups first, then each site stack removes its own.

Moving the other way (a site starting to override its policies, or a shrinking network
going back to site groups) needs the opposite order: the sites assign their own groups
while the network-wide groups still hold their members, and only then does the tenant
stack take them out. `hcinfra sites up` runs the tenant stack with `keep` (those sites'
members stay in the network-wide groups), then the sites, then the tenant stack again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from hcinfra.network import catalog, naming
from hcinfra.network.model import Baseline, Network, Site
from hcinfra.network.plan import TENANT_POLICIES, effective_baseline, ranked_roles

SITE = "site"
NETWORK = "network"
# New-CsGroupPolicyAssignment: recommended for groups of up to 50,000 users, works up
# to 100,000.
RECOMMENDED_MEMBERS = 50_000
MAX_MEMBERS = 100_000


@dataclass(frozen=True)
class Holding:
    """One role's Teams policy of one type, and its place in the type's precedence."""

    role: str
    policy_type: str
    policy_name: str
    rank: int  # place among the roles holding a Teams policy (first wins)
    package: str | None  # set when the policy comes from the role's healthcare package


def holdings(baseline: Baseline) -> list[Holding]:
    """Every Teams policy a baseline's roles hold, by role precedence then type."""
    ranked = ranked_roles(baseline)
    ranks = {r: n for n, r in enumerate(ranked, start=1)}
    out: list[Holding] = []
    for role in baseline.roles:
        if role.policy_package:
            for t in catalog.PACKAGE_POLICY_TYPES:
                out.append(
                    Holding(role.key, t, role.policy_package, ranks[role.key], role.policy_package)
                )
    for key, policy_type in TENANT_POLICIES:
        policy = getattr(baseline.policies, key)
        if policy:
            out.extend(
                Holding(r, policy_type, policy.name, ranks[r], None)
                for r in policy.roles
                if r in ranks
            )
    return sorted(out, key=lambda h: (h.rank, h.policy_type))


def signature(baseline: Baseline) -> tuple[tuple[str, str, str, int], ...]:
    """What decides every user's Teams policies: each role's holdings and their order."""
    return tuple((h.role, h.policy_type, h.policy_name, h.rank) for h in holdings(baseline))


@dataclass(frozen=True)
class TypeCount:
    """One policy type's group count under each strategy, and the strategy it uses."""

    policy_type: str
    site_groups: int  # groups the type holds when every site assigns its own
    network_groups: int  # groups it holds with network-wide groups (own-group sites included)
    strategy: str


@dataclass(frozen=True)
class NetworkGroup:
    """A network-wide policy group: one role's members across the sites that follow
    the baseline."""

    role: str
    display_name: str
    mail_nickname: str
    description: str
    members: list[str]
    sites: list[str]


@dataclass
class PolicyGroups:
    """The network's strategy, its counts per type, and the network-wide groups."""

    strategy: str  # SITE or NETWORK
    chosen: str  # what tenant.policy_groups says: auto, site or network
    types: list[TypeCount] = field(default_factory=list)
    groups: list[NetworkGroup] = field(default_factory=list)  # empty with SITE
    holdings: list[Holding] = field(default_factory=list)  # of the network groups
    own_groups: list[str] = field(default_factory=list)  # sites keeping their own groups
    kept: list[str] = field(default_factory=list)  # sites held for a move (`keep`)

    def served(self) -> list[str]:
        """The sites whose members the network-wide groups hold, in network order."""
        return list(self.groups[0].sites) if self.groups else []

    def site_assigns(self, code: str) -> bool:
        """Whether a site's own role groups hold its Teams policies."""
        return self.strategy == SITE or code in self.own_groups

    def group(self, role: str) -> NetworkGroup:
        """A network-wide group by role."""
        return next(g for g in self.groups if g.role == role)

    def over_cap(self) -> dict[str, int]:
        """Policy types holding more groups than Teams allows under the chosen strategy."""
        cap = catalog.MAX_GROUPS_PER_POLICY_TYPE
        counts = {
            t.policy_type: t.site_groups if t.strategy == SITE else t.network_groups
            for t in self.types
        }
        return {t: n for t, n in counts.items() if n > cap}

    def describe(self) -> list[str]:
        """Lines for `hcinfra validate`: the strategy, and each type's groups of 64."""
        cap = catalog.MAX_GROUPS_PER_POLICY_TYPE
        how = (
            "each site's role groups"
            if self.strategy == SITE
            else f"{len(self.groups)} network-wide role groups"
        )
        lines = [f"Teams policies: {how} (tenant.policy_groups: {self.chosen})"]
        if self.strategy == NETWORK and self.own_groups:
            lines.append(
                f"  sites keeping their own groups (their policies differ from the "
                f"baseline's): {', '.join(self.own_groups)}"
            )
        for t in self.types:
            used = t.site_groups if t.strategy == SITE else t.network_groups
            lines.append(
                f"  {t.policy_type}: {t.strategy} groups, {used} of {cap} "
                f"(site groups would be {t.site_groups}, network-wide {t.network_groups})"
            )
        for g in self.groups:
            if len(g.members) > RECOMMENDED_MEMBERS:
                lines.append(
                    f"  note: {g.display_name} has {len(g.members)} members; Teams recommends "
                    f"group assignment for groups of up to {RECOMMENDED_MEMBERS}"
                )
        return lines


def network_group_name(role_name: str) -> str:
    """A network-wide policy group's display name, e.g. Teams-Policy-Clinical-Workers."""
    return f"Teams-Policy-{role_name}"


def _union(lists: list[list[str]]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for members in lists:
        for m in members:
            if m.lower() not in seen:
                seen.add(m.lower())
                out.append(m)
    return out


def plan_policy_groups(network: Network, keep: Collection[str] = ()) -> PolicyGroups:
    """Decide the strategy and plan the network-wide groups (the network is valid).

    `keep` names sites whose members the network-wide groups go on holding although the
    plan moves them to their own groups: the first step of a gap-free move (see above).
    It changes no site's `site_assigns`, which is the declared plan's.
    """
    out = _plan(network)
    kept = [s for s in network.sites if s.code in keep and s.code not in out.served()]
    if not kept:
        return out
    served = set(out.served()) | {s.code for s in kept}
    following = [s for s in network.sites if s.code in served]
    out.kept = [s.code for s in kept]
    out.holdings = holdings(network.baseline)
    out.groups = _groups(network, following, out.holdings)
    return out


def _plan(network: Network) -> PolicyGroups:
    base_sig = signature(network.baseline)
    site_baselines = {s.code: effective_baseline(network, s) for s in network.sites}
    following = [s for s in network.sites if signature(site_baselines[s.code]) == base_sig]
    own = [s.code for s in network.sites if s not in following]
    per_site: Counter[str] = Counter()
    own_count: Counter[str] = Counter()
    for s in network.sites:
        for h in holdings(site_baselines[s.code]):
            per_site[h.policy_type] += 1
            if s.code in own:
                own_count[h.policy_type] += 1
    network_holdings = holdings(network.baseline) if following else []
    net_count = Counter(h.policy_type for h in network_holdings)
    for t, n in own_count.items():
        net_count[t] += n
    chosen = network.tenant.policy_groups
    cap = catalog.MAX_GROUPS_PER_POLICY_TYPE
    if chosen == "auto":
        # Site groups while the network-wide ones still fit beside them: the move is gap-free.
        fits = all(per_site[t] + net_count[t] - own_count[t] <= cap for t in per_site)
        strategy = SITE if fits else NETWORK
    else:
        strategy = chosen
    types = [
        TypeCount(t, per_site[t], net_count[t], strategy)
        for t in sorted(set(per_site) | set(net_count))
    ]
    out = PolicyGroups(strategy=strategy, chosen=chosen, types=types)
    if strategy == SITE:
        return out
    out.own_groups = own
    out.holdings = network_holdings
    out.groups = _groups(network, following, network_holdings)
    return out


def _groups(network: Network, following: list[Site], held: list[Holding]) -> list[NetworkGroup]:
    """One network-wide group per role holding a policy, with the sites' members."""
    roles = {r.key: r for r in network.baseline.roles}
    baselines = {s.code: effective_baseline(network, s) for s in following}
    out: list[NetworkGroup] = []
    for role in dict.fromkeys(h.role for h in held):
        spec = roles[role]
        members = _union([_members(baselines[s.code], s, role) for s in following])
        out.append(
            NetworkGroup(
                role=role,
                display_name=network_group_name(spec.name),
                mail_nickname=naming.ascii_slug(network_group_name(spec.name)),
                description=(
                    f"{spec.name} of every site that follows the baseline's Teams policies; "
                    "its members are kept by hcinfra (the tenant stack)"
                ),
                members=members,
                sites=[s.code for s in following],
            )
        )
    return out


def _members(baseline: Baseline, site: Site, role: str) -> list[str]:
    spec = next((r for r in baseline.roles if r.key == role), None)
    declared = list(spec.members) if spec else []
    return [*declared, *site.members.get(role, [])]


def expected_policies(network: Network) -> dict[str, dict[str, str]]:
    """Each member's expected Teams policy per type (lower-cased UPN → type → name).

    A user's policy of a type is that of the first role, in precedence, they hold among
    the groups that assign the type: network-wide groups across every following site,
    or a site's own groups. Where two such scopes expect different policies for one
    user, Teams' answer depends on ranks hcinfra does not order, and the type is left
    out for that user (`conflicts` names them).
    """
    return _expected(network)[0]


def conflicts(network: Network) -> dict[str, list[str]]:
    """Users whose expected policy of a type differs between scopes (UPN → types)."""
    return _expected(network)[1]


def _expected(network: Network) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    plan = plan_policy_groups(network)
    scopes: list[tuple[list[Holding], dict[str, set[str]]]] = []
    if plan.strategy == NETWORK and plan.groups:
        scopes.append(
            (plan.holdings, {g.role: {m.lower() for m in g.members} for g in plan.groups})
        )
    for site in network.sites:
        if not plan.site_assigns(site.code):
            continue
        baseline = effective_baseline(network, site)
        held = holdings(baseline)
        members = {
            r.key: {m.lower() for m in _members(baseline, site, r.key)} for r in baseline.roles
        }
        scopes.append((held, members))
    expected: dict[str, dict[str, str]] = {}
    clash: dict[str, set[str]] = {}
    for held, members in scopes:
        wins: dict[tuple[str, str], str] = {}
        for h in held:  # sorted by rank: the first holding of a type a user has wins
            for user in members.get(h.role, set()):
                wins.setdefault((user, h.policy_type), h.policy_name)
        for (user, policy_type), name in wins.items():
            mine = expected.setdefault(user, {})
            if policy_type in clash.get(user, set()):
                continue
            if policy_type in mine and mine[policy_type].lower() != name.lower():
                clash.setdefault(user, set()).add(policy_type)
                del mine[policy_type]
                continue
            mine[policy_type] = name
    ordered = {u: dict(sorted(expected[u].items())) for u in sorted(expected)}
    return ordered, {u: sorted(t) for u, t in sorted(clash.items())}
