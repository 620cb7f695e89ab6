"""PolicyPackageAssignment: a Teams policy package (e.g. Healthcare_ClinicalWorker) for a group.

Microsoft documents the *PolicyPackage* cmdlets as unsupported with app-only sign-in
(https://learn.microsoft.com/microsoftteams/teams-powershell-application-authentication),
and hcinfra runs app-only, so this kind never calls the package service. What
Grant-CsGroupPolicyPackageAssignment amounts to, assigning each of the package's
policies to the group at one rank, it does with group policy assignments. The policies
themselves (named after the package, as Microsoft names them) are TeamsPolicy instances
that the tenant baseline declares from `healthcare_packages`; they must exist first.

It reads and repairs each policy type on its own. Refresh reports `drift` per policy
type (re-pointed to another policy, moved, removed), and any drift makes the next `up`
reassign. With `ranked_with`, the rank is the group's place among those peer groups in
every type's list (see policy_ranks), as for GroupPolicyAssignment.

Destroy removes only the assignments that still point at the package's policies: one
that someone re-pointed to another policy is theirs now, and is left (and logged).

`hcinfra adopt` takes the package as applied when the group holds at least one of its
policy types (the rule by which refresh finds it present): the types missing or
pointing at another policy are drift, and the next `up` assigns them.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import Field, field_validator

from hcinfra.clients.errors import TenantError
from hcinfra.resources import healthcare_packages, policy_ranks
from hcinfra.resources.adoption import Candidate
from hcinfra.resources.base import KindProvider, log, warn
from hcinfra.resources.group_policy_assignment import (
    RankedGroupInputs,
    group_names,
    listed,
    place,
    rank_drift,
    read_assignment,
    unassign,
)
from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.teams_policy import PERMISSIONS

HEALTHCARE_PACKAGES = healthcare_packages.PACKAGES


class PolicyPackageAssignmentInputs(RankedGroupInputs):
    """What a PolicyPackageAssignment declares."""

    package: str = Field(min_length=1, max_length=256)

    @field_validator("package")
    @classmethod
    def _package(cls, value: str) -> str:
        if value in HEALTHCARE_PACKAGES:
            return value
        close = [k for k in HEALTHCARE_PACKAGES if k.lower() == value.lower()]
        hint = f"did you mean {close[0]}? " if close else ""
        raise ValueError(
            f"unknown package '{value}': {hint}known: {', '.join(HEALTHCARE_PACKAGES)}"
        )


def expected_policies(package: str) -> dict[str, str]:
    """Policy type → instance name of a package's policies."""
    return dict(sorted(healthcare_packages.policy_names(package).items()))


class PackagePolicyMissing(TenantError):
    """A package policy the tenant baseline should have made is not there."""

    def describe(self) -> str:
        return (
            f"{self.message}: the package's policies are TeamsPolicy instances the tenant "
            "baseline declares (deploy the `tenant` stack first; `hcinfra sites up` does). "
            f"({self.service} answered {self.status} {self.code})"
        )


