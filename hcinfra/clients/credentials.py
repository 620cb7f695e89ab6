"""azure-identity credentials, one per settings, the same code path for tenant and emulator."""

from __future__ import annotations

from typing import Any

from azure.core.credentials import TokenCredential
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


def make_credential(settings: Settings) -> TokenCredential:
    """The credential the settings call for: secret, certificate, federation or default."""
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
