"""NetworkPolicyGroups: one group per role across the sites, holding the role's Teams policies.

Teams takes at most 64 groups per policy type in a tenant, and a group assignment
reaches only its direct members (New-CsGroupPolicyAssignment). Past that cap
(network/policy_groups.py decides), the tenant stack keeps one security group per role
whose direct members are the union of the sites' members of the role, and assigns the
role's package and tenant policies to it, ranked among the network's groups by the
declared precedence. Membership changes by difference (SecurityGroup), so a site
removed from the network file takes its members out of these groups and nothing else.
The groups and assignments wait on one another by rank (rank_order), so a user leaving
several of them never holds a lower role's policy on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from hcinfra.components.rank_order import RankOrder
from hcinfra.network.policy_groups import PolicyGroups
from hcinfra.resources import GroupPolicyAssignment, PolicyPackageAssignment, SecurityGroup


@dataclass
class NetworkPolicyGroupsArgs:
    """The planned network-wide groups, and what their assignments must wait for."""

    plan: PolicyGroups
    policies: list[pulumi.Resource]  # the TeamsPolicy instances the assignments name


class NetworkPolicyGroups(pulumi.ComponentResource):
    """The network-wide policy groups and their package and policy assignments."""

    groups: pulumi.Output[dict[str, dict[str, Any]]]  # role → id, name, members
    assignments: pulumi.Output[dict[str, dict[str, str]]]  # role → package or type → id

    def __init__(
        self, name: str, args: NetworkPolicyGroupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare each role's network-wide group and assign its policies to it."""
        super().__init__("hcinfra:index:NetworkPolicyGroups", name, None, opts)
        plan = args.plan
        ranks = {h.role: h.rank for h in plan.holdings}
        groups = RankOrder()
        made: dict[str, SecurityGroup] = {}
        for g in reversed(plan.groups):  # in precedence order: made from the last up
            made[g.role] = groups.add(
                ranks[g.role],
                SecurityGroup(
                    f"{name}-{g.role}",
                    display_name=g.display_name,
                    mail_nickname=g.mail_nickname,
                    description=g.description,
                    members=g.members,
                    # A user leaves the groups ranked below first (rank_order).
                    opts=pulumi.ResourceOptions(
                        parent=self, depends_on=groups.below(ranks[g.role])
                    ),
                ),
            )
        ranked = [g.role for g in plan.groups]
        assigned = RankOrder()

        def after(rank: int) -> pulumi.ResourceOptions:
            # The policies they name, and the assignments ranked above (rank_order).
            return pulumi.ResourceOptions(
                parent=self, depends_on=[*args.policies, *assigned.above(rank)]
            )

        def peers(role: str) -> list[pulumi.Output[str]]:
            return [made[r].object_id for r in ranked if r != role]

        out: dict[str, dict[str, Any]] = {}
        packaged: set[str] = set()
        for h in plan.holdings:
            if h.package:
                if h.role in packaged:
                    continue
                packaged.add(h.role)
                package = PolicyPackageAssignment(
                    f"{name}-{h.role}-package",
                    group_id=made[h.role].object_id,
                    package=h.package,
                    rank=h.rank,
                    ranked_with=peers(h.role),  # type: ignore[arg-type]
                    opts=after(h.rank),
                )
                out.setdefault(h.role, {})[h.package] = assigned.add(h.rank, package).id
            else:
                policy = GroupPolicyAssignment(
                    f"{name}-{h.role}-{h.policy_type}",
                    group_id=made[h.role].object_id,
                    policy_type=h.policy_type,
                    policy_name=h.policy_name,
                    rank=h.rank,
                    ranked_with=peers(h.role),  # type: ignore[arg-type]
                    opts=after(h.rank),
                )
                out.setdefault(h.role, {})[h.policy_type] = assigned.add(h.rank, policy).id
        group_out: dict[str, Any] = {
            g.role: {"id": made[g.role].object_id, "name": g.display_name, "sites": g.sites}
            for g in plan.groups
        }
        self.groups = pulumi.Output.from_input(group_out)
        self.assignments = pulumi.Output.from_input(out)
        self.register_outputs({"groups": self.groups, "assignments": self.assignments})
