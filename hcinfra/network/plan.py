"""A site's plan: the baseline merged with its overrides, and every name resolved."""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from hcinfra.network import naming
from hcinfra.network.model import (
    Baseline,
    Network,
    PartnerSpec,
    ScheduleSpec,
    Site,
    VirtualVisitsSpec,
)

# The tenant-wide policies a baseline may declare, by its key and their type.
TENANT_POLICIES = (
    ("messaging", "TeamsMessagingPolicy"),
    ("app_setup", "TeamsAppSetupPolicy"),
    ("meeting", "TeamsMeetingPolicy"),
    ("virtual_appointments", "TeamsVirtualAppointmentsPolicy"),
)
TEAMS_POLICY_TYPES = tuple(t for _, t in TENANT_POLICIES)


@dataclass(frozen=True)
class GroupPlan:
    """A role's security group at a site."""

    role: str
    display_name: str
    mail_nickname: str
    description: str | None
    members: list[str]
    licences: list[dict[str, Any]]
    package: str | None
    rank: int  # place among the site's ranked groups; 0 when it holds no Teams policy


@dataclass(frozen=True)
class MailboxPlan:
    """A shared mailbox at a site."""

    key: str
    name: str
    alias: str
    address: str
    display_name: str
    full_access: list[str]
    send_as: list[str]


@dataclass(frozen=True)
class MailGroupPlan:
    """A role's mail-enabled security group, made for the mailbox rights the role holds."""

    role: str
    name: str
    alias: str
    address: str
    members: list[str]


@dataclass(frozen=True)
class TeamPlan:
    """A team at a site."""

    key: str
    display_name: str
    mail_nickname: str
    template: str
    description: str | None
    owners_role: str
    visibility: str
    members: list[str] = field(default_factory=list)  # ward staff on its schedule


@dataclass(frozen=True)
class SchedulingGroupPlan:
    """A scheduling group of a ward's schedule and its members."""

    key: str
    name: str
    members: list[str]


@dataclass(frozen=True)
class SchedulePlan:
    """The Shifts schedule of a ward team."""

    team: str  # the TeamPlan key
    time_zone: str
    groups: list[SchedulingGroupPlan]
    settings: dict[str, bool]  # WardSchedule's setting inputs


@dataclass(frozen=True)
class PatientListPlan:
    """The Patients list of a ward team."""

    team: str
    display_name: str
    description: str | None
    columns: list[dict[str, Any]]  # the network's extra columns, as PatientList takes them


@dataclass(frozen=True)
class VisitsPlan:
    """A site's Bookings calendar for virtual visits."""

    display_name: str
    email: str
    staff: list[dict[str, str]]  # display_name, email, role
    services: list[dict[str, Any]]  # as VirtualVisits takes them
    published: bool


@dataclass(frozen=True)
class PolicyAssignmentPlan:
    """A tenant-wide policy assigned to a role group."""

    role: str
    policy_type: str
    policy_name: str
    rank: int


@dataclass(frozen=True)
class DerivedName:
    """A name a site derives, the rule of the service that will hold it, and its source.

    `rule` is a key of limits.RULES; `origin` says which input the name comes from:
    (section, item key, field) for baseline items (section "roles", "mailboxes",
    "teams"), or ("site", field, index) for the site's own fields.
    """

    what: str  # e.g. "group displayName"
    value: str
    rule: str
    origin: tuple[str, str, Any]


