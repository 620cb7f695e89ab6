"""PackagePolicies: one healthcare policy package's policies, declared as TeamsPolicy instances.

Applying a package is unsupported app-only (see resources/healthcare_packages.py), so a
program that assigns a package with PolicyPackageAssignment declares its policies with
this component first; TenantBaseline does so for every package a network's roles hold.
"""

from __future__ import annotations

from typing import Any

import pulumi

from hcinfra.resources import TeamsPolicy, healthcare_packages


class PackagePolicies(pulumi.ComponentResource):
    """The messaging, meeting, calling, app setup and live events policies of a package."""

    identities: pulumi.Output[dict[str, str]]  # policy type → Tag:<package>

    def __init__(
        self, name: str, *, package: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare `package`'s policies (e.g. Healthcare_ClinicalWorker), named after it."""
        if package not in healthcare_packages.PACKAGES:
            known = ", ".join(healthcare_packages.PACKAGES)
            raise ValueError(f"unknown package '{package}'; known: {known}")
        super().__init__("hcinfra:index:PackagePolicies", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identities: dict[str, Any] = {
            policy_type: TeamsPolicy(
                f"{name}-{policy_type}",
                policy_type=policy_type,
                name=package,
                settings=healthcare_packages.policy_settings(package, policy_type),
                opts=child,
            ).identity
            for policy_type in healthcare_packages.POLICY_TYPES
        }
        self.identities = pulumi.Output.from_input(identities)
        self.register_outputs({"identities": self.identities})
