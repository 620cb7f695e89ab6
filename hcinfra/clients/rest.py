"""The Exchange admin API and the Teams admin service, over httpx with the retry policy."""

from __future__ import annotations

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

    def invoke(self, cmdlet: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run a cmdlet; every page of its output."""
        url = f"{self.settings.exchange_url}/adminapi/beta/{self.settings.tenant_id}/InvokeCommand"
        body = {"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}}
        headers = {
            **self._headers(),
            "X-AnchorMailbox": "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"
            f"{self.settings.tenant_id}",
            "Prefer": "odata.maxpagesize=1000",
        }
        out: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            response = self.http.post(next_url, json=body, headers=headers)
            if response.status_code >= 400:
                raise self._fail(response)
            data = response.json()
            out.extend(data.get("value") or [])
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
