"""The Pulumi program behind `stacks/`: what `pulumi up` deploys for a stack."""

from __future__ import annotations

import pulumi

from hcinfra.resources import DeploymentStamp


def main() -> None:
    """Deploy the stack named by the `hcinfra:site` config value."""
    config = pulumi.Config("hcinfra")
    site = config.get("site") or pulumi.get_stack()
    stamp = DeploymentStamp("deployment", site=site, labels={"stack": pulumi.get_stack()})
    pulumi.export("site", site)
    pulumi.export("deploymentId", stamp.id)
    pulumi.export("hcinfraVersion", stamp.hcinfra_version)
