"""Settings, credentials and the retry policy, against the emulator over real HTTPS."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from hcinfra.clients.connection import Connection, MissingSettings, connect
from hcinfra.clients.errors import TenantError
from hcinfra.clients.retry import RetryPolicy, RetryTransport
from hcinfra.clients.settings import Settings, load_settings
from hcinfra.emulator.core.seed import Seed
from tests.emulator.harness import HCINFRA_APP, HCINFRA_SECRET, Emulator


def test_config_wins_over_environment_and_missing_settings_are_named():
    env = {
        "AZURE_TENANT_ID": "env-tenant",
        "AZURE_CLIENT_ID": "env-app",
        "AZURE_CLIENT_SECRET": "env-secret",
        "HCINFRA_ENDPOINT": "https://127.0.0.1:1",
    }
    s = load_settings({"hcinfra:tenantId": "cfg-tenant"}, env)
    assert (s.tenant_id, s.client_id, s.endpoint) == (
        "cfg-tenant",
        "env-app",
        "https://127.0.0.1:1",
    )
    assert s.graph_url == "https://127.0.0.1:1/v1.0"
    assert "env-secret" not in repr(s)
    assert load_settings({}, {}).missing() == [
        "hcinfra:tenantId",
        "hcinfra:clientId",
        "hcinfra:clientSecret (or a certificate or federated token)",
    ]
    with pytest.raises(MissingSettings, match="hcinfra:tenantId"):
        connect(load_settings({}, {}))


def test_graph_exchange_and_teams_calls_with_a_client_secret(emu: Emulator):
    conn = Connection(
        Settings(
            tenant_id=emu.tenant_id,
            client_id=HCINFRA_APP,
            client_secret=HCINFRA_SECRET,
            endpoint=emu.url,
            ca_bundle=emu.ca,
        )
    )
    skus = conn.graph.run(lambda c: c.subscribed_skus.get())
    assert skus is not None and len(skus.value) == 5
    mailboxes = conn.exchange.invoke("Get-Mailbox", Identity="nurse001@northwindhealth.org")
    assert mailboxes[0]["RecipientTypeDetails"] == "UserMailbox"
    policies = conn.teams.call("GET", "/Skype.Policy/configurations/TeamsMessagingPolicy")
    assert policies[0]["Identity"] == "Global"
    with pytest.raises(TenantError) as refused:  # packages are unsupported app-only
        conn.teams.call("GET", "/Teams.VerticalPackaging/package")
    assert refused.value.status == 403
    with pytest.raises(TenantError) as err:
        conn.graph.run(lambda c: c.groups.by_group_id("missing").get())
    assert err.value.status == 404 and err.value.code == "Request_ResourceNotFound"
    assert err.value.request_id


def _certificate(folder: Path) -> tuple[Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hcinfra-ci")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = folder / "app.pem"
    path.write_bytes(key_pem + cert_pem)
    return path, cert_pem.decode()


def test_certificate_credential_signs_a_client_assertion(emu: Emulator, tmp_path: Path):
    path, cert_pem = _certificate(tmp_path)
    seed = Seed.default().model_dump(by_alias=True)
    seed["apps"].append(
        {
            "clientId": "11111111-2222-4333-8444-555555555555",
            "displayName": "hcinfra-cert",
            "certificatePem": cert_pem,
            "graphPermissions": ["Organization.Read.All"],
        }
    )
    emu.admin("POST", "seed", content=yaml.safe_dump(seed)).raise_for_status()
    try:
        conn = Connection(
            Settings(
                tenant_id=emu.tenant_id,
                client_id="11111111-2222-4333-8444-555555555555",
                certificate_path=str(path),
                endpoint=emu.url,
                ca_bundle=emu.ca,
            )
        )
        skus = conn.graph.run(lambda c: c.subscribed_skus.get())
        assert skus is not None and skus.value
    finally:
        emu.admin("POST", "seed", content=yaml.safe_dump(Seed.default().model_dump(by_alias=True)))


def test_retry_honours_retry_after_and_logs_the_request_id(caplog):
    calls: list[float] = []
    import time

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "1", "request-id": "abc-123"})
        if len(calls) == 2:
            raise httpx.RemoteProtocolError("dropped", request=request)
        return httpx.Response(200, json={"ok": True})

    transport = RetryTransport(httpx.MockTransport(handler), RetryPolicy(base_delay=0.01))
    with (
        caplog.at_level(logging.WARNING, logger="hcinfra.retry"),
        httpx.Client(transport=transport) as client,
    ):
        assert client.get("https://tenant.invalid/x").json() == {"ok": True}
    assert len(calls) == 3
    assert calls[1] - calls[0] >= 0.99  # Retry-After waited exactly
    assert "request-id abc-123" in caplog.text and "RemoteProtocolError" in caplog.text


def test_retry_gives_up_within_its_budget():
    transport = RetryTransport(
        httpx.MockTransport(lambda r: httpx.Response(503)),
        RetryPolicy(max_attempts=3, base_delay=0.01),
    )
    with httpx.Client(transport=transport) as client:
        assert client.get("https://tenant.invalid/x").status_code == 503
