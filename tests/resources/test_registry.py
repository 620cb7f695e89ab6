"""One registration per kind: every provider and Resource under hcinfra.resources is in
registry.KINDS, and the exports, the permission manifest and the type tokens follow it."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from types import ModuleType

import pulumi
import pytest
from pulumi.dynamic import Resource, ResourceProvider

import hcinfra.resources
from hcinfra import permissions
from hcinfra.resources import registry
from hcinfra.resources.base import KindProvider
from hcinfra.resources.kind_resource import KindResource, with_old_type
from tests.conftest import REPO

# Where each provider class is pickled from in stacks deployed today: dill pickles a class
# by its module and name, so moving or renaming one breaks every stack that holds it.
PICKLED = {
    "SecurityGroup": "hcinfra.resources.security_group.SecurityGroupProvider",
    "GroupLicenseAssignment": "hcinfra.resources.group_license.provider.GroupLicenseProvider",
    "SharedMailbox": "hcinfra.resources.shared_mailbox.provider.SharedMailboxProvider",
    "MailSecurityGroup": (
        "hcinfra.resources.mail_security_group.provider.MailSecurityGroupProvider"
    ),
    "Team": "hcinfra.resources.team.provider.TeamProvider",
    "TeamsPolicy": "hcinfra.resources.teams_policy.TeamsPolicyProvider",
    "GroupPolicyAssignment": (
        "hcinfra.resources.group_policy_assignment.GroupPolicyAssignmentProvider"
    ),
    "PolicyPackageAssignment": (
        "hcinfra.resources.policy_package_assignment.PolicyPackageAssignmentProvider"
    ),
    "WardSchedule": "hcinfra.resources.ward_schedule.provider.WardScheduleProvider",
    "PatientList": "hcinfra.resources.patient_list.provider.PatientListProvider",
    "PartnerTenant": "hcinfra.resources.partner_tenant.provider.PartnerTenantProvider",
    "VirtualVisits": "hcinfra.resources.virtual_visits.provider.VirtualVisitsProvider",
    "DeploymentStamp": "hcinfra.resources.deployment_stamp.DeploymentStampProvider",
}


def resource_modules() -> list[ModuleType]:
    """Every module and package under hcinfra.resources, imported."""
    found = [hcinfra.resources]
    for info in pkgutil.walk_packages(hcinfra.resources.__path__, "hcinfra.resources."):
        found.append(importlib.import_module(info.name))
    return found


def defined_kinds() -> tuple[set[type], set[type]]:
    """The kinds' providers and Resources defined under hcinfra.resources, by their classes.

    A provider is a KindProvider with a kind (its bases without one are a package's steps)
    or another ResourceProvider; a Resource is any dynamic Resource but the common base.
    """
    providers: set[type] = set()
    resources: set[type] = set()
    for module in resource_modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ != module.__name__:
                continue
            if issubclass(value, KindProvider):
                if value.kind:
                    providers.add(value)
            elif issubclass(value, ResourceProvider):
                providers.add(value)
            elif issubclass(value, Resource) and value is not KindResource:
                resources.add(value)
    return providers, resources


def unregistered(kinds: tuple[registry.Kind, ...]) -> list[str]:
    """The providers and Resources defined under hcinfra.resources that `kinds` lacks."""
    providers, resources = defined_kinds()
    known_providers = {k.provider_class() for k in kinds}
    known_resources = {k.resource_class() for k in kinds}
    return sorted(
        f"{c.__module__}.{c.__qualname__}"
        for c in (providers - known_providers) | (resources - known_resources)
    )


def test_every_provider_and_resource_under_resources_is_registered():
    assert unregistered(registry.KINDS) == []


def test_a_kind_left_out_of_the_registry_is_found():
    fewer = tuple(k for k in registry.KINDS if k.name != "Team")
    assert unregistered(fewer) == [
        "hcinfra.resources.team.provider.TeamProvider",
        "hcinfra.resources.team.resource.Team",
    ]


@pytest.mark.parametrize("kind", registry.KINDS, ids=lambda k: k.name)
def test_a_registered_kind_is_typed_by_its_name_and_aliases_the_old_type(kind: registry.Kind):
    resource = kind.resource_class()
    assert resource.__name__ == kind.name
    assert issubclass(resource, KindResource)
    assert kind.token == f"pulumi-python:dynamic/hcinfra:{kind.name}"
    assert f"pulumi-python:{resource._resource_type_name}" == kind.token
    provider = kind.provider_class()
    assert f"{provider.__module__}.{provider.__qualname__}" == PICKLED[kind.name]
    # Tenant kinds declare their permissions, and are named in the manifest by that name.
    assert kind.tenant == issubclass(provider, KindProvider)
    if kind.tenant:
        assert provider.kind == kind.name


def test_the_old_type_alias_joins_the_callers_aliases_and_changes_nothing_else():
    mine = pulumi.Alias(name="before-rename")
    opts = pulumi.ResourceOptions(aliases=[mine], protect=True)
    merged = with_old_type(opts, "dynamic/hcinfra:SecurityGroup")
    assert merged.aliases is not None and len(merged.aliases) == 2
    assert merged.aliases[0] is mine
    old = merged.aliases[1]
    assert isinstance(old, pulumi.Alias) and old.type_ == registry.OLD_TYPE
    assert old.parent is ...  # the resource's own parent: a site's children stay its children
    assert merged.protect is True
    assert opts.aliases == [mine]  # the caller's options, shared by a site's children, unchanged
    assert with_old_type(None, "dynamic:Resource").aliases is None


def test_the_public_exports_are_the_registered_resources():
    names = [k.name for k in registry.KINDS]
    assert hcinfra.resources.__all__ == names
    for kind in registry.KINDS:
        assert getattr(hcinfra.resources, kind.name) is kind.resource_class()
    with pytest.raises(AttributeError):
        _ = hcinfra.resources.NoSuchKind  # type: ignore[attr-defined]


def test_the_type_checking_imports_match_the_registry():
    tree = ast.parse((REPO / "hcinfra" / "resources" / "__init__.py").read_text())
    [block] = [
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]
    imported = {
        (node.module, alias.name, alias.asname)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {(k.path, k.name, k.name) for k in registry.KINDS}


def test_the_permission_manifest_holds_every_tenant_kind():
    assert [k.kind for k in permissions.kinds()] == [k.name for k in registry.KINDS if k.tenant]
    assert list(permissions.manifest()["kinds"]) == [k.name for k in registry.KINDS if k.tenant]


PACKAGES = [k for k in registry.KINDS if (REPO / "hcinfra" / "resources" / k.module).is_dir()]


@pytest.mark.parametrize("kind", PACKAGES, ids=lambda k: k.name)
def test_a_kind_package_exports_its_resource_inputs_and_provider(kind: registry.Kind):
    # Its internals are imported from the modules defining them.
    module = importlib.import_module(kind.path)
    provider = kind.provider_class()
    exported = {kind.name, provider.__name__, provider.inputs_model.__name__}
    assert sorted(module.__all__) == sorted(exported)
    assert all(getattr(module, name) for name in module.__all__)
