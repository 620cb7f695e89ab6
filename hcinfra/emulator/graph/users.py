"""Users: seeded, read by id or userPrincipalName, sign-in and usage location updated."""

from __future__ import annotations

import uuid
from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.core.seed import Seed, stable_id
from hcinfra.emulator.graph.capabilities import USER_FILTERS, USER_ORDERBY, USER_SEARCH
from hcinfra.emulator.graph.errors import GraphError, directory_denied, invalid_value, not_found
from hcinfra.emulator.graph.objects import (
    context,
    iso,
    listing,
    public,
    require_object,
    shape,
    visible,
)
from hcinfra.emulator.graph.odata import (
    apply_filter,
    apply_orderby,
    apply_search,
    context_fragment,
    parse_select,
)
from hcinfra.emulator.graph.permissions import ENABLE_DISABLE, ROUTE_PERMISSIONS
from hcinfra.emulator.graph.router import router

TYPE = "microsoft.graph.user"
DEFAULT = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
]
SELECT_ONLY = [
    "accountEnabled",
    "usageLocation",
    "department",
    "assignedLicenses",
    "licenseAssignmentStates",
    "userType",
    "createdDateTime",
    "mailNickname",
    "proxyAddresses",
    "assignedPlans",
    "otherMails",
    "city",
    "postalCode",
    "identities",
]
KNOWN = set(DEFAULT) | set(SELECT_ONLY)
WRITABLE = {
    "accountEnabled",
    "usageLocation",
    "displayName",
    "department",
    "jobTitle",
    "givenName",
    "surname",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "businessPhones",
    "city",
}


def seed_users(store: Any, seed: Seed, now: float) -> None:
    """Store the seed's users."""
    for user in seed.all_users():
        uid = user.id or stable_id("user", user.user_principal_name)
        given, _, surname = user.display_name.partition(" ")
        store.put(
            "user",
            uid,
            {
                "id": uid,
                "userPrincipalName": user.user_principal_name,
                "displayName": user.display_name,
                "givenName": given,
                "surname": surname or None,
                "mail": user.user_principal_name,
                "mailNickname": user.user_principal_name.split("@")[0],
                "accountEnabled": user.account_enabled,
                "usageLocation": user.usage_location,
                "department": user.department,
                "jobTitle": user.job_title,
                "userType": "Member",
                "businessPhones": [],
                "mobilePhone": None,
                "officeLocation": None,
                "preferredLanguage": None,
                "proxyAddresses": [f"SMTP:{user.user_principal_name}"],
                "otherMails": [],
                "createdDateTime": iso(now),
                "assignedLicenses": [],
                "assignedPlans": [],
            },
        )


def find_user(svc: Any, ident: str) -> dict[str, Any] | None:
    """A visible user by object id or userPrincipalName."""
    store, now = svc.store, svc.now()
    doc = store.peek("user", ident)
    if doc is None and "@" in ident:
        low = ident.lower()
        doc = next((u for u in store.values("user") if u["userPrincipalName"].lower() == low), None)
    return doc if visible(doc, now) else None


def get_user(svc: Any, ident: str) -> dict[str, Any]:
    """A visible user, or Graph's 404."""
    doc = find_user(svc, ident)
    if doc is None:
        raise not_found(ident)
    return doc


def _with_licenses(svc: Any, doc: dict[str, Any]) -> dict[str, Any]:
    from hcinfra.emulator.graph.licensing import user_license_view

    return {**public(doc), **user_license_view(svc, doc)}


@router.add("GET", "/users", "users.read")
def list_users(req: Req) -> Resp:
    svc = req.service
    now = svc.now()
    docs = query_users(req, [u for u in svc.store.values("user") if visible(u, now)])
    return listing(req, docs, "users", DEFAULT, KNOWN, TYPE)


def query_users(req: Req, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The users a request's $search, $filter and $orderby keep, in order."""
    svc = req.service
    select = parse_select(req.query, KNOWN, TYPE) or []
    if {"assignedLicenses", "licenseAssignmentStates"} & set(select):
        docs = [_with_licenses(svc, u) for u in docs]
    docs = [_with_identities(svc, u) for u in docs]
    docs = apply_search(docs, req.query, req.headers, USER_SEARCH)
    docs = apply_filter(docs, req.query, req.headers, "User", USER_FILTERS)
    return apply_orderby(docs, req.query, req.headers, USER_ORDERBY)


def _with_identities(svc: Any, doc: dict[str, Any]) -> dict[str, Any]:
    # A member's sign-in identity is its UPN, issued by the tenant's initial domain.
    identity = {
        "signInType": "userPrincipalName",
        "issuer": svc.tenant.domains[0],
        "issuerAssignedId": doc["userPrincipalName"],
    }
    return {**doc, "identities": [identity]}


@router.add("GET", "/me", "users.read")
@router.add("PATCH", "/me")
def me(req: Req) -> Resp:
    """/me names the signed-in user; app-only callers have none (user-get, user-update)."""
    raise GraphError(
        400, "BadRequest", "/me request is only valid with delegated authentication flow."
    )


@router.add("GET", "/users/{ident}", "users.read")
def read_user(req: Req, ident: str) -> Resp:
    svc = req.service
    doc = _with_identities(svc, _with_licenses(svc, get_user(svc, ident)))
    select = parse_select(req.query, KNOWN, TYPE)
    fragment = context_fragment("users", select, entity=True)
    return Resp(200, {"@odata.context": context(req, fragment), **shape(doc, DEFAULT, select)})


@router.add("PATCH", "/users/{ident}")
def update_user(req: Req, ident: str) -> Resp:
    svc = req.service
    body = require_object(req.json())
    roles = req.principal.roles if req.principal else frozenset()
    allowed = set(ROUTE_PERMISSIONS["users.write"])
    if set(body) <= {"accountEnabled"}:
        allowed.add(ENABLE_DISABLE)
    if not roles & allowed:
        raise directory_denied()
    doc = get_user(svc, ident)
    from hcinfra.emulator.graph.errors import unknown_property

    for key, value in body.items():
        if key not in WRITABLE:
            if key in KNOWN:
                raise invalid_value(key, "User")
            raise unknown_property(key, TYPE)
        if key == "accountEnabled" and not isinstance(value, bool):
            raise invalid_value(key, "User")
        if (
            key == "usageLocation"
            and value is not None
            and not (isinstance(value, str) and len(value) == 2 and value.isalpha())
        ):
            raise invalid_value(key, "User")
    for key, value in body.items():
        doc[key] = value.upper() if key == "usageLocation" and value else value
    svc.store.put("user", doc["id"], doc)
    return Resp(204)


def new_user_id() -> str:
    """A fresh object id."""
    return str(uuid.uuid4())
