"""The Teams admin service's error body (undocumented by Microsoft: our chosen shape).

Every error is one flat JSON object:

    {"code": "BadRequest", "message": "...", "target": "AllowGiphy", "correlationId": "..."}

`target` names the setting, body property or path part at fault, and is null when no
single one is. The flat {code, message} pair follows what the MicrosoftTeams module
shows for this API family (errors print as "[Code] : Message", and its telephone-number
errors deserialise into an object with just Code and Message).
"""

from __future__ import annotations

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.core.service import ServiceError


class TeamsAdminError(ServiceError):
    """An error of the Teams admin service, optionally naming what is at fault."""

    def __init__(self, status: int, code: str, message: str, target: str | None = None) -> None:
        super().__init__(status, code, message)
        self.target = target


def render(err: ServiceError, req: Req) -> Resp:
    """The service's error body."""
    body = {
        "code": err.code,
        "message": err.message,
        "target": getattr(err, "target", None),
        "correlationId": req.request_id,
    }
    return Resp(err.status, body, err.headers)


def bad_request(message: str, target: str | None = None) -> TeamsAdminError:
    """400: the request is malformed or names something invalid."""
    return TeamsAdminError(400, "BadRequest", message, target)


def forbidden(message: str) -> TeamsAdminError:
    """403: the caller lacks the directory role."""
    return TeamsAdminError(403, "Forbidden", message)


def not_found(message: str, target: str | None = None) -> TeamsAdminError:
    """404: the path names something that does not exist."""
    return TeamsAdminError(404, "NotFound", message, target)


def conflict(message: str, target: str | None = None) -> TeamsAdminError:
    """409: the request clashes with the current state."""
    return TeamsAdminError(409, "Conflict", message, target)
