"""Group policy assignments (ranked per policy type) and direct user assignments.

REF: https://learn.microsoft.com/powershell/module/microsoftteams/new-csgrouppolicyassignment
The wire format follows the route strings and JSON model keys of Microsoft's published
MicrosoftTeams module (docs/emulator.md, "Evidence"): the item route is
`/Skype.Policy/groupPolicyAssignments/{groupId}/policyTypes/{policyType}`; PUT creates
(New-CsGroupPolicyAssignment), POST creates or replaces (Grant-Cs<Type>Policy -Group),
PATCH updates (Set-CsGroupPolicyAssignment) and DELETE removes. Bodies are
`{"policyName", "priority"}` and answers carry camelCase `groupId`, `policyType`,
`policyName`, `priority`, `createdTime` and `createdBy`; Microsoft's client reads them
case-sensitively, so the emulator refuses any other spelling.

Priorities follow New-CsGroupPolicyAssignment: they are positions in one ordered list
per policy type. Assigning at a priority another group holds inserts there and moves the
rest down; a priority past the end, or none, puts the assignment last; priorities are
always renumbered 1, 2, 3… Removing an assignment closes the gap.
"""

from __future__ import annotations

from typing import Any

from hcinfra.emulator.teamsadmin.backend import (
    GROUP_ASSIGNMENT,
    MAX_GROUPS_PER_TYPE,
    USER_ASSIGNMENT,
    TeamsAdminBackend,
    iso,
)
from hcinfra.emulator.teamsadmin.errors import bad_request, conflict, not_found
from hcinfra.emulator.teamsadmin.policytypes import POLICY_TYPES
from hcinfra.emulator.teamsadmin.schemas import Doc, PolicyType

ASSIGNMENT_BODY = ("policyName", "priority")
ANSWER_KEYS = ("groupId", "policyType", "policyName", "priority", "createdTime", "createdBy")


def _key(ptype: PolicyType, group_id: str) -> str:
    return f"{ptype.name}|{group_id.lower()}"


def _public(doc: Doc) -> Doc:
    return {k: doc[k] for k in ANSWER_KEYS}


def ranked(backend: TeamsAdminBackend, ptype: PolicyType) -> list[Doc]:
    """A type's group assignments, highest priority (1) first."""
    docs = [d for d in backend.store.values(GROUP_ASSIGNMENT) if d["policyType"] == ptype.name]
    return sorted(docs, key=lambda d: d["priority"])


def list_for_type(backend: TeamsAdminBackend, ptype: PolicyType | None) -> list[Doc]:
    """Assignments of one type by priority, or of every type (by type, then priority)."""
    types = [ptype] if ptype else list(POLICY_TYPES.values())
    return [_public(d) for t in types for d in ranked(backend, t)]


def _group_id(backend: TeamsAdminBackend, group_id: str) -> str:
    group = backend.find_group(group_id)
    return str(group["id"]) if group else group_id


def list_for_group(backend: TeamsAdminBackend, group_id: str) -> list[Doc]:
    """Every assignment of a group; 404 when the group is unknown and has none."""
    gid = _group_id(backend, group_id)
    docs = [
        _public(d)
        for d in backend.store.values(GROUP_ASSIGNMENT)
        if d["groupId"].lower() == gid.lower()
    ]
    if not docs and backend.find_group(group_id) is None:
        raise not_found(f"Group '{group_id}' does not exist.", "groupId")
    return sorted(docs, key=lambda d: d["policyType"])


def get_one(backend: TeamsAdminBackend, ptype: PolicyType, group_id: str) -> Doc:
    """One group's assignment of one type, or 404."""
    doc = backend.store.get(GROUP_ASSIGNMENT, _key(ptype, _group_id(backend, group_id)))
    if doc is None:
        raise not_found(f"Group '{group_id}' has no {ptype.name} assignment.", "groupId")
    return _public(doc)


