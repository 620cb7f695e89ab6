"""Resource kinds: one module per kind, each a Pulumi dynamic provider and its Resource.

A large kind is a package instead (team/, shared_mailbox/, mail_security_group/,
group_license/), its modules named for what they hold.

Each kind is registered once, in `registry`: this package exports its Resource from
there, and the permission manifest reads its provider from there. The kinds load on
first use: the audit commands and the network validator use this package's plain
modules (policy_ranks, teams_apps, registry) and must not pay for Pulumi's import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hcinfra.resources import registry

# Each kind's Resource, registered once in registry.KINDS.
__all__ = [k.name for k in registry.KINDS]

# For type checkers only (re-exported by name); tests/resources/test_registry.py holds
# them to the registry.
if TYPE_CHECKING:
    from hcinfra.resources.deployment_stamp import DeploymentStamp as DeploymentStamp
    from hcinfra.resources.group_license import GroupLicenseAssignment as GroupLicenseAssignment
    from hcinfra.resources.group_policy_assignment import (
        GroupPolicyAssignment as GroupPolicyAssignment,
    )
    from hcinfra.resources.mail_security_group import MailSecurityGroup as MailSecurityGroup
    from hcinfra.resources.partner_tenant import PartnerTenant as PartnerTenant
    from hcinfra.resources.patient_list import PatientList as PatientList
    from hcinfra.resources.policy_package_assignment import (
        PolicyPackageAssignment as PolicyPackageAssignment,
    )
    from hcinfra.resources.security_group import SecurityGroup as SecurityGroup
    from hcinfra.resources.shared_mailbox import SharedMailbox as SharedMailbox
    from hcinfra.resources.team import Team as Team
    from hcinfra.resources.teams_policy import TeamsPolicy as TeamsPolicy
    from hcinfra.resources.virtual_visits import VirtualVisits as VirtualVisits
    from hcinfra.resources.ward_schedule import WardSchedule as WardSchedule


def __getattr__(name: str) -> object:
    kind = registry.BY_NAME.get(name)
    if kind is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return kind.resource_class()
