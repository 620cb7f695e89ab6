"""signin.delegated: the operator's sign-in that VirtualVisits' delegated-only creates need.

Only when a site declares virtual visits. The check takes a token from the sign-in's
cache silently, as the provider will (it never prompts), and reads the token's own
claims: the account and whether it holds Bookings.Manage.All. Nothing is written.
"""

from __future__ import annotations

from hcinfra.clients.delegated import BOOKINGS_SCOPE, DelegatedCredential, DelegatedSignInRequired
from hcinfra.doctor.context import Context, decode_claims
from hcinfra.doctor.model import OK, PROBLEM, Check
from hcinfra.network.model import Network
from hcinfra.network.plan import effective_baseline

CHECK = "signin.delegated"
SCOPE = BOOKINGS_SCOPE.rsplit("/", 1)[1]
FIX = (
    "run `hcinfra signin` once as a Bookings administrator, with hcinfra:delegatedClientId "
    "set (docs/resources.md, 'A signed-in user for VirtualVisits')"
)


def visit_sites(network: Network) -> list[str]:
    """The sites declaring a virtual visits calendar."""
    return [s.code for s in network.sites if effective_baseline(network, s).virtual_visits]


def signin_check(ctx: Context) -> Check:
    """A silent delegated token for Bookings, when any site declares virtual visits."""
    sites = visit_sites(ctx.network)
    if not sites:
        return Check(CHECK, OK, "no site declares virtual visits: no sign-in is needed")
    try:
        token = DelegatedCredential(ctx.conn.settings).get_token(BOOKINGS_SCOPE)
    except DelegatedSignInRequired as err:
        return Check(
            CHECK,
            PROBLEM,
            f"virtual visits at {', '.join(sites)} need a signed-in operator: {err}",
            FIX,
        )
    claims = decode_claims(token.token)
    who = claims.get("upn") or claims.get("preferred_username") or claims.get("oid") or "?"
    scopes = str(claims.get("scp", "")).split()
    if SCOPE not in scopes:
        return Check(
            CHECK,
            PROBLEM,
            f"the sign-in of {who} lacks the delegated {SCOPE} (it holds "
            f"{', '.join(scopes) or 'no scope'})",
            "grant the operator app the delegated Bookings.Manage.All with consent, then "
            "run `hcinfra signin` again",
        )
    return Check(
        CHECK, OK, f"signed in as {who}, with the delegated {SCOPE} (for {', '.join(sites)})"
    )
