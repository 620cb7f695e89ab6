"""Get-AcceptedDomain: the tenant's accepted domains, derived from its verified domains.

REF: https://learn.microsoft.com/powershell/module/exchange/get-accepteddomain
(parameters Identity and ResultSize in Exchange Online). Exchange Online adds every
domain verified in the tenant as an accepted domain, Authoritative by default, and
the initial (onmicrosoft.com) domain is the default until an administrator picks
another. The output properties below are the ones the cmdlet prints that callers
read (Name, DomainName, DomainType, Default, InitialDomain, MatchSubDomains, …);
the emulator has no Set-AcceptedDomain, so none of them ever changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcinfra.emulator.core.seed import stable_id
from hcinfra.emulator.exchange import errors
from hcinfra.emulator.exchange.params import Param
from hcinfra.emulator.exchange.recipients import DN_TAIL, Recipients

if TYPE_CHECKING:
    from hcinfra.emulator.exchange.cmdlets import Outcome

PARAMS = (Param("Identity"), Param("ResultSize", "resultsize"))


def _domain(name: str, initial: bool) -> dict[str, Any]:
    guid = stable_id("accepteddomain", name.lower())
    return {
        "Identity": name,
        "Id": name,
        "Guid": guid,
        "Name": name,
        "DomainName": name,
        "DomainType": "Authoritative",
        "Default": initial,
        "InitialDomain": initial,
        "MatchSubDomains": False,
        "AddressBookEnabled": True,
        "AuthenticationType": "Managed",
        "OutboundOnly": False,
        "PendingRemoval": False,
        "PendingCompletion": False,
        "SendingFromDomainDisabled": False,
        "DistinguishedName": f"CN={name},CN=Accepted Domains,CN=Transport Settings,{DN_TAIL}",
    }


def accepted_domains(backend: Recipients, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Every accepted domain, or the one `Identity` names (its name or Guid)."""
    names = [str(d) for d in backend.service.tenant.domains]
    found = [_domain(name, n == 0) for n, name in enumerate(names)]
    identity = args.get("Identity")
    if identity:
        wanted = str(identity).lower()
        found = [d for d in found if wanted in (d["Name"].lower(), d["Guid"].lower())]
        if not found:
            raise errors.not_found(str(identity))
    size = args.get("ResultSize", 1000)
    return found if size is None else found[:size]


def get_accepted_domain(backend: Recipients, perms: Any, args: dict[str, Any]) -> Outcome:
    """The cmdlet as cmdlets.py registers it."""
    # cmdlets.py imports this module to register the cmdlet: import its Outcome late.
    from hcinfra.emulator.exchange.cmdlets import Outcome

    return Outcome(accepted_domains(backend, args))
