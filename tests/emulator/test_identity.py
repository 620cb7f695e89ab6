"""The identity service: client credentials, audiences, and the errors Entra ID gives."""

from __future__ import annotations

import jwt

from tests.emulator.harness import (
    EXCHANGE_SCOPE,
    GRAPH_SCOPE,
    HCINFRA_APP,
    HCINFRA_SECRET,
    TEAMS_SCOPE,
    Emulator,
)


def token_request(emu: Emulator, **form: str):
    with emu.client() as c:
        return c.post(f"/{emu.tenant_id}/oauth2/v2.0/token", data=form)


def test_openid_configuration_points_at_token_endpoint(emu: Emulator):
    with emu.client() as c:
        doc = c.get(f"/{emu.tenant_id}/v2.0/.well-known/openid-configuration").json()
    assert doc["token_endpoint"] == f"{emu.url}/{emu.tenant_id}/oauth2/v2.0/token"


def test_client_credentials_token_carries_roles_per_audience(emu: Emulator):
    claims = {}
    for scope in (GRAPH_SCOPE, EXCHANGE_SCOPE, TEAMS_SCOPE):
        r = token_request(
            emu,
            grant_type="client_credentials",
            client_id=HCINFRA_APP,
            client_secret=HCINFRA_SECRET,
            scope=scope,
        )
        assert r.status_code == 200
        body = r.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] > 3000
        claims[scope] = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims[GRAPH_SCOPE]["aud"] == "https://graph.microsoft.com"
    assert "Group.ReadWrite.All" in claims[GRAPH_SCOPE]["roles"]
    assert claims[EXCHANGE_SCOPE]["roles"] == ["Exchange.ManageAsApp"]
    assert claims[TEAMS_SCOPE]["aud"] == "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"
    # Exchange Administrator and Teams Administrator role template ids.
    assert "29232cdf-9323-42fd-ade2-1d097af3e4de" in claims[TEAMS_SCOPE]["wids"]
    assert "69091246-20e8-4a56-aa4d-066075b2a7a8" in claims[TEAMS_SCOPE]["wids"]


def test_wrong_secret_is_invalid_client(emu: Emulator):
    r = token_request(
        emu,
        grant_type="client_credentials",
        client_id=HCINFRA_APP,
        client_secret="nope",
        scope=GRAPH_SCOPE,
    )
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.json()["error_codes"] == [7000215]


def test_unknown_app_and_bad_scope(emu: Emulator):
    r = token_request(
        emu,
        grant_type="client_credentials",
        client_id="nobody",
        client_secret="x",
        scope=GRAPH_SCOPE,
    )
    assert r.status_code == 400 and r.json()["error_codes"] == [700016]
    r = token_request(
        emu,
        grant_type="client_credentials",
        client_id=HCINFRA_APP,
        client_secret=HCINFRA_SECRET,
        scope="https://graph.microsoft.com/Group.Read.All",
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_scope"
    r = token_request(
        emu,
        grant_type="client_credentials",
        client_id=HCINFRA_APP,
        client_secret=HCINFRA_SECRET,
        scope="https://vault.azure.net/.default",
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_resource"
