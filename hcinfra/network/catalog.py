"""What a network file may name without asking the tenant: SKUs, templates, packages, apps."""

from __future__ import annotations

from hcinfra.resources import healthcare_packages
from hcinfra.resources.teams_apps import catalog_names

# Part numbers of the SKUs hospitals license (Microsoft's licensing service plan reference).
SKUS: dict[str, str] = {
    "SPE_F1": "66b55226-6b4f-492c-910c-a3b7a3c9d993",  # Microsoft 365 F3
    "M365_F1_COMM": "50f60901-3181-4b75-8a2c-4c8e4c1d5a72",  # Microsoft 365 F1
    "M365_F1": "44575883-256e-4a79-9da4-ebe9acabe2b2",  # Microsoft 365 F1 (other tenants)
    "DESKLESSPACK": "4b585984-651b-448a-9e53-3b10f069cf7f",  # Office 365 F3
    "ENTERPRISEPACK": "6fd2c87f-b296-42f0-b197-1e91e994b900",  # Office 365 E3
    "SPE_E3": "05e9a617-0261-4cee-bb44-138d3ef5d965",  # Microsoft 365 E3
    "SPE_E5": "06ebc4ee-1bb5-47dd-8120-11324bc54e06",  # Microsoft 365 E5
}
TEMPLATES = ("standard", "healthcareWard", "healthcareHospital")
PACKAGES = healthcare_packages.PACKAGES
# The policy types each healthcare package assigns (all three hold the same five).
PACKAGE_POLICY_TYPES = healthcare_packages.POLICY_TYPES
# New-CsGroupPolicyAssignment: a policy type can be assigned to at most 64 groups.
MAX_GROUPS_PER_POLICY_TYPE = 64


def pinned_apps() -> list[str]:
    """Friendly app names the app setup policy accepts."""
    return catalog_names()
