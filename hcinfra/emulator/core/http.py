"""Requests, responses and routes as the emulator's services see them.

Services register plain functions against method + path patterns. One dispatcher
serves them over HTTP and again, item by item, inside Graph's `$batch`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from hcinfra.emulator.core.tokens import Principal


@dataclass
class Req:
    """One request to a service, already authenticated."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    request_id: str
    principal: Principal | None = None
    params: dict[str, str] = field(default_factory=dict)
    base_url: str = ""
    version: str = "v1.0"
    route: str = ""
    consistency_ms: int = 0
    service: Any = None  # the Service answering, for module-level handlers
    path_in_version: str = ""  # the path after Graph's /v1.0 or /beta

    @property
    def client_request_id(self) -> str:
        """The caller's client-request-id, echoed back as Graph does."""
        return self.headers.get("client-request-id", self.request_id)

    def json(self) -> Any:
        """The JSON body; raises ValueError on a malformed one."""
        if not self.body:
            return None
        return json.loads(self.body)

    @staticmethod
    def parse_query(raw: str) -> dict[str, str]:
        """Decode a query string into a flat dict (last value wins)."""
        return dict(parse_qsl(raw, keep_blank_values=True))


@dataclass
class Resp:
    """A response: JSON-able body (or raw bytes), status and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """The body as bytes (JSON unless already bytes)."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":")).encode()


Handler = Callable[..., Resp]


@dataclass
class Route:
    """A method and a path pattern with `{name}` placeholders, served by a handler."""

    method: str
    pattern: str
    handler: Handler
    permission: str = ""  # the key a service's permission table checks
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        parts = re.split(r"(\{[a-zA-Z_]+\})", self.pattern)
        rx = "".join(f"(?P<{p[1:-1]}>[^/]+?)" if p.startswith("{") else re.escape(p) for p in parts)
        self.regex = re.compile(f"^{rx}/?$")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when this route serves the request, else None."""
        if method != self.method:
            return None
        m = self.regex.match(path)
        return m.groupdict() if m else None


class Router:
    """Routes of one service, tried in registration order."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, permission: str = "") -> Callable[[Handler], Handler]:
        """Decorator registering a handler."""

        def register(fn: Handler) -> Handler:
            self.routes.append(Route(method, pattern, fn, permission))
            return fn

        return register

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route and its parameters, or None when no route serves the path."""
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def allows_path(self, path: str) -> bool:
        """True when some route serves the path with another method (405, not 404)."""
        return any(r.regex.match(path) for r in self.routes)
