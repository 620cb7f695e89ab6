"""A user's sign-in, for the few calls Microsoft takes with delegated permissions only.

Creating a Bookings business (and its services) supports no application permission, so
VirtualVisits makes those calls as a signed-in user; everything else stays app-only. An
operator signs in once (`sign_in`, through azure-identity's device code or interactive
browser flow); azure-identity keeps the tokens in its persistent cache (an encrypted
store: libsecret on Linux, the Keychain on macOS, DPAPI on Windows; a plain file only when
`delegatedAllowUnencryptedCache` says so), and hcinfra keeps the AuthenticationRecord,
which names the account and holds no secret. The provider process then takes tokens from
that cache silently and never prompts: without a sign-in it fails, saying how to sign in.

REF: https://learn.microsoft.com/en-us/python/api/azure-identity/azure.identity.devicecodecredential
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hcinfra.clients.settings import GRAPH, Settings
from hcinfra.errors import HcinfraError

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, TokenCredential

    from hcinfra.clients.graph import GraphApi

# The one delegated permission hcinfra asks a user for (create business, service, staff).
BOOKINGS_SCOPE = f"{GRAPH}/Bookings.Manage.All"
CACHE_NAME = "hcinfra"  # azure-identity's cache name (~/.IdentityService/hcinfra on Linux)
FLOWS = ("device_code", "interactive_browser")
Prompt = Callable[[str, str, Any], None]


class DelegatedSignInRequired(HcinfraError):
    """No usable sign-in for the delegated-only calls, or delegated settings missing."""


def record_path(settings: Settings) -> Path:
    """Where the AuthenticationRecord is kept: the setting, or one per tenant in ~/.hcinfra."""
    if settings.delegated_record:
        return Path(settings.delegated_record).expanduser()
    return Path.home() / ".hcinfra" / f"signin-{settings.tenant_id or 'tenant'}.json"


def _check(settings: Settings) -> None:
    missing = [
        name
        for name, value in (
            ("hcinfra:tenantId", settings.tenant_id),
            ("hcinfra:delegatedClientId", settings.delegated_client_id),
        )
        if not value
    ]
    if missing:
        raise DelegatedSignInRequired(
            "Creating a Bookings business takes a signed-in user (Microsoft supports no "
            f"application permission for it): set {', '.join(missing)} (docs/resources.md, "
            "'Connecting to a tenant')."
        )
    if (settings.delegated_flow or "device_code") not in FLOWS:
        raise DelegatedSignInRequired(
            f"hcinfra:delegatedFlow is '{settings.delegated_flow}': use one of {', '.join(FLOWS)}"
        )


def _credential(
    settings: Settings, record: Any = None, prompt: Prompt | None = None, interactive: bool = False
) -> Any:
    from azure.identity import (
        DeviceCodeCredential,
        InteractiveBrowserCredential,
        TokenCachePersistenceOptions,
    )

    options: dict[str, Any] = {
        "tenant_id": settings.tenant_id,
        "client_id": settings.delegated_client_id,
        "authority": settings.authority,
        "cache_persistence_options": TokenCachePersistenceOptions(
            name=CACHE_NAME, allow_unencrypted_storage=settings.delegated_unencrypted_cache
        ),
        # The provider process has no one to prompt: only `sign_in` may.
        "disable_automatic_authentication": not interactive,
    }
    if record is not None:
        # The record names the authority and the client the sign-in used.
        options["authentication_record"] = record
        del options["authority"], options["client_id"]
    if settings.endpoint:
        options["disable_instance_discovery"] = True
    if settings.ca_bundle:
        options["connection_verify"] = settings.ca_bundle
    if settings.delegated_flow == "interactive_browser":
        return InteractiveBrowserCredential(**options)
    if prompt is not None:
        options["prompt_callback"] = prompt
    return DeviceCodeCredential(**options)


def sign_in(settings: Settings, prompt: Prompt | None = None, timeout: int = 300) -> Path:
    """Sign a user in once (device code or browser) and keep the record; its path."""
    _check(settings)
    credential = _credential(settings, prompt=prompt, interactive=True)
    record = credential.authenticate(scopes=[BOOKINGS_SCOPE], timeout=timeout)
    path = record_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.serialize(), encoding="utf-8")
    return path


class DelegatedCredential:
    """The signed-in user's Bookings token, from the persistent cache, whatever scope is asked.

    The Graph client asks for `https://graph.microsoft.com/.default`; a user's token is asked
    for the one delegated permission hcinfra needs instead, so no other is ever requested.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._inner: Any = None

    def _load(self) -> Any:
        from azure.identity import AuthenticationRecord

        path = record_path(self.settings)
        if not path.is_file():
            raise DelegatedSignInRequired(
                f"no sign-in for the delegated-only Bookings calls ({path} is missing): run "
                "`hcinfra signin` once as a Bookings administrator (docs/resources.md, "
                "'Connecting to a tenant')."
            )
        record = AuthenticationRecord.deserialize(path.read_text(encoding="utf-8"))
        return _credential(self.settings, record=record)

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """A token of the signed-in user for Bookings.Manage.All, silently."""
        from azure.identity import AuthenticationRequiredError

        with self._lock:
            if self._inner is None:
                _check(self.settings)
                self._inner = self._load()
            inner = self._inner
        try:
            token: AccessToken = inner.get_token(BOOKINGS_SCOPE)
        except AuthenticationRequiredError:
            raise DelegatedSignInRequired(
                "the sign-in for the delegated-only Bookings calls has expired or was "
                "revoked: run `hcinfra signin` again."
            ) from None
        return token


_lock = threading.Lock()
_graphs: dict[tuple[str, ...], GraphApi] = {}


def delegated_graph(settings: Settings) -> GraphApi:
    """A Graph client calling as the signed-in user, one per settings."""
    from hcinfra.clients.graph import GraphApi

    with _lock:
        api = _graphs.get(settings.key())
        if api is None:
            credential: TokenCredential = DelegatedCredential(settings)
            api = _graphs[settings.key()] = GraphApi(settings, credential)
        return api
