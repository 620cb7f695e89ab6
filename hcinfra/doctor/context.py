"""What every check reads from: the network file, the connection and the tokens' claims."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hcinfra.clients.connection import Connection
from hcinfra.clients.credentials import SCOPES
from hcinfra.clients.graph_batch import GraphBatch
from hcinfra.network.model import Network

SERVICE_NAMES = {
    "graph": "Microsoft Graph",
    "exchange": "Exchange Online",
    "teamsadmin": "Teams admin service",
}


@dataclass
class Context:
    """The inputs of one doctor run."""

    network: Network
    conn: Connection
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)  # service -> token claims
    token_errors: dict[str, str] = field(default_factory=dict)  # service -> why no token

    def graph_batch(self) -> GraphBatch:
        """A `$batch` reader of its own (each check runs on its own thread)."""
        return GraphBatch(self.conn.settings, self.conn.credential)

    def no_token(self, service: str) -> str:
        """Why a check of this service cannot run, or "" when it has a token."""
        if service in self.claims:
            return ""
        return f"no {SERVICE_NAMES[service]} token: see token.{service}"


def decode_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified: the tenant's own statement of what the app holds."""
    try:
        payload = token.split(".")[1]
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def _one_line(err: Exception) -> str:
    """azure-identity's message, reduced to the line that says why (an AADSTS code)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    line = next((x for x in lines if "AADSTS" in x), lines[0] if lines else type(err).__name__)
    # Entra's trace and correlation ids follow the reason; they help only Microsoft support.
    line = line.split(" Trace ID:")[0].removeprefix("Authentication failed: ")
    return line if len(line) <= 300 else line[:299] + "…"


def fetch_tokens(conn: Connection) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """A token per service, fetched at once with hcinfra's credential: claims, or why not."""

    def get(service: str) -> tuple[str, dict[str, Any] | None, str]:
        try:
            token = conn.credential.get_token(SCOPES[service]).token
        # Any failure here (Entra's refusal, a missing certificate or federated token
        # file, the network) means the same thing for the report: no token for it.
        except Exception as err:
            return service, None, _one_line(err)
        return service, decode_claims(token), ""

    # azure-identity logs each refusal as a warning; the report says it once, better.
    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    claims: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    with ThreadPoolExecutor(len(SCOPES)) as pool:
        for service, got, why in pool.map(get, SCOPES):
            if got is None:
                errors[service] = why
            else:
                claims[service] = got
    return claims, errors
