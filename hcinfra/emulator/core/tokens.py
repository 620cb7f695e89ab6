"""Access tokens the emulator's identity service issues and its services check.

They are real JWTs (HS256, signed with a key of the emulator's own) carrying the
claims Microsoft's tokens carry for app-only calls: aud, tid, appid, roles, wids.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt

GRAPH_AUDIENCE = "https://graph.microsoft.com"
EXCHANGE_AUDIENCE = "https://outlook.office365.com"
TEAMS_ADMIN_AUDIENCE = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239"

# Directory role template ids, as Entra ID puts them in the `wids` claim.
DIRECTORY_ROLES = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Teams Administrator": "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "Groups Administrator": "fdd7a751-b60b-444a-984c-02652fe8fa1c",
    "License Administrator": "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
}
# Resource URIs a client may name in `scope`, and the audience each maps to.
AUDIENCES = {
    "https://graph.microsoft.com": GRAPH_AUDIENCE,
    "00000003-0000-0000-c000-000000000000": GRAPH_AUDIENCE,
    "https://outlook.office365.com": EXCHANGE_AUDIENCE,
    "https://outlook.office.com": EXCHANGE_AUDIENCE,
    "00000002-0000-0ff1-ce00-000000000000": EXCHANGE_AUDIENCE,
    "48ac35b8-9aa8-4d74-927d-1f4a14a0b239": TEAMS_ADMIN_AUDIENCE,
    "https://api.interfaces.records.teams.microsoft.com": TEAMS_ADMIN_AUDIENCE,
}
TOKEN_LIFETIME_S = 3599


@dataclass(frozen=True)
class Principal:
    """The app a validated token speaks for."""

    app_id: str
    tenant_id: str
    audience: str
    roles: frozenset[str] = field(default_factory=frozenset)
    directory_roles: frozenset[str] = field(default_factory=frozenset)
    object_id: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)  # delegated: the scp claim
    delegated: bool = False  # a user's token (idtyp user), not an app's

    def has_role(self, role_name: str) -> bool:
        """True when the app holds the named directory role."""
        return DIRECTORY_ROLES.get(role_name, role_name) in self.directory_roles


class TokenError(Exception):
    """A token that is missing, malformed, expired or for another audience."""

    def __init__(self, message: str, code: str = "InvalidAuthenticationToken") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Signer:
    """Issues and validates the emulator's tokens."""

    def __init__(
        self, key: str | None = None, issuer_base: str = "https://sts.windows.net"
    ) -> None:
        self.key = key or secrets.token_hex(32)
        self.issuer_base = issuer_base
        self._verified: dict[str, dict[str, Any]] = {}

    def issue(
        self,
        *,
        tenant_id: str,
        app_id: str,
        object_id: str,
        audience: str,
        roles: list[str],
        wids: list[str],
        now: float | None = None,
        lifetime: int = TOKEN_LIFETIME_S,
        user: dict[str, str] | None = None,
        scp: list[str] | None = None,
    ) -> str:
        """A signed access token: app-only, or with `user` (oid, upn) a delegated one."""
        iat = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": f"{self.issuer_base}/{tenant_id}/",
            "iat": iat,
            "nbf": iat,
            "exp": iat + lifetime,
            "tid": tenant_id,
            "appid": app_id,
            "azp": app_id,
            "oid": object_id,
            "sub": object_id,
            "idtyp": "app",
            "roles": roles,
            "wids": wids,
            "ver": "1.0",
        }
        if user is not None:
            # A delegated token: the user's oid and upn, the consented scopes, no roles.
            claims |= {"oid": user["oid"], "sub": user["oid"], "upn": user["upn"]}
            claims |= {"idtyp": "user", "scp": " ".join(scp or []), "roles": []}
        return jwt.encode(claims, self.key, algorithm="HS256")

    def _claims(self, token: str) -> dict[str, Any]:
        # Signature checks dominate request cost; a token's claims never change.
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                options={"verify_aud": False, "verify_exp": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            raise TokenError("Access token validation failure.") from None
        if len(self._verified) >= 4096:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    def validate(self, header: str | None, audience: str, tenant_id: str, now: float) -> Principal:
        """The principal of a bearer token, or TokenError saying why it is refused."""
        if not header:
            raise TokenError("Access token is empty.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenError("Access token is empty.")
        claims = self._claims(token.strip())
        if claims.get("exp", 0) <= now:
            raise TokenError("Lifetime validation failed, the token is expired.")
        if claims.get("aud") != audience:
            raise TokenError("Access token validation failure. Invalid audience.")
        if claims.get("tid") != tenant_id:
            raise TokenError("Access token validation failure. Invalid tenant.")
        return Principal(
            app_id=str(claims.get("appid", "")),
            tenant_id=str(claims["tid"]),
            audience=audience,
            roles=frozenset(claims.get("roles") or []),
            directory_roles=frozenset(claims.get("wids") or []),
            object_id=str(claims.get("oid", "")),
            scopes=frozenset(str(claims.get("scp") or "").split()),
            delegated=claims.get("idtyp") == "user",
        )
