"""TenantBaseline: the tenant-wide Teams policies every site refers to by name, and partners.

One stack owns these, so two site stacks can never fight over a tenant-wide object. They
are the network's partner hospitals (the union of the sites' partners: cross-tenant access
and the Teams federation list are tenant-wide), its secure-messaging, app setup, virtual
visit meeting and SMS policies, and the policies of each
healthcare package a site's role holds: applying a package is unsupported app-only, so
hcinfra declares the package's policies itself (see resources/healthcare_packages.py),
under the package's name as Microsoft names them, and sites assign them per type.
Past Teams' 64 groups per policy type, the baseline also keeps one group per role
across the sites and assigns the policies to those (NetworkPolicyGroups;
network/policy_groups.py decides).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from hcinfra.components.network_policies import NetworkPolicyGroups, NetworkPolicyGroupsArgs
from hcinfra.components.package_policies import PackagePolicies
from hcinfra.network.model import Network
from hcinfra.network.plan import partners_of, plan_site
from hcinfra.network.policy_groups import plan_policy_groups
from hcinfra.resources import PartnerTenant, TeamsPolicy, healthcare_packages


@dataclass
class TenantBaselineArgs:
    """What a TenantBaseline needs: the network file's contents, and the sites the
    network-wide policy groups keep for a move (network/policy_groups.py)."""

    network: Network
    keep_policy_groups: list[str] = field(default_factory=list)


class TenantBaseline(pulumi.ComponentResource):
    """The secure-messaging and clinical app setup policies of a hospital network."""

    policies: pulumi.Output[dict[str, str]]
    partners: pulumi.Output[dict[str, str]]  # partner key → tenant id
    # The strategy, role → network-wide group, the sites those groups serve and keep.
    policy_groups: pulumi.Output[dict[str, Any]]
    package_policies: pulumi.Output[dict[str, dict[str, str]]]  # package → type → identity

    def __init__(
        self, name: str, args: TenantBaselineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the tenant-wide policies the network file names."""
        super().__init__("hcinfra:index:TenantBaseline", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        declared = args.network.baseline.policies
        made: dict[str, TeamsPolicy] = {}
        if declared.messaging:
            made["TeamsMessagingPolicy"] = TeamsPolicy(
                f"{name}-messaging",
                policy_type="TeamsMessagingPolicy",
                name=declared.messaging.name,
                settings=declared.messaging.settings,
                opts=child,
            )
        if declared.app_setup:
            settings = dict(declared.app_setup.settings)
            if declared.app_setup.pinned_apps:
                settings["PinnedAppBarApps"] = list(declared.app_setup.pinned_apps)
            made["TeamsAppSetupPolicy"] = TeamsPolicy(
                f"{name}-app-setup",
                policy_type="TeamsAppSetupPolicy",
                name=declared.app_setup.name,
                settings=settings,
                opts=child,
            )
        for key, policy_type in (
            ("meeting", "TeamsMeetingPolicy"),
            ("virtual_appointments", "TeamsVirtualAppointmentsPolicy"),
        ):
            policy = getattr(declared, key)
            if policy:
                made[policy_type] = TeamsPolicy(
                    f"{name}-{key.replace('_', '-')}",
                    policy_type=policy_type,
                    name=policy.name,
                    settings=policy.settings,
                    opts=child,
                )
        partners: dict[str, Any] = {
            key: PartnerTenant(
                f"{name}-partner-{key}",
                tenant_id=spec.tenant_id,
                domains=list(spec.domains),
                shared_channels=spec.shared_channels,
                trust_mfa=spec.trust_mfa,
                trust_compliant_devices=spec.trust_compliant_devices,
                opts=child,
            ).tenant_id
            for key, (spec, _sites) in partners_of(args.network).items()
        }
        identities: dict[str, Any] = {t: policy.identity for t, policy in made.items()}
        package_parts = {
            package: PackagePolicies(f"{name}-{package}", package=package, opts=child)
            for package in packages_of(args.network)
        }
        packaged: dict[str, Any] = {p: part.identities for p, part in package_parts.items()}
        plan = plan_policy_groups(args.network, args.keep_policy_groups)
        network_groups: dict[str, Any] = {}
        if plan.groups:
            # Past Teams' 64 groups per type: one group per role across the sites.
            network_groups = NetworkPolicyGroups(
                f"{name}-policy-groups",
                NetworkPolicyGroupsArgs(
                    plan=plan, policies=[*made.values(), *package_parts.values()]
                ),
                opts=child,
            ).groups  # type: ignore[assignment]
        self.policies = pulumi.Output.from_input(identities)
        self.package_policies = pulumi.Output.from_input(packaged)
        self.partners = pulumi.Output.from_input(partners)
        self.policy_groups = pulumi.Output.from_input(
            {
                "strategy": plan.strategy,
                "groups": network_groups,
                "served": plan.served(),
                "kept": plan.kept,
            }
        )
        self.register_outputs(
            {
                "policies": self.policies,
                "package_policies": self.package_policies,
                "partners": self.partners,
                "policy_groups": self.policy_groups,
            }
        )


def packages_of(network: Network) -> list[str]:
    """The healthcare packages any site's role holds, in catalogue order."""
    held = {
        g.package for s in network.sites for g in plan_site(network, s.code).groups if g.package
    }
    return [p for p in healthcare_packages.PACKAGES if p in held]
