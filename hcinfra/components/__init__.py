"""Components that compose the resource kinds: one TenantBaseline, one HospitalSite per site."""

from hcinfra.components.hospital_site import HospitalSite, HospitalSiteArgs
from hcinfra.components.tenant_baseline import TenantBaseline, TenantBaselineArgs

__all__ = ["HospitalSite", "HospitalSiteArgs", "TenantBaseline", "TenantBaselineArgs"]
