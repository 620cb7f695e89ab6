"""hcinfra: Microsoft 365 tenants for hospital networks, declared with Pulumi."""

__version__ = "0.1.0"

__all__ = ["HospitalSite", "HospitalSiteArgs", "TenantBaseline", "TenantBaselineArgs"]


def __getattr__(name: str) -> object:
    # The components import Pulumi resources; load them only when asked for.
    if name in __all__:
        import hcinfra.components as components

        return getattr(components, name)
    raise AttributeError(name)
