"""The delegated credential: azure-identity's device code flow against the emulator's."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest

from hcinfra.clients.delegated import (
    BOOKINGS_SCOPE,
    DelegatedCredential,
    DelegatedSignInRequired,
    record_path,
    sign_in,
)
from hcinfra.clients.settings import load_settings
from tests.emulator.delegated import OPERATOR, OPERATOR_APP, approve
from tests.emulator.harness import Emulator


def settings(emu: Emulator, home: Path, **extra: str):
    return load_settings(
        {
            "hcinfra:tenantId": emu.tenant_id,
            "hcinfra:endpoint": emu.url,
            "hcinfra:caBundle": emu.ca,
            "hcinfra:delegatedClientId": OPERATOR_APP,
            "hcinfra:delegatedAllowUnencryptedCache": "true",
            **extra,
        },
        environ={},
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_sign_in_once_then_tokens_come_silently_from_the_cache(emu: Emulator, home: Path):
    s = settings(emu, home)
    prompts: list[str] = []

    def prompt(uri: str, code: str, expires: object) -> None:
        prompts.append(code)
        approve(emu, OPERATOR, code)

    path = sign_in(s, prompt=prompt)
    assert path == record_path(s) == home / ".hcinfra" / f"signin-{emu.tenant_id}.json"
    assert len(prompts) == 1
    record = json.loads(path.read_text())
    assert record["username"] == OPERATOR and record["clientId"] == OPERATOR_APP
    assert "token" not in path.read_text().lower().replace("tenantid", "")
    # A new process: a new credential, the record and the persistent cache; no prompt.
    token = DelegatedCredential(s).get_token("https://graph.microsoft.com/.default").token
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["upn"] == OPERATOR and claims["scp"] == "Bookings.Manage.All"
    assert claims["idtyp"] == "user" and len(prompts) == 1
    assert BOOKINGS_SCOPE.endswith("/Bookings.Manage.All")
    assert any(p.name.startswith("hcinfra") for p in (home / ".IdentityService").iterdir())


def test_without_a_sign_in_it_says_to_sign_in(emu: Emulator, home: Path):
    with pytest.raises(DelegatedSignInRequired, match="hcinfra signin"):
        DelegatedCredential(settings(emu, home)).get_token("x")


def test_missing_settings_are_named(emu: Emulator, home: Path):
    s = settings(emu, home, **{"hcinfra:delegatedClientId": ""})
    with pytest.raises(DelegatedSignInRequired, match="hcinfra:delegatedClientId"):
        DelegatedCredential(s).get_token("x")
    bad = settings(emu, home, **{"hcinfra:delegatedFlow": "password"})
    with pytest.raises(DelegatedSignInRequired, match="device_code, interactive_browser"):
        sign_in(bad)
