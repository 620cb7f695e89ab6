"""Where hcinfra's Pulumi state lives: a hardened storage account and container, and a
Key Vault for the optional certificate. Access is by Entra ID role, never by key.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, keyvault, resources, storage

# Built-in role definitions (the same ids in every tenant).
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
RETENTION_DAYS = 30


@dataclass
class StorageArgs:
    """Names and place of the state storage, and who may use it."""

    resource_group: str
    account_name: str  # 3-24 lower-case letters and digits, unique in Azure
    container: str
    vault_name: str  # 3-24 letters, digits and hyphens, unique in Azure
    location: str
    tenant_id: pulumi.Input[str]
    principal_id: pulumi.Input[str]  # hcinfra's service principal


class StateStorage(pulumi.ComponentResource):
    """A resource group, storage account, state container and Key Vault."""

    backend_url: pulumi.Output[str]
    vault_uri: pulumi.Output[str]

    def __init__(
        self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Create the state storage, hardened, and grant the identity data access."""
        super().__init__("hcinfra:bootstrap:StateStorage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # The state is the record of the tenant: never replace these by accident.
        keep = pulumi.ResourceOptions(parent=self, protect=True)
        group = resources.ResourceGroup(
            name, resource_group_name=args.resource_group, location=args.location, opts=keep
        )
        account = storage.StorageAccount(
            name,
            account_name=args.account_name,
            resource_group_name=group.name,
            location=args.location,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=storage.SkuName.STANDARD_ZRS),
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            enable_https_traffic_only=True,
            allow_blob_public_access=False,
            # Pulumi's azblob backend signs in with Entra ID, so keys are not needed.
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            opts=keep,
        )
        storage.BlobServiceProperties(
            name,
            account_name=account.name,
            resource_group_name=group.name,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=RETENTION_DAYS
            ),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=RETENTION_DAYS
            ),
            opts=child,
        )
        container = storage.BlobContainer(
            name,
            account_name=account.name,
            resource_group_name=group.name,
            container_name=args.container,
            public_access=storage.PublicAccess.NONE,
            opts=keep,
        )
        vault = keyvault.Vault(
            name,
            vault_name=args.vault_name,
            resource_group_name=group.name,
            location=args.location,
            properties=keyvault.VaultPropertiesArgs(
                tenant_id=args.tenant_id,
                sku=keyvault.SkuArgs(family=keyvault.SkuFamily.A, name=keyvault.SkuName.STANDARD),
                enable_rbac_authorization=True,
                enable_purge_protection=True,
                enable_soft_delete=True,
                soft_delete_retention_in_days=90,
            ),
            opts=keep,
        )
        subscription = authorization.get_client_config_output(
            opts=pulumi.InvokeOptions(parent=self)
        ).subscription_id
        grants = {
            what: authorization.RoleAssignment(
                f"{name}-{what}",
                principal_id=args.principal_id,
                principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
                role_definition_id=subscription.apply(
                    lambda sub, r=role: (
                        f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{r}"
                    )
                ),
                scope=scope,
                opts=child,
            )
            for role, scope, what in (
                (STORAGE_BLOB_DATA_CONTRIBUTOR, container.id, "state"),
                (KEY_VAULT_SECRETS_USER, vault.id, "vault"),
            )
        }
        # Known only once the identity may use them: a login before that would be refused.
        self.backend_url = pulumi.Output.all(
            container.name, account.name, grants["state"].id
        ).apply(lambda v: f"azblob://{v[0]}?storage_account={v[1]}")
        uri = vault.properties.apply(lambda p: p.vault_uri)
        self.vault_uri = pulumi.Output.all(uri, grants["vault"].id).apply(lambda v: str(v[0]))
        self.register_outputs({"backend_url": self.backend_url, "vault_uri": self.vault_uri})
