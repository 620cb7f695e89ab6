"""Resource kinds: one module per kind, each a Pulumi dynamic provider and its Resource."""

from hcinfra.resources.deployment_stamp import DeploymentStamp

__all__ = ["DeploymentStamp"]
