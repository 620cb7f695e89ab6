"""Checks of care coordination, virtual visits, visit policies and partners, before any call.

The kinds' own input models (WardSchedule, PatientList, VirtualVisits, PartnerTenant,
TeamsPolicy settings) are the rules: a network that passes here makes inputs they accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, get_args

from pydantic import ValidationError

from hcinfra.network.model import Baseline, Network, PartnerSpec, Site
from hcinfra.network.plan import TENANT_POLICIES, effective_baseline, partners_of
from hcinfra.network.structure import in_words
from hcinfra.network.validate_keys import Add, close
from hcinfra.resources.partner_tenant.inputs import domain_of
from hcinfra.resources.patient_list.columns import BUILT_IN
from hcinfra.resources.patient_list.inputs import DEFAULT_NAMES, ColumnType, PatientListInputs
from hcinfra.resources.teams_policy_settings import validate_settings
from hcinfra.resources.virtual_visits.inputs import STAFF_LIMIT, Role, duration_seconds
from hcinfra.resources.ward_schedule.inputs import SchedulingGroupSpec, zone_problem

PLACEHOLDER_GROUP = "00000000-0000-0000-0000-000000000000"
STAFF_ROLES: tuple[str, ...] = get_args(Role)
COLUMN_TYPES: tuple[str, ...] = get_args(ColumnType)
COLUMN_NAME_WORDS = (
    "a column's internal name is 1 to 32 ASCII letters, digits and '_', starting with a letter"
)


def _repeats(values: Iterable[str]) -> list[tuple[int, str, str]]:
    """(index, value, first spelling) of each value that repeats an earlier one, in any case."""
    first: dict[str, str] = {}
    out = []
    for j, value in enumerate(values):
        if value.lower() in first:
            out.append((j, value, first[value.lower()]))
        else:
            first[value.lower()] = value
    return out


def _at(where: tuple[Any, ...], j: int, site: str | None, *fields: str) -> tuple[Any, ...]:
    """The path of a keyed list's item (and field) in the baseline; at a site, the list's.

    A site's lists are the baseline's merged with its override by key, so a merged index
    is no place in the override: there the message names the item by its key instead.
    """
    return (*where, j, *fields) if site is None else where


def _unique(
    items: list[Any], what: str, where: tuple[Any, ...], site: str | None, add: Add
) -> None:
    """Each item's key, and its name in any case, once in its list."""
    for j, key, _first in _repeats([i.key for i in items]):
        add(site, _at(where, j, site, "key"), f"{what} key '{key}' is used twice")
    for j, name, first in _repeats([i.name for i in items]):
        add(
            site,
            _at(where, j, site, "name"),
            f"{what} name {name!r} is used twice"
            + ("" if name == first else f" (as {first!r}: names match in any case)"),
        )


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
        _partner(partner, _at((*at, "partners"), i, site), site, add)


def _schedule(spec: Any, at: tuple[Any, ...], roles: set[str], site: str | None, add: Add) -> None:
    where = (*at, "groups")
    for j, group in enumerate(spec.groups):
        for ref in group.roles:
            if ref not in roles:
                add(
                    site,
                    _at(where, j, site, "roles"),
                    f"scheduling group '{group.key}': unknown role '{ref}'"
                    f"{close(ref, sorted(roles))}",
                )
        try:
            SchedulingGroupSpec.model_validate({"name": group.name})
        except ValidationError as err:
            for message, _loc in _errors(err):
                add(
                    site,
                    _at(where, j, site, "name"),
                    f"scheduling group '{group.key}': {group.name!r} is not a Shifts group "
                    f"name ({message})",
                )
    _unique(spec.groups, "scheduling group", where, site, add)


