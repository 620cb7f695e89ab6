"""licences.skus, licences.seats, licences.plans: the network's licences fit the tenant's SKUs.

One `GET /subscribedSkus` (REF: https://learn.microsoft.com/graph/api/subscribedsku-list):
free seats are `prepaidUnits.enabled - consumedUnits`; the seats a network needs per SKU
are counted as `hcinfra validate` counts them against `tenant.licence_pool` (per site and
role, the larger of `seats` and the declared members).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hcinfra.clients.errors import TenantError
from hcinfra.doctor.context import Context
from hcinfra.doctor.model import OK, PROBLEM, Check, plural, unchecked
from hcinfra.network.model import Network
from hcinfra.network.plan import effective_baseline

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


def _read_skus(ctx: Context) -> dict[str, dict[str, Any]] | str:
    """The tenant's SKUs by part number, or why they could not be read."""
    try:
        answer = ctx.graph_batch().get({"skus": "/subscribedSkus"})["skus"]
    except (TenantError, KeyError) as err:
        return f"GET /subscribedSkus failed: {err}"
    if not answer.ok:
        error = answer.body.get("error") or {}
        return (
            f"GET /subscribedSkus answered {answer.status} {error.get('code', '')}: "
            f"{error.get('message', '')}".rstrip(": ")
        )
    return {str(s.get("skuPartNumber")): s for s in answer.values()}


def _free(sku: dict[str, Any]) -> tuple[int, int, int]:
    enabled = int((sku.get("prepaidUnits") or {}).get("enabled") or 0)
    consumed = int(sku.get("consumedUnits") or 0)
    return enabled - consumed, enabled, consumed


def licence_checks(ctx: Context) -> list[Check]:
    """The three licence checks from one read of the tenant's SKUs."""
    why = ctx.no_token("graph")
    skus = why or _read_skus(ctx)
    if isinstance(skus, str):
        return [unchecked(i, skus) for i in IDS]
    seats, plans = wanted(ctx.network)
    absent = sorted(s for s in seats if s not in skus)
    out = [_skus_check(sorted(seats), absent, sorted(skus))]
    present = [s for s in sorted(seats) if s in skus]
    out.append(_seats_check(present, seats, skus))
    out.append(_plans_check(present, plans, skus))
    return out


def _skus_check(named: list[str], absent: list[str], held: list[str]) -> Check:
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
        tuple(absent),
    )


def _seats_check(present: list[str], seats: Counter[str], skus: dict[str, Any]) -> Check:
    details, short = [], []
    for sku in present:
        free, enabled, consumed = _free(skus[sku])
        details.append(
            f"{sku}: {seats[sku]} needed, {free} free ({enabled} enabled, {consumed} consumed)"
        )
        if free < seats[sku]:
            short.append(f"{sku} ({seats[sku] - free} short)")
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
        "file (seats already held by the network's own groups count as consumed)",
        tuple(details),
    )


def _plans_check(present: list[str], plans: dict[str, set[str]], skus: dict[str, Any]) -> Check:
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
        tuple(unknown),
    )
