"""Tokens, the tenant they are for, and the app's permissions and roles read from their claims.

Entra ID puts an app-only token's application permissions for the token's resource
in `roles` and the directory roles of the app's service principal, as role template
ids, in `wids`. Those claims are compared with hcinfra's manifest (`hcinfra permissions`).
"""

from __future__ import annotations

import time
from typing import Any

from hcinfra.clients.credentials import SCOPES
from hcinfra.doctor.context import Context
from hcinfra.doctor.model import BOOTSTRAP, OK, PROBLEM, WARNING, Check, plural, unchecked

# Entra ID's built-in role template ids (the same in every tenant).
ROLE_TEMPLATES = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Teams Administrator": "69091246-20e8-4a56-aa4d-066075b2a7a8",
}
# Global Administrator holds every admin API the service roles open.
GLOBAL_ADMIN = ROLE_TEMPLATES["Global Administrator"]
API_NAMES = {"graph": "Microsoft Graph", "exchange": "Office 365 Exchange Online"}


def token_checks(ctx: Context) -> list[Check]:
    """token.graph, token.exchange, token.teamsadmin: one token per service."""
    out = []
    for service in SCOPES:
        cid = f"token.{service}"
        claims = ctx.claims.get(service)
        if claims is None:
            fix = (
                "check the credential settings (docs/resources.md, connecting to a tenant): "
                "tenant id, client id and a valid secret, certificate or federated token"
            )
            out.append(
                Check(
                    cid,
                    PROBLEM,
                    f"no token for {SCOPES[service]}",
                    fix,
                    (ctx.token_errors.get(service, ""),),
                )
            )
            continue
        minutes = max(0, int((float(claims.get("exp", 0)) - time.time()) // 60))
        out.append(
            Check(
                cid,
                OK,
                f"token for {SCOPES[service]} (app {claims.get('appid', '?')}, "
                f"valid {minutes} more minutes)",
            )
        )
    return out


def tenant_check(ctx: Context) -> Check:
    """tenant.id: the tokens are for the tenant the network file declares."""
    tids = {str(c.get("tid", "")).lower() for c in ctx.claims.values()}
    if not tids:
        return unchecked("tenant.id", "no token to read the tenant from")
    declared = ctx.network.tenant.id.lower()
    if tids == {declared}:
        return Check(
            "tenant.id", OK, f"the tokens are for tenant {declared}, as the network declares"
        )
    return Check(
        "tenant.id",
        PROBLEM,
        f"the tokens are for tenant {', '.join(sorted(tids))}, the network declares {declared}",
        "point hcinfra:tenantId (or AZURE_TENANT_ID) at the network's tenant, or correct "
        "tenant.id in the network file",
    )


def _held(required: str, held: set[str]) -> bool:
    # X.ReadWrite.All grants everything X.Read.All does (as the manifest assumes).
    return required in held or required.replace(".Read.", ".ReadWrite.") in held


def _app_permissions(ctx: Context, service: str, required: list[str]) -> Check:
    cid = f"permissions.{service}"
    why = ctx.no_token(service)
    if why:
        return unchecked(cid, why)
    held = {str(r) for r in ctx.claims[service].get("roles") or []}
    missing = [p for p in required if not _held(p, held)]
    api = API_NAMES[service]
    if not missing:
        return Check(
            cid,
            OK,
            f"the app holds the {plural(len(required), 'permission')} hcinfra needs on {api}",
        )
    fix = (
        f"grant the application permission(s) {', '.join(missing)} of the API {api} to the app "
        f"(Entra admin center: App registrations > API permissions > Add > {api} > "
        f"Application permissions), then grant admin consent; or rerun {BOOTSTRAP}"
    )
    return Check(
        cid,
        PROBLEM,
        f"the app lacks {plural(len(missing), 'permission')} on {api}: {', '.join(missing)}",
        fix,
        tuple(missing),
    )


def _directory_roles(ctx: Context, required: list[str]) -> Check:
    cid = "roles.directory"
    if not ctx.claims:
        return unchecked(cid, "no token to read the app's directory roles from")
    if not any("wids" in c for c in ctx.claims.values()):
        # Entra documents claims as optional; app-only tokens seen in the wild carry `wids`
        # (at least the default service principal role), so its absence proves nothing.
        return Check(
            cid,
            WARNING,
            "the tokens carry no wids claim: the app's directory roles could not be read; "
            f"the Exchange and Teams probes show whether {', '.join(required)} are held",
        )
    wids = {str(w).lower() for c in ctx.claims.values() for w in c.get("wids") or []}
    if GLOBAL_ADMIN in wids:
        return Check(cid, OK, "the app holds Global Administrator, which covers every role needed")
    missing = [r for r in required if ROLE_TEMPLATES.get(r, "?") not in wids]
    if not missing:
        return Check(cid, OK, f"the app holds the directory roles {', '.join(required)}")
    fix = (
        f"assign the directory role(s) {', '.join(missing)} to the app's service principal "
        f"(Entra admin center: Roles and administrators > role > Add assignments); or rerun "
        f"{BOOTSTRAP}. A new role reaches tokens issued after it is assigned"
    )
    return Check(
        cid,
        PROBLEM,
        f"the app lacks the directory role(s) {', '.join(missing)}",
        fix,
        tuple(missing),
    )


def permission_checks(ctx: Context, manifest: dict[str, Any]) -> list[Check]:
    """permissions.graph, permissions.exchange and roles.directory against the manifest."""
    services = manifest["services"]
    return [
        _app_permissions(ctx, "graph", list(services["graph"])),
        _app_permissions(ctx, "exchange", list(services["exchange"])),
        _directory_roles(ctx, list(services["directory_roles"])),
    ]
