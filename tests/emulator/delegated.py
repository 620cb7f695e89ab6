"""Delegated tokens from the emulator: the device code flow driven over plain HTTP, and
the operator signed in with `hcinfra signin`'s own code for processes that deploy."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from hcinfra.clients.delegated import sign_in
from hcinfra.clients.settings import load_settings
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


def signed_in_env(emu: Emulator, home: Path) -> dict[str, str]:
    """Sign OPERATOR in to OPERATOR_APP with hcinfra's own sign-in (`hcinfra signin`:
    azure-identity's device code flow), the code approved through the admin hook, the
    token cache a plain file under `home`; the environment a process uses that sign-in with.

    HOME is part of it: azure-identity keeps its cache in ~/.IdentityService/ and no
    setting moves it. Against another instance of the emulator the sign-in is worthless
    (its own signing key), and its refresh token lasts until the emulator's next reset.
    """
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "HOME": str(home),
        "HCINFRA_DELEGATED_CLIENT_ID": OPERATOR_APP,
        "HCINFRA_DELEGATED_RECORD": str(home / "signin.json"),
        "HCINFRA_DELEGATED_ALLOW_UNENCRYPTED_CACHE": "true",
    }
    where = {
        "AZURE_TENANT_ID": emu.tenant_id,
        "HCINFRA_ENDPOINT": emu.url,
        "HCINFRA_CA_BUNDLE": emu.ca,
    }
    settings = load_settings(environ={**where, **env})

    def prompt(uri: str, code: str, expires: object) -> None:
        approve(emu, OPERATOR, code)  # the operator entering the code at the device login

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        assert sign_in(settings, prompt=prompt, timeout=60) == home / "signin.json"
    return env


# Signed in again after this long: the access token (1 hour) then still has half an hour,
# which no test outlasts. Its refresh token cannot be relied on, since the `emu` fixture
# resets the tenant (its refresh tokens too) before every test.
FRESH_FOR_S = 1800
_signed_in: dict[tuple[str, int], tuple[float, dict[str, str]]] = {}


@functools.cache
def _homes() -> Path:
    """The temp folder of the signed-in homes, removed when the test process ends."""
    folder = Path(tempfile.mkdtemp(prefix="hcinfra-signin-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def operator_env(emu: Emulator) -> dict[str, str]:
    """`signed_in_env` once per emulator instance (and half-hour), in a temp home."""
    key = (emu.url, emu.proc.pid)
    held = _signed_in.get(key)
    if held is None or time.monotonic() - held[0] > FRESH_FOR_S:
        home = _homes() / f"{emu.proc.pid}-{emu.url.rsplit(':', 1)[-1]}"
        held = _signed_in[key] = (time.monotonic(), signed_in_env(emu, home))
    return dict(held[1])
