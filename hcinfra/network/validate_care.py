"""Checks of care coordination, virtual visits, visit policies and partners, before any call.

The kinds' own input models (WardSchedule, PatientList, VirtualVisits, PartnerTenant,
TeamsPolicy settings) are the rules: a network that passes here makes inputs they accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from hcinfra.network.model import Baseline, Network, PartnerSpec, Site
from hcinfra.network.plan import TENANT_POLICIES, effective_baseline, partners_of
from hcinfra.network.validate_keys import Add, close
from hcinfra.resources.partner_tenant.inputs import domain_of
from hcinfra.resources.patient_list.inputs import PatientListInputs
from hcinfra.resources.teams_policy_settings import validate_settings
from hcinfra.resources.virtual_visits.inputs import STAFF_LIMIT, Role, duration_seconds
from hcinfra.resources.ward_schedule.inputs import zone_problem

PLACEHOLDER_GROUP = "00000000-0000-0000-0000-000000000000"
STAFF_ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]


def _twice(names: Iterable[str]) -> list[str]:
    low = [n.lower() for n in names]
    return sorted({n for n in names if low.count(n.lower()) > 1})


def check_baseline_care(
    baseline: Baseline, at: tuple[Any, ...], site: str | None, add: Add
) -> None:
    """Time zone, schedule groups, list columns, visits and visit policies of a baseline."""
    roles = {r.key for r in baseline.roles}
    if baseline.timezone and (problem := zone_problem(baseline.timezone)):
        add(site, (*at, "timezone"), problem)
    care = baseline.care_coordination
    where = (*at, "care_coordination")
    if (care.schedule or care.patient_list) and baseline.teams.ward is None:
        add(
            site,
            where,
            "schedules and Patients lists go on ward teams: declare teams.ward as well",
        )
    if care.schedule:
        _schedule(care.schedule, (*where, "schedule"), roles, site, add)
    if care.patient_list:
        _columns(care.patient_list.model_dump(), (*where, "patient_list"), site, add)
    if baseline.virtual_visits:
        _visits(baseline, (*at, "virtual_visits"), roles, site, add)
    for key, policy_type in TENANT_POLICIES:
        policy = getattr(baseline.policies, key)
        if policy is None:
            continue
        try:
            validate_settings(policy_type, policy.settings)
        except (ValidationError, ValueError) as err:
            for message, loc in _errors(err):
                add(site, (*at, "policies", key, "settings", *loc), message)
    for i, partner in enumerate(baseline.partners):
        _partner(partner, (*at, "partners", i), site, add)


def _schedule(spec: Any, at: tuple[Any, ...], roles: set[str], site: str | None, add: Add) -> None:
    for j, group in enumerate(spec.groups):
        for ref in group.roles:
            if ref not in roles:
                add(
                    site,
                    (*at, "groups", j, "roles"),
                    f"unknown role '{ref}'{close(ref, sorted(roles))}",
                )
    keys = [g.key for g in spec.groups]
    for key in _twice(keys):
        add(site, (*at, "groups"), f"scheduling group key '{key}' is used twice")
    for name in _twice([g.name for g in spec.groups]):
        add(site, (*at, "groups"), f"scheduling group name '{name}' is used twice (any case)")


def _columns(spec: dict[str, Any], at: tuple[Any, ...], site: str | None, add: Add) -> None:
    raw = {
        "group_id": PLACEHOLDER_GROUP,
        "display_name": spec["display_name"],
        "columns": [{k: v for k, v in c.items() if v is not None} for c in spec["columns"]],
    }
    try:
        PatientListInputs.model_validate(raw)
    except ValidationError as err:
        for message, loc in _errors(err):
            add(site, (*at, *loc), message)


def _visits(
    baseline: Baseline, at: tuple[Any, ...], roles: set[str], site: str | None, add: Add
) -> None:
    spec = baseline.virtual_visits
    assert spec is not None
    for ref in spec.staff_roles:
        if ref not in roles:
            add(site, (*at, "staff_roles"), f"unknown role '{ref}'{close(ref, sorted(roles))}")
    if spec.staff_role not in STAFF_ROLES:
        add(
            site,
            (*at, "staff_role"),
            f"'{spec.staff_role}' is not a Bookings staff role; use one of "
            f"{', '.join(STAFF_ROLES)}",
        )
    sms = baseline.policies.virtual_appointments
    texting = {r for r in (sms.roles if sms and sms.settings.get("EnableSmsNotifications") else [])}
    for j, service in enumerate(spec.services):
        here = (*at, "services", j)
        try:
            seconds = duration_seconds(service.duration)
            if not 0 < seconds <= 24 * 3600:
                add(site, (*here, "duration"), f"'{service.duration}' is not 0 and at most a day")
        except ValueError as err:
            add(site, (*here, "duration"), str(err))
        for ref in service.roles:
            if ref not in spec.staff_roles:
                add(
                    site,
                    (*here, "roles"),
                    f"role '{ref}' is not one of the calendar's staff_roles "
                    f"({', '.join(spec.staff_roles)})",
                )
        givers = service.roles or spec.staff_roles
        if service.sms and not set(givers) <= texting:
            missing = sorted(set(givers) - texting)
            add(
                site,
                (*here, "sms"),
                "SMS reminders need the virtual appointments policy with "
                f"EnableSmsNotifications: true assigned to {', '.join(missing)} "
                "(policies.virtual_appointments)",
            )
    for key in _twice([s.key for s in spec.services]):
        add(site, (*at, "services"), f"service key '{key}' is used twice")
    for name in _twice([s.name for s in spec.services]):
        add(site, (*at, "services"), f"service name '{name}' is used twice (any case)")


def _partner(partner: PartnerSpec, at: tuple[Any, ...], site: str | None, add: Add) -> None:
    for k, domain in enumerate(partner.domains):
        try:
            domain_of(domain)
        except ValueError as err:
            add(site, (*at, "domains", k), str(err))
    for domain in _twice([d.lower() for d in partner.domains]):
        add(site, (*at, "domains"), f"domain '{domain}' is listed twice")


def check_site_care(site: Site, index: int, baseline: Baseline, add: Add) -> None:
    """What a site's own fields and members mean for its schedules and calendar."""
    here = ("sites", index)
    if site.timezone and (problem := zone_problem(site.timezone)):
        add(site.code, (*here, "timezone"), problem)
    elif baseline.care_coordination.schedule and site.wards and not baseline.timezone:
        add(
            site.code,
            (*here, "timezone"),
            "the ward schedules need the site's time zone: set timezone here or in "
            "the baseline (an IANA name such as America/Toronto)",
        )
    visits = baseline.virtual_visits
    if visits:
        staff = {
            m.lower()
            for r in baseline.roles
            if r.key in visits.staff_roles
            for m in [*r.members, *site.members.get(r.key, [])]
        }
        if len(staff) > STAFF_LIMIT:
            add(
                site.code,
                (*here, "members"),
                f"the virtual visits calendar would have {len(staff)} staff; Bookings "
                f"takes at most {STAFF_LIMIT} per calendar",
            )


