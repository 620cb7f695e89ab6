"""Which Exchange cmdlets a provider runs: a spy on the client, for call-count tests."""

from __future__ import annotations

from typing import Any

import pytest


def cmdlets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The cmdlets the providers run from now on, in order (a transport retry counts once)."""
    from hcinfra.clients.rest import ExchangeApi

    ran: list[str] = []
    invoke = ExchangeApi.invoke

    def spy(self: ExchangeApi, cmdlet: str, **parameters: Any) -> Any:
        ran.append(cmdlet)
        return invoke(self, cmdlet, **parameters)

    monkeypatch.setattr(ExchangeApi, "invoke", spy)
    return ran
