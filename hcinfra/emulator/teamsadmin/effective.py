"""A user's effective Teams policy of each type: direct, else the best-ranked group, else Global.

REF: https://learn.microsoft.com/microsoftteams/assign-policies-users-and-groups
("Precedence rules": a policy assigned directly to a user wins over one of the same type
assigned to a group; among groups, the assignment with the highest ranking, 1 being the
highest; a user in no group with an assignment gets the Global (Org-wide default) policy.)
REF: https://learn.microsoft.com/powershell/module/microsoftteams/new-csgrouppolicyassignment
("Policy assignments are only propagated to users that are direct members of the group;
the assignments are not propagated to members of nested groups.")

Membership is the Graph directory's: a group's direct members (`_members`), read from the
tenant store both services share. Changes take effect at once (Microsoft says up to 24
hours). The answer is Graph's policyAssignment (resources/teamsadministration-policyassignment):
`displayName` is the instance's bare name ("AllOn", not "Tag:AllOn", as the
teamsUserConfiguration examples show), `groupId` only on a group assignment, as there.
How Graph shows the Global default is undocumented: displayName "Global",
assignmentType "direct", no groupId (our choice, docs/emulator.md).
"""

from __future__ import annotations

from hcinfra.emulator.teamsadmin.assignments import direct_policy, ranked
from hcinfra.emulator.teamsadmin.backend import GLOBAL, TeamsAdminBackend, parse_identity
from hcinfra.emulator.teamsadmin.policytypes import POLICY_TYPES, find_type
from hcinfra.emulator.teamsadmin.schemas import Doc, PolicyType


def _assignment(
    backend: TeamsAdminBackend, ptype: PolicyType, name: str, kind: str, group_id: str = ""
) -> Doc | None:
    identity = GLOBAL if name == GLOBAL else f"Tag:{name}"
    doc = backend.find_policy(ptype, identity)
    if doc is None:
        return None
    out: Doc = {
        "displayName": name,
        "assignmentType": kind,
        "policyId": backend.policy_id(ptype, doc),
    }
    if group_id:
        out["groupId"] = group_id
    return out


def effective_policy(backend: TeamsAdminBackend, ptype: PolicyType, user_id: str) -> Doc:
    """The policyAssignment that governs the user for one policy type."""
    direct = direct_policy(backend, ptype, user_id)
    if direct is not None:
        found = _assignment(backend, ptype, direct, "direct")
        if found is not None:
            return found
    for item in ranked(backend, ptype):
        group = backend.find_group(item["groupId"])
        if group is None or user_id not in (group.get("_members") or []):
            continue  # a deleted group, or the user is not a direct member
        found = _assignment(backend, ptype, item["policyName"], "group", str(group["id"]))
        if found is not None:
            return found
    glob = _assignment(backend, ptype, GLOBAL, "direct")
    assert glob is not None, f"{ptype.name} has no Global instance"
    return glob


def effective_policies(backend: TeamsAdminBackend, user_id: str) -> list[Doc]:
    """One effectivePolicyAssignment per policy type the emulator knows, in its order."""
    return [
        {"policyType": ptype.name, "policyAssignment": effective_policy(backend, ptype, user_id)}
        for ptype in POLICY_TYPES.values()
    ]


def policy_id_for(backend: TeamsAdminBackend, policy_type: str, name: str) -> str | None:
    """The GUID of the instance `name` ("Global", "X" or "Tag:X") of a type, or None."""
    ptype = find_type(policy_type)
    if ptype is None:
        return None
    doc = backend.find_policy(ptype, parse_identity(name))
    return None if doc is None else backend.policy_id(ptype, doc)