class PolicyPackageAssignmentProvider(KindProvider):
    """Dynamic provider of PolicyPackageAssignment."""

    kind = "PolicyPackageAssignment"
    inputs_model = PolicyPackageAssignmentInputs
    replace_on = ("group_id", "package")
    permissions = PERMISSIONS

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = super().diff(_id, olds, news)
        if result.changes:
            return result
        held = set((olds.get("package_policies") or {}).items())
        if olds.get("drift") or (
            news.get("package") in HEALTHCARE_PACKAGES
            and held != set(expected_policies(str(news["package"])).items())
        ):
            # Drift, or a package whose policy types changed: both live in outputs.
            return DiffResult(changes=True, replaces=[], delete_before_replace=False)
        return result

    def create(self, props: dict[str, Any]) -> CreateResult:
        inputs = self.parse(props, PolicyPackageAssignmentInputs)
        expected = expected_policies(inputs.package)
        policies = self._apply(inputs, expected)
        return CreateResult(
            f"{inputs.group_id}/{inputs.package}", self._outputs(inputs, expected, policies)
        )

    def find(self, inputs: PolicyPackageAssignmentInputs) -> tuple[str, list[Candidate]]:
        # The package "exists" on the group as read sees it: the group holds an assignment
        # of at least one of the package's policy types, whatever policy it names. A type
        # missing or pointing elsewhere is drift, which the next `up` assigns.
        key = f"package {inputs.package} on group {inputs.group_id}"
        expected = expected_policies(inputs.package)
        held = {
            str(d.get("policyType")): policy_ranks.policy_of(d)
            for d in listed(self)
            if policy_ranks.group_of(d) == inputs.group_id and d.get("policyType") in expected
        }
        if not held:
            return key, []
        shown = ", ".join(f"{t} {n}" for t, n in sorted(held.items()))
        label = f"{len(held)} of {len(expected)} types assigned ({shown})"
        return key, [Candidate(f"{inputs.group_id}/{inputs.package}", label)]

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        group_id, _, package = id_.partition("/")
        rank = int(props.get("rank") or 1)
        ranked_with = [p.lower() for p in props.get("ranked_with") or []]
        expected = (
            expected_policies(package)
            if package in HEALTHCARE_PACKAGES
            else dict(props.get("package_policies") or {})
        )
        policies: dict[str, dict[str, Any]] = {}
        drift: dict[str, str] = {}
        current = listed(self)  # every type in one call
        for policy_type, name in expected.items():
            doc = next(
                (
                    d
                    for d in current
                    if d.get("policyType") == policy_type and policy_ranks.group_of(d) == group_id
                ),
                None,
            )
            if doc is None:
                drift[policy_type] = f"not assigned (expected {name} at rank {rank})"
                continue
            shown, moved = rank_drift(
                policy_type, group_id, rank, ranked_with, current, lambda g: group_names(self, g)
            )
            holder = policy_ranks.policy_of(doc)
            policies[policy_type] = {"policy_name": holder, "rank": shown}
            problems = []
            if holder.lower() != name.lower():
                problems.append(f"assigned {holder} instead of {name}")
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
        expected = expected_policies(inputs.package)
        # Types an earlier version of the package held and this one does not.
        dropped = {
            t: n for t, n in (olds.get("package_policies") or {}).items() if t not in expected
        }
        self._remove(inputs.group_id, inputs.package, dropped)
        policies = self._apply(inputs, expected)
        return UpdateResult(self._outputs(inputs, expected, policies))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        group_id, _, package = id_.partition("/")
        expected: dict[str, str] = dict(props.get("package_policies") or {})
        if not expected and package in HEALTHCARE_PACKAGES:
            expected = expected_policies(package)
        self._remove(group_id, package, expected)
        pulumi.log.info(f"policy package {package} removed from group {group_id}")

    # -- helpers -----------------------------------------------------------------
    def _remove(self, group_id: str, package: str, policies: dict[str, str]) -> None:
        """Unassign the package's policies that still point at the package."""
        for policy_type, name in policies.items():
            doc = read_assignment(self, group_id, policy_type)
            if doc is None:
                continue
            holder = policy_ranks.policy_of(doc)
            if holder.lower() != name.lower():
                message = (
                    f"{policy_type} of group {group_id} now points at {holder}, not at "
                    f"{package}'s {name}: left in place"
                )
                log.warning(message)
                warn(message)
                continue
            unassign(self, group_id, policy_type)

    def _apply(
        self, inputs: PolicyPackageAssignmentInputs, expected: dict[str, str]
    ) -> dict[str, dict[str, Any]]:
        try:
            place(self, inputs.group_id, expected, inputs.rank, inputs.ranked_with)
        except TenantError as err:
            if err.status == 400 and "does not exist" in err.message:
                raise PackagePolicyMissing(
                    err.service, err.status, err.code, err.message, err.request_id
                ) from None
            raise
        return {t: {"policy_name": name, "rank": inputs.rank} for t, name in expected.items()}

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


class PolicyPackageAssignment(KindResource):
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