@dataclass
class SitePlan:
    """Everything a HospitalSite makes, named."""

    code: str
    name: str
    mail_domain: str
    ranked: list[str] = field(default_factory=list)  # roles holding Teams policies, first wins
    groups: list[GroupPlan] = field(default_factory=list)
    mailboxes: list[MailboxPlan] = field(default_factory=list)
    mail_groups: list[MailGroupPlan] = field(default_factory=list)  # roles with mailbox rights
    teams: list[TeamPlan] = field(default_factory=list)
    policies: list[PolicyAssignmentPlan] = field(default_factory=list)
    timezone: str | None = None
    schedules: list[SchedulePlan] = field(default_factory=list)
    patient_lists: list[PatientListPlan] = field(default_factory=list)
    visits: VisitsPlan | None = None

    def team(self, key: str) -> TeamPlan:
        """The plan of a team by its key."""
        return next(t for t in self.teams if t.key == key)

    def group(self, role: str) -> GroupPlan:
        """The plan of a role's group."""
        return next(g for g in self.groups if g.role == role)

    def mail_group(self, role: str) -> MailGroupPlan:
        """The plan of a role's mail-enabled security group."""
        return next(g for g in self.mail_groups if g.role == role)

    def names(self) -> list[DerivedName]:
        """Every name this site derives, each with its service rule; a new kind adds here."""
        out: list[DerivedName] = []
        for g in self.groups:
            src = ("roles", g.role, "name")
            out.append(DerivedName("group displayName", g.display_name, "group.displayName", src))
            out.append(
                DerivedName("group mailNickname", g.mail_nickname, "group.mailNickname", src)
            )
        for m in self.mailboxes:
            src = ("mailboxes", m.key, "local_part")
            out.append(DerivedName("shared mailbox name", m.name, "exchange.name", src))
            out.append(DerivedName("shared mailbox alias", m.alias, "exchange.alias", src))
            out.append(
                DerivedName(
                    "shared mailbox display name",
                    m.display_name,
                    "exchange.displayName",
                    ("mailboxes", m.key, "display_name"),
                )
            )
        for mg in self.mail_groups:
            src = ("roles", mg.role, "name")
            out.append(
                DerivedName("mail-enabled security group name", mg.name, "exchange.name", src)
            )
            out.append(
                DerivedName("mail-enabled security group alias", mg.alias, "exchange.alias", src)
            )
        for t in self.teams:
            kind = "hospital" if t.key == "hospital" else "ward"
            src = ("teams", kind, "display_name")
            out.append(
                DerivedName(f"{kind} team displayName", t.display_name, "team.displayName", src)
            )
            out.append(
                DerivedName(f"{kind} team alias", t.mail_nickname, "group.mailNickname", src)
            )
            if t.description is not None:
                out.append(
                    DerivedName(
                        f"{kind} team description",
                        t.description,
                        "team.description",
                        ("teams", kind, "description"),
                    )
                )
        if self.visits:
            src = ("virtual_visits", "", "display_name")
            out.append(
                DerivedName(
                    "Bookings calendar name", self.visits.display_name, "bookings.displayName", src
                )
            )
        return out

    def group_owners(self) -> list[str]:
        """Owners of every role group: the site's team owners (app-only creation leaves none)."""
        roles = {t.owners_role for t in self.teams}
        return sorted({m for r in roles for m in self.members_of(r)})

    def members_of(self, role: str) -> list[str]:
        """A role's members at the site; none for a role the baseline lacks (validation
        reports it, and still plans the site to check the rest)."""
        return next((list(g.members) for g in self.groups if g.role == role), [])


