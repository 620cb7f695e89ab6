"""A gap-free move of sites off the network-wide Teams policy groups.

Moving onto those groups is gap-free in the plain order: the tenant stack assigns the
network-wide groups while the sites' own assignments stand, then each site removes its
own. Moving off them (a site that starts overriding its Teams policies, or a network
shrinking back to site groups) needs the reverse, or the sites' users hold only the
Global policies between the tenant's run and theirs. So `hcinfra sites up` runs:

1. the tenant stack, expanding: the network-wide groups keep the moving sites' members;
2. the sites, which assign their own groups (a user now holds both assignments);
3. the tenant stack again, contracting: the moving sites' members leave the groups.

The tenant stack's `policy_groups` output records which sites the groups served after
its last update, so the next run knows who moves. A moving site whose stack does not run
in an invocation (`--site` names others) stays in the groups until one does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from hcinfra.network.model import Network
from hcinfra.network.policy_groups import plan_policy_groups

EXPAND = "expand"
CONTRACT = "contract"


def served_before(outputs: Mapping[str, Any]) -> list[str]:
    """The sites the network-wide groups served after the tenant's last update."""
    recorded = outputs.get("policy_groups")
    value = getattr(recorded, "value", recorded)  # an Automation OutputValue, or plain
    if not isinstance(value, dict):
        return []  # a stack never deployed, or deployed before the output existed
    return [str(c) for c in value.get("served") or []]


def moving(network: Network, before: Collection[str]) -> list[str]:
    """The network's sites the groups served before and the declared plan takes out."""
    now = set(plan_policy_groups(network).served())
    return [c for c in network.codes() if c in before and c not in now]


def kept(moves: list[str], stage: str, running: Collection[str] | None) -> list[str]:
    """The moving sites the groups keep in this run of the tenant stack.

    Expanding keeps them all; contracting keeps those whose site stacks do not run in this
    invocation (`running` None: every site runs).
    """
    if stage == EXPAND:
        return list(moves)
    return [c for c in moves if running is not None and c not in running]


def kept_note(codes: list[str]) -> str:
    """The worker's note for sites still kept in the groups after a contracting run."""
    return (
        f"network-wide policy groups still hold the members of {', '.join(codes)}: they "
        "move to their own groups, whose stacks did not run; `hcinfra sites up` with "
        "those sites takes them out once their own groups hold the policies"
    )
