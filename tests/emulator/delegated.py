"""Delegated tokens from the emulator: the device code flow driven over plain HTTP."""

from __future__ import annotations

from tests.emulator.harness import Emulator

OPERATOR_APP = "9d4e2f1a-6b3c-4d5e-8f7a-2b1c0d9e8f7a"
OPERATOR = "admin@northwindhealth.onmicrosoft.com"
BOOKINGS_SCOPE = "https://graph.microsoft.com/Bookings.Manage.All offline_access openid"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def start(emu: Emulator, scope: str = BOOKINGS_SCOPE, app: str = OPERATOR_APP) -> dict:
    """A device code (POST /devicecode)."""
    with emu.client() as c:
        r = c.post(
            f"/{emu.tenant_id}/oauth2/v2.0/devicecode", data={"client_id": app, "scope": scope}
        )
    assert r.status_code == 200, r.text
    return r.json()


def poll(emu: Emulator, device_code: str, app: str = OPERATOR_APP) -> dict:
    """One poll of the token endpoint for a device code: the JSON answer, error or tokens."""
    with emu.client() as c:
        r = c.post(
            f"/{emu.tenant_id}/oauth2/v2.0/token",
            data={"grant_type": GRANT, "client_id": app, "device_code": device_code},
        )
    return {"status": r.status_code, **r.json()}


def approve(emu: Emulator, user: str = OPERATOR, user_code: str | None = None) -> list[str]:
    """The admin hook: `user` approves the pending device codes."""
    body = {"user": user, **({"userCode": user_code} if user_code else {})}
    r = emu.admin("POST", "devicecode/approve", json=body)
    assert r.status_code == 200, r.text
    return list(r.json()["approved"])


def delegated_token(emu: Emulator, scope: str = BOOKINGS_SCOPE, user: str = OPERATOR) -> str:
    """An access token of `user` signed in to the operator app."""
    flow = start(emu, scope)
    approve(emu, user, flow["user_code"])
    answer = poll(emu, flow["device_code"])
    assert answer["status"] == 200, answer
    return str(answer["access_token"])


def delegated_headers(emu: Emulator, scope: str = BOOKINGS_SCOPE) -> dict[str, str]:
    """The Authorization header of a delegated token."""
    return {"Authorization": f"Bearer {delegated_token(emu, scope)}"}
