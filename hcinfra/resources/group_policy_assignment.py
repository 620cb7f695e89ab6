"""GroupPolicyAssignment: a Teams policy assigned to a group, at a rank.

A rank is a position in one list per policy type (New-CsGroupPolicyAssignment):
assigning at a rank another group holds inserts there and moves the others down, a
rank past the end puts the group last, and removing one closes the gap. Without
`ranked_with`, the rank read back is the service's position: when someone inserts a
group above ours, refresh shows the new rank as drift and the next `up` puts ours back;
a declared rank past the end is reported as declared while the group is last. With
`ranked_with` (the other groups of its precedence list, in order), the rank is the
group's place among them (see policy_ranks), which parallel sites cannot disturb.

REF: https://learn.microsoft.com/powershell/module/microsoftteams/new-csgrouppolicyassignment
On the wire (docs/emulator.md, "Evidence"): PUT creates, PATCH updates and DELETE removes
`/Skype.Policy/groupPolicyAssignments/{groupId}/policyTypes/{policyType}`, with the body
`{"policyName", "priority"}`; lists answer camelCase keys. A create retried after a lost
answer meets an existing assignment (409) and updates it instead, so retries are
harmless; a group created moments ago may still be unknown to Teams (404), which is
waited out. No write's answer body is relied on: the list is read back after writing.
`hcinfra adopt` takes the group's assignment of the type, whatever policy it names.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal
from urllib.parse import quote

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult
from pydantic import Field, field_validator, model_validator

from hcinfra.clients.errors import TenantError
from hcinfra.resources import policy_ranks
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.base import Inputs, KindProvider, until_found
from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.policy_ranks import ASSIGNMENTS, Peers, order
from hcinfra.resources.teams_apps import GUID
from hcinfra.resources.teams_policy import PERMISSIONS

# The policy types hcinfra assigns: those Microsoft's healthcare packages hold, and virtual
# appointments. New-CsGroupPolicyAssignment takes every Teams type since May 2023 but App
# Permission, Network Roaming, Emergency Call Routing, Voice Applications and Upgrade, and
# Grant-CsTeamsVirtualAppointmentsPolicy documents -Group with -Rank.
AssignableType = Literal[
    "TeamsMessagingPolicy",
    "TeamsAppSetupPolicy",
    "TeamsMeetingPolicy",
    "TeamsCallingPolicy",
    "TeamsMeetingBroadcastPolicy",
    "TeamsChannelsPolicy",
    "TeamsVirtualAppointmentsPolicy",
]


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


def peer_ids_of(values: list[str]) -> list[str]:
    """Peer group ids, lower-cased, each once; else ValueError."""
    ids = [group_id_of(v) for v in values]
    if len(set(ids)) != len(ids):
        raise ValueError("a group appears twice among the peers")
    return ids


def check_place(group_id: str, rank: int, ranked_with: list[str]) -> None:
    """A rank among peers must name a place among them, and the group is not its own peer."""
    if group_id in ranked_with:
        raise ValueError("ranked_with lists the other groups; the group itself is not one")
    if ranked_with and rank > len(ranked_with) + 1:
        raise ValueError(
            f"rank {rank} is past the end of {len(ranked_with)} peers (at most "
            f"{len(ranked_with) + 1})"
        )


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


def _exists_already(err: TenantError) -> bool:
    """A create refused because the group holds an assignment of the type already."""
    return err.status == 409 or (err.status == 400 and "already" in err.message.lower())


def assign(
    provider: KindProvider,
    group_id: str,
    policy_type: str,
    policy_name: str,
    rank: int,
    exists: bool = False,
) -> None:
    """Assign a policy to a group at a rank: PATCH when it holds one, else PUT."""
    teams = provider.connection().teams
    path = assignment_path(group_id, policy_type)
    body = {"policyName": policy_name, "priority": rank}
    if exists:
        try:
            provider.call(lambda: teams.call("PATCH", path, body))
            return
        except TenantError as err:
            if not err.not_found:
                raise  # removed since it was listed: create it below
    try:
        # A group created moments ago is unknown to Teams for a while: 404 until replicated.
        provider.call(lambda: until_found(lambda: teams.call("PUT", path, body)))
    except TenantError as err:
        if not _exists_already(err):
            raise
        # Ours from a create whose answer was lost, or assigned meanwhile: update it.
        provider.call(lambda: teams.call("PATCH", path, body))


def unassign(provider: KindProvider, group_id: str, policy_type: str) -> None:
    """Remove a group's assignment of a type; already gone is fine."""
    teams = provider.connection().teams
    with _PLACING:
        _LISTED.clear()  # the list this process read last no longer holds
        try:
            provider.call(lambda: teams.call("DELETE", assignment_path(group_id, policy_type)))
        except TenantError as err:
            if not err.not_found:
                raise


