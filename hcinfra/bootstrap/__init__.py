"""The bootstrap stack: hcinfra's Entra ID identity and its Pulumi state storage.

Needs the `bootstrap` extra (pulumi-azuread, pulumi-azure-native): `pip install
'hcinfra[bootstrap]'`. stacks/bootstrap/ is the Pulumi project that uses it.
"""

from hcinfra.bootstrap.stack import Bootstrap, BootstrapArgs

__all__ = ["Bootstrap", "BootstrapArgs"]
