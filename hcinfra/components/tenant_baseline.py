"""TenantBaseline: the tenant-wide Teams policies every site refers to by name.

One stack owns these, so two site stacks can never fight over a tenant-wide object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from hcinfra.network.model import Network
from hcinfra.resources import TeamsPolicy


@dataclass
class TenantBaselineArgs:
    """What a TenantBaseline needs: the network file's contents."""

    network: Network


class TenantBaseline(pulumi.ComponentResource):
    """The secure-messaging and clinical app setup policies of a hospital network."""

    policies: pulumi.Output[dict[str, str]]

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
        identities: dict[str, Any] = {t: policy.identity for t, policy in made.items()}
        self.policies = pulumi.Output.from_input(identities)
        self.register_outputs({"policies": self.policies})
