"""licences.skus, licences.seats, licences.plans: the network's licences fit the tenant's SKUs.

One `GET /subscribedSkus` (REF: https://learn.microsoft.com/graph/api/subscribedsku-list):
free seats are `prepaidUnits.enabled - consumedUnits`, plus the seats the network's own
role groups hold already (on a deployed tenant they are the network's, not taken from it):
the declared users' `licenseAssignmentStates` assigned by those groups, read in the same
`$batch`. The seats a network needs per SKU are counted as `hcinfra validate` counts them
against `tenant.licence_pool` (per site and role, the larger of `seats` and the declared
members).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from hcinfra.clients.errors import TenantError
from hcinfra.doctor.context import Context
from hcinfra.doctor.members import chunks, declared, in_query
from hcinfra.doctor.model import OK, PROBLEM, Check, plural, unchecked
from hcinfra.network.model import Network
from hcinfra.network.plan import effective_baseline, plan_site

IDS = ("licences.skus", "licences.seats", "licences.plans")


def wanted(network: Network) -> tuple[Counter[str], dict[str, set[str]]]:
    """Seats needed per SKU part number, and the service plans the network disables in each."""
    seats: Counter[str] = Counter()
    plans: dict[str, set[str]] = {}
    for site in network.sites:
        for role in effective_baseline(network, site).roles:
            need = max(role.seats, len(role.members) + len(site.members.get(role.key, [])))
            for lic in role.licences:
                seats[lic.sku] += need
                plans.setdefault(lic.sku, set()).update(lic.disabled_plans)
    for role in network.baseline.roles:
        for lic in role.licences:
            seats.setdefault(lic.sku, 0)
            plans.setdefault(lic.sku, set()).update(lic.disabled_plans)
    return seats, plans


def places(network: Network) -> dict[str, list[str]]:
    """Where each SKU, and each disabled plan (`SKU: PLAN`), is declared: `STM clinical`."""
    out: dict[str, list[str]] = {}
    for site in network.sites:
        for role in effective_baseline(network, site).roles:
            for lic in role.licences:
                out.setdefault(lic.sku, []).append(f"{site.code} {role.key}")
                for plan in lic.disabled_plans:
                    out.setdefault(f"{lic.sku}: {plan}", []).append(f"{site.code} {role.key}")
    for role in network.baseline.roles:
        for lic in role.licences:
            out.setdefault(lic.sku, [f"baseline {role.key}"])
            for plan in lic.disabled_plans:
                out.setdefault(f"{lic.sku}: {plan}", [f"baseline {role.key}"])
    return out


def _located(item: str, where: dict[str, list[str]]) -> str:
    """`ENTERPRISEPACK (STM nurse-managers, HSA nurse-managers)`."""
    found = where.get(item)
    return f"{item} ({', '.join(found)})" if found else item


@dataclass(frozen=True)
class Tenant:
    """What one `$batch` read of the tenant's licences found."""

    skus: dict[str, dict[str, Any]]  # by skuPartNumber
    held: Counter[str]  # seats per part number held now through the network's role groups
    unread: str = ""  # why `held` could not be read (then it counts 0)


def _error(path: str, answer: Any) -> str:
    error = answer.body.get("error") or {}
    return (
        f"GET {path} answered {answer.status} {error.get('code', '')}: "
        f"{error.get('message', '')}".rstrip(": ")
    )


def _read(ctx: Context) -> Tenant | str:
    """The tenant's SKUs and the seats the network holds, or why the SKUs could not be read."""
    network = ctx.network
    nicknames = sorted(
        {g.mail_nickname for code in network.codes() for g in plan_site(network, code).groups}
    )
    upns = sorted(declared(network))
    requests = {"skus": "/subscribedSkus"}
    for n, part in enumerate(chunks(nicknames)):
        requests[f"g{n}"] = in_query("groups", "mailNickname", part, "id,mailNickname")
    for n, part in enumerate(chunks(upns)):
        requests[f"u{n}"] = in_query(
            "users", "userPrincipalName", part, "id,licenseAssignmentStates"
        )
    try:
        answers = ctx.graph_batch().get(requests)
        answer = answers["skus"]
    except (TenantError, KeyError) as err:
        return f"GET /subscribedSkus failed: {err}"
    if not answer.ok:
        return _error("/subscribedSkus", answer)
    skus = {str(s.get("skuPartNumber")): s for s in answer.values()}
    unread = next(
        (_error("/groups" if k[0] == "g" else "/users", a) for k, a in answers.items() if not a.ok),
        "",
    )
    groups = {
        str(g.get("id")) for k, a in answers.items() if k[0] == "g" and a.ok for g in a.values()
    }
    part_of = {str(s.get("skuId")): name for name, s in skus.items()}
    holders: dict[str, set[str]] = {}
    for key, a in answers.items():
        if key[0] != "u" or not a.ok:
            continue
        for user in a.values():
            for state in user.get("licenseAssignmentStates") or []:
                sku = part_of.get(str(state.get("skuId")))
                if (
                    sku
                    and state.get("state") == "Active"
                    and state.get("assignedByGroup") in groups
                ):
                    holders.setdefault(sku, set()).add(str(user.get("id")))
    held = Counter({sku: len(users) for sku, users in holders.items()})
    return Tenant(skus, held, unread)


