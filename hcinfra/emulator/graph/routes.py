"""The Graph service: version prefixes, permissions, and Graph's error body."""

from __future__ import annotations

import re

from hcinfra.emulator.core.http import Req, Resp, Route
from hcinfra.emulator.core.seed import Seed
from hcinfra.emulator.core.service import Service, ServiceError
from hcinfra.emulator.core.tokens import GRAPH_AUDIENCE
from hcinfra.emulator.graph import (  # noqa: F401
    apps,
    batch,
    bookings,
    counts,
    crosstenant,
    deleted,
    groups,
    licensing,
    schedules,
    sites,
    teams,
    teamspolicies,
    users,
)
from hcinfra.emulator.graph.errors import (
    GraphError,
    directory_denied,
    render,
    teams_denied,
)
from hcinfra.emulator.graph.permissions import ROUTE_PERMISSIONS, TEAMS_ROUTES
from hcinfra.emulator.graph.router import router

KEY_SEGMENT = re.compile(r"(\w)\('([^'=]*)'\)")


class GraphService(Service):
    """https://graph.microsoft.com/{v1.0|beta}/…"""

    name = "graph"
    prefixes = ("/v1.0/", "/beta/")
    audience = GRAPH_AUDIENCE
    router = router

    def on_seed(self, seed: Seed) -> None:
        users.seed_users(self.store, seed, self.now())
        licensing.seed_skus(self.store, seed)

    def route_path(self, path: str) -> tuple[str, str]:
        version, _, rest = path[1:].partition("/")
        # /teams('id')/operations('op') is the same resource as /teams/id/operations/op.
        return KEY_SEGMENT.sub(r"\1/\2", "/" + rest), version

    def authorize(self, req: Req, route: Route) -> None:
        if route.permission in bookings.RULES:
            return bookings.authorize(req, route.permission)
        accepted = ROUTE_PERMISSIONS.get(route.permission)
        if not accepted:
            return
        held = req.principal.roles if req.principal else frozenset()
        if held & set(accepted):
            return
        if route.permission in TEAMS_ROUTES:
            raise teams_denied(accepted, sorted(held))
        raise directory_denied()

    def render(self, err: ServiceError, req: Req) -> Resp:
        return render(err, req)

    def enter(self, req: Req) -> Resp | None:
        refused = bookings.enter(req)
        return None if refused is None else self.render(refused, req)

    def leave(self, req: Req) -> None:
        bookings.leave(req)

    def is_write(self, req: Req) -> bool:
        # A $batch envelope is not a write; its items are logged, and counted, one by one.
        return super().is_write(req) and not req.path.endswith("/$batch")

    def not_found_route(self, req: Req) -> ServiceError:
        segment = req.path_in_version.strip("/").split("/")[0]
        if segment == "me":
            # /me names a signed-in user; app-only callers have none (user-get).
            return GraphError(
                400, "BadRequest", "/me request is only valid with delegated authentication flow."
            )
        return GraphError(400, "BadRequest", f"Resource not found for the segment '{segment}'.")

    def method_not_allowed(self, req: Req) -> ServiceError:
        return GraphError(
            405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri."
        )
