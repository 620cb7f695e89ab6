"""Tenant discovery: a tenant's id from one of its domains, by OpenID Connect metadata."""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import httpx

LOGIN = "https://login.microsoftonline.com"


def discover_tenant_id(domain: str, authority: str = LOGIN, ca_bundle: str | None = None) -> str:
    """The directory id behind `domain`, read from its OpenID configuration's issuer."""
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True
    )
    url = f"{authority.rstrip('/')}/{domain}/v2.0/.well-known/openid-configuration"
    response = httpx.get(url, verify=verify, timeout=30)
    response.raise_for_status()
    issuer = str(response.json()["issuer"])
    # The issuer is https://<host>/<tenant id>/v2.0
    return urlsplit(issuer).path.strip("/").split("/")[0]