def _free(sku: dict[str, Any], held: int) -> tuple[int, int, int]:
    """Seats free to the network: unassigned ones and those its own groups hold already."""
    enabled = int((sku.get("prepaidUnits") or {}).get("enabled") or 0)
    consumed = int(sku.get("consumedUnits") or 0)
    return enabled - consumed + held, enabled, consumed


def licence_checks(ctx: Context) -> list[Check]:
    """The three licence checks from one read of the tenant's SKUs."""
    why = ctx.no_token("graph")
    tenant = why or _read(ctx)
    if isinstance(tenant, str):
        return [unchecked(i, tenant) for i in IDS]
    skus = tenant.skus
    seats, plans = wanted(ctx.network)
    where = places(ctx.network)
    absent = sorted(s for s in seats if s not in skus)
    out = [_skus_check(sorted(seats), absent, sorted(skus), where)]
    present = [s for s in sorted(seats) if s in skus]
    out.append(_seats_check(present, seats, tenant))
    out.append(_plans_check(present, plans, skus, where))
    return out


def _skus_check(
    named: list[str], absent: list[str], held: list[str], where: dict[str, list[str]]
) -> Check:
    if not absent:
        return Check(
            IDS[0],
            OK,
            f"the tenant subscribes to the {plural(len(named), 'SKU')} "
            f"the network names: {', '.join(named) or '(none)'}",
        )
    return Check(
        IDS[0],
        PROBLEM,
        f"the tenant has no subscription to {', '.join(absent)}",
        "buy or activate the subscription, or name the SKU by the skuPartNumber the tenant "
        f"lists (it has {', '.join(held) or 'none'}; some tenants show M365_F1 for "
        "M365_F1_COMM) in the network's licences",
        tuple(_located(s, where) for s in absent),
    )


def _seats_check(present: list[str], seats: Counter[str], tenant: Tenant) -> Check:
    details, short = [], []
    for sku in present:
        held = tenant.held[sku]
        free, enabled, consumed = _free(tenant.skus[sku], held)
        ours = f", {held} of them by the network's groups" if held else ""
        details.append(
            f"{sku}: {seats[sku]} needed, {free} free "
            f"({enabled} enabled, {consumed} consumed{ours})"
        )
        if free < seats[sku]:
            short.append(f"{sku} ({seats[sku] - free} short)")
    if tenant.unread:
        details.append(f"seats the network's groups hold were not read: {tenant.unread}")
    if not short:
        return Check(
            IDS[1],
            OK,
            f"enough free seats in {plural(len(present), 'SKU')}",
            details=tuple(details),
        )
    return Check(
        IDS[1],
        PROBLEM,
        f"not enough free seats: {', '.join(short)}",
        "buy more licences, free assigned ones, or lower the roles' seats in the network "
        "file (seats the network's own groups hold already count as free to it)",
        tuple(details),
    )


def _plans_check(
    present: list[str],
    plans: dict[str, set[str]],
    skus: dict[str, Any],
    where: dict[str, list[str]],
) -> Check:
    unknown = []
    for sku in present:
        offered = {str(p.get("servicePlanName")) for p in skus[sku].get("servicePlans") or []}
        unknown += [f"{sku}: {p}" for p in sorted(plans.get(sku, set()) - offered)]
    named = sum(len(plans.get(s, set())) for s in present)
    if not unknown:
        return Check(
            IDS[2],
            OK,
            f"every disabled service plan the network names ({named}) is a plan of its SKU",
        )
    return Check(
        IDS[2],
        PROBLEM,
        f"disabled plans the SKU does not have: {', '.join(unknown)}",
        "name the plans by their servicePlanName as `GET /subscribedSkus` lists them for that "
        "SKU, or remove them from disabled_plans",
        tuple(_located(u, where) for u in unknown),
    )
