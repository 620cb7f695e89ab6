"""The bootstrap stack: hcinfra's Entra ID identity and its Pulumi state storage.

Needs the `bootstrap` extra (pulumi-azuread, pulumi-azure-native): `pip install
'hcinfra[bootstrap]'`. stacks/bootstrap/ is the Pulumi project that uses it.
"""

try:
    import pulumi_azure_native  # noqa: F401
    import pulumi_azuread  # noqa: F401
except ImportError as err:  # the core install leaves them out
    raise ImportError(
        f"hcinfra's bootstrap stack needs {err.name}: pip install 'hcinfra[bootstrap]'"
    ) from err

from hcinfra.bootstrap.stack import Bootstrap, BootstrapArgs

__all__ = ["Bootstrap", "BootstrapArgs"]