def merge(base: Any, override: Any) -> Any:
    """Overrides onto the baseline: fields merge, lists of keyed items merge by key."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = copy.deepcopy(base)
        for k, v in override.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    if (
        isinstance(base, list)
        and isinstance(override, list)
        and all(isinstance(i, dict) and "key" in i for i in [*base, *override])
    ):
        merged = [copy.deepcopy(i) for i in base]
        index = {i["key"]: n for n, i in enumerate(merged)}
        for item in override:
            if item["key"] in index:
                merged[index[item["key"]]] = merge(merged[index[item["key"]]], item)
            else:
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(override)


def effective_baseline(network: Network, site: Site) -> Baseline:
    """The baseline as this site sees it."""
    base = network.baseline.model_dump()
    over = site.overrides.model_dump(exclude_defaults=True)
    return Baseline.model_validate(merge(base, over))


def ranked_roles(baseline: Baseline) -> list[str]:
    """The roles holding a Teams policy, in precedence order (first wins).

    A Teams rank is a position in one tenant-wide list per policy type; hcinfra ranks
    each site's groups among themselves (GroupPolicyAssignment's `ranked_with`), so
    sites deployed in parallel, or added later, never renumber each other.
    """
    declared = [getattr(baseline.policies, key) for key, _ in TENANT_POLICIES]
    direct = {r for p in declared if p for r in p.roles}
    holders = [r.key for r in baseline.roles if r.policy_package or r.key in direct]
    first = [r for r in dict.fromkeys(baseline.policies.precedence) if r in holders]
    return [*first, *(r for r in holders if r not in first)]


def plan_site(network: Network, code: str) -> SitePlan:
    """Resolve one site's objects and names."""
    site = network.site(code)
    baseline = effective_baseline(network, site)
    ranked = ranked_roles(baseline)
    ranks = {role: n for n, role in enumerate(ranked, start=1)}
    values = {"site": site.name, "code": site.code}
    plan = SitePlan(
        code=site.code,
        name=site.name,
        mail_domain=site.mail_domain,
        ranked=ranked,
        timezone=site.timezone or baseline.timezone,
    )
    for role in baseline.roles:
        plan.groups.append(
            GroupPlan(
                role=role.key,
                display_name=naming.group_name(site.code, role.name),
                mail_nickname=naming.group_nickname(site.code, role.name),
                description=role.description,
                members=[*role.members, *site.members.get(role.key, [])],
                licences=[lic.model_dump() for lic in role.licences],
                package=role.policy_package,
                rank=ranks.get(role.key, 0),
            )
        )
    for mbx in baseline.mailboxes:
        plan.mailboxes.append(
            MailboxPlan(
                key=mbx.key,
                name=naming.mailbox_name(site.code, mbx.local_part),
                alias=naming.mailbox_alias(site.code, mbx.local_part),
                address=naming.mailbox_address(mbx.local_part, site.mail_domain),
                display_name=naming.render(mbx.display_name, **values),
                full_access=list(mbx.full_access),
                send_as=list(mbx.send_as),
            )
        )
    # Exchange grants mailbox rights to mail-enabled security groups only, which Graph
    # cannot make or fill: a role holding a right gets one, made in Exchange.
    holders = {r for m in baseline.mailboxes for r in (*m.full_access, *m.send_as)}
    for group in plan.groups:
        if group.role in holders:
            role_name = next(r.name for r in baseline.roles if r.key == group.role)
            alias = naming.mail_group_alias(site.code, role_name)
            plan.mail_groups.append(
                MailGroupPlan(
                    role=group.role,
                    name=naming.mail_group_name(site.code, role_name),
                    alias=alias,
                    address=naming.mailbox_address(alias, site.mail_domain),
                    members=group.members,
                )
            )
    teams = baseline.teams
    care = baseline.care_coordination
    if teams.hospital:
        plan.teams.append(_team("hospital", teams.hospital, site.code, values))
    if teams.ward:
        for ward in site.wards:
            key = f"ward-{naming.ascii_slug(ward)}"
            ward_values = {**values, "ward": ward}
            staff: list[str] = []
            if care.schedule:
                groups = _scheduling_groups(plan, care.schedule)
                staff = list(dict.fromkeys(m for g in groups for m in g.members))
                plan.schedules.append(
                    SchedulePlan(
                        team=key,
                        time_zone=plan.timezone or "",
                        groups=groups,
                        settings=_schedule_settings(care.schedule),
                    )
                )
            team = _team(key, teams.ward, site.code, ward_values)
            owners = {m.lower() for m in plan.members_of(team.owners_role)}
            members = [m for m in staff if m.lower() not in owners]
            plan.teams.append(dataclasses.replace(team, members=members))
            if care.patient_list:
                spec = care.patient_list
                plan.patient_lists.append(
                    PatientListPlan(
                        team=key,
                        display_name=spec.display_name,
                        description=(
                            naming.render(spec.description, **ward_values)
                            if spec.description
                            else None
                        ),
                        columns=[c.model_dump(exclude_none=True) for c in spec.columns],
                    )
                )
    if baseline.virtual_visits:
        plan.visits = _visits(plan, baseline.virtual_visits, values)
    for key, policy_type in TENANT_POLICIES:
        policy = getattr(baseline.policies, key)
        if policy:
            for role_key in policy.roles:
                plan.policies.append(
                    PolicyAssignmentPlan(
                        role_key,
                        policy_type,
                        policy.name,
                        ranks[role_key],
                    )
                )
    return plan


