"""msgraph-sdk's GraphServiceClient pointed at the emulator, as the contract tests drive it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph_core import GraphClientFactory

from tests.emulator.harness import GRAPH_SCOPE, HCINFRA_APP, HCINFRA_SECRET, Emulator

T = TypeVar("T")


class StaticToken(AccessTokenProvider):
    """Hands the SDK a token fetched from the emulator's token endpoint."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(self, uri: str, additional: Any = None) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])


def graph(
    emu: Emulator, app: str = HCINFRA_APP, secret: str = HCINFRA_SECRET
) -> GraphServiceClient:
    """A GraphServiceClient with Graph's default middleware, talking to the emulator."""
    token = emu.token(GRAPH_SCOPE, app, secret)
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=emu.ssl_context(), timeout=30)
    )
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)), http)
    adapter.base_url = f"{emu.url}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def run(fn: Callable[[], Awaitable[T]]) -> T:
    """Run one async SDK scenario to completion."""
    return asyncio.run(fn())  # type: ignore[arg-type]
