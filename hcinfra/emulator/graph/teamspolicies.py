"""Graph's Teams administration API: direct policy assignment per user, policy ids, and
each user's effective policies.

REF: https://learn.microsoft.com/en-us/graph/api/teamsadministration-teamspolicyuserassignment-assign
REF: https://learn.microsoft.com/en-us/graph/api/teamsadministration-teamspolicyuserassignment-unassign
REF: https://learn.microsoft.com/en-us/graph/api/teamsadministration-teamspolicyassignment-getpolicyid
REF: https://learn.microsoft.com/en-us/graph/api/teamsadministration-teamsuserconfiguration-get
REF: https://learn.microsoft.com/en-us/graph/api/teamsadministration-teamsadminroot-list-userconfigurations
REF: https://learn.microsoft.com/en-us/graph/api/resources/teamsadministration-teamsuserconfiguration

The state is the Teams admin service's (hcinfra/emulator/teamsadmin/): policy instances
and their GUIDs, ranked group assignments, and the direct user assignments, which both
services read and write, so Get-style reads there and effective policies here agree.
What the pages leave open (error texts, the item bound, the Global default's rendering,
the filterable properties) is our strict choice, marked in docs/emulator.md.
"""

from __future__ import annotations

from typing import Any

from hcinfra.emulator.core.http import Req, Resp
from hcinfra.emulator.graph.capabilities import Ops, ops
from hcinfra.emulator.graph.errors import GraphError, unknown_property
from hcinfra.emulator.graph.objects import GUID, context, shape, visible
from hcinfra.emulator.graph.odata import apply_filter, context_fragment, page, parse_select
from hcinfra.emulator.graph.router import router
from hcinfra.emulator.teamsadmin.assignments import set_user_policy
from hcinfra.emulator.teamsadmin.backend import (
    GLOBAL,
    TeamsAdminBackend,
    parse_identity,
    policy_name,
)
from hcinfra.emulator.teamsadmin.effective import effective_policies
from hcinfra.emulator.teamsadmin.errors import TeamsAdminError
from hcinfra.emulator.teamsadmin.policytypes import find_type
from hcinfra.emulator.teamsadmin.schemas import PolicyType

NS = "microsoft.graph.teamsAdministration"
ASSIGNMENT_TYPE = f"#{NS}.teamsPolicyUserAssignment"
DETAIL_TYPE = f"#{NS}.policyIdentifierDetail"
CONFIG_TYPE = f"{NS}.teamsUserConfiguration"
POLICY = "/admin/teams/policy"
CONFIGS = "/admin/teams/userConfigurations"
# The pages document no bound on `value`: ours, strict (Graph's $batch takes 20 requests).
MAX_ITEMS = 20
ITEM_KEYS = ("@odata.type", "id", "userId", "policyType", "policyId")
CONFIG_KEYS = [
    "id",
    "userPrincipalName",
    "tenantId",
    "effectivePolicyAssignments",
    "telephoneNumbers",
    "isEnterpriseVoiceEnabled",
    "featureTypes",
    "accountType",
    "createdDateTime",
    "modifiedDateTime",
]
# The list page supports $filter without naming properties: the two a caller needs.
CONFIG_FILTERS: dict[str, Ops] = {"id": ops("eq in"), "userPrincipalName": ops("eq in")}


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _backend(req: Req) -> TeamsAdminBackend:
    backend: TeamsAdminBackend = req.service.tenant.service("teamsadmin").backend
    return backend


# -- assign and unassign ---------------------------------------------------------------


def _items(req: Req, action: str) -> list[dict[str, Any]]:
    body = req.json()
    if not isinstance(body, dict):
        raise _bad("Invalid request body: a JSON object is required.")
    for key in body:
        if key != "value":
            raise _bad(
                f"The parameter '{key}' in the request payload is not a valid parameter for "
                f"the operation '{action}'."
            )
    items = body.get("value")
    if not isinstance(items, list) or not items:
        raise _bad("The parameter 'value' must be a non-empty array of teamsPolicyUserAssignment.")
    if len(items) > MAX_ITEMS:
        raise _bad(f"At most {MAX_ITEMS} user assignments can be sent in one request.")
    return items


