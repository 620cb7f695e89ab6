"""PolicyPackageAssignment: a Teams policy package (e.g. Healthcare_ClinicalWorker) for a group.

Grant-CsGroupPolicyPackageAssignment amounts to assigning each of the package's policies
to the group at one rank; this kind does exactly that, so it reads and repairs each
policy type on its own. Refresh reports `drift` per policy type (re-pointed to another
policy, moved to another rank, removed), and any drift makes the next `up` reassign.
With `ranked_with`, the rank is the group's place among those peer groups in every
type's list (see policy_ranks), as for GroupPolicyAssignment.

Destroy removes only the assignments that still point at the package's policies: one
that someone re-pointed to another policy is theirs now, and is left (and logged).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, UpdateResult
from pydantic import Field

from hcinfra.clients.connection import MissingSettings
from hcinfra.clients.errors import TenantError
from hcinfra.resources.base import CheckError, KindProvider, log
from hcinfra.resources.group_policy_assignment import (
    RankedGroupInputs,
    listed,
    place,
    rank_drift,
    read_assignment,
    unassign,
)
from hcinfra.resources.teams_policy import PERMISSIONS

PACKAGES = "/Teams.VerticalPackaging/package"
# Checked against when the tenant cannot be asked (no connection yet, or no role).
HEALTHCARE_PACKAGES = (
    "Healthcare_ClinicalWorker",
    "Healthcare_InformationWorker",
    "Healthcare_PatientRoom",
)


class PolicyPackageAssignmentInputs(RankedGroupInputs):
    """What a PolicyPackageAssignment declares."""

    package: str = Field(min_length=1, max_length=256)


def expected_policies(package: dict[str, Any]) -> dict[str, str]:
    """Policy type → instance name, from a package as the service lists it."""
    out: dict[str, str] = {}
    for policy_type, policy in (package.get("Policies") or {}).items():
        identity = str((policy or {}).get("Identity") or package.get("Name"))
        out[policy_type] = identity.removeprefix("Tag:")
    return dict(sorted(out.items()))


class PolicyPackageAssignmentProvider(KindProvider):
    """Dynamic provider of PolicyPackageAssignment."""

    kind = "PolicyPackageAssignment"
    inputs_model = PolicyPackageAssignmentInputs
    replace_on = ("group_id", "package")
    permissions = PERMISSIONS

    def check_more(self, inputs: PolicyPackageAssignmentInputs) -> None:
        known = self._package_names()
        if inputs.package not in known:
            close = [k for k in known if k.lower() == inputs.package.lower()]
            hint = f"did you mean {close[0]}? " if close else ""
            raise CheckError(
                [
                    (
                        "package",
                        f"unknown package '{inputs.package}': {hint}known: {', '.join(known)}",
                    )
                ]
            )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(_id, olds, news)
        if result.changes or not olds.get("drift"):
            return result
        # Drift lives in outputs (per policy type), not in the inputs the base compares.
        return DiffResult(changes=True, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, PolicyPackageAssignmentInputs)
        expected = self._expected(inputs.package)
        policies = self._apply(inputs, expected)
        return CreateResult(
            f"{inputs.group_id}/{inputs.package}", self._outputs(inputs, expected, policies)
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        group_id, _, package = id_.partition("/")
        rank = int(props.get("rank") or 1)
        ranked_with = [p.lower() for p in props.get("ranked_with") or []]
        try:
            expected = self._expected(package)
        except TenantError as err:
            if not err.not_found or not props.get("package_policies"):
                raise
            expected = dict(props["package_policies"])  # the package left the tenant's list
        policies: dict[str, dict[str, Any]] = {}
        drift: dict[str, str] = {}
        current = listed(self)  # every type in one call
        for policy_type, name in expected.items():
            doc = next(
                (
                    d
                    for d in current
                    if d.get("PolicyType") == policy_type
                    and str(d.get("GroupId", "")).lower() == group_id
                ),
                None,
            )
            if doc is None:
                drift[policy_type] = f"not assigned (expected {name} at rank {rank})"
                continue
            shown, moved = rank_drift(policy_type, group_id, rank, ranked_with, current)
            policies[policy_type] = {"policy_name": doc.get("PolicyName"), "rank": shown}
            problems = []
            if str(doc.get("PolicyName", "")).lower() != name.lower():
                problems.append(f"assigned {doc.get('PolicyName')} instead of {name}")
            if moved:
                problems.append(moved)
            if problems:
                drift[policy_type] = "; ".join(problems)
        if not policies:
            return ReadResult(None, {})  # none of the package is left: gone
        outs = {
            **props,
            "group_id": group_id,
            "package": package,
            "rank": rank,
            "ranked_with": ranked_with,
            "package_policies": expected,
            "policies": policies,
            "drift": drift,
        }
        return ReadResult(id_, outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        inputs = self.parse(news, PolicyPackageAssignmentInputs)
        expected = self._expected(inputs.package)
        policies = self._apply(inputs, expected)
        return UpdateResult(self._outputs(inputs, expected, policies))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        group_id, _, package = id_.partition("/")
        expected: dict[str, str] = dict(props.get("package_policies") or {})
        if not expected:
            expected = self._expected(package)
        for policy_type, name in expected.items():
            doc = read_assignment(self, group_id, policy_type)
            if doc is None:
                continue
            holder = str(doc.get("PolicyName", ""))
            if holder.lower() != name.lower():
                message = (
                    f"{policy_type} of group {group_id} now points at {holder}, not at "
                    f"{package}'s {name}: left in place"
                )
                log.warning(message)
                pulumi.log.warn(message)
                continue
            unassign(self, group_id, policy_type)
        pulumi.log.info(f"policy package {package} removed from group {group_id}")

    # -- helpers -----------------------------------------------------------------
    def _package_names(self) -> list[str]:
        try:
            teams = self.connection().teams
            listed = self.call(lambda: teams.call("GET", PACKAGES), writing=False)
        except (TenantError, MissingSettings, httpx.HTTPError) as err:
            # Check may run before the tenant is reachable: fall back to the known ones.
            log.info("cannot list the tenant's policy packages (%s); using the known ones", err)
            return list(HEALTHCARE_PACKAGES)
        return [str(p.get("Name")) for p in listed or [] if p.get("Name")]

    def _expected(self, package: str) -> dict[str, str]:
        teams = self.connection().teams
        doc = self.call(lambda: teams.call("GET", f"{PACKAGES}/{quote(package)}"), writing=False)
        return expected_policies(doc)

    def _apply(
        self, inputs: PolicyPackageAssignmentInputs, expected: dict[str, str]
    ) -> dict[str, dict[str, Any]]:
        docs = place(self, inputs.group_id, expected, inputs.rank, inputs.ranked_with)
        return {
            t: {"policy_name": doc.get("PolicyName"), "rank": inputs.rank}
            for t, doc in docs.items()
        }

    def _outputs(
        self,
        inputs: PolicyPackageAssignmentInputs,
        expected: dict[str, str],
        policies: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        return {
            **inputs.model_dump(mode="json"),
            "package_policies": expected,
            "policies": policies,
            "drift": {},
        }


class PolicyPackageAssignment(Resource):
    """A Teams policy package applied to a group: each of its policies at one rank."""

    group_id: pulumi.Output[str]
    package: pulumi.Output[str]
    rank: pulumi.Output[int]
    ranked_with: pulumi.Output[list[str]]
    package_policies: pulumi.Output[dict[str, str]]
    policies: pulumi.Output[dict[str, dict[str, Any]]]
    drift: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        *,
        group_id: pulumi.Input[str],
        package: pulumi.Input[str],
        rank: pulumi.Input[int],
        ranked_with: pulumi.Input[list[pulumi.Input[str]]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Apply `package` (e.g. Healthcare_ClinicalWorker) to a group at `rank` (1 wins).

        With `ranked_with` (the other groups of the precedence list, in order), `rank`
        is the group's place among them rather than a tenant-wide position.
        """
        super().__init__(
            PolicyPackageAssignmentProvider(),
            resource_name,
            {
                "group_id": group_id,
                "package": package,
                "rank": rank,
                "ranked_with": ranked_with or [],
                "package_policies": None,
                "policies": None,
                "drift": None,
            },
            opts,
        )
