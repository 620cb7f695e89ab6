"""Resource kinds against the emulator: providers called as the engine calls them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hcinfra.clients import connection
from hcinfra.clients.settings import Settings
from hcinfra.resources.directory import forget_users
from hcinfra.resources.group_policy_assignment import forget_lists
from tests.emulator.harness import (
    AUDITOR_APP,
    AUDITOR_SECRET,
    HCINFRA_APP,
    HCINFRA_SECRET,
    Emulator,
)


def settings_for(emu: Emulator, app: str = HCINFRA_APP, secret: str = HCINFRA_SECRET) -> Settings:
    """Settings that point every service at the emulator."""
    return Settings(
        tenant_id=emu.tenant_id,
        client_id=app,
        client_secret=secret,
        endpoint=emu.url,
        ca_bundle=emu.ca,
    )


def configure_for(emu: Emulator, app: str = HCINFRA_APP, secret: str = HCINFRA_SECRET) -> None:
    """Point hcinfra's providers at the emulator, signed in as `app`."""
    s = settings_for(emu, app, secret)
    connection.configure(
        {
            "hcinfra:tenantId": s.tenant_id,
            "hcinfra:clientId": s.client_id,
            "hcinfra:clientSecret": s.client_secret,
            "hcinfra:endpoint": s.endpoint,
            "hcinfra:caBundle": s.ca_bundle,
        }
    )


@pytest.fixture
def tenant(emu: Emulator) -> Iterator[Emulator]:
    """The emulator, reset, with hcinfra's providers configured to deploy to it."""
    forget_users()  # names resolved against an earlier test's tenant
    forget_lists()
    configure_for(emu)
    yield emu
    connection.configure({})


@pytest.fixture
def auditor(emu: Emulator) -> Iterator[Emulator]:
    """The emulator, with the providers signed in as the read-only auditor app."""
    configure_for(emu, AUDITOR_APP, AUDITOR_SECRET)
    yield emu
    connection.configure({})
