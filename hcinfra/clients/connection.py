"""The clients of one tenant, built lazily inside the provider process and never pickled.

Importing this module is cheap: azure-identity and httpx load when a Connection is made,
msgraph-sdk when its Graph client is first used, so that code which only declares
resources (a Pulumi program, `hcinfra sites`) does not load them through it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from hcinfra.clients.settings import Settings, load_settings
from hcinfra.errors import HcinfraError

if TYPE_CHECKING:
    from hcinfra.clients.graph import GraphApi


class Connection:
    """Graph, Exchange and Teams admin clients sharing one credential."""

    def __init__(self, settings: Settings) -> None:
        from hcinfra.clients.credentials import make_credential
        from hcinfra.clients.rest import ExchangeApi, TeamsAdminApi

        self.settings = settings
        self.credential = make_credential(settings)
        self.exchange = ExchangeApi(settings, self.credential)
        self.teams = TeamsAdminApi(settings, self.credential)

    @cached_property
    def graph(self) -> GraphApi:
        """msgraph-sdk's client, imported on first use (its import takes half a second)."""
        from hcinfra.clients.graph import GraphApi

        return GraphApi(self.settings, self.credential)


class MissingSettings(HcinfraError):
    """The stack config and environment do not say how to reach the tenant."""


_lock = threading.Lock()
_connections: dict[tuple[str, ...], Connection] = {}
_configured: Settings | None = None


def configure(config: Mapping[str, str]) -> None:
    """Remember the stack's settings (called from a provider's configure())."""
    global _configured
    _configured = load_settings(config)
    load_clients()


def load_clients() -> None:
    """Import the tenant clients and the SDKs under them now, on this one thread.

    Kinds import msgraph-sdk, kiota and azure-identity where they use them, so that a
    program's process never loads them. In a provider process the engine then calls kinds
    on many threads at once, and two threads importing one cycle of modules (kiota_http's
    client factory, which msgraph_core's imports) can each get the other's half-made module:
    `ImportError: cannot import name 'KiotaClientFactory' from partially initialized
    module` (seen once in a full test run). The dynamic provider configures each kind under
    its own lock before the kind's first call, so importing them here comes first.
    """
    import hcinfra.clients.credentials
    import hcinfra.clients.graph
    import hcinfra.clients.graph_raw
    import hcinfra.clients.rest  # noqa: F401


def connect(settings: Settings | None = None) -> Connection:
    """The connection for these settings (or the configured ones), made once."""
    chosen = settings or _configured or load_settings()
    missing = chosen.missing()
    if missing:
        raise MissingSettings(
            "hcinfra cannot reach the tenant: set "
            + ", ".join(missing)
            + " (stack config) or the matching environment variables (docs/resources.md)."
        )
    with _lock:
        conn = _connections.get(chosen.key())
        if conn is None:
            conn = _connections[chosen.key()] = Connection(chosen)
        return conn
