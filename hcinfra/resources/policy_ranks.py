"""Where a group's Teams policy assignment sits in its policy type's ranked list.

The service keeps one list per policy type for the whole tenant, and a rank is a
position in it (New-CsGroupPolicyAssignment): assigning at a taken rank inserts and
moves the rest down. Absolute positions therefore depend on every other group of the
tenant, including other sites deployed in parallel. A rank that matters is a relative
one: a user in two groups gets the policy of the group ranked first. So an assignment
may be ranked *with* peers (the other groups of its precedence list, in order): `rank`
is then its place among them, written as the service position that puts it after the
peers ranked before it and before those ranked after it, and read back as drift only
when a peer sits on the wrong side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The Teams admin service's group policy assignments, one list per policy type. Answers
# carry camelCase keys, which Microsoft's own client reads case-sensitively.
ASSIGNMENTS = "/Skype.Policy/groupPolicyAssignments"


def group_of(doc: dict[str, Any]) -> str:
    """The group id of an assignment as listed, lower-cased."""
    return str(doc.get("groupId", "")).lower()


def policy_of(doc: dict[str, Any]) -> str:
    """The policy name of an assignment as listed, without a Tag: prefix."""
    name = str(doc.get("policyName") or "")
    return name[4:] if name.lower().startswith("tag:") else name


def priority_of(doc: dict[str, Any]) -> int:
    """The assignment's position in its type's list (1 first)."""
    return int(doc.get("priority") or 0)


@dataclass(frozen=True)
class Peers:
    """The groups ranked before and after one group, from its place among its peers."""

    ahead: tuple[str, ...]
    behind: tuple[str, ...]

    @classmethod
    def of(cls, ranked_with: list[str], rank: int) -> Peers:
        """Split the ordered peers (the group itself excluded) at the group's rank."""
        ids = [p.lower() for p in ranked_with]
        return cls(tuple(ids[: rank - 1]), tuple(ids[rank - 1 :]))


def order(listed: list[dict[str, Any]], policy_type: str) -> list[str]:
    """Group ids holding `policy_type`, first rank first."""
    docs = [d for d in listed if d.get("policyType", policy_type) == policy_type]
    docs.sort(key=priority_of)
    return [group_of(d) for d in docs]


def placement(listed: list[str], group: str, peers: Peers) -> int:
    """The service rank that puts `group` after its ahead peers and before its behind ones."""
    others = [g for g in listed if g != group]
    behind = set(peers.behind)
    for position, holder in enumerate(others, start=1):
        if holder in behind:
            return position
    ahead = set(peers.ahead)
    last_ahead = max((n for n, g in enumerate(others, start=1) if g in ahead), default=0)
    if last_ahead:
        return last_ahead + 1
    if group in listed:
        return listed.index(group) + 1  # no peer placed yet: stay where it is
    return len(others) + 1


def misplaced(listed: list[str], group: str, peers: Peers) -> list[str]:
    """Peers on the wrong side of `group` in the service's list."""
    if group not in listed:
        return []
    at = listed.index(group)
    wrong = [g for g in listed[at + 1 :] if g in peers.ahead]
    wrong += [g for g in listed[:at] if g in peers.behind]
    return wrong


def relative_rank(listed: list[str], group: str, peers: Peers) -> int:
    """The group's place among its peers as the service orders them (absent peers stay put)."""
    if group not in listed:
        return len(peers.ahead) + 1
    at = listed.index(group)
    before = {g for g in listed[:at]}
    present = set(listed)
    return (
        1
        + sum(1 for g in peers.ahead if g in before or g not in present)
        + sum(1 for g in peers.behind if g in before)
    )


def describe(wrong: list[str], peers: Peers, names: dict[str, str] | None = None) -> str:
    """One line saying which peers sit on the wrong side, by display name where known."""
    shown = names or {}
    above = [shown.get(g, g) for g in wrong if g in peers.behind]
    below = [shown.get(g, g) for g in wrong if g in peers.ahead]
    parts = []
    if above:
        parts.append(f"ranked after {', '.join(above)}, which the declaration ranks after it")
    if below:
        parts.append(f"ranked before {', '.join(below)}, which the declaration ranks before it")
    return "; ".join(parts)
