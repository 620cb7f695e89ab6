"""Token endpoint (client secret or certificate assertion) and OpenID discovery."""

from __future__ import annotations

import hmac
import re
from typing import Any
from urllib.parse import parse_qsl

import jwt
from cryptography import x509

from hcinfra.emulator.core.http import Req, Resp, Router
from hcinfra.emulator.core.seed import Seed
from hcinfra.emulator.core.service import Service, ServiceError
from hcinfra.emulator.core.tokens import AUDIENCES, DIRECTORY_ROLES, TOKEN_LIFETIME_S
from hcinfra.emulator.identity import devicecode
from hcinfra.emulator.identity.errors import AadError, unknown_app

router = Router()
PATH = re.compile(
    r"^/[^/]+/(oauth2/v2\.0/(token|devicecode)|v2\.0/\.well-known/openid-configuration"
    r"|discovery/v2\.0/keys)$"
)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class IdentityService(Service):
    """Microsoft Entra ID's v2.0 endpoints for one tenant."""

    name = "identity"
    audience = None
    router = router

    def owns(self, path: str) -> bool:
        return bool(PATH.match(path))

    def is_write(self, req: Req) -> bool:
        return False  # a token changes nothing in the tenant

    def on_seed(self, seed: Seed) -> None:
        pass

    def render(self, err: ServiceError, req: Req) -> Resp:
        if isinstance(err, AadError):
            return err.response()
        return AadError(err.status, "invalid_request", 900144, err.message).response()

    def known_tenant(self, name: str) -> bool:
        """True for the tenant id or one of its verified domains."""
        return name.lower() in {self.tenant.tenant_id, *(d.lower() for d in self.tenant.domains)}

    def app(self, client_id: str) -> dict[str, Any] | None:
        """The registered app, or None."""
        return self.store.peek("app", client_id)


@router.add("GET", "/{tenant}/v2.0/.well-known/openid-configuration")
def openid_configuration(req: Req, tenant: str) -> Resp:
    svc: IdentityService = req.service
    if not svc.known_tenant(tenant):
        raise AadError(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
    tid = svc.tenant.tenant_id
    base = req.base_url
    return Resp(
        200,
        {
            "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
            "issuer": f"{base}/{tid}/v2.0",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "NA",
        },
    )


@router.add("GET", "/{tenant}/discovery/v2.0/keys")
def keys(req: Req, tenant: str) -> Resp:
    return Resp(200, {"keys": []})


@router.add("POST", "/{tenant}/oauth2/v2.0/devicecode")
def device_authorization(req: Req, tenant: str) -> Resp:
    svc: IdentityService = req.service
    if not svc.known_tenant(tenant):
        raise AadError(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
    form = dict(parse_qsl(req.body.decode(), keep_blank_values=True))
    return devicecode.start(svc, form, req.base_url)


@router.add("POST", "/{tenant}/oauth2/v2.0/token")
def token(req: Req, tenant: str) -> Resp:
    svc: IdentityService = req.service
    if not svc.known_tenant(tenant):
        raise AadError(
            400,
            "invalid_request",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID.",
        )
    form = dict(parse_qsl(req.body.decode(), keep_blank_values=True))
    grant = form.get("grant_type")
    if grant == devicecode.GRANT:
        return devicecode.redeem(svc, form, req.base_url)
    if grant == "refresh_token":
        return devicecode.refresh(svc, form, req.base_url)
    if grant != "client_credentials":
        raise AadError(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type "
            f"'{grant}'. Only client_credentials is supported by this emulator.",
        )
    client_id = form.get("client_id", "")
    app = svc.app(client_id)
    if app is None:
        raise unknown_app(svc, client_id)
    _authenticate_client(app, form, f"{req.base_url}{req.path}")
    scope = form.get("scope", "")
    if not scope:
        raise AadError(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        )
    audience = _audience(scope, svc.tenant.seed.tenant.display_name)
    roles = _roles_for(app, audience)
    wids = [DIRECTORY_ROLES.get(r, r) for r in app.get("directoryRoles") or []]
    access_token = svc.tenant.signer.issue(
        tenant_id=svc.tenant.tenant_id,
        app_id=client_id,
        object_id=app["objectId"],
        audience=audience,
        roles=roles,
        wids=wids,
        now=svc.now(),
    )
    return Resp(
        200,
        {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "ext_expires_in": TOKEN_LIFETIME_S,
            "access_token": access_token,
        },
        {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
    )


def _authenticate_client(app: dict[str, Any], form: dict[str, str], endpoint: str) -> None:
    secret = form.get("client_secret")
    assertion = form.get("client_assertion")
    if secret is not None:
        expected = app.get("clientSecret") or ""
        if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
            raise AadError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request "
                f"is the client secret value, not the client secret ID, for a secret added "
                f"to app '{app['clientId']}'.",
            )
        return
    if assertion is not None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise AadError(
                400,
                "invalid_request",
                50027,
                "Invalid client_assertion_type: must be " + ASSERTION_TYPE + ".",
            )
        _check_assertion(app, assertion, endpoint)
        return
    raise AadError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: "
        "'client_assertion' or 'client_secret'.",
    )


def _check_assertion(app: dict[str, Any], assertion: str, endpoint: str) -> None:
    pem = app.get("certificatePem")
    invalid = AadError(
        401, "invalid_client", 700027, "Client assertion contains an invalid signature."
    )
    if not pem:
        raise AadError(
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation: no certificate is registered "
            f"for app '{app['clientId']}'.",
        )
    key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    try:
        claims = jwt.decode(
            assertion,
            key,  # type: ignore[arg-type]
            algorithms=["RS256", "PS256", "ES256"],
            audience=endpoint,
            options={"verify_aud": False},
        )
    except jwt.PyJWTError:
        raise invalid from None
    if claims.get("iss") != app["clientId"] or claims.get("sub") != app["clientId"]:
        raise AadError(
            401,
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer.",
        )


def _audience(scope: str, tenant_name: str) -> str:
    scopes = scope.split()
    resources = set()
    for item in scopes:
        if not item.endswith("/.default"):
            raise AadError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {item} is not valid. Client credential flows "
                "must have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
            )
        resources.add(item[: -len("/.default")].rstrip("/"))
    if len(resources) != 1:
        raise AadError(
            400,
            "invalid_scope",
            70011,
            "The provided value for the input parameter "
            "'scope' is not valid. Scopes of several resources cannot be combined.",
        )
    resource = resources.pop()
    audience = AUDIENCES.get(resource)
    if audience is None:
        raise AadError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{tenant_name}. This can happen if the application has not been installed by "
            "the administrator of the tenant or consented to by any user in the tenant.",
        )
    return audience


def _roles_for(app: dict[str, Any], audience: str) -> list[str]:
    from hcinfra.emulator.core.tokens import EXCHANGE_AUDIENCE, GRAPH_AUDIENCE

    if audience == GRAPH_AUDIENCE:
        return list(app.get("graphPermissions") or [])
    if audience == EXCHANGE_AUDIENCE:
        return list(app.get("exchangePermissions") or [])
    return []
