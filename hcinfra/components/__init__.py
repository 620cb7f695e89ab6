"""Components that compose the resource kinds: one TenantBaseline, one HospitalSite per site.

PackagePolicies declares one healthcare package's policies for programs of their own;
NetworkPolicyGroups holds the Teams policies in one group per role past Teams' cap.
"""

from hcinfra.components.hospital_site import HospitalSite, HospitalSiteArgs
from hcinfra.components.network_policies import NetworkPolicyGroups, NetworkPolicyGroupsArgs
from hcinfra.components.package_policies import PackagePolicies
from hcinfra.components.tenant_baseline import TenantBaseline, TenantBaselineArgs

__all__ = [
    "HospitalSite",
    "HospitalSiteArgs",
    "NetworkPolicyGroups",
    "NetworkPolicyGroupsArgs",
    "PackagePolicies",
    "TenantBaseline",
    "TenantBaselineArgs",
]
