"""What every emulated service provides: its routes, its audience and its error shape."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcinfra.emulator.core.http import Req, Resp, Route, Router

if TYPE_CHECKING:
    from hcinfra.emulator.core.tenant import Tenant


class ServiceError(Exception):
    """An error a service answers with, rendered in that service's own body shape."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class Service:
    """Base of the emulated services. Subclasses set the class attributes and routes."""

    name: str = ""
    prefixes: tuple[str, ...] = ()
    audience: str | None = None  # None: no token needed (the identity service)
    router: Router

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant

    @property
    def store(self) -> Any:
        """The tenant's store."""
        return self.tenant.store

    def now(self) -> float:
        """The emulator clock, in seconds."""
        return self.tenant.clock.now()

    def on_seed(self, seed: Any) -> None:
        """Store what the seed declares for this service (the store is empty)."""

    def is_write(self, req: Req) -> bool:
        """True when the request asks the tenant to change something (for the request log)."""
        return req.method in ("POST", "PUT", "PATCH", "DELETE")

    def owns(self, path: str) -> bool:
        """True when the path belongs to this service."""
        return path.startswith(self.prefixes)

    def route_path(self, path: str) -> tuple[str, str]:
        """The path as the service's routes see it, and the API version it named."""
        return path, ""

    def authorize(self, req: Req, route: Route) -> None:
        """Raise a ServiceError when the caller lacks the permission the route needs."""

    def enter(self, req: Req) -> Resp | None:
        """A request starts (before its latency): an answer refuses it, e.g. over a limit."""
        return None

    def leave(self, req: Req) -> None:
        """A request that `enter` let in has been answered."""

    def render(self, err: ServiceError, req: Req) -> Resp:
        """The service's error body for `err`."""
        return Resp(err.status, {"error": {"code": err.code, "message": err.message}}, err.headers)

    def not_found_route(self, req: Req) -> ServiceError:
        """The error for a path no route serves."""
        return ServiceError(404, "NotFound", f"No route for {req.method} {req.path}")

    def method_not_allowed(self, req: Req) -> ServiceError:
        """The error for a known path with a method it does not take."""
        return ServiceError(405, "MethodNotAllowed", "The HTTP method is not allowed.")

    def unauthorized(self, req: Req, message: str) -> Resp:
        """The 401 for a missing, bad, expired or wrong-audience token."""
        return self.render(
            ServiceError(
                401,
                "InvalidAuthenticationToken",
                message,
                {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
            ),
            req,
        )

    def throttled(self, req: Req, retry_after: int, scope: str | None) -> Resp:
        """The 429 this service sends when throttling."""
        headers = {"Retry-After": str(retry_after)}
        if scope:
            headers["x-ms-throttle-scope"] = scope
        return self.render(
            ServiceError(
                429,
                "TooManyRequests",
                "Too many requests. Please retry after the time given in Retry-After.",
                headers,
            ),
            req,
        )

    def unavailable(self, req: Req) -> Resp:
        """The 503 this service sends during an outage."""
        return self.render(
            ServiceError(503, "serviceNotAvailable", "The service is temporarily unavailable."),
            req,
        )
