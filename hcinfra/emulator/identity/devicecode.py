"""Delegated sign-in: the OAuth 2.0 device authorization grant, and refresh tokens.

A public client (an app registered with publicClient) asks for a device code; the user
approves it (here: the admin hook `POST /_emulator/devicecode/approve`, as a seeded user);
the client polls the token endpoint, answered `authorization_pending` until then. The
tokens are a user's: `scp` holds the consented delegated permissions, `oid`/`upn` the user,
and no `roles`. A refresh token gets new ones, as MSAL's silent sign-in asks.

REF: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-device-code
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import jwt

from hcinfra.emulator.core.http import Resp
from hcinfra.emulator.core.tokens import AUDIENCES, TOKEN_LIFETIME_S
from hcinfra.emulator.identity.errors import AadError, unknown_app

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}
CODE_LIFETIME_S = 900
POLL_INTERVAL_S = 1  # Entra ID says 5; MSAL waits this long between polls


def public_app(svc: Any, client_id: str) -> dict[str, Any]:
    """The registered public client, or the AADSTS error Entra ID gives."""
    app = svc.app(client_id)
    if app is None:
        raise unknown_app(svc, client_id)
    if not app.get("publicClient"):
        raise AadError(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )
    return app


def delegated_scopes(app: dict[str, Any], scope: str) -> tuple[str, list[str]]:
    """The audience and the consented permissions a delegated request's scopes name."""
    resources: set[str] = set()
    wanted: list[str] = []
    for item in scope.split():
        if item in OIDC_SCOPES:
            continue
        resource, _, name = item.rpartition("/")
        resources.add(resource)
        wanted.append(name)
    audience = AUDIENCES.get(next(iter(resources), "")) if len(resources) == 1 else None
    if audience is None:
        raise AadError(
            400, "invalid_scope", 70011, f"The provided value for scope {scope} is not valid."
        )
    consented = list(app.get("delegatedPermissions") or [])
    if ".default" in wanted:
        return audience, consented
    missing = [w for w in wanted if w not in consented]
    if missing:
        raise AadError(
            400,
            "invalid_grant",
            65001,
            "The user or administrator has not consented to use the application with ID "
            f"'{app['clientId']}' named '{app['displayName']}'. Send an interactive "
            "authorization request for this user and resource.",
        )
    return audience, wanted


def start(svc: Any, form: dict[str, str], base: str) -> Resp:
    """POST /{tenant}/oauth2/v2.0/devicecode: a device code and the code the user types."""
    app = public_app(svc, form.get("client_id", ""))
    scope = form.get("scope", "")
    delegated_scopes(app, scope)  # refused now, not after the user signs in
    device_code = secrets.token_urlsafe(32)
    user_code = secrets.token_hex(4).upper()
    svc.store.put(
        "devicecode",
        device_code,
        {
            "clientId": app["clientId"],
            "scope": scope,
            "userCode": user_code,
            "expiresAt": svc.now() + CODE_LIFETIME_S,
            "user": None,
        },
    )
    uri = f"{base}/devicelogin"
    return Resp(
        200,
        {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": uri,
            "expires_in": CODE_LIFETIME_S,
            "interval": POLL_INTERVAL_S,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the "
            f"code {user_code} to authenticate.",
        },
        {"Cache-Control": "no-store, no-cache"},
    )


def redeem(svc: Any, form: dict[str, str], base: str) -> Resp:
    """The token endpoint's device_code grant: pending until approved, then a user's tokens."""
    code = svc.store.get("devicecode", form.get("device_code", ""))
    if code is None or code["clientId"] != form.get("client_id"):
        raise AadError(
            400, "invalid_grant", 70000, "The provided value for 'device_code' is not valid."
        )
    if code["expiresAt"] <= svc.now():
        raise AadError(400, "expired_token", 70020, "The provided authorization code has expired.")
    if code["user"] is None:
        raise AadError(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    svc.store.delete("devicecode", form["device_code"])
    app = public_app(svc, code["clientId"])
    return tokens(svc, app, code["user"], code["scope"], base)


def refresh(svc: Any, form: dict[str, str], base: str) -> Resp:
    """The token endpoint's refresh_token grant."""
    held = svc.store.get("refreshtoken", form.get("refresh_token", ""))
    if held is None or held["clientId"] != form.get("client_id"):
        raise AadError(
            400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
        )
    app = public_app(svc, held["clientId"])
    return tokens(svc, app, held["user"], form.get("scope") or held["scope"], base)


def tokens(svc: Any, app: dict[str, Any], upn: str, scope: str, base: str) -> Resp:
    """A user's access, refresh and ID tokens, with client_info as MSAL asks for it."""
    user = _user_by_upn(svc, upn)
    audience, granted = delegated_scopes(app, scope)
    tid, now = svc.tenant.tenant_id, svc.now()
    who = {"oid": user["id"], "upn": user["userPrincipalName"]}
    access = svc.tenant.signer.issue(
        tenant_id=tid,
        app_id=app["clientId"],
        object_id=user["id"],
        audience=audience,
        roles=[],
        wids=[],
        now=now,
        user=who,
        scp=granted,
    )
    refresh_token = secrets.token_urlsafe(48)
    svc.store.put(
        "refreshtoken",
        refresh_token,
        {"clientId": app["clientId"], "user": user["userPrincipalName"], "scope": scope},
    )
    id_token = jwt.encode(
        {
            "aud": app["clientId"],
            "iss": f"{base}/{tid}/v2.0",
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + TOKEN_LIFETIME_S,
            "oid": user["id"],
            "sub": user["id"],
            "tid": tid,
            "preferred_username": user["userPrincipalName"],
            "name": user.get("displayName"),
            "ver": "2.0",
        },
        svc.tenant.signer.key,
        algorithm="HS256",
    )
    info = json.dumps({"uid": user["id"], "utid": tid}).encode()
    resource = next(k for k, v in AUDIENCES.items() if v == audience and k.startswith("https"))
    return Resp(
        200,
        {
            "token_type": "Bearer",
            "scope": " ".join(f"{resource}/{s}" for s in granted),
            "expires_in": TOKEN_LIFETIME_S,
            "ext_expires_in": TOKEN_LIFETIME_S,
            "access_token": access,
            "refresh_token": refresh_token,
            "id_token": id_token,
            "client_info": base64.urlsafe_b64encode(info).decode().rstrip("="),
        },
        {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
    )


def _user_by_upn(svc: Any, upn: str) -> dict[str, Any]:
    for user in svc.store.values("user"):
        if str(user.get("userPrincipalName", "")).lower() == upn.lower():
            return dict(user)
    raise AadError(400, "invalid_grant", 50034, f"The user account {upn} does not exist.")


def approve(svc: Any, body: dict[str, Any]) -> Resp:
    """The admin hook: a seeded user approves pending device codes (one, or all)."""
    upn = str(body.get("user") or "")
    _user_by_upn(svc, upn)
    wanted = body.get("userCode")
    approved = []
    for key, code in svc.store.dump().get("devicecode", {}).items():
        if code["user"] is None and wanted in (None, code["userCode"]):
            svc.store.put("devicecode", key, {**code, "user": upn})
            approved.append(code["userCode"])
    return Resp(200, {"approved": approved})
