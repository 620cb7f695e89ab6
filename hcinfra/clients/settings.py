"""Where hcinfra's connection settings come from: stack config, then environment.

SOURCES below is the one table of them; docs/resources.md shows it to users.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

GRAPH = "https://graph.microsoft.com"
EXCHANGE = "https://outlook.office365.com"
TEAMS_ADMIN = "https://api.interfaces.records.teams.microsoft.com"
TEAMS_ADMIN_RESOURCE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"
LOGIN = "https://login.microsoftonline.com"

# (config key, environment variable) per setting.
SOURCES = {
    "tenant_id": ("tenantId", "AZURE_TENANT_ID"),
    "client_id": ("clientId", "AZURE_CLIENT_ID"),
    "client_secret": ("clientSecret", "AZURE_CLIENT_SECRET"),
    "certificate_path": ("clientCertificatePath", "AZURE_CLIENT_CERTIFICATE_PATH"),
    "federated_token_file": ("federatedTokenFile", "AZURE_FEDERATED_TOKEN_FILE"),
    "use_default_credential": ("useDefaultCredential", "HCINFRA_USE_DEFAULT_CREDENTIAL"),
    "endpoint": ("endpoint", "HCINFRA_ENDPOINT"),
    "ca_bundle": ("caBundle", "HCINFRA_CA_BUNDLE"),
    # A user's sign-in, for the calls Microsoft takes with delegated permissions only
    # (VirtualVisits' Bookings creates): hcinfra.clients.delegated.
    "delegated_client_id": ("delegatedClientId", "HCINFRA_DELEGATED_CLIENT_ID"),
    "delegated_flow": ("delegatedFlow", "HCINFRA_DELEGATED_FLOW"),
    "delegated_record": ("delegatedRecord", "HCINFRA_DELEGATED_RECORD"),
    "delegated_unencrypted_cache": (
        "delegatedAllowUnencryptedCache",
        "HCINFRA_DELEGATED_ALLOW_UNENCRYPTED_CACHE",
    ),
}
FLAGS = {"use_default_credential", "delegated_unencrypted_cache"}


@dataclass(frozen=True)
class Settings:
    """How to reach and authenticate to one tenant. Never pickled into state."""

    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    certificate_path: str = ""
    federated_token_file: str = ""
    use_default_credential: bool = False
    endpoint: str = ""
    ca_bundle: str = ""
    delegated_client_id: str = ""
    delegated_flow: str = ""  # device_code (the default) or interactive_browser
    delegated_record: str = ""  # the sign-in's AuthenticationRecord (no secret in it)
    delegated_unencrypted_cache: bool = False

    @property
    def graph_url(self) -> str:
        """Graph v1.0 base URL."""
        return f"{(self.endpoint or GRAPH).rstrip('/')}/v1.0"

    @property
    def exchange_url(self) -> str:
        """Exchange admin API base URL."""
        return (self.endpoint or EXCHANGE).rstrip("/")

    @property
    def teams_admin_url(self) -> str:
        """Teams admin service base URL."""
        return (self.endpoint or TEAMS_ADMIN).rstrip("/")

    @property
    def authority(self) -> str:
        """Token authority: Entra ID, or the emulator."""
        return (self.endpoint or LOGIN).rstrip("/")

    @property
    def verify(self) -> str | bool:
        """TLS verification for httpx: a CA bundle path, or the system store."""
        return self.ca_bundle or True

    def key(self) -> tuple[str, ...]:
        """What distinguishes two connections (the secret is part of it, never shown)."""
        return (
            self.tenant_id,
            self.client_id,
            self.client_secret,
            self.certificate_path,
            self.federated_token_file,
            str(self.use_default_credential),
            self.endpoint,
            self.ca_bundle,
            self.delegated_client_id,
            self.delegated_flow,
            self.delegated_record,
            str(self.delegated_unencrypted_cache),
        )

    def missing(self) -> list[str]:
        """Settings still needed, named as their stack config keys."""
        out = []
        if not self.tenant_id:
            out.append("hcinfra:tenantId")
        if not self.use_default_credential:
            if not self.client_id:
                out.append("hcinfra:clientId")
            if not (self.client_secret or self.certificate_path or self.federated_token_file):
                out.append("hcinfra:clientSecret (or a certificate or federated token)")
        return out


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def load_settings(
    config: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from stack config (`hcinfra:` keys or bare keys), falling back to environment."""
    config = config or {}
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, (key, var) in SOURCES.items():
        raw = config.get(f"hcinfra:{key}") or config.get(key) or env.get(var) or ""
        values[name] = _truthy(str(raw)) if name in FLAGS else str(raw)
    return Settings(**values)  # type: ignore[arg-type]
