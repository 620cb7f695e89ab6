"""Graph service (stub, being filled in)."""

from __future__ import annotations

from hcinfra.emulator.core.http import Router
from hcinfra.emulator.core.service import Service
from hcinfra.emulator.core.tokens import GRAPH_AUDIENCE

router = Router()


class GraphService(Service):
    """https://graph.microsoft.com/{v1.0|beta}/…"""

    name = "graph"
    prefixes = ("/v1.0/", "/beta/", "/v1.0", "/beta")
    audience = GRAPH_AUDIENCE
    router = router
