"""Errors in the shape Microsoft Entra ID's token endpoint answers with."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hcinfra.emulator.core.http import Resp
from hcinfra.emulator.core.service import ServiceError


class AadError(ServiceError):
    """An AADSTS error: OAuth2 error code, AADSTS number and description."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(status, error, description)
        self.aadsts = aadsts

    def body(self) -> dict[str, object]:
        """The JSON body Entra ID sends."""
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.code,
            "error_description": (
                f"AADSTS{self.aadsts}: {self.message} Trace ID: {trace} "
                f"Correlation ID: {correlation} Timestamp: {stamp}"
            ),
            "error_codes": [self.aadsts],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}",
        }

    def response(self) -> Resp:
        """The HTTP response."""
        return Resp(self.status, self.body(), {"Cache-Control": "no-store, no-cache"})


def unknown_app(svc: Any, client_id: str) -> AadError:
    """AADSTS700016: the client ID names no application registered in the tenant."""
    return AadError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory "
        f"'{svc.tenant.seed.tenant.display_name}'.",
    )
