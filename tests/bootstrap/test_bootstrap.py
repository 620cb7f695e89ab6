"""The bootstrap stack under Pulumi's mocks (its provider plugins cannot run here).

Checks the exact grants against hcinfra's permission manifest, the storage and Key
Vault hardening, and that no secret is made or exported.
"""

from __future__ import annotations

import asyncio
import runpy
import subprocess
import sys
import uuid
from typing import Any

import pulumi
import pytest

from hcinfra.bootstrap.identity import EXCHANGE_APP_ID, GRAPH_APP_ID
from hcinfra.permissions import manifest
from hcinfra.resources.base import Grants, Permissions
from tests.conftest import REPO

GRAPH_SP, EXCHANGE_SP = "sp-graph-object-id", "sp-exchange-object-id"
TENANT = "6f1d2c3b-8a4e-4b7d-9c2a-1e5f7a9b0c41"
CONFIG = {
    "hcinfra-bootstrap:tenantId": TENANT,
    "hcinfra-bootstrap:storageAccount": "sthcinfrastate01",
    "hcinfra-bootstrap:keyVault": "kv-hcinfra-01",
    "hcinfra-bootstrap:githubSubjects": '["repo:nw/tenant:environment:production",'
    ' "repo:nw/tenant:environment:preview"]',
}
PEM = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n"


