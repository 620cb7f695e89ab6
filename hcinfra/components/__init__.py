"""Components that compose the resource kinds: one TenantBaseline, one HospitalSite per site.

PackagePolicies declares one healthcare package's policies for programs of their own.
"""

from hcinfra.components.hospital_site import HospitalSite, HospitalSiteArgs
from hcinfra.components.package_policies import PackagePolicies
from hcinfra.components.tenant_baseline import TenantBaseline, TenantBaselineArgs

__all__ = [
    "HospitalSite",
    "HospitalSiteArgs",
    "PackagePolicies",
    "TenantBaseline",
    "TenantBaselineArgs",
]
