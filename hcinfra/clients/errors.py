"""Errors from the tenant, said in terms a platform engineer can act on."""

from __future__ import annotations

from hcinfra.errors import HcinfraError

# Exchange's exception for an Identity that names nothing. Exchange Online answers it with
# 404 on some paths and 400 on others (docs/emulator.md, Exchange "Evidence").
EXCHANGE_NOT_FOUND = "ManagementObjectNotFoundException"


class TenantError(HcinfraError):
    """A call to Graph, Exchange or Teams admin that failed."""

    def __init__(
        self,
        service: str,
        status: int,
        code: str,
        message: str,
        request_id: str = "",
        exception: str = "",
    ) -> None:
        self.service = service
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.exception = exception  # Exchange: the .NET exception class the cmdlet threw
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line: service, status, code, message and request id."""
        rid = f" (request-id {self.request_id})" if self.request_id else ""
        return f"{self.service} answered {self.status} {self.code}: {self.message}{rid}"

    @property
    def not_found(self) -> bool:
        """True for a 404, or an Exchange 400 carrying ManagementObjectNotFoundException."""
        return is_not_found(self.status, self.exception)


def is_not_found(status: int, exception: str = "") -> bool:
    """Whether a failed call means "no such object", for either Exchange variant."""
    return status == 404 or (status == 400 and EXCHANGE_NOT_FOUND in exception)


class PermissionDenied(TenantError):
    """The app lacks a permission; the message names it and who needed it."""

    def __init__(self, error: TenantError, resource: str, needed: list[str]) -> None:
        self.resource = resource
        self.needed = needed
        super().__init__(
            error.service,
            error.status,
            error.code,
            error.message,
            error.request_id,
            error.exception,
        )

    def describe(self) -> str:
        return (
            f"{self.resource} needs {', '.join(self.needed)} on the hcinfra app, which the "
            f"tenant refused: {self.service} answered {self.status} {self.code}"
            f"{': ' + self.message if self.message else ''}. Grant it (see `hcinfra "
            "permissions`) and run again."
        )