def _text(item: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(
            f"A value is required for property '{key}' of resource 'teamsPolicyUserAssignment'."
        )
    return value.strip()


def _checked(
    req: Req, items: list[dict[str, Any]], need_policy: bool
) -> list[tuple[PolicyType, str, str | None]]:
    """(type, user id, bare policy name or None) per item; every item checked first."""
    svc, backend = req.service, _backend(req)
    out: list[tuple[PolicyType, str, str | None]] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        if not isinstance(item, dict):
            raise _bad("Each item of 'value' must be a teamsPolicyUserAssignment object.")
        for key in item:
            if key not in ITEM_KEYS:
                raise unknown_property(str(key), f"{NS}.teamsPolicyUserAssignment")
        if item.get("@odata.type", ASSIGNMENT_TYPE) != ASSIGNMENT_TYPE:
            raise _bad(f"'@odata.type' must be '{ASSIGNMENT_TYPE}'.")
        if "id" in item and not isinstance(item["id"], str):
            raise _bad("'id' must be a string.")
        user_id = _text(item, "userId")
        type_name = _text(item, "policyType")
        raw_policy = _text(item, "policyId", required=need_policy)
        assert user_id is not None and type_name is not None
        if not GUID.match(user_id):
            raise _bad(f"'{user_id}' is not a user's object id (a GUID).")
        user = svc.store.peek("user", user_id.lower())
        if not visible(user, svc.now()):
            raise _bad(f"User '{user_id}' does not exist.")
        assert user is not None
        ptype = find_type(type_name)
        if ptype is None:
            raise _bad(f"Policy type '{type_name}' is not supported.")
        name: str | None = None
        if raw_policy is not None:
            doc = backend.find_policy_by_id(ptype, raw_policy)
            if doc is None:
                raise _bad(f"Policy '{raw_policy}' of type {ptype.name} does not exist.")
            if need_policy and doc["Identity"] == GLOBAL:
                raise _bad(
                    f"The Global {ptype.name} applies to everyone without another assignment "
                    "and cannot be assigned; unassign the user's policy instead."
                )
            name = policy_name(doc["Identity"])
        pair = (str(user["id"]), ptype.name)
        if pair in seen:
            raise _bad(f"User '{user_id}' is named twice for {ptype.name} in one request.")
        seen.add(pair)
        out.append((ptype, str(user["id"]), name))
    return out


@router.add("POST", f"{POLICY}/userAssignments/assign", "teams.policyUserAssign")
def assign(req: Req) -> Resp:
    """Assign a policy directly to users: all items or none."""
    backend = _backend(req)
    for ptype, user_id, name in _checked(req, _items(req, "assign"), need_policy=True):
        set_user_policy(backend, ptype, user_id, name)
    return Resp(204)


@router.add("POST", f"{POLICY}/userAssignments/unassign", "teams.policyUserAssign")
def unassign(req: Req) -> Resp:
    """Remove users' direct assignments of a type (none to remove is not an error)."""
    backend = _backend(req)
    for ptype, user_id, _ in _checked(req, _items(req, "unassign"), need_policy=False):
        set_user_policy(backend, ptype, user_id, None)
    return Resp(204)


# -- getPolicyId -----------------------------------------------------------------------


def get_policy_id(req: Req, ptype: str, pname: str) -> Resp:
    """The policyIdentifierDetail collection of one instance, named `X`, `Tag:X` or Global."""
    found = find_type(ptype)
    if found is None:
        raise _bad(f"Policy type '{ptype}' is not supported.")
    backend = _backend(req)
    try:
        identity = parse_identity(pname, "name")
    except TeamsAdminError as err:
        raise _bad(err.message) from None
    doc = backend.find_policy(found, identity)
    if doc is None:
        raise GraphError(404, "NotFound", f"{found.name} '{identity}' does not exist.")
    detail = {
        "@odata.type": DETAIL_TYPE,
        "name": doc["Identity"],
        "policyId": backend.policy_id(found, doc),
    }
    fragment = f"Collection({NS}.policyIdentifierDetail)"
    return Resp(200, {"@odata.context": context(req, fragment), "value": [detail]})


for _pattern in (
    f"{POLICY}/getPolicyId(type='{{ptype}}',name='{{pname}}')",
    f"{POLICY}/getPolicyId(name='{{pname}}',type='{{ptype}}')",
):
    router.add("GET", _pattern, "teams.policyUserAssign")(get_policy_id)


# -- user configurations ---------------------------------------------------------------


def _light(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["id"], "userPrincipalName": doc["userPrincipalName"], "_user": doc}


def configuration(req: Req, user: dict[str, Any]) -> dict[str, Any]:
    """A user's teamsUserConfiguration."""
    return {
        "id": user["id"],
        "userPrincipalName": user["userPrincipalName"],
        "tenantId": req.service.tenant.tenant_id,
        "effectivePolicyAssignments": effective_policies(_backend(req), str(user["id"])),
        # Telephony and licensing features are not modelled.
        "telephoneNumbers": [],
        "isEnterpriseVoiceEnabled": False,
        "featureTypes": [],
        "accountType": "guest" if user.get("userType") == "Guest" else "user",
        "createdDateTime": user.get("createdDateTime"),
        "modifiedDateTime": user.get("createdDateTime"),
    }


@router.add("GET", CONFIGS, "teams.userConfigurations")
def list_configurations(req: Req) -> Resp:
    """Every user's configuration, paged; $filter on id and userPrincipalName."""
    svc = req.service
    now = svc.now()
    users = [_light(u) for u in svc.store.values("user") if visible(u, now)]
    users = apply_filter(users, req.query, req.headers, "teamsUserConfiguration", CONFIG_FILTERS)
    select = parse_select(req.query, set(CONFIG_KEYS), CONFIG_TYPE)
    chunk, next_link = page(users, req.query, f"{req.base_url}/{req.version}{CONFIGS}")
    value = [shape(configuration(req, u["_user"]), CONFIG_KEYS, select) for u in chunk]
    fragment = context_fragment("admin/teams/userConfigurations", select)
    body: dict[str, Any] = {"@odata.context": context(req, fragment), "value": value}
    if next_link:
        body["@odata.nextLink"] = next_link
    return Resp(200, body)


@router.add("GET", f"{CONFIGS}/{{uid}}", "teams.userConfigurations")
def get_configuration(req: Req, uid: str) -> Resp:
    """One user's configuration, by object id."""
    svc = req.service
    user = svc.store.peek("user", uid.lower()) if GUID.match(uid) else None
    if not visible(user, svc.now()):
        raise GraphError(404, "NotFound", f"User '{uid}' was not found.")
    assert user is not None
    select = parse_select(req.query, set(CONFIG_KEYS), CONFIG_TYPE)
    fragment = context_fragment("admin/teams/userConfigurations", select, entity=True)
    doc = shape(configuration(req, user), CONFIG_KEYS, select)
    return Resp(200, {"@odata.context": context(req, fragment), **doc})