def listed(provider: KindProvider, policy_type: str | None = None) -> list[dict[str, Any]]:
    """The tenant's group assignments, of one policy type or of all."""
    teams = provider.connection().teams
    query = f"?policyType={policy_type}" if policy_type else ""
    docs = provider.call(lambda: teams.call("GET", f"{ASSIGNMENTS}{query}"), writing=False)
    return list(docs or [])


PLACEMENT_ROUNDS = 8  # placements checked against the live list before giving up
# A provider process places one group at a time. Its sites' groups are peers of each
# other: placed in parallel, each would place against a list the others are changing
# and have to be placed again. One at a time, the list read back after one placement
# is the list the next one starts from, for every type: one read per placement.
_PLACING = threading.RLock()
_LISTED: list[tuple[float, list[dict[str, Any]]]] = []  # (read at, list) after the last write
LISTED_FOR = 10.0  # seconds a list read back after a write is used to place the next group


def _latest(provider: KindProvider) -> list[dict[str, Any]]:
    """The list this process read after its last write, if recent; else read it."""
    if _LISTED and time.monotonic() - _LISTED[0][0] < LISTED_FOR:
        return _LISTED[0][1]
    return listed(provider)


def forget_lists() -> None:
    """Drop the list read after the last write (tests: the tenant was reset)."""
    with _PLACING:
        _LISTED.clear()


def _read_back(provider: KindProvider) -> list[dict[str, Any]]:
    """The list after a write, remembered for the next placement."""
    docs = listed(provider)
    _LISTED[:] = [(time.monotonic(), docs)]
    return docs


class PlacementFailed(TenantError):
    """A group that other writers kept moving across its peers; nothing was left 'ok'."""

    def describe(self) -> str:
        return (
            f"{self.message}. Other assignments to the same policy types kept shifting the "
            "list while hcinfra placed the group; run the deployment again (it places the "
            "group against the list as it is then)."
        )


def place(
    provider: KindProvider,
    group_id: str,
    policies: dict[str, str],
    rank: int,
    ranked_with: list[str],
) -> dict[str, dict[str, Any]]:
    """Assign each type's policy to the group, at `rank` or at its place among peers.

    Ranked with peers, each round places the group against the live list and reads the
    list again: another site inserting meanwhile, or a write retried after throttling,
    can land at a position that went stale. A group still on the wrong side of a peer
    after PLACEMENT_ROUNDS fails the step. Returns each type's assignment as listed.
    """
    peers = Peers.of(ranked_with, rank) if ranked_with else None
    pending = set(policies)
    with _PLACING:
        current = _latest(provider)
        for attempt in range(PLACEMENT_ROUNDS):
            if attempt:
                where = ", ".join(sorted(pending))
                provider.notice(f"group {group_id}: placed again among its peers in {where}")
                time.sleep(random.uniform(0, 0.5 * attempt))  # let competing writers settle
                current = listed(provider)
            _LISTED.clear()
            writes = []
            for policy_type in sorted(pending):
                ids = policy_ranks.order(current, policy_type)
                at = policy_ranks.placement(ids, group_id, peers) if peers else rank
                writes.append((policy_type, policies[policy_type], at, group_id in ids))
            # Each type is its own list: their writes are independent, so they go at once.
            with ThreadPoolExecutor(max_workers=len(writes) or 1) as pool:
                done = [pool.submit(assign, provider, group_id, *w) for w in writes]
                for future in done:
                    future.result()
            current = _read_back(provider)
            pending = (
                {t for t in policies if policy_ranks.misplaced(order(current, t), group_id, peers)}
                if peers
                else set()
            )
            if not pending:
                return {
                    t: next(
                        (d for d in current if _is(d, group_id, t)), {"policyName": policies[t]}
                    )
                    for t in policies
                }
    assert peers is not None
    names = group_names(provider, [group_id, *peers.ahead, *peers.behind])
    wrong = {t: policy_ranks.misplaced(order(current, t), group_id, peers) for t in sorted(pending)}
    detail = "; ".join(f"{t}: {policy_ranks.describe(w, peers, names)}" for t, w in wrong.items())
    raise PlacementFailed(
        "Teams admin service",
        409,
        "PlacementFailed",
        f"group {names.get(group_id, group_id)} is still out of its precedence order after "
        f"{PLACEMENT_ROUNDS} placements ({detail})",
    )