def _scheduling_groups(plan: SitePlan, spec: ScheduleSpec) -> list[SchedulingGroupPlan]:
    return [
        SchedulingGroupPlan(
            key=g.key,
            name=g.name,
            members=list(dict.fromkeys(m for r in g.roles for m in plan.members_of(r))),
        )
        for g in spec.groups
    ]


def _schedule_settings(spec: ScheduleSpec) -> dict[str, bool]:
    return {
        "open_shifts_enabled": spec.open_shifts,
        "swap_shifts_requests_enabled": spec.swap_shifts,
        "offer_shift_requests_enabled": spec.offer_shifts,
        "time_off_requests_enabled": spec.time_off,
        "time_clock_enabled": spec.time_clock,
    }


def staff_name(upn: str) -> str:
    """A clinician's name on the calendar, from their UPN: claire.dubois@… → Claire Dubois."""
    local = upn.split("@", 1)[0]
    return " ".join(part.capitalize() for part in re.split(r"[._-]+", local) if part) or local


def _visits(plan: SitePlan, spec: VirtualVisitsSpec, values: dict[str, str]) -> VisitsPlan:
    by_role = {r: plan.members_of(r) for r in spec.staff_roles}
    emails = list(dict.fromkeys(m.lower() for r in spec.staff_roles for m in by_role[r]))
    services = []
    for s in spec.services:
        givers = (
            list(dict.fromkeys(m.lower() for r in s.roles for m in by_role.get(r, [])))
            if s.roles
            else emails
        )
        service: dict[str, Any] = {
            "display_name": s.name,
            "duration": s.duration,
            "staff": givers,
            "sms_notifications": s.sms,
        }
        if s.description:
            service["description"] = naming.render(s.description, **values)
        services.append(service)
    return VisitsPlan(
        display_name=naming.render(spec.display_name, **values),
        email=naming.mailbox_address(spec.local_part, plan.mail_domain),
        staff=[
            {"display_name": staff_name(e), "email": e, "role": spec.staff_role} for e in emails
        ],
        services=services,
        published=spec.published,
    )


def partners_of(network: Network) -> dict[str, tuple[PartnerSpec, list[str]]]:
    """Every partner any site declares, by key, with the sites declaring it (file order)."""
    out: dict[str, tuple[PartnerSpec, list[str]]] = {}
    for site in network.sites:
        for partner in effective_baseline(network, site).partners:
            if partner.key in out:
                out[partner.key][1].append(site.code)
            else:
                out[partner.key] = (partner, [site.code])
    if not network.sites:
        out = {p.key: (p, []) for p in network.baseline.partners}
    return out


def _team(key: str, spec: Any, code: str, values: dict[str, str]) -> TeamPlan:
    return TeamPlan(
        key=key,
        display_name=naming.render(spec.display_name, **values),
        mail_nickname=naming.team_nickname(code, key),
        template=spec.template,
        description=naming.render(spec.description, **values) if spec.description else None,
        owners_role=spec.owners_role,
        visibility=spec.visibility,
    )