def _columns(spec: dict[str, Any], at: tuple[Any, ...], site: str | None, add: Add) -> None:
    # PatientList's inputs are the rules. Each column is checked on its own, so that one
    # bad column hides no other (a list validator stops at the first invalid column) and
    # every problem has its column's path; repeats among the columns are checked here.
    # A site's columns replace the baseline's as a whole list: their indices are its own.
    def inputs(columns: list[dict[str, Any]]) -> list[tuple[str, tuple[Any, ...]]]:
        raw = {"group_id": PLACEHOLDER_GROUP, "display_name": spec["display_name"]}
        try:
            PatientListInputs.model_validate({**raw, "columns": columns})
        except ValidationError as err:
            return _errors(err, {"name": COLUMN_NAME_WORDS})
        return []

    for message, loc in inputs([]):
        add(site, (*at, *loc), message)
    names: dict[str, int] = {}
    shown: dict[str, int] = {}
    for j, column in enumerate(spec["columns"]):
        here = (*at, "columns", j)
        raw = {k: v for k, v in column.items() if v is not None}
        name, display = column["name"], column.get("display_name") or column["name"]
        taken = name.lower() in BUILT_IN or name.lower() in DEFAULT_NAMES
        for message, loc in inputs([raw]):
            if loc[:2] == ("columns", 0) and len(loc) > 2:
                field = loc[2:]
            else:  # the list's own check: a name or display name one of its columns has
                field = ("name",) if taken or not column.get("display_name") else ("display_name",)
            if field == ("type",):
                message = (
                    f"unknown column type {column['type']!r}; the types are "
                    f"{', '.join(COLUMN_TYPES)}"
                )
            elif field != ("name",):
                message = f"column {name!r}: {message}"
            add(site, (*here, *field), message)
        if name.lower() in names and not taken:
            add(
                site,
                (*here, "name"),
                f"column {name!r} is declared twice (columns[{names[name.lower()]}] and "
                f"columns[{j}]; names match in any case)",
            )
        elif display.lower() in shown and not taken:
            add(
                site,
                (*here, "display_name" if column.get("display_name") else "name"),
                f"column {name!r}: display name {display!r} is taken by "
                f"columns[{shown[display.lower()]}]",
            )
        names.setdefault(name.lower(), j)
        shown.setdefault(display.lower(), j)


def _visits(
    baseline: Baseline, at: tuple[Any, ...], roles: set[str], site: str | None, add: Add
) -> None:
    spec = baseline.virtual_visits
    assert spec is not None
    for k, ref in enumerate(spec.staff_roles):
        if ref not in roles:
            add(
                site,
                (*at, "staff_roles", k),
                f"unknown role '{ref}'{close(ref, sorted(roles))}",
            )
    if spec.staff_role not in STAFF_ROLES:
        add(
            site,
            (*at, "staff_role"),
            f"'{spec.staff_role}' is not a Bookings staff role; use one of "
            f"{', '.join(STAFF_ROLES)}",
        )
    sms = baseline.policies.virtual_appointments
    texting = {r for r in (sms.roles if sms and sms.settings.get("EnableSmsNotifications") else [])}
    where = (*at, "services")
    for j, service in enumerate(spec.services):
        named = f"service '{service.key}'"
        try:
            seconds = duration_seconds(service.duration)
            if not 0 < seconds <= 24 * 3600:
                add(
                    site,
                    _at(where, j, site, "duration"),
                    f"{named} lasts '{service.duration}'; a visit lasts more than 0 and at "
                    "most a day (PT24H)",
                )
        except ValueError as err:
            add(site, _at(where, j, site, "duration"), f"{named}: {err}")
        for ref in service.roles:
            if ref not in spec.staff_roles:
                add(
                    site,
                    _at(where, j, site, "roles"),
                    f"{named}: role '{ref}' is not one of the calendar's staff_roles "
                    f"({', '.join(spec.staff_roles)})",
                )
        # Roles already reported as unknown or not staff are left out.
        givers = [r for r in service.roles or spec.staff_roles if r in roles]
        givers = [r for r in givers if r in spec.staff_roles]
        if service.sms and not set(givers) <= texting:
            missing = sorted(set(givers) - texting)
            add(
                site,
                _at(where, j, site, "sms"),
                f"{named}: SMS reminders need the virtual appointments policy with "
                f"EnableSmsNotifications: true assigned to {', '.join(missing)} "
                "(policies.virtual_appointments)",
            )
    _unique(spec.services, "service", where, site, add)


def _partner(partner: PartnerSpec, at: tuple[Any, ...], site: str | None, add: Add) -> None:
    # `at` is the partner's path in the baseline; at a site, the partners list's.
    named = f"partner '{partner.key}'"
    for k, domain in enumerate(partner.domains):
        try:
            domain_of(domain)
        except ValueError as err:
            add(site, (*at, "domains", k) if site is None else at, f"{named}: {err}")
    for k, domain, _first in _repeats(partner.domains):
        add(
            site,
            (*at, "domains", k) if site is None else at,
            f"{named}: domain '{domain}' is listed twice",
        )


