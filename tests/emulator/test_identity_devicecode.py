"""Delegated sign-in: the device code flow, refresh tokens, and the tokens' claims."""

from __future__ import annotations

import jwt

from tests.emulator.delegated import (
    BOOKINGS_SCOPE,
    OPERATOR,
    OPERATOR_APP,
    approve,
    poll,
    start,
)
from tests.emulator.harness import HCINFRA_APP, Emulator


def test_openid_configuration_names_the_device_endpoint(emu: Emulator):
    with emu.client() as c:
        doc = c.get(f"/{emu.tenant_id}/v2.0/.well-known/openid-configuration").json()
    assert doc["device_authorization_endpoint"].endswith("/oauth2/v2.0/devicecode")


def test_pending_until_a_user_approves_then_a_users_token(emu: Emulator):
    flow = start(emu)
    assert flow["interval"] >= 1 and flow["user_code"] in flow["message"]
    pending = poll(emu, flow["device_code"])
    assert pending["status"] == 400 and pending["error"] == "authorization_pending"
    assert pending["error_codes"] == [70016]
    assert approve(emu, OPERATOR, flow["user_code"]) == [flow["user_code"]]
    answer = poll(emu, flow["device_code"])
    assert answer["status"] == 200 and answer["refresh_token"] and answer["client_info"]
    claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
    assert claims["idtyp"] == "user" and claims["upn"] == OPERATOR and claims["roles"] == []
    assert claims["scp"] == "Bookings.Manage.All" and claims["aud"] == "https://graph.microsoft.com"
    ident = jwt.decode(answer["id_token"], options={"verify_signature": False})
    assert ident["aud"] == OPERATOR_APP and ident["preferred_username"] == OPERATOR
    # A code is redeemed once.
    assert poll(emu, flow["device_code"])["error"] == "invalid_grant"


def test_refresh_token_gets_new_tokens(emu: Emulator):
    flow = start(emu)
    approve(emu, OPERATOR, flow["user_code"])
    first = poll(emu, flow["device_code"])
    with emu.client() as c:
        r = c.post(
            f"/{emu.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "refresh_token",
                "client_id": OPERATOR_APP,
                "refresh_token": first["refresh_token"],
                "scope": BOOKINGS_SCOPE,
            },
        )
    assert r.status_code == 200 and r.json()["access_token"]


def test_confidential_apps_and_unconsented_scopes_are_refused(emu: Emulator):
    with emu.client() as c:
        url = f"/{emu.tenant_id}/oauth2/v2.0/devicecode"
        r = c.post(url, data={"client_id": HCINFRA_APP, "scope": BOOKINGS_SCOPE})
        assert r.status_code == 401 and r.json()["error"] == "invalid_client"
        scope = "https://graph.microsoft.com/User.ReadWrite.All"
        r = c.post(url, data={"client_id": OPERATOR_APP, "scope": scope})
        assert r.status_code == 400 and r.json()["error_codes"] == [65001]


def test_an_expired_code_is_refused(emu: Emulator):
    flow = start(emu)
    emu.admin("POST", "clock", json={"advanceSeconds": 901}).raise_for_status()
    assert poll(emu, flow["device_code"])["error"] == "expired_token"
