"""Exchange admin API routes (stub, being filled in)."""

from __future__ import annotations

from hcinfra.emulator.core.http import Router
from hcinfra.emulator.core.service import Service
from hcinfra.emulator.core.tokens import EXCHANGE_AUDIENCE

router = Router()


class ExchangeService(Service):
    """POST /adminapi/beta/{tenantId}/InvokeCommand."""

    name = "exchange"
    prefixes = ("/adminapi/",)
    audience = EXCHANGE_AUDIENCE
    router = router