def site_timezone(site: Site, index: int, add: Add) -> None:
    """A site's own time zone is an IANA name (checked even when the baseline is not valid)."""
    if site.timezone and (problem := zone_problem(site.timezone)):
        add(site.code, ("sites", index, "timezone"), problem)


def check_site_care(site: Site, index: int, baseline: Baseline, add: Add) -> None:
    """What a site's own fields and members mean for its schedules and calendar."""
    here = ("sites", index)
    # The zone name itself is checked with the site's own fields (site_timezone).
    zone = site.timezone or baseline.timezone
    if not zone and baseline.care_coordination.schedule and site.wards:
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
    in_baseline = {p.key: (i, p) for i, p in enumerate(network.baseline.partners)}

    def where(key: str, field: str) -> tuple[str | None, tuple[Any, ...]]:
        # The baseline's declaration, or the override of the first site that adds it.
        if key in in_baseline:
            return None, ("baseline", "partners", in_baseline[key][0], field)
        code = declared[key][1][0]
        index = network.codes().index(code)
        items = network.sites[index].overrides.partners
        j = next(n for n, item in enumerate(items) if item.get("key") == key)
        return code, ("sites", index, "overrides", "partners", j, field)

    tenants: dict[str, str] = {}
    for key, (partner, _sites) in declared.items():
        if partner.tenant_id == network.tenant.id.lower():
            add(
                *where(key, "tenant_id"),
                f"partner '{key}' has this network's own tenant id {partner.tenant_id}; "
                "a partner is another organization's tenant",
            )
        elif partner.tenant_id in tenants:
            add(
                *where(key, "tenant_id"),
                f"partners '{tenants[partner.tenant_id]}' and '{key}' are the same tenant "
                f"{partner.tenant_id}: declare it once, under one key",
            )
        tenants.setdefault(partner.tenant_id, key)
        ours = sorted(d for d in partner.domains if d.lower() in own)
        if ours:
            add(
                *where(key, "domains"),
                f"partner '{key}' lists this tenant's own domains: {', '.join(ours)}",
            )
    for index, site in enumerate(network.sites):
        merged = {p.key: p for p in effective_baseline(network, site).partners}
        for j, item in enumerate(site.overrides.partners):
            ref = item.get("key")
            if ref not in merged:
                continue
            if ref in in_baseline:
                first, other = in_baseline[ref][1], "the baseline"
            else:
                first, sites = declared[ref]
                if sites[0] == site.code:
                    continue
                other = f"site {sites[0]}"
            partner = merged[ref]
            changed = [
                f"{name}: {getattr(partner, name)!r} here, {getattr(first, name)!r} there"
                for name in PartnerSpec.model_fields
                if getattr(partner, name) != getattr(first, name)
            ]
            if changed:
                add(
                    site.code,
                    ("sites", index, "overrides", "partners", j),
                    f"declares partner '{ref}' unlike {other} ({'; '.join(changed)}): a "
                    "partner is one tenant-wide object, so each key means the same partner "
                    "everywhere; change it in the baseline, or give another partner its own key",
                )


def _errors(
    err: ValidationError | ValueError, patterns: dict[str, str] | None = None
) -> list[tuple[str, tuple[Any, ...]]]:
    """Each error in words with its path; `patterns` words a pattern by its field's name."""
    if not isinstance(err, ValidationError):
        return [(str(err), ())]
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        ctx = e.get("ctx") or {}
        field = str(loc[-1]) if loc else ""
        if e["type"] == "literal_error":
            expected = ctx.get("expected") or str(ctx.get("msg") or e["msg"])
            expected = str(expected).removeprefix("Input should be ")
            message = f"should be one of {expected}; got {e.get('input')!r}"
        elif e["type"] == "string_pattern_mismatch" and field in (patterns or {}):
            message = f"{(patterns or {})[field]}; got {e.get('input')!r}"
        elif e["type"] == "unknown_setting":
            message = str(ctx.get("msg") or e["msg"])
        else:
            message = in_words(e)
        out.append((message, loc))
    return out
