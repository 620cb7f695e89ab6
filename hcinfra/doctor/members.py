"""members.resolve: every declared member and owner is a user of the tenant.

Graph allows at most 15 values in one `in` filter clause (REF:
https://learn.microsoft.com/graph/filter-query-parameter, "in" limitations) and 20
requests per `$batch`, so 300 users cost one call on the wire. Team owners are
members of a role (`owners_role`), so the members cover them.
"""

from __future__ import annotations

from urllib.parse import quote

from hcinfra.clients.errors import TenantError
from hcinfra.doctor.context import Context
from hcinfra.doctor.model import OK, PROBLEM, Check, plural, unchecked
from hcinfra.network.model import Network
from hcinfra.network.plan import plan_site

CHECK = "members.resolve"
MAX_IN = 15  # values per `in (...)` clause


def declared(network: Network) -> dict[str, list[str]]:
    """Each declared UPN (lower case) and where it is declared (`STM clinical`)."""
    out: dict[str, list[str]] = {}
    for code in network.codes():
        for group in plan_site(network, code).groups:
            for upn in group.members:
                out.setdefault(upn.lower(), []).append(f"{code} {group.role}")
    return out


def in_query(collection: str, prop: str, values: list[str], select: str) -> str:
    """`/collection?$filter=prop in (…)&$select=…` for at most MAX_IN values."""
    quoted = ",".join("'" + v.replace("'", "''") + "'" for v in values)
    clause = quote(f"{prop} in ({quoted})")
    return f"/{collection}?$filter={clause}&$select={select}&$top={MAX_IN}"


def chunks(values: list[str]) -> list[list[str]]:
    """The values, MAX_IN to a list (one `in` clause each)."""
    return [values[i : i + MAX_IN] for i in range(0, len(values), MAX_IN)]


def _query(upns: list[str]) -> str:
    return in_query("users", "userPrincipalName", upns, "id,userPrincipalName")


def member_check(ctx: Context) -> Check:
    """Look every declared UPN up, 15 to a query, 20 queries to a `$batch`."""
    why = ctx.no_token("graph")
    if why:
        return unchecked(CHECK, why)
    wanted = declared(ctx.network)
    upns = sorted(wanted)
    if not upns:
        return Check(CHECK, OK, "the network declares no members")
    try:
        answers = ctx.graph_batch().get({f"u{n}": _query(c) for n, c in enumerate(chunks(upns))})
    except TenantError as err:
        return unchecked(CHECK, f"reading users failed: {err.describe()}")
    found: set[str] = set()
    for answer in answers.values():
        if not answer.ok:
            error = answer.body.get("error") or {}
            return unchecked(
                CHECK,
                f"GET /users answered {answer.status} {error.get('code', '')}: "
                f"{error.get('message', '')}",
            )
        found |= {str(u.get("userPrincipalName", "")).lower() for u in answer.values()}
    missing = [u for u in upns if u not in found]
    if not missing:
        return Check(CHECK, OK, f"all {plural(len(upns), 'declared member')} exist in the tenant")
    details = tuple(f"{u} ({', '.join(wanted[u])})" for u in missing)
    return Check(
        CHECK,
        PROBLEM,
        f"{plural(len(missing), 'declared member')} not in the tenant: {', '.join(missing[:5])}"
        + (" …" if len(missing) > 5 else ""),
        "correct the userPrincipalName in the network file, or create the user first "
        "(a deploy fails on the first member the tenant does not have)",
        details,
    )
