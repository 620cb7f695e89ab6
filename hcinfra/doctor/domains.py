"""domains.accepted: the network's mail domains are accepted domains of Exchange Online.

Get-AcceptedDomain (REF: https://learn.microsoft.com/powershell/module/exchange/get-accepteddomain)
needs only what hcinfra already holds: Exchange.ManageAsApp and the Exchange
Administrator role. Shared mailboxes get addresses in the sites' mail domains, which
New-Mailbox refuses outside the accepted domains.
"""

from __future__ import annotations

from hcinfra.clients.errors import TenantError
from hcinfra.doctor.context import Context
from hcinfra.doctor.model import OK, PROBLEM, Check, plural, unchecked

CHECK = "domains.accepted"


def network_domains(ctx: Context) -> list[str]:
    """The tenant's declared domains, then each site's mail domain, once each."""
    names = [*ctx.network.tenant.domains, *(s.mail_domain for s in ctx.network.sites)]
    return list(dict.fromkeys(n.lower() for n in names))


def declared_in(ctx: Context, domain: str) -> str:
    """Where the network names a domain: `tenant.domains`, `STM mail_domain`."""
    where = ["tenant.domains"] if domain in (d.lower() for d in ctx.network.tenant.domains) else []
    where += [f"{s.code} mail_domain" for s in ctx.network.sites if s.mail_domain.lower() == domain]
    return ", ".join(where)


def domain_check(ctx: Context) -> Check:
    """Every declared domain is among Get-AcceptedDomain's DomainName values."""
    why = ctx.no_token("exchange")
    if why:
        return unchecked(CHECK, why)
    try:
        found = ctx.conn.exchange.invoke("Get-AcceptedDomain")
    except TenantError as err:
        return unchecked(CHECK, f"Get-AcceptedDomain failed: {err.describe()}")
    accepted = {str(d.get("DomainName", "")).lower(): d for d in found}
    wanted = network_domains(ctx)
    missing = [d for d in wanted if d not in accepted]
    details = tuple(
        f"{d}: {accepted[d].get('DomainType', '?')}"
        + (" (default)" if accepted[d].get("Default") else "")
        if d in accepted
        else f"{d}: not accepted ({declared_in(ctx, d)})"
        for d in wanted
    )
    if not missing:
        return Check(
            CHECK,
            OK,
            f"the network's {plural(len(wanted), 'domain')} are accepted domains",
            details=details,
        )
    return Check(
        CHECK,
        PROBLEM,
        f"not accepted by Exchange Online: {', '.join(missing)}",
        "add and verify the domain(s) in the Microsoft 365 admin center (Settings > Domains): "
        "Exchange Online accepts a domain once it is verified; or correct the network file's "
        "tenant.domains and sites' mail_domain",
        details,
    )
