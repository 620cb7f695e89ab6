"""Delegated sign-in: the device code flow, refresh tokens, and the tokens' claims."""

from __future__ import annotations

import os
import subprocess
import sys

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


def test_the_cli_approves_a_pending_code_as_the_demo_does(emu: Emulator):
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hcinfra.cli", "emulator", "approve-signin", *args],
            env={**os.environ, "HCINFRA_ENDPOINT": emu.url, "HCINFRA_CA_BUNDLE": emu.ca},
            capture_output=True,
            text=True,
            timeout=60,
        )

    flow = start(emu)
    done = cli("--user", OPERATOR, "--code", flow["user_code"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{OPERATOR} approved the device code {flow['user_code']}"
    assert poll(emu, flow["device_code"])["status"] == 200
    # Nothing pending: it waits, then says what to do.
    none = cli("--code", "NOPE1234", "--timeout", "0.5")
    assert none.returncode == 1
    assert "no pending device code NOPE1234 to approve after 0.5 s" in none.stderr
    assert "start `hcinfra signin` first" in none.stderr