def check_partners(network: Network, add: Add) -> None:
    """Partners are tenant-wide: one key, one tenant, the same declaration at every site."""
    own = {d.lower() for d in network.tenant.domains}
    declared = partners_of(network)
    tenants: dict[str, str] = {}
    for key, (partner, _sites) in declared.items():
        if partner.tenant_id == network.tenant.id.lower():
            add(None, ("baseline", "partners"), f"partner '{key}' is this network's own tenant")
        if partner.tenant_id in tenants:
            add(
                None,
                ("baseline", "partners"),
                f"partners '{tenants[partner.tenant_id]}' and '{key}' are the same tenant "
                f"{partner.tenant_id}: declare it once",
            )
        tenants.setdefault(partner.tenant_id, key)
        ours = sorted(d for d in partner.domains if d.lower() in own)
        if ours:
            add(
                None,
                ("baseline", "partners"),
                f"partner '{key}' lists this tenant's own domains: {', '.join(ours)}",
            )
    for site in network.sites:
        for partner in effective_baseline(network, site).partners:
            first, sites = declared[partner.key]
            if partner != first:
                add(
                    site.code,
                    ("sites", network.codes().index(site.code), "overrides", "partners"),
                    f"declares partner '{partner.key}' unlike site {sites[0]}: a partner is "
                    "one tenant-wide object, so each key means the same partner everywhere",
                )


def _errors(err: ValidationError | ValueError) -> list[tuple[str, tuple[Any, ...]]]:
    if not isinstance(err, ValidationError):
        return [(str(err), ())]
    out = []
    for e in err.errors():
        message = str((e.get("ctx") or {}).get("error") or e["msg"]).removeprefix("Value error, ")
        loc = tuple(e["loc"])
        if e["type"] == "literal_error":
            message = f"{message}; got {e.get('input')!r}"
        out.append((message, loc))
    return out
