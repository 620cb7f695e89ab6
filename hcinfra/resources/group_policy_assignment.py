"""GroupPolicyAssignment: a Teams policy assigned to a group, at a rank.

A rank is a position in one list per policy type (New-CsGroupPolicyAssignment):
assigning at a rank another group holds inserts there and moves the others down, a
rank past the end puts the group last, and removing one closes the gap. So the rank
read back is the service's position: when someone inserts a group above ours, refresh
shows the new rank as drift and the next `up` puts ours back. A declared rank past the
end of the list is reported as declared while the group is last, which is what it means.

The PATCH that assigns is idempotent, so a create retried after a lost answer is
harmless; a group created moments ago may still be unknown to Teams (404), which is
waited out.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult
from pydantic import Field, field_validator

from hcinfra.clients.errors import TenantError
from hcinfra.resources.base import Inputs, KindProvider, until_found
from hcinfra.resources.teams_apps import GUID
from hcinfra.resources.teams_policy import PERMISSIONS

# The policy types hcinfra assigns: those Microsoft's healthcare packages hold.
AssignableType = Literal[
    "TeamsMessagingPolicy",
    "TeamsAppSetupPolicy",
    "TeamsMeetingPolicy",
    "TeamsCallingPolicy",
    "TeamsMeetingBroadcastPolicy",
    "TeamsChannelsPolicy",
]
ASSIGNMENTS = "/Skype.Policy/groupPolicyAssignments"


def group_id_of(value: str) -> str:
    """A Graph group object id, lower-cased; else ValueError."""
    if not GUID.match(value):
        raise ValueError(f"'{value}' is not a group object id (a GUID)")
    return value.lower()


def policy_name_of(value: str) -> str:
    """A custom policy's name (without Tag:); else ValueError."""
    if value.lower() == "global":
        raise ValueError("the Global policy applies to everyone already and cannot be assigned")
    if value.lower().startswith("tag:"):
        raise ValueError(f"give the policy name without 'Tag:' ({value[4:]})")
    return value


def same_name(declared: str | None, actual: str | None) -> str | None:
    """The declared name when the service holds it in another case (names fold case)."""
    if declared and actual and declared.lower() == actual.lower():
        return declared
    return actual


def assignment_path(group_id: str, policy_type: str) -> str:
    """The path of one group's assignment of one policy type."""
    return f"{ASSIGNMENTS}/{quote(group_id)}/policyTypes/{policy_type}"


def read_assignment(
    provider: KindProvider, group_id: str, policy_type: str
) -> dict[str, Any] | None:
    """The group's assignment of a type, or None when it has none."""
    teams = provider.connection().teams
    path = assignment_path(group_id, policy_type)
    try:
        doc: dict[str, Any] = provider.call(lambda: teams.call("GET", path), writing=False)
    except TenantError as err:
        if err.not_found:
            return None
        raise
    return doc


def assign(
    provider: KindProvider, group_id: str, policy_type: str, policy_name: str, rank: int
) -> dict[str, Any]:
    """Assign a policy to a group at a rank, waiting for a new group to reach Teams."""
    teams = provider.connection().teams
    path = assignment_path(group_id, policy_type)
    body = {"PolicyName": policy_name, "Rank": rank}
    # A group created moments ago is unknown to Teams for a while: 404 until replicated.
    doc: dict[str, Any] = provider.call(
        lambda: until_found(lambda: teams.call("PATCH", path, body))
    )
    return doc


def unassign(provider: KindProvider, group_id: str, policy_type: str) -> None:
    """Remove a group's assignment of a type; already gone is fine."""
    teams = provider.connection().teams
    try:
        provider.call(lambda: teams.call("DELETE", assignment_path(group_id, policy_type)))
    except TenantError as err:
        if not err.not_found:
            raise


def reported_rank(
    provider: KindProvider, policy_type: str, group_id: str, declared: int, actual: int
) -> int:
    """The rank to report: the declared one when the service's position is what it means.

    A rank past the end of the list places the group last, so a declared 5 held at
    position 3 of 3 is no drift; position 3 of 4, or any rank above the declared one,
    is.
    """
    if actual >= declared:
        return actual
    teams = provider.connection().teams
    listed = provider.call(
        lambda: teams.call("GET", f"{ASSIGNMENTS}?policyType={policy_type}"), writing=False
    )
    ranks = [int(a.get("Rank", 0)) for a in listed or []]
    last = bool(ranks) and actual == max(ranks)
    return declared if last else actual


class GroupPolicyAssignmentInputs(Inputs):
    """What a GroupPolicyAssignment declares."""

    group_id: str
    policy_type: AssignableType
    policy_name: str = Field(min_length=1, max_length=256)
    rank: int = Field(ge=1)

    @field_validator("group_id")
    @classmethod
    def _group(cls, value: str) -> str:
        return group_id_of(value)

    @field_validator("policy_name")
    @classmethod
    def _policy(cls, value: str) -> str:
        return policy_name_of(value)


class GroupPolicyAssignmentProvider(KindProvider):
    """Dynamic provider of GroupPolicyAssignment."""

    kind = "GroupPolicyAssignment"
    inputs_model = GroupPolicyAssignmentInputs
    replace_on = ("group_id", "policy_type")
    permissions = PERMISSIONS

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, GroupPolicyAssignmentInputs)
        doc = assign(self, inputs.group_id, inputs.policy_type, inputs.policy_name, inputs.rank)
        return CreateResult(f"{inputs.group_id}/{inputs.policy_type}", _outputs(inputs, doc))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        group_id, _, policy_type = id_.partition("/")
        doc = read_assignment(self, group_id, policy_type)
        if doc is None:
            return ReadResult(None, {})  # gone: the engine drops it from state
        actual = int(doc.get("Rank", 0))
        declared = int(props.get("rank") or actual)
        outs = {
            **props,
            "group_id": group_id,
            "policy_type": policy_type,
            "policy_name": same_name(props.get("policy_name"), doc.get("PolicyName")),
            "rank": reported_rank(self, policy_type, group_id, declared, actual),
            "service_rank": actual,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, GroupPolicyAssignmentInputs)
        doc = assign(self, inputs.group_id, inputs.policy_type, inputs.policy_name, inputs.rank)
        return UpdateResult(_outputs(inputs, doc))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        group_id, _, policy_type = id_.partition("/")
        unassign(self, group_id, policy_type)
        pulumi.log.info(
            f"{policy_type} assignment of group {group_id} removed; its members fall back "
            "to their next-ranked group assignment or the Global policy"
        )


def _outputs(inputs: GroupPolicyAssignmentInputs, doc: dict[str, Any]) -> dict[str, Any]:
    return {**inputs.model_dump(mode="json"), "service_rank": doc.get("Rank")}


class GroupPolicyAssignment(Resource):
    """A Teams policy assigned to a group (Teams admin center: group policy assignment)."""

    group_id: pulumi.Output[str]
    policy_type: pulumi.Output[str]
    policy_name: pulumi.Output[str]
    rank: pulumi.Output[int]
    service_rank: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        group_id: pulumi.Input[str],
        policy_type: pulumi.Input[str],
        policy_name: pulumi.Input[str],
        rank: pulumi.Input[int],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Assign the custom policy `policy_name` of `policy_type` to a group at `rank` (1 wins)."""
        super().__init__(
            GroupPolicyAssignmentProvider(),
            resource_name,
            {
                "group_id": group_id,
                "policy_type": policy_type,
                "policy_name": policy_name,
                "rank": rank,
                "service_rank": None,
            },
            opts,
        )