def role_id(resource_app: str, role: str) -> str:
    """A stable app role id, as the resource app's service principal would list it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{resource_app}/{role}"))


# Every role the real service principals offer (the manifest's, and more).
OFFERED = {
    GRAPH_APP_ID: [
        "Group.ReadWrite.All", "Group.Read.All", "GroupMember.ReadWrite.All", "User.Read.All",
        "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All",
        "Organization.Read.All", "LicenseAssignment.ReadWrite.All", "Team.Create",
        "Team.ReadBasic.All", "TeamSettings.ReadWrite.All", "Channel.Create",
        "Channel.ReadBasic.All", "AppCatalog.Read.All", "User.EnableDisableAccount.All",
        "Sites.Read.All", "Sites.Manage.All", "Schedule.Read.All", "Schedule.ReadWrite.All",
        "User.ReadBasic.All", "Policy.Read.All", "Policy.ReadWrite.CrossTenantAccess",
        "Bookings.Read.All", "Bookings.ReadWrite.All", "Bookings.Manage.All",
        "TeamsUserConfiguration.Read.All",
    ],
    EXCHANGE_APP_ID: ["Exchange.ManageAsApp", "full_access_as_app", "Mail.Read"],
}  # fmt: skip


class Mocks(pulumi.runtime.Mocks):
    """Record resources; answer the service principal and client config lookups."""

    def __init__(self) -> None:
        self.made: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.made.append(args)
        state = dict(args.inputs)
        rid = f"{args.name}-id"
        if args.typ == "azuread:index/application:Application":
            state.update(clientId=str(uuid.uuid5(uuid.NAMESPACE_DNS, args.name)), objectId=rid)
            rid = f"/applications/{rid}"
        elif args.typ == "azuread:index/servicePrincipal:ServicePrincipal":
            state["objectId"] = f"{args.name}-sp-object-id"
        elif args.typ == "azuread:index/directoryRole:DirectoryRole":
            state["templateId"] = f"template-{args.inputs['displayName']}"
        elif args.typ == "azure-native:keyvault:Vault":
            state["properties"] = {**state["properties"], "vaultUri": "https://kv.vault.azure.net/"}
        if args.typ.startswith("azure-native:"):
            rid = f"/subscriptions/sub-1/resourceGroups/rg/{args.name}"
            # Azure's `name` output is the name the resource was given.
            for key in ("containerName", "accountName", "vaultName", "resourceGroupName"):
                if key in args.inputs and "name" not in state:
                    state["name"] = args.inputs[key]
            if args.typ.endswith("BlobContainer"):
                state["name"] = args.inputs["containerName"]
        return rid, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list]:
        if args.token == "azuread:index/getServicePrincipal:getServicePrincipal":
            app = args.args["clientId"]
            return {
                "clientId": app,
                "objectId": GRAPH_SP if app == GRAPH_APP_ID else EXCHANGE_SP,
                "appRoleIds": {r: role_id(app, r) for r in OFFERED[app]},
            }, []
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "subscriptionId": "sub-1",
                "tenantId": TENANT,
                "clientId": "x",
                "objectId": "y",
            }, []
        raise AssertionError(f"unexpected invoke {args.token}")

    def of(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [r for r in self.made if r.typ.endswith(typ)]


@pytest.fixture
def mocks() -> Mocks:
    asyncio.set_event_loop(asyncio.new_event_loop())  # an earlier asyncio.run closed it
    m = Mocks()
    pulumi.runtime.set_mocks(m, preview=False)
    return m


def bootstrap(config: dict[str, str] | None = None) -> dict[str, Any]:
    """Run stacks/bootstrap/__main__.py as the engine would; its exports."""
    pulumi.runtime.set_all_config({**CONFIG, **(config or {})})
    exported: dict[str, Any] = {}
    real = pulumi.export
    pulumi.export = lambda name, value: exported.__setitem__(name, value)  # type: ignore[assignment]
    try:
        runpy.run_path(str(REPO / "stacks" / "bootstrap" / "__main__.py"))
    finally:
        pulumi.export = real
    return exported


def granted(mocks: Mocks) -> set[tuple[str, str]]:
    """(resource app, role name) of every app role assignment made."""
    names = {role_id(app, r): (app, r) for app, roles in OFFERED.items() for r in roles}
    sps = {GRAPH_SP: GRAPH_APP_ID, EXCHANGE_SP: EXCHANGE_APP_ID}
    out = set()
    for r in mocks.of("appRoleAssignment:AppRoleAssignment"):
        app, role = names[r.inputs["appRoleId"]]
        assert sps[r.inputs["resourceObjectId"]] == app, "a role of one API assigned on another"
        out.add((app, role))
    return out


def wanted() -> set[tuple[str, str]]:
    services = manifest()["services"]
    return {(GRAPH_APP_ID, r) for r in services["graph"]} | {
        (EXCHANGE_APP_ID, r) for r in services["exchange"]
    }


@pulumi.runtime.test
def test_role_assignments_are_exactly_the_permission_manifest(mocks: Mocks):
    outputs = bootstrap()

    def check(_: Any) -> None:
        assert granted(mocks) == wanted()
        assignments = mocks.of("appRoleAssignment:AppRoleAssignment")
        assert len(assignments) == len(wanted()), "each permission once"
        principal = next(r for r in mocks.of("servicePrincipal:ServicePrincipal"))
        assert {r.inputs["principalObjectId"] for r in assignments} == {
            f"{principal.name}-sp-object-id"
        }
        roles = {r.inputs["displayName"] for r in mocks.of("directoryRole:DirectoryRole")}
        assert roles == set(manifest()["services"]["directory_roles"])
        assert roles == {"Exchange Administrator", "Teams Administrator"}
        assigned = {r.inputs["roleId"] for r in mocks.of("DirectoryRoleAssignment")}
        assert assigned == {f"template-{name}" for name in roles}
        # The app lists the same permissions for review in the portal.
        app = mocks.of("application:Application")[0]
        listed = {
            (a["resourceAppId"], ra["id"])
            for a in app.inputs["requiredResourceAccesses"]
            for ra in a["resourceAccesses"]
        }
        assert listed == {(a, role_id(a, r)) for a, r in wanted()}

    return pulumi.Output.all(*outputs.values()).apply(check)


@pulumi.runtime.test
def test_a_kind_needing_a_new_permission_changes_the_grants(
    mocks: Mocks, monkeypatch: pytest.MonkeyPatch
):
    from hcinfra.resources.security_group import SecurityGroupProvider

    more = Grants(graph=("Sites.Read.All",))
    monkeypatch.setattr(SecurityGroupProvider, "permissions", Permissions(read=more, write=more))
    outputs = bootstrap()

    def check(_: Any) -> None:
        assert (GRAPH_APP_ID, "Sites.Read.All") in granted(mocks)
        assert granted(mocks) == wanted()

    return pulumi.Output.all(*outputs.values()).apply(check)


@pulumi.runtime.test
def test_github_federation_and_the_optional_certificate(mocks: Mocks):
    outputs = bootstrap({"hcinfra-bootstrap:certificatePem": PEM})

    def check(_: Any) -> None:
        creds = mocks.of("ApplicationFederatedIdentityCredential")
        assert {c.inputs["subject"] for c in creds} == {
            "repo:nw/tenant:environment:production",
            "repo:nw/tenant:environment:preview",
        }
        for c in creds:
            assert c.inputs["issuer"] == "https://token.actions.githubusercontent.com"
            assert c.inputs["audiences"] == ["api://AzureADTokenExchange"]
        (cert,) = mocks.of("applicationCertificate:ApplicationCertificate")
        assert cert.inputs["type"] == "AsymmetricX509Cert" and "PRIVATE" not in cert.inputs["value"]

    return pulumi.Output.all(*outputs.values()).apply(check)


@pulumi.runtime.test
def test_state_storage_and_key_vault_are_hardened(mocks: Mocks):
    outputs = bootstrap()

    def check(_: Any) -> None:
        (account,) = mocks.of("storage:StorageAccount")
        assert account.inputs["minimumTlsVersion"] == "TLS1_2"
        assert account.inputs["allowBlobPublicAccess"] is False
        assert account.inputs["allowSharedKeyAccess"] is False
        assert account.inputs["enableHttpsTrafficOnly"] is True
        (blobs,) = mocks.of("storage:BlobServiceProperties")
        assert blobs.inputs["isVersioningEnabled"] is True
        assert blobs.inputs["deleteRetentionPolicy"]["enabled"] is True
        assert blobs.inputs["deleteRetentionPolicy"]["days"] >= 7
        assert blobs.inputs["containerDeleteRetentionPolicy"]["enabled"] is True
        (container,) = mocks.of("storage:BlobContainer")
        assert container.inputs["publicAccess"] == "None"
        (vault,) = mocks.of("keyvault:Vault")
        props = vault.inputs["properties"]
        assert props["enableRbacAuthorization"] is True
        assert props["enablePurgeProtection"] is True
        assert props["enableSoftDelete"] is True
        # The identity reads and writes state by role, as shared keys are off.
        roles = {
            r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]: r.inputs["scope"]
            for r in mocks.of("authorization:RoleAssignment")
        }
        assert roles["ba92f5b4-2d11-453d-a403-e96b0029c9fe"].endswith("/hcinfra-state")
        # The state's homes are protected from an accidental replace or destroy.
        for kept in (account, container, vault, *mocks.of("resources:ResourceGroup")):
            assert kept.custom and kept.name == "hcinfra-state"

    return pulumi.Output.all(*outputs.values()).apply(check)


@pulumi.runtime.test
def test_outputs_are_what_a_run_needs_and_hold_no_secret(mocks: Mocks):
    outputs = bootstrap({"hcinfra-bootstrap:certificatePem": PEM})
    assert set(outputs) == {"client_id", "tenant_id", "backend_url", "key_vault_uri"}

    def check(values: list[Any]) -> None:
        found = dict(zip(outputs, values, strict=True))
        assert found["tenant_id"] == TENANT
        assert found["backend_url"] == "azblob://pulumi-state?storage_account=sthcinfrastate01"
        assert uuid.UUID(found["client_id"])
        made = {r.typ for r in mocks.made}
        assert not [t for t in made if "Password" in t or "Secret" in t or "ListKeys" in t]
        text = repr(found).lower()
        assert "secret" not in text and "password" not in text and "-----begin" not in text

    return pulumi.Output.all(*outputs.values()).apply(check)


def test_without_the_extra_the_import_error_says_how_to_install_it():
    code = "import sys; sys.modules['pulumi_azuread'] = None; import hcinfra.bootstrap"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "needs pulumi_azuread: pip install 'hcinfra[bootstrap]'" in proc.stderr
