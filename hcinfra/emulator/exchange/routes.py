"""Exchange admin API routes: POST /adminapi/beta/{tenantId}/InvokeCommand.

Token checks follow Exchange's app-only rules: the Exchange.ManageAsApp app role, then an
Exchange Administrator (or Global Administrator) directory role. Without the role Exchange
loads no cmdlets for the caller, so every cmdlet looks unknown: 403 with no body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcinfra.emulator.core.http import Req, Resp, Route, Router
from hcinfra.emulator.core.service import Service, ServiceError
from hcinfra.emulator.core.tokens import EXCHANGE_AUDIENCE
from hcinfra.emulator.exchange import errors
from hcinfra.emulator.exchange.backend import Backend
from hcinfra.emulator.exchange.cmdlets import CMDLETS, Outcome
from hcinfra.emulator.exchange.params import bind
from hcinfra.emulator.exchange.permissions import Permissions

if TYPE_CHECKING:
    from hcinfra.emulator.core.tenant import Tenant

router = Router()
MANAGE_AS_APP = "Exchange.ManageAsApp"
ADMIN_ROLES = ("Exchange Administrator", "Global Administrator")
SID_KEYS = ("UserSid", "TrusteeSidString")
PAGE_SIZE = 1000  # the module's default Prefer, and the most one page holds
CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;"
    "IEEE754Compatible=false;charset=utf-8"
)


class ExchangeService(Service):
    """POST /adminapi/beta/{tenantId}/InvokeCommand."""

    name = "exchange"
    prefixes = ("/adminapi/",)
    audience = EXCHANGE_AUDIENCE
    router = router

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant)
        self.backend = Backend(self)
        self.permissions = Permissions(self.backend)

    def authorize(self, req: Req, route: Route) -> None:
        principal = req.principal
        if principal is None or MANAGE_AS_APP not in principal.roles:
            raise errors.MissingManageAsApp()
        if not any(principal.has_role(role) for role in ADMIN_ROLES):
            raise errors.EmptyForbidden()

    def render(self, err: ServiceError, req: Req) -> Resp:
        return errors.render(err, self.tenant.seed.exchange)

    def is_write(self, req: Req) -> bool:
        # Every cmdlet is a POST; only the Get- ones leave the tenant as it was.
        try:
            name = str((req.json() or {}).get("CmdletInput", {}).get("CmdletName", ""))
        except (ValueError, AttributeError):
            return True
        return not name.lower().startswith("get-")

    def not_found_route(self, req: Req) -> ServiceError:
        return ServiceError(404, "NotFound", f"The resource '{req.path}' was not found.")

    def unauthorized(self, req: Req, message: str) -> Resp:
        challenge = {"WWW-Authenticate": errors.WWW_AUTHENTICATE}
        return self.render(ServiceError(401, "Unauthorized", message, challenge), req)

    def known_tenant(self, name: str) -> bool:
        """True for the tenant id or one of its domains."""
        return name.lower() in {self.tenant.tenant_id, *(d.lower() for d in self.tenant.domains)}


@router.add("POST", "/adminapi/beta/{tenant}/InvokeCommand")
def invoke_command(req: Req, tenant: str) -> Resp:
    svc: ExchangeService = req.service
    if not svc.known_tenant(tenant):
        raise ServiceError(404, "NotFound", f"The tenant '{tenant}' was not found.")
    body = req.json()
    cmdlet_input = body.get("CmdletInput") if isinstance(body, dict) else None
    name = cmdlet_input.get("CmdletName") if isinstance(cmdlet_input, dict) else None
    if not isinstance(cmdlet_input, dict) or not isinstance(name, str):
        raise ServiceError(
            400, "BadRequest", 'The request body must be {"CmdletInput": {"CmdletName": …}}.'
        )
    cmdlet = CMDLETS.get(name.strip().lower())
    if cmdlet is None:
        raise errors.EmptyForbidden()
    args = bind(cmdlet.params, cmdlet_input.get("Parameters"))
    offset = _skiptoken(req.query.get("$skiptoken"))
    if offset and cmdlet.mutates:
        # Only reads page; replaying a write to fetch "page 2" would run it twice.
        raise ServiceError(400, "BadRequest", f"{cmdlet.name} does not return pages.")
    if args.get("WhatIf") and cmdlet.mutates:
        outcome = Outcome()
    else:
        svc.backend.graph_delay_s = req.consistency_ms / 1000
        outcome = cmdlet.run(svc.backend, svc.permissions, args)
    values = _select(outcome.values, req.query.get("$select"))
    if not svc.tenant.seed.exchange.permission_sids:
        # The variant where permission rows name their principal but carry no SID.
        values = [{k: v for k, v in item.items() if k not in SID_KEYS} for item in values]
    size, asked = _page_size(req.headers.get("prefer", ""))
    base = f"{req.base_url}/adminapi/beta/{tenant}"
    page: dict[str, Any] = {
        "@odata.context": f"{base}/$metadata#Collection(Exchange.GenericHashTable)",
        "@adminapi.warnings": outcome.warnings,
        "value": values[offset : offset + size],
    }
    if offset + size < len(values):
        select = f"&$select={req.query['$select']}" if req.query.get("$select") else ""
        page["@odata.nextLink"] = f"{base}/InvokeCommand?$skiptoken={offset + size}{select}"
    headers = {"Content-Type": CONTENT_TYPE}
    if asked:
        headers["Preference-Applied"] = f"odata.maxpagesize={size}"
    return Resp(200, page, headers)


def _skiptoken(raw: str | None) -> int:
    if raw is None:
        return 0
    if not raw.isdigit():
        raise ServiceError(400, "BadRequest", f"The skip token '{raw}' is not valid.")
    return int(raw)


def _page_size(prefer: str) -> tuple[int, bool]:
    for pref in prefer.split(","):
        key, _, value = pref.strip().partition("=")
        if key.strip().lower() == "odata.maxpagesize" and value.strip().isdigit():
            return max(1, min(int(value), PAGE_SIZE)), True
    return PAGE_SIZE, False


def _select(values: list[dict[str, Any]], raw: str | None) -> list[dict[str, Any]]:
    if not raw:
        return values
    wanted = {p.strip().lower() for p in raw.split(",") if p.strip()}
    return [{k: v for k, v in item.items() if k.lower() in wanted} for item in values]
