"""Resource kinds: one module per kind, each a Pulumi dynamic provider and its Resource.

A large kind is a package instead (team/, shared_mailbox/, mail_security_group/,
group_license/), its modules
named for what they hold.

The kinds load on first use: the audit commands and the network validator use this
package's plain modules (policy_ranks, teams_apps) and must not pay for Pulumi's import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_MODULES = {
    "DeploymentStamp": "deployment_stamp",
    "GroupLicenseAssignment": "group_license",
    "GroupPolicyAssignment": "group_policy_assignment",
    "MailSecurityGroup": "mail_security_group",
    "PolicyPackageAssignment": "policy_package_assignment",
    "SecurityGroup": "security_group",
    "SharedMailbox": "shared_mailbox",
    "Team": "team",
    "TeamsPolicy": "teams_policy",
}
__all__ = [
    "DeploymentStamp",
    "GroupLicenseAssignment",
    "GroupPolicyAssignment",
    "MailSecurityGroup",
    "PolicyPackageAssignment",
    "SecurityGroup",
    "SharedMailbox",
    "Team",
    "TeamsPolicy",
]

if TYPE_CHECKING:
    from hcinfra.resources.deployment_stamp import DeploymentStamp
    from hcinfra.resources.group_license import GroupLicenseAssignment
    from hcinfra.resources.group_policy_assignment import GroupPolicyAssignment
    from hcinfra.resources.mail_security_group import MailSecurityGroup
    from hcinfra.resources.policy_package_assignment import PolicyPackageAssignment
    from hcinfra.resources.security_group import SecurityGroup
    from hcinfra.resources.shared_mailbox import SharedMailbox
    from hcinfra.resources.team import Team
    from hcinfra.resources.teams_policy import TeamsPolicy


def __getattr__(name: str) -> object:
    if name in _MODULES:
        module = importlib.import_module(f"hcinfra.resources.{_MODULES[name]}")
        return getattr(module, name)
    raise AttributeError(name)
