"""Graph's error body, and the errors its directory and Teams workloads send."""

from __future__ import annotations

import datetime as dt

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.core.service import ServiceError


class GraphError(ServiceError):
    """An error Graph answers with: {"error": {"code", "message", "innerError"}}."""


def render(err: ServiceError, req: Req) -> Resp:
    """The Graph error body with innerError dates and request ids."""
    body = {
        "error": {
            "code": err.code,
            "message": err.message,
            "innerError": {
                "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": req.request_id,
                "client-request-id": req.client_request_id,
            },
        }
    }
    return Resp(err.status, body, err.headers)


def not_found(ident: str) -> GraphError:
    """404 for a directory object that does not exist (or is not visible yet)."""
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{ident}' does not exist or one of its queried reference-property objects "
        "are not present.",
    )


def bad_request(message: str, code: str = "Request_BadRequest") -> GraphError:
    """400 in the directory's shape."""
    return GraphError(400, code, message)


def odata_bad_request(message: str) -> GraphError:
    """400 raised by Graph's OData layer (unknown properties, bad query options)."""
    return GraphError(400, "BadRequest", message)


def invalid_value(prop: str, resource: str = "Group") -> GraphError:
    """400 for a property value the directory rejects."""
    return bad_request(f"Invalid value specified for property '{prop}' of resource '{resource}'.")


def required_value(prop: str, resource: str = "Group") -> GraphError:
    """400 for a required property that is missing."""
    return bad_request(f"A value is required for property '{prop}' of resource '{resource}'.")


def unknown_property(prop: str, type_name: str) -> GraphError:
    """400 for a property the type does not define."""
    return odata_bad_request(
        f"The property '{prop}' does not exist on type '{type_name}'. Make sure to only use "
        "property names that are defined by the type or mark the type as open type."
    )


def directory_denied() -> GraphError:
    """403 from the directory when the app lacks the permission."""
    return GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def teams_denied(required: list[str], held: list[str]) -> GraphError:
    """403 from the Teams workload, which names the roles it wanted."""
    return GraphError(
        403,
        "Forbidden",
        "Missing role permissions on the request. API requires one of "
        f"'{', '.join(required)}'. Roles on the request '{', '.join(held)}'.",
    )


def teams_not_found(what: str) -> GraphError:
    """404 from the Teams workload."""
    return GraphError(404, "NotFound", f"No team found with Group Id {what}")
