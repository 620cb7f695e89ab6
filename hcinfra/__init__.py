"""hcinfra: Microsoft 365 tenants for hospital networks, declared with Pulumi."""

__version__ = "0.1.0"
