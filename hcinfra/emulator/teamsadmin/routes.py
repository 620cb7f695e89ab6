"""Teams admin service routes: /Skype.Policy/… and /Teams.VerticalPackaging/…."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hcinfra.emulator.core.http import Req, Resp, Route, Router
from hcinfra.emulator.core.service import Service, ServiceError
from hcinfra.emulator.core.tokens import TEAMS_ADMIN_AUDIENCE
from hcinfra.emulator.teamsadmin import assignments, federation
from hcinfra.emulator.teamsadmin.backend import TeamsAdminBackend
from hcinfra.emulator.teamsadmin.backend import policy_type as resolve_type
from hcinfra.emulator.teamsadmin.errors import TeamsAdminError, bad_request, forbidden, render
from hcinfra.emulator.teamsadmin.policytypes import find_type

if TYPE_CHECKING:
    from hcinfra.emulator.core.tenant import Tenant

router = Router()
ADMIN_ROLES = ("Teams Administrator", "Global Administrator")
CONFIG = "/Skype.Policy/configurations/{policy_type}"
GROUPS = "/Skype.Policy/groupPolicyAssignments"
USERS = "/Skype.Policy/users/{user}/policies"
PACKAGES = "/Teams.VerticalPackaging/package"


class TeamsAdminService(Service):
    """/Skype.Policy/… and /Teams.VerticalPackaging/…."""

    name = "teamsadmin"
    prefixes = ("/Skype.Policy/", "/Teams.VerticalPackaging/")
    audience = TEAMS_ADMIN_AUDIENCE
    router = router

    def __init__(self, tenant: Tenant) -> None:
        super().__init__(tenant)
        self.backend = TeamsAdminBackend(tenant.store, self.now, lambda: tenant.tenant_id)

    def on_seed(self, seed: Any) -> None:
        """Global instances, and the healthcare packages with their policies."""
        self.backend.seed()

    def authorize(self, req: Req, route: Route) -> None:
        """App-only callers need the Teams Administrator or Global Administrator role."""
        principal = req.principal
        if principal is None or not any(principal.has_role(r) for r in ADMIN_ROLES):
            raise forbidden(
                "The application does not hold the Teams Administrator or Global "
                "Administrator directory role required for Teams policy administration."
            )

    def render(self, err: ServiceError, req: Req) -> Resp:
        """The flat {code, message, target, correlationId} body (see errors.py)."""
        return render(err, req)

    def unauthorized(self, req: Req, message: str) -> Resp:
        """401 in this service's shape."""
        err = TeamsAdminError(401, "Unauthorized", message)
        err.headers = {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'}
        return render(err, req)

    def unavailable(self, req: Req) -> Resp:
        """503 in this service's shape."""
        message = "The service is temporarily unavailable."
        return render(TeamsAdminError(503, "ServiceUnavailable", message), req)


def _backend(req: Req) -> TeamsAdminBackend:
    backend: TeamsAdminBackend = req.service.backend
    return backend


# -- the federation configuration (before CONFIG, whose {policy_type} it would match) ----

router.add("GET", federation.PATH)(federation.list_configuration)
router.add("GET", federation.PATH + "/configuration/{identity}")(federation.get_configuration)
router.add("PUT", federation.PATH + "/configuration/{identity}")(federation.set_configuration)


# -- policy instances ------------------------------------------------------------------


@router.add("GET", CONFIG)
def list_policies(req: Req, policy_type: str) -> Resp:
    """Every instance of a policy type, as a bare array."""
    ptype = resolve_type(policy_type)
    return Resp(200, _backend(req).instances(ptype))


@router.add("POST", CONFIG)
def create_policy(req: Req, policy_type: str) -> Resp:
    """Create a custom instance from {Identity, …settings}."""
    ptype = resolve_type(policy_type)
    backend = _backend(req)
    doc = backend.create_policy(ptype, req.json())
    return Resp(201, backend.view(ptype, doc))


@router.add("GET", CONFIG + "/configuration/{identity}")
def get_policy(req: Req, policy_type: str, identity: str) -> Resp:
    """One instance."""
    ptype = resolve_type(policy_type)
    backend = _backend(req)
    return Resp(200, backend.view(ptype, backend.get_policy(ptype, identity)))


@router.add("PUT", CONFIG + "/configuration/{identity}")
def update_policy(req: Req, policy_type: str, identity: str) -> Resp:
    """Merge settings into an instance."""
    ptype = resolve_type(policy_type)
    backend = _backend(req)
    doc = backend.update_policy(ptype, identity, req.json())
    return Resp(200, backend.view(ptype, doc))


@router.add("DELETE", CONFIG + "/configuration/{identity}")
def delete_policy(req: Req, policy_type: str, identity: str) -> Resp:
    """Delete a custom instance (Global is reset instead)."""
    _backend(req).delete_policy(resolve_type(policy_type), identity)
    return Resp(204)


# -- group policy assignments ----------------------------------------------------------


@router.add("GET", GROUPS)
def list_group_assignments(req: Req) -> Resp:
    """Every group assignment, or those of ?policyType=."""
    raw = req.query.get("policyType")
    ptype = None
    if raw is not None:
        ptype = find_type(raw)
        if ptype is None:
            raise bad_request(f"Policy type '{raw}' does not exist.", "policyType")
    return Resp(200, assignments.list_for_type(_backend(req), ptype))


@router.add("GET", GROUPS + "/{group_id}")
def list_group(req: Req, group_id: str) -> Resp:
    """Every assignment of one group."""
    return Resp(200, assignments.list_for_group(_backend(req), group_id))


@router.add("GET", GROUPS + "/{group_id}/policyTypes/{policy_type}")
def get_group_assignment(req: Req, group_id: str, policy_type: str) -> Resp:
    """One group's assignment of one type."""
    return Resp(200, assignments.get_one(_backend(req), resolve_type(policy_type), group_id))


def _write_group(req: Req, group_id: str, policy_type: str, mode: str) -> Resp:
    ptype = resolve_type(policy_type)
    app_id = req.principal.app_id if req.principal else ""
    assignments.write_group(_backend(req), ptype, group_id, req.json(), app_id, mode)
    return Resp(204)


@router.add("PUT", GROUPS + "/{group_id}/policyTypes/{policy_type}")
def new_group_assignment(req: Req, group_id: str, policy_type: str) -> Resp:
    """New-CsGroupPolicyAssignment: {policyName, priority}; 409 when one exists."""
    return _write_group(req, group_id, policy_type, "create")


@router.add("POST", GROUPS + "/{group_id}/policyTypes/{policy_type}")
def grant_group_assignment(req: Req, group_id: str, policy_type: str) -> Resp:
    """Grant-Cs<Type>Policy -Group: create the assignment, or replace its policy."""
    return _write_group(req, group_id, policy_type, "grant")


@router.add("PATCH", GROUPS + "/{group_id}/policyTypes/{policy_type}")
def set_group_assignment(req: Req, group_id: str, policy_type: str) -> Resp:
    """Set-CsGroupPolicyAssignment: change an existing assignment's policy or priority."""
    return _write_group(req, group_id, policy_type, "update")


@router.add("DELETE", GROUPS + "/{group_id}/policyTypes/{policy_type}")
def unassign_group(req: Req, group_id: str, policy_type: str) -> Resp:
    """Remove a group's assignment of one type."""
    assignments.unassign_group(_backend(req), resolve_type(policy_type), group_id)
    return Resp(204)


# -- direct user assignments -----------------------------------------------------------


@router.add("GET", USERS)
def list_user_policies(req: Req, user: str) -> Resp:
    """A user's direct assignments."""
    return Resp(200, assignments.user_policies(_backend(req), user))


@router.add("PATCH", USERS + "/{policy_type}")
def assign_user(req: Req, user: str, policy_type: str) -> Resp:
    """Assign (or, with a null PolicyName, unassign) a policy directly to a user."""
    doc = assignments.assign_user(_backend(req), resolve_type(policy_type), user, req.json())
    return Resp(200, doc)


# -- policy packages -------------------------------------------------------------------


def _refuse_app_only(req: Req, **_: str) -> Resp:
    """Microsoft documents the *PolicyPackage* cmdlets as unsupported app-only."""
    raise forbidden(
        "Policy package operations do not support application-based authentication; "
        "sign in as a Teams administrator (delegated) to use them."
    )


for _method, _path in (
    ("GET", PACKAGES),
    ("GET", PACKAGES + "/{name}"),
    ("POST", PACKAGES + "/group"),
    ("POST", PACKAGES + "/user"),
):
    router.add(_method, _path)(_refuse_app_only)
