"""Group policy assignments (ranked per policy type) and direct user assignments.

Ranks follow New-CsGroupPolicyAssignment: they are positions in one ordered list per
policy type. Assigning at a rank another group holds inserts there and moves the rest
down; a rank past the end, or no rank, puts the assignment last; ranks are always
renumbered 1, 2, 3… Removing an assignment closes the gap.
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
from hcinfra.emulator.teamsadmin.errors import bad_request, not_found
from hcinfra.emulator.teamsadmin.policytypes import POLICY_TYPES
from hcinfra.emulator.teamsadmin.schemas import Doc, PolicyType

ASSIGNMENT_BODY = {"PolicyName", "Rank"}


def _key(ptype: PolicyType, group_id: str) -> str:
    return f"{ptype.name}|{group_id.lower()}"


def _public(doc: Doc) -> Doc:
    return {
        k: doc[k]
        for k in ("GroupId", "PolicyType", "PolicyName", "Rank", "CreatedTime", "CreatedBy")
    }


def ranked(backend: TeamsAdminBackend, ptype: PolicyType) -> list[Doc]:
    """A type's group assignments, highest rank (1) first."""
    docs = [d for d in backend.store.values(GROUP_ASSIGNMENT) if d["PolicyType"] == ptype.name]
    return sorted(docs, key=lambda d: d["Rank"])


def list_for_type(backend: TeamsAdminBackend, ptype: PolicyType | None) -> list[Doc]:
    """Assignments of one type by rank, or of every type (by type, then rank)."""
    types = [ptype] if ptype else list(POLICY_TYPES.values())
    return [_public(d) for t in types for d in ranked(backend, t)]


def list_for_group(backend: TeamsAdminBackend, group_id: str) -> list[Doc]:
    """Every assignment of a group; 404 when the group is unknown and has none."""
    group = backend.find_group(group_id)
    gid = group["id"] if group else group_id
    docs = [
        _public(d)
        for d in backend.store.values(GROUP_ASSIGNMENT)
        if d["GroupId"].lower() == gid.lower()
    ]
    if group is None and not docs:
        raise not_found(f"Group '{group_id}' does not exist.", "GroupId")
    return sorted(docs, key=lambda d: d["PolicyType"])


def get_one(backend: TeamsAdminBackend, ptype: PolicyType, group_id: str) -> Doc:
    """One group's assignment of one type, or 404."""
    group = backend.find_group(group_id)
    gid = group["id"] if group else group_id
    doc = backend.store.get(GROUP_ASSIGNMENT, _key(ptype, gid))
    if doc is None:
        raise not_found(f"Group '{group_id}' has no {ptype.name} assignment.", "GroupId")
    return _public(doc)


def _rank(body: Doc) -> int | None:
    if "Rank" not in body or body["Rank"] is None:
        return None
    rank = body["Rank"]
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise bad_request(f"'Rank' must be an integer >= 1; got {rank!r}.", "Rank")
    return rank


def assign_group(
    backend: TeamsAdminBackend, ptype: PolicyType, group_id: str, body: Any, app_id: str
) -> Doc:
    """Create or update a group's assignment of one policy type at a rank."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    unknown = sorted(set(body) - ASSIGNMENT_BODY)
    if unknown:
        raise bad_request(f"'{unknown[0]}' is not a property of a group assignment.", unknown[0])
    group = backend.find_group(group_id)
    if group is None:
        raise not_found(f"Group '{group_id}' does not exist.", "GroupId")
    name = backend.assignable(ptype, body.get("PolicyName"))
    rank = _rank(body)
    others = [
        dict(d) for d in ranked(backend, ptype) if d["GroupId"].lower() != group["id"].lower()
    ]
    current = backend.store.get(GROUP_ASSIGNMENT, _key(ptype, group["id"]))
    if current is None and len(others) >= MAX_GROUPS_PER_TYPE:
        raise bad_request(
            f"{ptype.name} is already assigned to {MAX_GROUPS_PER_TYPE} groups, the maximum.",
            "GroupId",
        )
    if rank is not None:
        position = min(rank, len(others) + 1) - 1
    elif current is not None:
        position = min(current["Rank"], len(others) + 1) - 1
    else:
        position = len(others)
    doc = current or {
        "GroupId": group["id"],
        "PolicyType": ptype.name,
        "CreatedTime": iso(backend.now()),
        "CreatedBy": app_id,
    }
    doc["PolicyName"] = name
    order = [*others[:position], doc, *others[position:]]
    for number, item in enumerate(order, start=1):
        if item is doc or item["Rank"] != number:
            item["Rank"] = number
            backend.store.put(GROUP_ASSIGNMENT, _key(ptype, item["GroupId"]), item)
    return _public(doc)


def unassign_group(backend: TeamsAdminBackend, ptype: PolicyType, group_id: str) -> None:
    """Remove a group's assignment and close the gap in the ranks."""
    group = backend.find_group(group_id)
    gid = group["id"] if group else group_id
    key = _key(ptype, gid)
    if backend.store.peek(GROUP_ASSIGNMENT, key) is None:
        raise not_found(f"Group '{group_id}' has no {ptype.name} assignment.", "GroupId")
    backend.store.delete(GROUP_ASSIGNMENT, key)
    for number, item in enumerate(ranked(backend, ptype), start=1):
        if item["Rank"] != number:
            updated = {**item, "Rank": number}
            backend.store.put(GROUP_ASSIGNMENT, _key(ptype, item["GroupId"]), updated)


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
    key = f"{user['id']}|{ptype.name}"
    if body["PolicyName"] is None:
        backend.store.delete(USER_ASSIGNMENT, key)
        return {"PolicyType": ptype.name, "PolicyName": None}
    name = backend.assignable(ptype, body["PolicyName"])
    doc = {"UserId": user["id"], "PolicyType": ptype.name, "PolicyName": name}
    backend.store.put(USER_ASSIGNMENT, key, doc)
    return {"PolicyType": ptype.name, "PolicyName": name}


def user_policies(backend: TeamsAdminBackend, ident: str) -> list[Doc]:
    """A user's direct assignments, by policy type."""
    user = _user(backend, ident)
    docs = [
        {"PolicyType": d["PolicyType"], "PolicyName": d["PolicyName"]}
        for d in backend.store.values(USER_ASSIGNMENT)
        if d["UserId"] == user["id"]
    ]
    return sorted(docs, key=lambda d: d["PolicyType"])
