"""hcinfra: Microsoft 365 tenants for hospital networks, declared with Pulumi."""

from hcinfra.errors import HcinfraError

__version__ = "0.1.0"

_COMPONENTS = ("HospitalSite", "HospitalSiteArgs", "TenantBaseline", "TenantBaselineArgs")
__all__ = ["HcinfraError", *_COMPONENTS]


def __getattr__(name: str) -> object:
    # The components import Pulumi resources; load them only when asked for.
    if name in _COMPONENTS:
        import hcinfra.components as components

        return getattr(components, name)
    raise AttributeError(name)
