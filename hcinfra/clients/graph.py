"""Microsoft Graph through msgraph-sdk's GraphServiceClient, with hcinfra's retry policy.

Dynamic provider methods are synchronous and run on the engine's worker threads. Every
Graph interaction of a process runs on one event loop, in a thread of its own, over one
httpx connection pool made on that loop: connections and TLS sessions are reused
across calls and threads instead of being set up per call.
The credential is synchronous (azure-identity caches its tokens): kiota awaits what
`get_token` returns, so a token fetch runs in a worker thread, never on the shared loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
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


class _Loop:
    """One event loop in a daemon thread, started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> asyncio.AbstractEventLoop:
        """The running loop, started if need be."""
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="hcinfra-graph", daemon=True
                )
                thread.start()
                self._loop = loop
            return self._loop


_LOOP = _Loop()


class _ThreadedCredential:
    """A synchronous credential whose token calls run off the event loop."""

    def __init__(self, inner: TokenCredential) -> None:
        self.inner = inner

    def get_token(self, *scopes: str, **kwargs: Any) -> Awaitable[Any]:
        """The token, fetched in a worker thread (a cache hit returns at once)."""
        return asyncio.to_thread(self.inner.get_token, *scopes, **kwargs)


class GraphApi:
    """Runs msgraph-sdk interactions against one tenant (or the emulator)."""

    def __init__(
        self, settings: Settings, credential: TokenCredential, policy: RetryPolicy | None = None
    ) -> None:
        self.settings = settings
        self.credential = credential
        self.policy = policy or RetryPolicy()
        self._pool: httpx.AsyncHTTPTransport | None = None  # made on the shared loop

    def _client(self, http: httpx.AsyncClient) -> GraphServiceClient:
        host = urlsplit(self.settings.graph_url).hostname or "graph.microsoft.com"
        auth = AzureIdentityAuthenticationProvider(
            _ThreadedCredential(self.credential),  # type: ignore[arg-type]
            scopes=[SCOPES["graph"]],
            allowed_hosts=[host],
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

    def _fresh(self) -> GraphServiceClient:
        """A client for one interaction, over this API's one connection pool.

        Only the pool is shared: kiota's middleware keeps per-request state on its
        handler objects, so concurrent interactions sharing one client cross-talk (one
        request's headers reach another's). A client per interaction costs little; its
        connections and TLS sessions are the pool's.
        """
        if self._pool is None:
            self._pool = httpx.AsyncHTTPTransport(verify=self.settings.verify)
        transport = AsyncRetryTransport(self._pool, self.policy)
        # Never closed: closing the client would close the transport, and the pool with it.
        return self._client(httpx.AsyncClient(transport=transport, timeout=60))

    def run(self, interaction: Callable[[GraphServiceClient], Awaitable[T]]) -> T:
        """Run one interaction to completion; Graph errors become TenantError."""

        async def go() -> T:
            try:
                return await interaction(self._fresh())
            except ODataError as err:
                raise graph_error(err) from None

        loop = _LOOP.get()
        try:
            running: Any = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("GraphApi.run was called from inside a Graph interaction")
        return asyncio.run_coroutine_threadsafe(go(), loop).result()


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
