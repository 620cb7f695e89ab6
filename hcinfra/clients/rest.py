"""The Exchange admin API and the Teams admin service, over httpx with the retry policy."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

import httpx
from azure.core.credentials import TokenCredential

from hcinfra.clients.credentials import SCOPES
from hcinfra.clients.errors import TenantError
from hcinfra.clients.retry import RetryPolicy, RetryTransport
from hcinfra.clients.settings import Settings

EXCHANGE = "Exchange Online"
TEAMS = "Teams admin service"
log = logging.getLogger("hcinfra.exchange")


class CmdletResult(list[dict[str, Any]]):
    """A cmdlet's output objects, and the warnings Exchange wrote (`@adminapi.warnings`)."""

    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[str] = []


class _Rest:
    service = ""
    scope = ""

    def __init__(
        self, settings: Settings, credential: TokenCredential, policy: RetryPolicy | None = None
    ) -> None:
        self.settings = settings
        self.credential = credential
        transport = RetryTransport(httpx.HTTPTransport(verify=settings.verify), policy)
        self.http = httpx.Client(transport=transport, timeout=60)

    def _headers(self) -> dict[str, str]:
        token = self.credential.get_token(self.scope).token
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def _fail(self, response: httpx.Response) -> TenantError:
        code, message = "Unknown", response.reason_phrase
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            err = body.get("error", body)
            if isinstance(err, dict):
                code = str(err.get("code") or code)
                message = str(err.get("message") or message)
                details = err.get("details") or []
                if details and isinstance(details[0], dict):
                    # Exchange: "<id>|<exception class>|<text>"
                    message = str(details[0].get("message", "")).split("|")[-1] or message
        elif response.status_code == 403:
            code, message = "Forbidden", "the app may not run this cmdlet"
        return TenantError(
            self.service,
            response.status_code,
            code,
            message,
            response.headers.get("request-id", ""),
        )


class ExchangeApi(_Rest):
    """InvokeCommand on Exchange Online's admin API (the beta path, the only one that answers)."""

    service = EXCHANGE
    scope = SCOPES["exchange"]

    def _fail(self, response: httpx.Response) -> TenantError:
        error = super()._fail(response)
        try:
            body = response.json()
        except ValueError:
            return error
        exception, text = exchange_error(body)
        error.exception = exception
        if text:
            error.message = text
            error.args = (error.describe(),)
        return error

    def invoke(self, cmdlet: str, **parameters: Any) -> CmdletResult:
        """Run a cmdlet; every page of its output, with its warnings (each one logged)."""
        url = f"{self.settings.exchange_url}/adminapi/beta/{self.settings.tenant_id}/InvokeCommand"
        body = {"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}}
        headers = {
            **self._headers(),
            "X-AnchorMailbox": "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"
            f"{self.settings.tenant_id}",
            "Prefer": "odata.maxpagesize=1000",
        }
        out = CmdletResult()
        next_url: str | None = url
        while next_url:
            response = self.http.post(next_url, json=body, headers=headers)
            if response.status_code >= 400:
                raise self._fail(response)
            data = response.json()
            out.extend(data.get("value") or [])
            for warning in data.get("@adminapi.warnings") or []:
                log.warning("%s: %s", cmdlet, warning)
                out.warnings.append(str(warning))
            link = data.get("@odata.nextLink")
            next_url = urljoin(url, link) if link else None
        return out


class TeamsAdminApi(_Rest):
    """The Teams admin service that the MicrosoftTeams module calls."""

    service = TEAMS
    scope = SCOPES["teamsadmin"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One request; the JSON answer, or None for an empty one."""
        response = self.http.request(
            method, f"{self.settings.teams_admin_url}{path}", json=body, headers=self._headers()
        )
        if response.status_code >= 400:
            raise self._fail(response)
        return response.json() if response.content else None


def exchange_error(body: Any) -> tuple[str, str]:
    """The exception class and text of an Exchange error, from `details` or `innererror`.

    `details[0].message` reads `<id>|<exception class>|<text>`; some errors carry no
    details, only `innererror.internalException` (as CIPP's client reads them).
    """
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return "", ""
    details = err.get("details") or []
    if details and isinstance(details[0], dict) and details[0].get("message"):
        parts = str(details[0]["message"]).split("|")
        return (parts[-2] if len(parts) >= 3 else ""), parts[-1]
    inner = err.get("innererror") or err.get("innerError") or {}
    internal = inner.get("internalException") if isinstance(inner, dict) else None
    if isinstance(internal, dict) and internal.get("message"):
        text = str(internal["message"])
        parts = text.split("|")
        exception = str(internal.get("type") or (parts[-2] if len(parts) >= 3 else ""))
        return exception, parts[-1]
    return "", ""