def group_names(provider: KindProvider, ids: list[str]) -> dict[str, str]:
    """Display names of groups by id, for messages (an id stands in for one not found)."""
    from hcinfra.clients.graph_batch import GraphBatch

    conn = provider.connection()
    reader = GraphBatch(conn.settings, conn.credential)
    wanted = sorted(set(ids))
    answers = provider.call(
        lambda: reader.get({g: f"/groups/{g}?$select=id,displayName" for g in wanted}),
        writing=False,
    )
    return {g: str(a.body.get("displayName") or g) for g, a in answers.items() if a.ok}


def _is(doc: dict[str, Any], group_id: str, policy_type: str) -> bool:
    return policy_ranks.group_of(doc) == group_id and doc.get("policyType") == policy_type


def rank_drift(
    policy_type: str,
    group_id: str,
    declared: int,
    ranked_with: list[str],
    current: list[dict[str, Any]],
    name_of: Callable[[list[str]], dict[str, str]] | None = None,
) -> tuple[int, str]:
    """The rank to report for a group's assignment, and why it drifted ('' when it has not).

    Without peers the rank is the service position, except that a rank past the end
    means last: a declared 5 held at position 3 of 3 is no drift, 3 of 4 is. Drift names
    the peers by display name when `name_of` can look them up.
    """
    ids = policy_ranks.order(current, policy_type)
    if group_id not in ids:
        return declared, ""
    actual = ids.index(group_id) + 1
    if ranked_with:
        peers = Peers.of(ranked_with, declared)
        wrong = policy_ranks.misplaced(ids, group_id, peers)
        if not wrong:
            return declared, ""
        names = name_of(wrong) if name_of else None
        why = policy_ranks.describe(wrong, peers, names)
        return policy_ranks.relative_rank(ids, group_id, peers), why
    last = actual == len(ids)
    shown = declared if actual < declared and last else actual
    return shown, "" if shown == declared else f"at rank {actual} instead of {declared}"


class RankedGroupInputs(Inputs):
    """A group, and its rank: a position, or a place among `ranked_with` peers."""

    group_id: str
    rank: int = Field(ge=1)
    ranked_with: list[str] = Field(default_factory=list)

    @field_validator("group_id")
    @classmethod
    def _group(cls, value: str) -> str:
        return group_id_of(value)

    @field_validator("ranked_with")
    @classmethod
    def _peers(cls, value: list[str]) -> list[str]:
        return peer_ids_of(value)

    @model_validator(mode="after")
    def _place(self) -> RankedGroupInputs:
        check_place(self.group_id, self.rank, self.ranked_with)
        return self


class GroupPolicyAssignmentInputs(RankedGroupInputs):
    """What a GroupPolicyAssignment declares."""

    policy_type: AssignableType
    policy_name: str = Field(min_length=1, max_length=256)

    @field_validator("policy_name")
    @classmethod
    def _policy(cls, value: str) -> str:
        return policy_name_of(value)


