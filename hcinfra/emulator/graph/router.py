"""The one router every Graph area registers its handlers on.

Graph's router wraps each handler: before it, the query options are checked against what the
route serves (system query options match whatever their case, as in Graph; one the route
does not serve is refused, never ignored); after it, a JSON answer gets the OData headers
Graph sends (`Content-Type` with `odata.metadata=minimal`, `OData-Version: 4.0`), as the
JSON batching page shows them on each response.

REF: https://learn.microsoft.com/en-us/graph/json-batching
"""

from __future__ import annotations

import functools
from typing import Any

from hcinfra.emulator.core.http import Handler, Req, Resp, Route, Router

ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)


class GraphRouter(Router):
    """Routes whose handlers follow Graph's query-option and header rules."""

    def add(self, method: str, pattern: str, permission: str = "") -> Any:
        """Decorator registering a handler, wrapped with Graph's request and answer rules."""

        def register(fn: Handler) -> Handler:
            self.routes.append(Route(method, pattern, _wrap(fn, method, pattern), permission))
            return fn

        return register

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Literal routes (`/groups/$count`) win over ones with placeholders (`/groups/{gid}`)."""
        ordered = sorted(self.routes, key=lambda r: "{" in r.pattern)
        for route in ordered:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None


def _wrap(fn: Handler, method: str, pattern: str) -> Handler:
    @functools.wraps(fn)
    def handle(req: Req, **params: Any) -> Resp:
        from hcinfra.emulator.graph.options import check_options

        req.query = {(k.lower() if k.startswith("$") else k): v for k, v in req.query.items()}
        check_options(req, method, pattern)
        resp = fn(req, **params)
        typed = any(k.lower() == "content-type" for k in resp.headers)
        if isinstance(resp.body, dict) and resp.status < 400 and pattern != "/$batch" and not typed:
            resp.headers["Content-Type"] = ODATA_JSON
            resp.headers["OData-Version"] = "4.0"
        return resp

    return handle


router = GraphRouter()
