"""The Pulumi program behind `stacks/`: what `pulumi up` deploys for a stack."""

from __future__ import annotations

import os

import pulumi

from hcinfra.clients.discovery import LOGIN, discover_tenant_id
from hcinfra.resources import DeploymentStamp


def main() -> None:
    """Deploy the stack named by the `hcinfra:site` config value."""
    config = pulumi.Config("hcinfra")
    site = config.get("site") or pulumi.get_stack()
    endpoint = os.environ.get("HCINFRA_ENDPOINT") or config.get("endpoint") or LOGIN
    domain = config.require("tenantDomain")
    tenant_id = discover_tenant_id(domain, endpoint, os.environ.get("HCINFRA_CA_BUNDLE"))
    stamp = DeploymentStamp(
        "deployment",
        site=site,
        labels={"stack": pulumi.get_stack(), "tenantId": tenant_id},
    )
    pulumi.export("site", site)
    pulumi.export("tenantId", tenant_id)
    pulumi.export("deploymentId", stamp.id)
    pulumi.export("hcinfraVersion", stamp.hcinfra_version)
