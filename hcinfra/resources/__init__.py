"""Resource kinds: one module per kind, each a Pulumi dynamic provider and its Resource."""

from hcinfra.resources.deployment_stamp import DeploymentStamp
from hcinfra.resources.group_license import GroupLicenseAssignment
from hcinfra.resources.group_policy_assignment import GroupPolicyAssignment
from hcinfra.resources.policy_package_assignment import PolicyPackageAssignment
from hcinfra.resources.security_group import SecurityGroup
from hcinfra.resources.shared_mailbox import SharedMailbox
from hcinfra.resources.team import Team
from hcinfra.resources.teams_policy import TeamsPolicy

__all__ = [
    "DeploymentStamp",
    "GroupLicenseAssignment",
    "GroupPolicyAssignment",
    "PolicyPackageAssignment",
    "SecurityGroup",
    "SharedMailbox",
    "Team",
    "TeamsPolicy",
]
