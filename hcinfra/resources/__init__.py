"""Resource kinds: one module per kind, each a Pulumi dynamic provider and its Resource."""

from hcinfra.resources.deployment_stamp import DeploymentStamp
from hcinfra.resources.security_group import SecurityGroup

__all__ = ["DeploymentStamp", "SecurityGroup"]
