"""Every resource kind, registered once.

`hcinfra.resources` exports each kind's Resource from here, the permission manifest
(`hcinfra permissions`, and through it the bootstrap grants) reads each kind's provider
from here, and `tests/resources/test_registry.py` fails when a kind defined under
hcinfra.resources is missing. This module imports no Pulumi: the audit commands and
the network validator import hcinfra.resources' plain modules and must stay light.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

# The module of the kinds' type tokens: `pulumi-python:dynamic/hcinfra:<Name>`.
MODULE = "hcinfra"
# The type every dynamic Resource had before the kinds named theirs: stacks deployed then
# still hold it, and each kind's Resource aliases it so they upgrade with nothing replaced.
OLD_TYPE = "pulumi-python:dynamic:Resource"


@dataclass(frozen=True)
class Kind:
    """One resource kind: its Resource class name and where it and its provider live."""

    name: str  # the Resource class, and the type token's name
    module: str  # the module or package under hcinfra.resources defining it
    provider: str  # the provider class, as pickled into stacks' state (never rename it)
    tenant: bool = True  # calls the tenant: its permissions are in the manifest

    @property
    def token(self) -> str:
        """The type token of the kind's resources in Pulumi's state and previews."""
        return f"pulumi-python:dynamic/{MODULE}:{self.name}"

    @property
    def path(self) -> str:
        """The kind's module or package, importable."""
        return f"hcinfra.resources.{self.module}"

    def resource_class(self) -> type[Any]:
        """The kind's Resource class (imports Pulumi)."""
        return getattr(importlib.import_module(self.path), self.name)

    def provider_class(self) -> type[Any]:
        """The kind's provider class (imports Pulumi)."""
        return getattr(importlib.import_module(self.path), self.provider)


# In the permission manifest's order.
KINDS: tuple[Kind, ...] = (
    Kind("SecurityGroup", "security_group", "SecurityGroupProvider"),
    Kind("GroupLicenseAssignment", "group_license", "GroupLicenseProvider"),
    Kind("SharedMailbox", "shared_mailbox", "SharedMailboxProvider"),
    Kind("MailSecurityGroup", "mail_security_group", "MailSecurityGroupProvider"),
    Kind("Team", "team", "TeamProvider"),
    Kind("TeamsPolicy", "teams_policy", "TeamsPolicyProvider"),
    Kind("GroupPolicyAssignment", "group_policy_assignment", "GroupPolicyAssignmentProvider"),
    Kind("PolicyPackageAssignment", "policy_package_assignment", "PolicyPackageAssignmentProvider"),
    Kind("WardSchedule", "ward_schedule", "WardScheduleProvider"),
    Kind("PatientList", "patient_list", "PatientListProvider"),
    Kind("PartnerTenant", "partner_tenant", "PartnerTenantProvider"),
    Kind("VirtualVisits", "virtual_visits", "VirtualVisitsProvider"),
    Kind("DeploymentStamp", "deployment_stamp", "DeploymentStampProvider", tenant=False),
)
BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}