class GroupPolicyAssignmentProvider(KindProvider):
    """Dynamic provider of GroupPolicyAssignment."""

    kind = "GroupPolicyAssignment"
    inputs_model = GroupPolicyAssignmentInputs
    replace_on = ("group_id", "policy_type")
    # Misplaced among peers shows in `drift`; the declared rank itself is unchanged.
    drift_outputs = ("drift",)
    permissions = PERMISSIONS

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, GroupPolicyAssignmentInputs)
        doc = self._assign(inputs)
        return CreateResult(f"{inputs.group_id}/{inputs.policy_type}", _outputs(inputs, doc))

    def find(self, inputs: GroupPolicyAssignmentInputs) -> tuple[str, list[Candidate]]:
        # The group's assignment of the type, whatever policy and rank it holds (another
        # name or rank is then an update): the service keeps one per group and type.
        key = f"{inputs.policy_type} assignment of group {inputs.group_id}"
        doc = read_assignment(self, inputs.group_id, inputs.policy_type)
        if doc is None:
            return key, []
        label = (
            f"{inputs.policy_type} {policy_ranks.policy_of(doc)} at rank "
            f"{policy_ranks.priority_of(doc)}"
        )
        return key, [Candidate(f"{inputs.group_id}/{inputs.policy_type}", label)]

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        group_id, _, policy_type = id_.partition("/")
        current = listed(self, policy_type)
        doc = next((d for d in current if _is(d, group_id, policy_type)), None)
        if doc is None:
            return ReadResult(None, {})  # gone: the engine drops it from state
        actual = policy_ranks.priority_of(doc)
        declared = int(props.get("rank") or actual)
        ranked_with = [p.lower() for p in props.get("ranked_with") or []]
        rank, drift = rank_drift(
            policy_type, group_id, declared, ranked_with, current, lambda g: group_names(self, g)
        )
        outs = {
            **props,
            "group_id": group_id,
            "policy_type": policy_type,
            "policy_name": same_name(props.get("policy_name"), policy_ranks.policy_of(doc)),
            "rank": rank,
            "ranked_with": ranked_with,
            "service_rank": actual,
            "drift": drift,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, GroupPolicyAssignmentInputs)
        return UpdateResult(_outputs(inputs, self._assign(inputs)))

    def _assign(self, inputs: GroupPolicyAssignmentInputs) -> dict[str, Any]:
        docs = place(
            self,
            inputs.group_id,
            {inputs.policy_type: inputs.policy_name},
            inputs.rank,
            inputs.ranked_with,
        )
        return docs[inputs.policy_type]

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        group_id, _, policy_type = id_.partition("/")
        unassign(self, group_id, policy_type)
        pulumi.log.info(
            f"{policy_type} assignment of group {group_id} removed; its members fall back "
            "to their next-ranked group assignment or the Global policy"
        )


def _outputs(inputs: GroupPolicyAssignmentInputs, doc: dict[str, Any]) -> dict[str, Any]:
    return {**inputs.model_dump(mode="json"), "service_rank": doc.get("priority"), "drift": ""}


class GroupPolicyAssignment(KindResource):
    """A Teams policy assigned to a group (Teams admin center: group policy assignment)."""

    group_id: pulumi.Output[str]
    policy_type: pulumi.Output[str]
    policy_name: pulumi.Output[str]
    rank: pulumi.Output[int]
    ranked_with: pulumi.Output[list[str]]
    service_rank: pulumi.Output[int]
    drift: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        group_id: pulumi.Input[str],
        policy_type: pulumi.Input[str],
        policy_name: pulumi.Input[str],
        rank: pulumi.Input[int],
        ranked_with: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Assign the custom policy `policy_name` of `policy_type` to a group at `rank` (1 wins).

        With `ranked_with` (the other groups of the precedence list, in order), `rank`
        is the group's place among them rather than a tenant-wide position.
        """
        super().__init__(
            GroupPolicyAssignmentProvider(),
            resource_name,
            {
                "group_id": group_id,
                "policy_type": policy_type,
                "policy_name": policy_name,
                "rank": rank,
                "ranked_with": ranked_with or [],
                "service_rank": None,
                "drift": None,
            },
            opts,
        )
