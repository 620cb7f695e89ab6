"""The Pulumi program behind `stacks/` and `hcinfra sites`: a site, or the tenant baseline."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pulumi

from hcinfra.components import HospitalSite, HospitalSiteArgs, TenantBaseline, TenantBaselineArgs
from hcinfra.network import load_network

TENANT = "tenant"
DEFAULT_NETWORK = "stacks/network.yaml"


def network_path(configured: str | None) -> Path:
    """The network file, relative to the project's root (where Pulumi.yaml is)."""
    path = Path(configured or DEFAULT_NETWORK)
    if path.is_absolute():
        return path
    try:
        root = Path(pulumi.runtime.get_root_directory())
    except Exception:  # outside a Pulumi run (tests, older engines)
        root = Path.cwd()
    for base in (root, Path.cwd(), *Path.cwd().parents):
        if (base / path).exists():
            return base / path
    return root / path


def deploy(site: str, network_file: str | None = None, keep: Collection[str] = ()) -> None:
    """Declare the tenant baseline (site 'tenant') or the HospitalSite with that code.

    `keep`: the sites whose members the tenant's network-wide policy groups go on holding
    while those sites move to their own groups (hcinfra.sites.runner stages the move).
    """
    network = load_network(network_path(network_file))
    if site == TENANT:
        baseline = TenantBaseline("tenant", TenantBaselineArgs(network, sorted(keep)))
        pulumi.export("policies", baseline.policies)
        # Read back by the next `hcinfra sites up` to stage a move off those groups.
        pulumi.export("policy_groups", baseline.policy_groups)
        return
    hospital = HospitalSite(site.lower(), HospitalSiteArgs(network, site))
    pulumi.export("site", site)
    pulumi.export("groups", hospital.groups)
    pulumi.export("mailboxes", hospital.mailboxes)
    pulumi.export("teams", hospital.teams)
    pulumi.export("objects", hospital.objects)


def main() -> None:
    """Entry point of stacks/: `hcinfra:site` names the site, or `tenant`."""
    config = pulumi.Config("hcinfra")
    deploy(config.require("site"), config.get("network"))
