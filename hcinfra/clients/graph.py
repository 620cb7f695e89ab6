"""Microsoft Graph through msgraph-sdk's GraphServiceClient, with hcinfra's retry policy.

Dynamic provider methods are synchronous; each Graph interaction runs to
completion on its own event loop with a client built for that loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from azure.core.credentials import TokenCredential
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_core import GraphClientFactory

from hcinfra.clients.credentials import SCOPES
from hcinfra.clients.errors import TenantError
from hcinfra.clients.retry import AsyncRetryTransport, RetryPolicy
from hcinfra.clients.settings import Settings

T = TypeVar("T")
SERVICE = "Microsoft Graph"


class GraphApi:
    """Runs msgraph-sdk interactions against one tenant (or the emulator)."""

    def __init__(
        self, settings: Settings, credential: TokenCredential, policy: RetryPolicy | None = None
    ) -> None:
        self.settings = settings
        self.credential = credential
        self.policy = policy or RetryPolicy()

    def _client(self, http: httpx.AsyncClient) -> GraphServiceClient:
        host = urlsplit(self.settings.graph_url).hostname or "graph.microsoft.com"
        auth = AzureIdentityAuthenticationProvider(
            self.credential, scopes=[SCOPES["graph"]], allowed_hosts=[host]
        )
        # Our transport retries; the SDK's own retry handler would retry again.
        middleware = [
            m
            for m in KiotaClientFactory.get_default_middleware(None)
            if not isinstance(m, RetryHandler)
        ]
        http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
        adapter = GraphRequestAdapter(auth, http)
        adapter.base_url = self.settings.graph_url
        return GraphServiceClient(request_adapter=adapter)

    def run(self, interaction: Callable[[GraphServiceClient], Awaitable[T]]) -> T:
        """Run one interaction to completion; Graph errors become TenantError."""

        async def go() -> T:
            transport = AsyncRetryTransport(
                httpx.AsyncHTTPTransport(verify=self.settings.verify), self.policy
            )
            async with httpx.AsyncClient(transport=transport, timeout=60) as http:
                try:
                    return await interaction(self._client(http))
                except ODataError as err:
                    raise graph_error(err) from None

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(go())
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, go()).result()


def graph_error(err: ODataError) -> TenantError:
    """A TenantError from the SDK's ODataError."""
    main = err.error
    request_id = ""
    if main is not None and main.inner_error is not None:
        request_id = str(getattr(main.inner_error, "request_id", "") or "")
    return TenantError(
        SERVICE,
        int(err.response_status_code or 0),
        (main.code if main else None) or "Unknown",
        (main.message if main else None) or str(err),
        request_id,
    )