def _body(body: Any, *, name_required: bool) -> Doc:
    """The request body checked key by key (case-sensitive, as Microsoft's client sends it)."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    for key in body:
        if key not in ASSIGNMENT_BODY:
            close = [k for k in ASSIGNMENT_BODY if k.lower() == str(key).lower()]
            hint = f" (the property is '{close[0]}')" if close else ""
            raise bad_request(f"'{key}' is not a property of a group assignment{hint}.", key)
    if name_required and body.get("policyName") is None:
        raise bad_request("'policyName' is required.", "policyName")
    if not body:
        raise bad_request("The request changes nothing: give policyName or priority.")
    priority = body.get("priority")
    if priority is not None and (
        isinstance(priority, bool) or not isinstance(priority, int) or priority < 1
    ):
        raise bad_request(f"'priority' must be an integer >= 1; got {priority!r}.", "priority")
    return body


def write_group(
    backend: TeamsAdminBackend,
    ptype: PolicyType,
    group_id: str,
    raw: Any,
    app_id: str,
    mode: str,
) -> None:
    """PUT creates, POST creates or replaces, PATCH updates an existing assignment."""
    body = _body(raw, name_required=mode != "update")
    group = backend.find_group(group_id)
    if group is None:
        raise not_found(f"Group '{group_id}' does not exist.", "groupId")
    current = backend.store.get(GROUP_ASSIGNMENT, _key(ptype, group["id"]))
    if mode == "create" and current is not None:
        raise conflict(
            f"Group '{group['id']}' already has a {ptype.name} assignment; update it instead.",
            "groupId",
        )
    if mode == "update" and current is None:
        raise not_found(f"Group '{group_id}' has no {ptype.name} assignment.", "groupId")
    name = (
        backend.assignable(ptype, body["policyName"], "policyName")
        if body.get("policyName") is not None
        else current["policyName"]
    )
    others = [
        dict(d) for d in ranked(backend, ptype) if d["groupId"].lower() != group["id"].lower()
    ]
    if current is None and len(others) >= MAX_GROUPS_PER_TYPE:
        raise bad_request(
            f"{ptype.name} is already assigned to {MAX_GROUPS_PER_TYPE} groups, the maximum.",
            "groupId",
        )
    priority = body.get("priority")
    if priority is None and current is not None:
        priority = current["priority"]
    position = min(priority, len(others) + 1) - 1 if priority is not None else len(others)
    doc = current or {
        "groupId": group["id"],
        "policyType": ptype.name,
        "createdTime": iso(backend.now()),
        "createdBy": app_id,
    }
    doc["policyName"] = name
    order = [*others[:position], doc, *others[position:]]
    for number, item in enumerate(order, start=1):
        if item is doc or item["priority"] != number:
            item["priority"] = number
            backend.store.put(GROUP_ASSIGNMENT, _key(ptype, item["groupId"]), item)


def unassign_group(backend: TeamsAdminBackend, ptype: PolicyType, group_id: str) -> None:
    """Remove a group's assignment and close the gap in the priorities."""
    key = _key(ptype, _group_id(backend, group_id))
    if backend.store.peek(GROUP_ASSIGNMENT, key) is None:
        raise not_found(f"Group '{group_id}' has no {ptype.name} assignment.", "groupId")
    backend.store.delete(GROUP_ASSIGNMENT, key)
    for number, item in enumerate(ranked(backend, ptype), start=1):
        if item["priority"] != number:
            updated = {**item, "priority": number}
            backend.store.put(GROUP_ASSIGNMENT, _key(ptype, item["groupId"]), updated)


def _user(backend: TeamsAdminBackend, ident: str) -> Doc:
    user = backend.find_user(ident)
    if user is None:
        raise not_found(f"User '{ident}' does not exist.", "Identity")
    return user


def assign_user(backend: TeamsAdminBackend, ptype: PolicyType, ident: str, body: Any) -> Doc:
    """Assign a policy directly to a user; a null PolicyName removes the assignment."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    unknown = sorted(set(body) - {"PolicyName"})
    if unknown:
        raise bad_request(f"'{unknown[0]}' is not a property of a user assignment.", unknown[0])
    if "PolicyName" not in body:
        raise bad_request("'PolicyName' is required (null removes the assignment).", "PolicyName")
    user = _user(backend, ident)
    if body["PolicyName"] is None:
        set_user_policy(backend, ptype, user["id"], None)
        return {"PolicyType": ptype.name, "PolicyName": None}
    name = backend.assignable(ptype, body["PolicyName"])
    set_user_policy(backend, ptype, user["id"], name)
    return {"PolicyType": ptype.name, "PolicyName": name}


def set_user_policy(
    backend: TeamsAdminBackend, ptype: PolicyType, user_id: str, name: str | None
) -> None:
    """Store (or, with None, remove) a user's direct assignment of one type.

    The one store both views write: this service's per-user route and Graph's
    `admin/teams/policy/userAssignments/assign` and `unassign`.
    """
    key = f"{user_id}|{ptype.name}"
    if name is None:
        backend.store.delete(USER_ASSIGNMENT, key)
        return
    doc = {"UserId": user_id, "PolicyType": ptype.name, "PolicyName": name}
    backend.store.put(USER_ASSIGNMENT, key, doc)


def direct_policy(backend: TeamsAdminBackend, ptype: PolicyType, user_id: str) -> str | None:
    """The bare name of the policy of this type assigned directly to the user, or None."""
    doc = backend.store.peek(USER_ASSIGNMENT, f"{user_id}|{ptype.name}")
    return None if doc is None else str(doc["PolicyName"])


def user_policies(backend: TeamsAdminBackend, ident: str) -> list[Doc]:
    """A user's direct assignments, by policy type."""
    user = _user(backend, ident)
    docs = [
        {"PolicyType": d["PolicyType"], "PolicyName": d["PolicyName"]}
        for d in backend.store.values(USER_ASSIGNMENT)
        if d["UserId"] == user["id"]
    ]
    return sorted(docs, key=lambda d: d["PolicyType"])
