"""azure-identity credentials, one per settings, the same code path for tenant and emulator."""

from __future__ import annotations

import threading
import time
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    WorkloadIdentityCredential,
)

from hcinfra.clients.settings import EXCHANGE, GRAPH, TEAMS_ADMIN_RESOURCE, Settings

SCOPES = {
    "graph": f"{GRAPH}/.default",
    "exchange": f"{EXCHANGE}/.default",
    "teamsadmin": f"{TEAMS_ADMIN_RESOURCE}/.default",
}


# A token this close to its expiry is fetched again rather than handed out.
REFRESH_MARGIN = 300


class SharedTokens:
    """A credential's tokens fetched one at a time and shared by every thread.

    The engine calls a provider from many threads at once. Each thread meeting an empty
    cache would fetch a token of its own (and build MSAL's client, with its discovery
    call, more than once); here the first fetches and the others wait for its token.
    """

    def __init__(self, inner: TokenCredential) -> None:
        self.inner = inner
        # One fetch at a time, every scope: fetches are rare, and the first of each
        # scope racing the others would build MSAL's client (and discover) again.
        self._fetching = threading.Lock()
        self._tokens: dict[tuple[Any, ...], AccessToken] = {}

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A token for the scopes: the one held while it is fresh, else a new one."""
        if kwargs.get("claims"):  # a claims challenge asks for a new token
            return self.inner.get_token(*scopes, **kwargs)
        # kiota passes enable_cae=False and claims=None where others pass nothing.
        key = (scopes, bool(kwargs.get("enable_cae")), kwargs.get("tenant_id"))
        with self._fetching:
            token = self._tokens.get(key)
            if token is None or token.expires_on - REFRESH_MARGIN <= time.time():
                token = self._tokens[key] = self.inner.get_token(*scopes, **kwargs)
            return token

    def close(self) -> None:
        """Close the wrapped credential."""
        close = getattr(self.inner, "close", None)
        if close:
            close()


def make_credential(settings: Settings) -> TokenCredential:
    """The settings' credential (secret, certificate, federation or default), tokens shared."""
    return SharedTokens(_credential(settings))


def _credential(settings: Settings) -> TokenCredential:
    common: dict[str, Any] = {"authority": settings.authority}
    if settings.endpoint:
        # The emulator is not a known Entra ID cloud: skip instance discovery.
        common["disable_instance_discovery"] = True
    if settings.ca_bundle:
        common["connection_verify"] = settings.ca_bundle
    if settings.use_default_credential:
        return DefaultAzureCredential(**common)
    if settings.federated_token_file:
        return WorkloadIdentityCredential(
            tenant_id=settings.tenant_id,
            client_id=settings.client_id,
            token_file_path=settings.federated_token_file,
            **common,
        )
    if settings.certificate_path:
        return CertificateCredential(
            settings.tenant_id, settings.client_id, settings.certificate_path, **common
        )
    return ClientSecretCredential(
        settings.tenant_id, settings.client_id, settings.client_secret, **common
    )
